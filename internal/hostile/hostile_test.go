package hostile

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/evalclip/evalclip/datasets"
	"github.com/evalclip/evalclip/internal/limits"
)

// addressSpace caps the test process: far above what the tests need, far
// below what a header-sized allocation would take.
const addressSpace = 16 << 30

func TestMain(m *testing.M) {
	os.Setenv(limits.EnvMaxAlloc, fmt.Sprint(256<<20))
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &lim); err == nil && lim.Cur > addressSpace {
		lim.Cur = addressSpace
		syscall.Setrlimit(syscall.RLIMIT_AS, &lim)
	}
	os.Exit(m.Run())
}

var root = filepath.Join("..", "..", "testdata", "hostile")

type hostileCase struct {
	Case, Format, Split, Error string
	// Sample, when set, is the sample that must fail to load (the dataset
	// itself opens).
	Sample *int
}

func loadCases(t *testing.T) []hostileCase {
	raw, err := os.ReadFile(filepath.Join(root, "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cs []hostileCase
	if err := json.Unmarshal(raw, &cs); err != nil {
		t.Fatal(err)
	}
	if len(cs) < 20 {
		t.Fatalf("%d cases", len(cs))
	}
	return cs
}

// TestDatasetReaders opens every crafted dataset with its reader.
func TestDatasetReaders(t *testing.T) {
	for _, c := range loadCases(t) {
		t.Run(c.Case, func(t *testing.T) {
			ds, err := datasets.Open(c.Format, filepath.Join(root, c.Case), c.Split)
			if c.Sample != nil {
				if err != nil {
					t.Fatalf("open: %v", err)
				}
				_, err = ds.Image(*c.Sample)
			}
			if err == nil || !strings.Contains(err.Error(), c.Error) {
				t.Fatalf("error %v, want one containing %q", err, c.Error)
			}
		})
	}
}

// pngBytes is a 1x1 PNG.
func pngBytes(t *testing.T) []byte {
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "images", "tiny-1x1.png"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func put(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSymlinkedFolders: class folders that are links (imagefolder, and
// ImageNet's val/<wnid>) are read like folders, as torchvision's os.walk
// with followlinks does; a link back up the tree ends instead of looping.
func TestSymlinkedFolders(t *testing.T) {
	png := pngBytes(t)
	store := t.TempDir()
	put(t, filepath.Join(store, "cats", "a.png"), png)
	put(t, filepath.Join(store, "cats", "deeper", "b.png"), png)
	put(t, filepath.Join(store, "dogs", "c.png"), png)
	os.Symlink(filepath.Join(store, "cats"), filepath.Join(store, "cats", "deeper", "loop"))

	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "test"), 0o755)
	os.Symlink(filepath.Join(store, "cats"), filepath.Join(root, "test", "cat"))
	os.Symlink(filepath.Join(store, "dogs"), filepath.Join(root, "test", "dog"))
	ds, err := datasets.Open("imagefolder", root, "test")
	if err != nil {
		t.Fatal(err)
	}
	if ds.Len() != 3 || strings.Join(ds.Classes(), ",") != "cat,dog" || datasets.Labels(ds)[2] != 1 {
		t.Fatalf("%d samples, classes %v, labels %v", ds.Len(), ds.Classes(), datasets.Labels(ds))
	}
	for i := 0; i < ds.Len(); i++ {
		if _, err := ds.Image(i); err != nil {
			t.Errorf("sample %d: %v", i, err)
		}
	}

	in := t.TempDir()
	os.MkdirAll(filepath.Join(in, "val"), 0o755)
	os.Symlink(filepath.Join(store, "cats"), filepath.Join(in, "val", "n01440764"))
	os.Symlink(filepath.Join(store, "dogs"), filepath.Join(in, "val", "n01443537"))
	ds, err = datasets.Open("imagenet", in, "val")
	if err != nil || ds.Len() != 3 || len(ds.Classes()) != 2 {
		t.Fatalf("imagenet: %v", err)
	}
}

// TestOverlapSeesFiles: a training split that reaches the evaluated
// split's files by another path (a linked folder, ".." in a manifest) is
// caught: files are compared, not names.
func TestOverlapSeesFiles(t *testing.T) {
	png := pngBytes(t)
	root := t.TempDir()
	put(t, filepath.Join(root, "test", "cat", "a.png"), png)
	put(t, filepath.Join(root, "test", "dog", "b.png"), png)
	os.Symlink(filepath.Join(root, "test"), filepath.Join(root, "train"))
	if err := overlap(t, "imagefolder", root); err == nil || !strings.Contains(err.Error(), "are the same file") {
		t.Errorf("linked split: %v", err)
	}

	m := t.TempDir()
	put(t, filepath.Join(m, "img", "a.png"), png)
	put(t, filepath.Join(m, "img", "b.png"), png)
	put(t, filepath.Join(m, "test.csv"), []byte("path,label\nimg/a.png,0\nimg/b.png,1\n"))
	put(t, filepath.Join(m, "train.csv"), []byte("path,label\nimg/../img/b.png,1\nimg/a.png,0\n"))
	if err := overlap(t, "csv", m); err == nil || !strings.Contains(err.Error(), "are the same file") {
		t.Errorf("'..' in a manifest: %v", err)
	}
}

// overlap opens the test and train splits of the dataset at root and
// returns CheckNoOverlap's answer.
func overlap(t *testing.T, format, root string) error {
	t.Helper()
	test, err := datasets.Open(format, root, "test")
	if err != nil {
		t.Fatal(err)
	}
	train, err := datasets.Open(format, root, "train")
	if err != nil {
		t.Fatal(err)
	}
	return datasets.CheckNoOverlap(test, train)
}

// TestOnlyRegularFiles: a FIFO where an image should be is refused by name
// (reading it would block forever), as the sample's error.
func TestOnlyRegularFiles(t *testing.T) {
	root := t.TempDir()
	put(t, filepath.Join(root, "cat", "a.png"), pngBytes(t))
	os.MkdirAll(filepath.Join(root, "dog"), 0o755)
	if err := syscall.Mkfifo(filepath.Join(root, "dog", "pipe.png"), 0o644); err != nil {
		t.Skip(err)
	}
	ds, err := datasets.Open("imagefolder", root, "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ds.Image(1); err == nil || !strings.Contains(err.Error(), "pipe.png is not a regular file (a named pipe)") {
		t.Errorf("FIFO: %v", err)
	}
}
