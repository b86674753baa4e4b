package datasets

import (
	"archive/tar"
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/evalclip/evalclip/internal/limits"
)

// The fuzz targets write the fuzzed bytes as one file of a dataset whose
// other files are fixed, open the dataset, and read every sample: any
// bytes must give a dataset or an error, never a panic or an allocation
// past the limit (lowered here so that a regression fails fast).

func fuzzDir(f *testing.F) string {
	f.Helper()
	f.Setenv(limits.EnvMaxAlloc, "67108864")
	return f.TempDir()
}

// exercise reads every sample and label of a dataset that opened.
func exercise(d Dataset) {
	for i := 0; i < d.Len() && i < 64; i++ {
		d.Label(i)
		d.Image(i)
	}
	if c, ok := d.(interface{ Close() error }); ok {
		c.Close()
	}
}

func idxBytes(magic uint32, dims []int, payload []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, magic)
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, uint32(d))
	}
	b.Write(payload)
	return b.Bytes()
}

func FuzzMNIST(f *testing.F) {
	dir := fuzzDir(f)
	labels := idxBytes(idxLabelsMagic, []int{2}, []byte{3, 7})
	os.WriteFile(filepath.Join(dir, "t10k-labels-idx1-ubyte"), labels, 0o644)
	f.Add(idxBytes(idxImagesMagic, []int{2, 2, 2}, make([]byte, 8)))
	f.Add(idxBytes(idxImagesMagic, []int{2, 28, 28}, make([]byte, 100)))
	f.Add(idxBytes(idxImagesMagic, []int{0xffffffff, 0xffffffff, 2}, nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		os.WriteFile(filepath.Join(dir, "t10k-images-idx3-ubyte"), data, 0o644)
		if d, err := Open("mnist", dir, "test"); err == nil {
			exercise(d)
		}
	})
}

func tarOf(members map[string][]byte, order ...string) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, name := range order {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(members[name])), Typeflag: tar.TypeReg})
		tw.Write(members[name])
	}
	tw.Close()
	return b.Bytes()
}

func FuzzWDS(f *testing.F) {
	dir := fuzzDir(f)
	os.WriteFile(filepath.Join(dir, "classnames.txt"), []byte("cat\ndog\n"), 0o644)
	os.MkdirAll(filepath.Join(dir, "test"), 0o755)
	png, _ := os.ReadFile(filepath.Join("..", "testdata", "images", "tiny-1x1.png"))
	f.Add(tarOf(map[string][]byte{"a.png": png, "a.cls": []byte("1")}, "a.png", "a.cls"))
	f.Add(tarOf(map[string][]byte{"x/a.webp": []byte("RIFF"), "x/a.cls": []byte("9")}, "x/a.webp", "x/a.cls"))
	f.Fuzz(func(t *testing.T, data []byte) {
		os.WriteFile(filepath.Join(dir, "test", "0.tar"), data, 0o644)
		if d, err := Open("wds", dir, "test"); err == nil {
			exercise(d)
		}
	})
}

func FuzzCSV(f *testing.F) {
	dir := fuzzDir(f)
	png, _ := os.ReadFile(filepath.Join("..", "testdata", "images", "tiny-1x1.png"))
	os.WriteFile(filepath.Join(dir, "a.png"), png, 0o644)
	f.Add([]byte("path,label\na.png,0\n"))
	f.Add([]byte("image,class\n\"a.png\",dog\n# comment\n"))
	f.Add([]byte("a.png,2000000000\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		os.WriteFile(filepath.Join(dir, "test.csv"), data, 0o644)
		if d, err := Open("csv", dir, "test"); err == nil {
			exercise(d)
		}
	})
}

func FuzzLOCSolution(f *testing.F) {
	dir := fuzzDir(f)
	png, _ := os.ReadFile(filepath.Join("..", "testdata", "images", "tiny-1x1.png"))
	os.MkdirAll(filepath.Join(dir, "ILSVRC2012_img_val"), 0o755)
	os.WriteFile(filepath.Join(dir, "ILSVRC2012_img_val", "ILSVRC2012_val_00000001.JPEG"), png, 0o644)
	f.Add([]byte("ImageId,PredictionString\nILSVRC2012_val_00000001,n01440764 1 2 3 4\n"))
	f.Add([]byte("ILSVRC2012_val_00000001,n01440764\nILSVRC2012_val_00000001,n01443537\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		os.WriteFile(filepath.Join(dir, "LOC_val_solution.csv"), data, 0o644)
		if d, err := Open("imagenet", dir, "val"); err == nil {
			exercise(d)
		}
	})
}

func FuzzPetsAnnotations(f *testing.F) {
	dir := fuzzDir(f)
	png, _ := os.ReadFile(filepath.Join("..", "testdata", "images", "tiny-1x1.png"))
	os.MkdirAll(filepath.Join(dir, "annotations"), 0o755)
	os.WriteFile(filepath.Join(dir, "images", "Abyssinian_1.jpg"), png, 0o644)
	os.MkdirAll(filepath.Join(dir, "images"), 0o755)
	os.WriteFile(filepath.Join(dir, "images", "Abyssinian_1.jpg"), png, 0o644)
	f.Add([]byte("#Image CLASS-ID SPECIES BREED ID\nAbyssinian_1 1 1 1\n"))
	f.Add([]byte("Abyssinian_1 38 1 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		os.WriteFile(filepath.Join(dir, "annotations", "test.txt"), data, 0o644)
		if d, err := Open("pets", dir, "test"); err == nil {
			exercise(d)
		}
	})
}
