package datasets

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/evalclip/evalclip/encoders/imageproc"
)

const fixtures = "../testdata/datasets"

func open(t *testing.T, format, root, split string) Dataset {
	t.Helper()
	d, err := Open(format, root, split)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// checkAll decodes every sample and checks labels against Classes().
func checkAll(t *testing.T, d Dataset) {
	t.Helper()
	if d.Len() == 0 {
		t.Fatal("no samples")
	}
	for i := 0; i < d.Len(); i++ {
		if l := d.Label(i); l < 0 || l >= len(d.Classes()) {
			t.Fatalf("sample %d: label %d out of range", i, l)
		}
		img, err := d.Image(i)
		if err != nil {
			t.Fatalf("sample %d: %v", i, err)
		}
		if img.Bounds().Empty() {
			t.Fatalf("sample %d: empty image", i)
		}
	}
	if len(d.Identity()) != 32 {
		t.Errorf("identity %q", d.Identity())
	}
}

func classesOf(d Dataset) []string {
	var out []string
	for i := 0; i < d.Len(); i++ {
		out = append(out, d.Classes()[d.Label(i)])
	}
	return out
}

// copyTree copies a fixture folder so a test can damage it.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one mentioning %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not mention %q", err, p)
		}
	}
}

func TestFormats(t *testing.T) {
	want := []string{"csv", "imagefolder", "imagenet", "mnist", "pets", "svhn", "wds"}
	if got := Formats(); !reflect.DeepEqual(got, want) {
		t.Errorf("Formats() = %v, want %v", got, want)
	}
	_, err := Open("coco", fixtures, "test")
	wantErr(t, err, "unknown dataset format", "coco")
}

func TestImageNetFolder(t *testing.T) {
	root := filepath.Join(fixtures, "imagenet-folder")
	val := open(t, "imagenet", root, "test") // test is an alias of val
	checkAll(t, val)
	if want := []string{"n01440764", "n01443537", "n01484850"}; !reflect.DeepEqual(val.Classes(), want) {
		t.Errorf("classes %v", val.Classes())
	}
	if val.Len() != 6 || val.Label(0) != 0 || val.Label(5) != 2 {
		t.Errorf("val: %d samples, labels %v", val.Len(), Labels(val))
	}
	train := open(t, "imagenet", root, "train")
	if train.Len() != 9 {
		t.Errorf("train: %d samples", train.Len())
	}
	if err := CheckNoOverlap(val, train); err != nil {
		t.Error(err)
	}
	if !SkipsBad(val) {
		t.Error("imagenet should skip undecodable images")
	}
	_, err := Open("imagenet", root, "extra")
	wantErr(t, err, "unknown split")
}

func TestImageNetFlat(t *testing.T) {
	want := []string{"n01484850", "n01440764", "n01443537", "n01440764", "n01484850", "n01443537"}
	for _, layout := range []string{"imagenet-loc", "imagenet-devkit"} {
		t.Run(layout, func(t *testing.T) {
			d := open(t, "imagenet", filepath.Join(fixtures, layout), "val")
			checkAll(t, d)
			if got := classesOf(d); !reflect.DeepEqual(got, want) {
				t.Errorf("labels %v, want %v", got, want)
			}
			if !reflect.DeepEqual(d.Classes(), []string{"n01440764", "n01443537", "n01484850"}) {
				t.Errorf("classes %v", d.Classes())
			}
			if p := d.(Pather).Path(0); !strings.HasSuffix(p, "ILSVRC2012_val_00000001.JPEG") {
				t.Errorf("first sample %s", p)
			}
		})
	}
	// The same images labelled by TensorFlow's per-image synset list.
	root := copyTree(t, filepath.Join(fixtures, "imagenet-devkit"))
	os.RemoveAll(filepath.Join(root, "ILSVRC2012_devkit_t12"))
	os.WriteFile(filepath.Join(root, "imagenet_2012_validation_synset_labels.txt"), []byte(strings.Join(want, "\n")+"\n"), 0o644)
	d := open(t, "imagenet", root, "val")
	if got := classesOf(d); !reflect.DeepEqual(got, want) {
		t.Errorf("synset list: labels %v, want %v", got, want)
	}
}

func TestImageNetBadInput(t *testing.T) {
	t.Run("bad ILSVRC2012_ID", func(t *testing.T) {
		root := copyTree(t, filepath.Join(fixtures, "imagenet-devkit"))
		gt := filepath.Join(root, "ILSVRC2012_devkit_t12", "data", "ILSVRC2012_validation_ground_truth.txt")
		os.WriteFile(gt, []byte("1\n2\n1001\n1\n1\n1\n"), 0o644)
		_, err := Open("imagenet", root, "val")
		wantErr(t, err, "ILSVRC2012_validation_ground_truth.txt:3", "1001", "out of range")
	})
	t.Run("missing image", func(t *testing.T) {
		root := copyTree(t, filepath.Join(fixtures, "imagenet-loc"))
		os.Remove(filepath.Join(root, "ILSVRC2012_img_val", "ILSVRC2012_val_00000004.JPEG"))
		_, err := Open("imagenet", root, "val")
		wantErr(t, err, "LOC_val_solution.csv:2", "ILSVRC2012_val_00000004.JPEG does not exist")
	})
	t.Run("no meta.mat", func(t *testing.T) {
		root := copyTree(t, filepath.Join(fixtures, "imagenet-devkit"))
		os.Remove(filepath.Join(root, "ILSVRC2012_devkit_t12", "data", "meta.mat"))
		_, err := Open("imagenet", root, "val")
		wantErr(t, err, "meta.mat")
	})
	t.Run("bad wnid", func(t *testing.T) {
		root := copyTree(t, filepath.Join(fixtures, "imagenet-loc"))
		os.WriteFile(filepath.Join(root, "LOC_val_solution.csv"), []byte("ImageId,PredictionString\nILSVRC2012_val_00000001,tench 1 2 3 4\n"), 0o644)
		_, err := Open("imagenet", root, "val")
		wantErr(t, err, "LOC_val_solution.csv:2", "wnid")
	})
}

func TestPets(t *testing.T) {
	root := filepath.Join(fixtures, "pets")
	test := open(t, "pets", root, "test")
	checkAll(t, test)
	if len(test.Classes()) != 37 {
		t.Fatalf("%d classes, want 37", len(test.Classes()))
	}
	c := test.Classes()
	if c[0] != "Abyssinian" || c[1] != "American Bulldog" || c[5] != "Bengal" || c[2] != "class 3" {
		t.Errorf("classes %q", c[:6])
	}
	if test.Len() != 6 || test.Label(0) != 0 || test.Label(2) != 1 || test.Label(4) != 5 {
		t.Errorf("labels %v", Labels(test))
	}
	train := open(t, "pets", root, "train") // alias of trainval
	if train.Len() != 6 {
		t.Errorf("trainval: %d samples", train.Len())
	}
	if err := CheckNoOverlap(test, train); err != nil {
		t.Error(err)
	}
	all := open(t, "pets", root, "all")
	if all.Len() != 12 {
		t.Errorf("all: %d samples", all.Len())
	}
	if err := CheckNoOverlap(test, all); err == nil {
		t.Error("overlap between test and all not detected")
	}
}

func TestPetsBadInput(t *testing.T) {
	for _, tc := range []struct {
		name, line string
		want       []string
	}{
		{"class id out of range", "Abyssinian_9 38 1 9", []string{"annotations/test.txt:7", "class id 38 out of range 1..37"}},
		{"class id zero", "Abyssinian_9 0 1 9", []string{"annotations/test.txt:7", "class id 0 out of range"}},
		{"class id not a number", "Abyssinian_9 one 1 9", []string{"annotations/test.txt:7", "not an integer"}},
		{"missing fields", "Abyssinian_9 1", []string{"annotations/test.txt:7", "expected 4 fields"}},
		{"inconsistent breed", "Bengal_9 1 1 9", []string{"annotations/test.txt:7", "class id 1"}},
		{"missing image", "Abyssinian_9 1 1 9", []string{"annotations/test.txt:7", "images/Abyssinian_9.jpg does not exist"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := copyTree(t, filepath.Join(fixtures, "pets"))
			p := filepath.Join(root, "annotations", "test.txt")
			data, _ := os.ReadFile(p)
			os.WriteFile(p, append(data, []byte(tc.line+"\n")...), 0o644)
			_, err := Open("pets", root, "test")
			wantErr(t, err, tc.want...)
		})
	}
	_, err := Open("pets", filepath.Join(fixtures, "pets"), "valid")
	wantErr(t, err, "unknown split")
}

// writeIDX writes an IDX file with the given magic, dimensions and payload.
func writeIDX(t *testing.T, path string, magic uint32, dims []int, payload []byte, gz bool) {
	t.Helper()
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, magic)
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, uint32(d))
	}
	b.Write(payload)
	data := b.Bytes()
	if gz {
		var z bytes.Buffer
		w := gzip.NewWriter(&z)
		w.Write(data)
		w.Close()
		data = z.Bytes()
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestMNISTDigits(t *testing.T) {
	root := filepath.Join(fixtures, "digits")
	test := open(t, "mnist", root, "test")
	checkAll(t, test)
	if test.Len() != 602 || !reflect.DeepEqual(test.Classes(), []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}) {
		t.Errorf("%d samples, classes %v", test.Len(), test.Classes())
	}
	img, _ := test.Image(0)
	if g, ok := img.(*image.Gray); !ok || g.Bounds().Dx() != 8 || g.Bounds().Dy() != 8 {
		t.Errorf("image %T %v", img, img.Bounds())
	}
	train := open(t, "mnist", root, "train")
	if train.Len() != 1195 {
		t.Errorf("train: %d samples", train.Len())
	}
	if test.Identity() == train.Identity() {
		t.Error("train and test share an identity")
	}
	if again := open(t, "mnist", root, "test"); again.Identity() != test.Identity() {
		t.Error("identity is not stable")
	}
}

func TestMNISTLayouts(t *testing.T) {
	dir := t.TempDir()
	img := make([]byte, 3*5*4)
	for i := range img {
		img[i] = byte(i)
	}
	// EMNIST naming, uncompressed, 5x4 images, a mapping file.
	writeIDX(t, filepath.Join(dir, "emnist-letters-test-images-idx3-ubyte"), 2051, []int{3, 5, 4}, img, false)
	writeIDX(t, filepath.Join(dir, "emnist-letters-test-labels-idx1-ubyte"), 2049, []int{3}, []byte{1, 2, 26}, false)
	writeIDX(t, filepath.Join(dir, "emnist-letters-train-labels-idx1-ubyte"), 2049, []int{1}, []byte{3}, false)
	os.WriteFile(filepath.Join(dir, "emnist-letters-mapping.txt"), []byte("1 65 97\n2 66 98\n26 90 122\n"), 0o644)
	d := open(t, "mnist", dir, "test")
	if d.Len() != 3 || len(d.Classes()) != 27 || d.Classes()[1] != "A" || d.Classes()[26] != "Z" || d.Classes()[3] != "3" {
		t.Errorf("%d samples, classes %v", d.Len(), d.Classes())
	}
	g, _ := d.Image(1)
	if b := g.Bounds(); b.Dx() != 4 || b.Dy() != 5 || g.(*image.Gray).Pix[0] != 20 {
		t.Errorf("image 1: %v", b)
	}
	// A second set in the same folder makes the split ambiguous.
	writeIDX(t, filepath.Join(dir, "emnist-digits-test-images-idx3-ubyte"), 2051, []int{1, 2, 2}, make([]byte, 4), false)
	_, err := Open("mnist", dir, "test")
	wantErr(t, err, "several IDX sets", "emnist-digits-test")
	if d := open(t, "mnist", dir, "emnist-letters-test"); d.Len() != 3 {
		t.Errorf("named set: %d", d.Len())
	}
	// Kaggle naming (".idx") with gzip.
	dir2 := t.TempDir()
	writeIDX(t, filepath.Join(dir2, "train-images.idx3-ubyte.gz"), 2051, []int{2, 2, 2}, make([]byte, 8), true)
	writeIDX(t, filepath.Join(dir2, "train-labels.idx1-ubyte.gz"), 2049, []int{2}, []byte{4, 7}, true)
	if d := open(t, "mnist", dir2, "train"); d.Len() != 2 || d.Label(1) != 7 {
		t.Errorf("kaggle names: %d", d.Len())
	}
}

func TestMNISTBadInput(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write func(dir string)
		want  []string
	}{
		{"wrong magic", func(dir string) {
			writeIDX(t, filepath.Join(dir, "t10k-images-idx3-ubyte.gz"), 2049, []int{2, 2, 2}, make([]byte, 8), true)
		}, []string{"t10k-images-idx3-ubyte.gz", "magic number 2049", "expected 2051"}},
		{"truncated payload", func(dir string) {
			writeIDX(t, filepath.Join(dir, "t10k-images-idx3-ubyte.gz"), 2051, []int{2, 2, 2}, make([]byte, 5), true)
		}, []string{"truncated payload", "8 bytes", "holds 5"}},
		{"trailing bytes", func(dir string) {
			writeIDX(t, filepath.Join(dir, "t10k-images-idx3-ubyte.gz"), 2051, []int{2, 2, 2}, make([]byte, 9), true)
		}, []string{"1 bytes past"}},
		{"count mismatch", func(dir string) {
			writeIDX(t, filepath.Join(dir, "t10k-images-idx3-ubyte.gz"), 2051, []int{3, 2, 2}, make([]byte, 12), true)
		}, []string{"3 images", "2 labels"}},
		{"not gzip", func(dir string) {
			os.WriteFile(filepath.Join(dir, "t10k-images-idx3-ubyte.gz"), []byte("plain text"), 0o644)
		}, []string{"not a gzip file"}},
		{"truncated header", func(dir string) {
			writeIDX(t, filepath.Join(dir, "t10k-images-idx3-ubyte.gz"), 2051, []int{2}, nil, true)
		}, []string{"truncated header"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeIDX(t, filepath.Join(dir, "t10k-labels-idx1-ubyte.gz"), 2049, []int{2}, []byte{1, 2}, true)
			tc.write(dir)
			_, err := Open("mnist", dir, "test")
			wantErr(t, err, tc.want...)
		})
	}
	_, err := Open("mnist", t.TempDir(), "test")
	wantErr(t, err, "no IDX files")
	_, err = Open("mnist", filepath.Join(fixtures, "nope"), "test")
	wantErr(t, err, "dataset root")
}

func TestSVHN(t *testing.T) {
	root := filepath.Join(fixtures, "svhn")
	for split, n := range map[string]int{"train": 6, "test": 4} { // train uncompressed, test compressed
		d := open(t, "svhn", root, split)
		checkAll(t, d)
		if d.Len() != n {
			t.Errorf("%s: %d samples", split, d.Len())
		}
		if got := Labels(d)[:4]; !reflect.DeepEqual(got, []int{0, 1, 2, 3}) {
			t.Errorf("%s: labels %v (10 must become 0)", split, got)
		}
	}
	// Pixel layout: X(row, col, ch, n) -> image row, column. The fixture
	// pictures are a gradient over columns (x) and rows (y).
	d := open(t, "svhn", root, "train")
	img, _ := d.Image(0)
	rgb := img.(*imageproc.RGB)
	if a, b := rgb.Pix[rgb.PixOffset(0, 31)], rgb.Pix[rgb.PixOffset(0, 0)]; a <= b {
		t.Errorf("row gradient lost: (0,31)=%d (0,0)=%d; rows and columns swapped?", a, b)
	}
	_, err := Open("svhn", filepath.Join(fixtures, "svhn-v73"), "train")
	wantErr(t, err, "train_32x32.mat", "v7.3", "not supported", "savemat")
	_, err = Open("svhn", root, "extra")
	wantErr(t, err, "extra_32x32.mat")
}

func TestSVHNTruncated(t *testing.T) {
	for _, split := range []string{"train", "test"} {
		root := copyTree(t, filepath.Join(fixtures, "svhn"))
		p := filepath.Join(root, split+"_32x32.mat")
		data, _ := os.ReadFile(p)
		os.WriteFile(p, data[:len(data)*2/3], 0o644)
		_, err := Open("svhn", root, split)
		wantErr(t, err, split+"_32x32.mat")
		os.WriteFile(p, []byte("MATLAB"), 0o644)
		_, err = Open("svhn", root, split)
		wantErr(t, err, "not a MAT-file")
	}
}

func TestImageFolder(t *testing.T) {
	root := filepath.Join(fixtures, "imagefolder")
	test := open(t, "imagefolder", root, "test")
	checkAll(t, test)
	var rel []string
	for i := 0; i < test.Len(); i++ {
		r, _ := filepath.Rel(root, test.(Pather).Path(i))
		rel = append(rel, filepath.ToSlash(r))
	}
	want := []string{"test/cat/cat0.jpg", "test/cat/cat1.png", "test/dog/dog0.jpg", "test/dog/dog1.png", "test/dog/more/dog9.jpeg"}
	if !reflect.DeepEqual(rel, want) {
		t.Errorf("files %v, want %v", rel, want)
	}
	if !reflect.DeepEqual(Labels(test), []int{0, 0, 1, 1, 1}) {
		t.Errorf("labels %v", Labels(test))
	}
	_, err := Open("imagefolder", root, "val")
	wantErr(t, err, "no folder", "val")
	// Without split folders the root is the only (evaluation) split.
	flat := filepath.Join(root, "train")
	if d := open(t, "imagefolder", flat, "test"); d.Len() != 6 {
		t.Errorf("flat: %d", d.Len())
	}
	_, err = Open("imagefolder", flat, "train")
	wantErr(t, err, "single evaluation split")
}

func TestCSV(t *testing.T) {
	root := filepath.Join(fixtures, "csv")
	test := open(t, "csv", root, "test")
	checkAll(t, test)
	if !reflect.DeepEqual(test.Classes(), []string{"apple", "zebra"}) || !reflect.DeepEqual(Labels(test), []int{1, 1, 0, 0}) {
		t.Errorf("classes %v labels %v", test.Classes(), Labels(test))
	}
	train := open(t, "csv", root, "train")
	if train.Len() != 6 || !reflect.DeepEqual(train.Classes(), test.Classes()) {
		t.Errorf("train: %d, %v", train.Len(), train.Classes())
	}
	// A single manifest is the evaluated split only.
	single := filepath.Join(root, "test.csv")
	if d := open(t, "csv", single, "test"); d.Len() != 4 {
		t.Errorf("single file: %d", d.Len())
	}
	_, err := Open("csv", single, "train")
	wantErr(t, err, "single manifest")
}

func TestCSVBadInput(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       []string
	}{
		{"missing image", "path,label\nimages/test/nope.png,apple\n", []string{"test.csv:2", "images/test/nope.png does not exist"}},
		{"negative label", "images/test/apple-0.png,-1\nimages/test/apple-1.png,1\n", []string{"test.csv:1", "label -1 out of range"}},
		{"one column", "path,label\nimages/test/apple-0.png\n", []string{"test.csv:2", "expected path and label"}},
		{"empty label", "path,label\nimages/test/apple-0.png,\n", []string{"test.csv:2", "empty path or label"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := copyTree(t, filepath.Join(fixtures, "csv"))
			os.Remove(filepath.Join(root, "train.csv"))
			os.WriteFile(filepath.Join(root, "test.csv"), []byte(tc.body), 0o644)
			_, err := Open("csv", root, "test")
			wantErr(t, err, tc.want...)
		})
	}
	root := copyTree(t, filepath.Join(fixtures, "csv"))
	os.WriteFile(filepath.Join(root, "classnames.txt"), []byte("apple\n"), 0o644)
	_, err := Open("csv", root, "test")
	wantErr(t, err, "zebra", "not in classnames.txt")
}

func TestWDS(t *testing.T) {
	root := filepath.Join(fixtures, "wds")
	test := open(t, "wds", root, "test")
	checkAll(t, test)
	if test.Len() != 5 || !reflect.DeepEqual(test.Classes(), []string{"circle", "square", "triangle"}) {
		t.Errorf("%d samples, classes %v", test.Len(), test.Classes())
	}
	if !reflect.DeepEqual(Labels(test), []int{1, 2, 0, 1, 2}) {
		t.Errorf("labels %v", Labels(test))
	}
	tm, ok := test.(Templater)
	if !ok || !reflect.DeepEqual(tm.Templates(), []string{"a photo of a {c}.", "a drawing of a {c}."}) {
		t.Errorf("templates: %v", tm)
	}
	// Bytes read by offset equal what archive/tar returns.
	wd := test.(*wdsDataset)
	for i, s := range wd.samples {
		f, _ := os.Open(wd.shards[s.shard])
		tr := tar.NewReader(f)
		for {
			h, err := tr.Next()
			if err != nil {
				t.Fatalf("sample %d: %s not found: %v", i, s.member, err)
			}
			if h.Name == s.member {
				want, _ := io.ReadAll(tr)
				got := make([]byte, s.size)
				wf, _ := wd.file(s.shard)
				wf.ReadAt(got, s.offset)
				if !bytes.Equal(got, want) {
					t.Errorf("sample %d: bytes at offset differ from the tar member", i)
				}
				break
			}
		}
		f.Close()
	}
	train := open(t, "wds", root, "train")
	if err := CheckNoOverlap(test, train); err != nil {
		t.Error(err)
	}
	sub, _ := Subset(test, []int{4, 0})
	if _, ok := sub.(Templater); !ok || sub.Len() != 2 || sub.Label(0) != 2 {
		t.Errorf("subset lost templates or order")
	}
	wd.Close()
}

func TestWDSBadInput(t *testing.T) {
	writeShard := func(t *testing.T, root string, members map[string]string) {
		os.MkdirAll(filepath.Join(root, "test"), 0o755)
		var b bytes.Buffer
		tw := tar.NewWriter(&b)
		for _, name := range []string{"a.jpg", "a.cls", "b.png", "b.cls"} {
			body, ok := members[name]
			if !ok {
				continue
			}
			tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg})
			tw.Write([]byte(body))
		}
		tw.Close()
		os.WriteFile(filepath.Join(root, "test", "0.tar"), b.Bytes(), 0o644)
		os.WriteFile(filepath.Join(root, "classnames.txt"), []byte("x\ny\n"), 0o644)
	}
	for _, tc := range []struct {
		name    string
		members map[string]string
		want    []string
	}{
		{"label out of range", map[string]string{"a.jpg": "x", "a.cls": "2"}, []string{"test/0.tar", "a.cls", "out of range 0..1"}},
		{"no label", map[string]string{"a.jpg": "x", "b.png": "y", "b.cls": "1"}, []string{"sample a has no .cls"}},
		{"no image", map[string]string{"a.cls": "0"}, []string{"no .jpg/.png/.webp image"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			writeShard(t, root, tc.members)
			_, err := Open("wds", root, "test")
			wantErr(t, err, tc.want...)
		})
	}
	// A corrupt image is a per-sample error naming the member.
	root := t.TempDir()
	writeShard(t, root, map[string]string{"a.jpg": "\xff\xd8\xff\xe0garbage", "a.cls": "1"})
	d := open(t, "wds", root, "test")
	if _, err := d.Image(0); err == nil || !strings.Contains(err.Error(), "0.tar:a.jpg") {
		t.Errorf("corrupt member: %v", err)
	}
	_, err := Open("wds", root, "train")
	wantErr(t, err, "no shards")
}

// TestWDSNShards: with {split}/nshards.txt (CLIP_benchmark's Hub
// layout) exactly 0.tar .. {n-1}.tar are read, in that order; a missing or
// an extra shard is an error naming it.
func TestWDSNShards(t *testing.T) {
	src := filepath.Join(fixtures, "wds")
	root := copyTree(t, src)
	shards, _ := filepath.Glob(filepath.Join(root, "test", "*.tar"))
	os.WriteFile(filepath.Join(root, "test", "nshards.txt"), []byte(fmt.Sprintf("%d\n", len(shards))), 0o644)
	d := open(t, "wds", root, "test")
	want := open(t, "wds", src, "test")
	if !reflect.DeepEqual(Labels(d), Labels(want)) {
		t.Errorf("labels %v, want %v", Labels(d), Labels(want))
	}
	os.WriteFile(filepath.Join(root, "test", "nshards.txt"), []byte(fmt.Sprintf("%d\n", len(shards)+1)), 0o644)
	_, err := Open("wds", root, "test")
	wantErr(t, err, "test/nshards.txt says", fmt.Sprintf("test/%d.tar is missing", len(shards)))
	os.WriteFile(filepath.Join(root, "test", "nshards.txt"), []byte(fmt.Sprintf("%d", len(shards)-1)), 0o644)
	_, err = Open("wds", root, "test")
	wantErr(t, err, fmt.Sprintf("test/%d.tar is there too", len(shards)-1))
	os.WriteFile(filepath.Join(root, "test", "nshards.txt"), []byte("lots"), 0o644)
	_, err = Open("wds", root, "test")
	wantErr(t, err, "want a shard count")
}

// TestSkippedSamplesReported runs a file dataset with an undecodable image
// through the pipeline with the dataset's policy.
func TestSkippedSamplesReported(t *testing.T) {
	root := copyTree(t, filepath.Join(fixtures, "imagefolder"))
	bad := filepath.Join(root, "test", "cat", "cat1.png")
	os.WriteFile(bad, nil, 0o644) // zero-byte file
	d := open(t, "imagefolder", root, "test")
	c := imageproc.Config{Size: 8, Resize: imageproc.ResizeShortest, Interpolation: imageproc.Bicubic, Std: [3]float32{1, 1, 1}}
	var seen []int
	skipped, err := imageproc.Stream(t.Context(), d, c, imageproc.StreamOptions{BatchSize: 2, SkipBad: SkipsBad(d)}, func(b imageproc.Batch) error {
		seen = append(seen, b.Indices...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(skipped) != 1 || skipped[0].Index != 1 || !strings.Contains(skipped[0].Err.Error(), "cat1.png") || !strings.Contains(skipped[0].Err.Error(), "empty") {
		t.Errorf("skipped %v", skipped)
	}
	if fmt.Sprint(seen) != "[0 2 3 4]" {
		t.Errorf("images %v", seen)
	}
}

// TestImageFolderNumberedClasses: ImageNetV2-style folders named by class
// index sort numerically (label = int(name)), not lexically as
// torchvision's ImageFolder would ("10" before "2").
func TestImageFolderNumberedClasses(t *testing.T) {
	root := t.TempDir()
	for i := 0; i < 12; i++ {
		dir := filepath.Join(root, fmt.Sprint(i))
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "a.png"), nil, 0o644)
	}
	d, err := Open("imagefolder", root, "test")
	if err != nil {
		t.Fatal(err)
	}
	classes := d.Classes()
	for i, c := range classes {
		if c != fmt.Sprint(i) {
			t.Fatalf("classes %v, want 0..11 in numeric order", classes)
		}
	}
	if d.Len() != 12 {
		t.Fatalf("%d samples", d.Len())
	}
	for i := 0; i < d.Len(); i++ {
		if d.Label(i) != i { // one image per folder, folders in numeric order
			t.Errorf("sample %d has label %d (class %s)", i, d.Label(i), classes[d.Label(i)])
		}
	}
	// names mixing numbers and words sort lexically, as torchvision's
	mixed := t.TempDir()
	for _, n := range []string{"10", "2", "cat"} {
		os.MkdirAll(filepath.Join(mixed, n), 0o755)
		os.WriteFile(filepath.Join(mixed, n, "a.png"), nil, 0o644)
	}
	if d, err := Open("imagefolder", mixed, "test"); err != nil || fmt.Sprint(d.Classes()) != "[10 2 cat]" {
		t.Errorf("mixed names: %v %v", d, err)
	}
	os.MkdirAll(filepath.Join(root, "07"), 0o755)
	os.WriteFile(filepath.Join(root, "07", "a.png"), nil, 0o644)
	if _, err := Open("imagefolder", root, "test"); err == nil || !strings.Contains(err.Error(), `class folders "7" and "07" name the same number`) && !strings.Contains(err.Error(), `class folders "07" and "7" name the same number`) {
		t.Errorf("7 and 07: %v", err)
	}
}
