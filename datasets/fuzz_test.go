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

// fuzzDataset is one fuzz target: fixed holds the dataset's other files
// (path relative to the root: contents), the fuzzed bytes are written to
// fuzzed, and the dataset is opened as format and split.
type fuzzDataset struct {
	format, split, fuzzed string
	fixed                 map[string][]byte
}

// run writes the fixed files under a fresh root, lowers the allocation
// limit so that a regression fails fast, adds the seeds and fuzzes.
func (fd fuzzDataset) run(f *testing.F, seeds ...[]byte) {
	f.Helper()
	f.Setenv(limits.EnvMaxAlloc, "67108864")
	dir := f.TempDir()
	for rel, data := range fd.fixed {
		path := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			f.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			f.Fatal(err)
		}
	}
	target := filepath.Join(dir, filepath.FromSlash(fd.fuzzed))
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		f.Fatal(err)
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(target, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if d, err := Open(fd.format, dir, fd.split); err == nil {
			exercise(d)
		}
	})
}

// tinyPNG is a 1x1 PNG for the fixed image files.
func tinyPNG(f *testing.F) []byte {
	f.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "images", "tiny-1x1.png"))
	if err != nil {
		f.Fatal(err)
	}
	return b
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
	fuzzDataset{format: "mnist", split: "test", fuzzed: "t10k-images-idx3-ubyte", fixed: map[string][]byte{
		"t10k-labels-idx1-ubyte": idxBytes(idxLabelsMagic, []int{2}, []byte{3, 7}),
	}}.run(f,
		idxBytes(idxImagesMagic, []int{2, 2, 2}, make([]byte, 8)),
		idxBytes(idxImagesMagic, []int{2, 28, 28}, make([]byte, 100)),
		idxBytes(idxImagesMagic, []int{0xffffffff, 0xffffffff, 2}, nil))
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
	png := tinyPNG(f)
	fuzzDataset{format: "wds", split: "test", fuzzed: "test/0.tar", fixed: map[string][]byte{
		"classnames.txt": []byte("cat\ndog\n"),
	}}.run(f,
		tarOf(map[string][]byte{"a.png": png, "a.cls": []byte("1")}, "a.png", "a.cls"),
		tarOf(map[string][]byte{"x/a.webp": []byte("RIFF"), "x/a.cls": []byte("9")}, "x/a.webp", "x/a.cls"))
}

func FuzzCSV(f *testing.F) {
	fuzzDataset{format: "csv", split: "test", fuzzed: "test.csv", fixed: map[string][]byte{
		"a.png": tinyPNG(f),
	}}.run(f,
		[]byte("path,label\na.png,0\n"),
		[]byte("image,class\n\"a.png\",dog\n# comment\n"),
		[]byte("a.png,2000000000\n"))
}

func FuzzLOCSolution(f *testing.F) {
	fuzzDataset{format: "imagenet", split: "val", fuzzed: "LOC_val_solution.csv", fixed: map[string][]byte{
		"ILSVRC2012_img_val/ILSVRC2012_val_00000001.JPEG": tinyPNG(f),
	}}.run(f,
		[]byte("ImageId,PredictionString\nILSVRC2012_val_00000001,n01440764 1 2 3 4\n"),
		[]byte("ILSVRC2012_val_00000001,n01440764\nILSVRC2012_val_00000001,n01443537\n"))
}

func FuzzPetsAnnotations(f *testing.F) {
	fuzzDataset{format: "pets", split: "test", fuzzed: "annotations/test.txt", fixed: map[string][]byte{
		"images/Abyssinian_1.jpg": tinyPNG(f),
	}}.run(f,
		[]byte("#Image CLASS-ID SPECIES BREED ID\nAbyssinian_1 1 1 1\n"),
		[]byte("Abyssinian_1 38 1 1\n"))
}
