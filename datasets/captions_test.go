package datasets

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"image"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/evalclip/evalclip/encoders/imageproc"
)

var captionFixture = filepath.Join(fixtures, "captions")

type wantCaptions map[string][]struct {
	Image    string   `json:"image"`
	Captions []string `json:"captions"`
}

func readWantCaptions(t *testing.T) wantCaptions {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(captionFixture, "captions.json"))
	if err != nil {
		t.Fatal(err)
	}
	var w wantCaptions
	if err := json.Unmarshal(b, &w); err != nil {
		t.Fatal(err)
	}
	return w
}

func pixels(t *testing.T, img image.Image) []byte {
	t.Helper()
	return imageproc.ToRGB(img).Pix
}

// TestCaptionFormatsAgree: the Karpathy JSON, the CSV manifest and the
// webdataset shards of the fixture (tools/fixtures/make_captions.py) read
// as the same images with the same captions, in the same order.
func TestCaptionFormatsAgree(t *testing.T) {
	want := readWantCaptions(t)
	for _, tc := range []struct {
		format, root string
		splits       []string
	}{
		{"karpathy", captionFixture, []string{"test", "train"}},
		{"csv", filepath.Join(captionFixture, "csv"), []string{"test"}},
		{"csv", filepath.Join(captionFixture, "csv", "test.csv"), []string{"test"}},
		{"wds", filepath.Join(captionFixture, "wds"), []string{"test", "train"}},
	} {
		for _, split := range tc.splits {
			d, err := OpenCaptions(tc.format, tc.root, split, CaptionOptions{})
			if err != nil {
				t.Fatalf("%s %s: %v", tc.format, split, err)
			}
			w := want[split]
			if d.Len() != len(w) {
				t.Fatalf("%s %s: %d images, want %d", tc.format, split, d.Len(), len(w))
			}
			for i, e := range w {
				if !reflect.DeepEqual(d.Captions(i), e.Captions) {
					t.Errorf("%s %s image %d: captions %q, want %q", tc.format, split, i, d.Captions(i), e.Captions)
				}
				got, err := d.Image(i)
				if err != nil {
					t.Fatal(err)
				}
				ref, err := imageproc.DecodeFile(filepath.Join(captionFixture, e.Image))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(pixels(t, got), pixels(t, ref)) {
					t.Errorf("%s %s image %d: pixels differ from %s", tc.format, split, i, e.Image)
				}
			}
			if c, ok := d.(interface{ Close() error }); ok {
				c.Close()
			}
		}
	}
	d, _ := OpenCaptions("wds", filepath.Join(captionFixture, "wds"), "test", CaptionOptions{})
	texts, img := FlatCaptions(d)
	if len(texts) != 36 || img[0] != 0 || img[len(img)-1] != 11 {
		t.Errorf("flattened: %d captions, images %v", len(texts), img)
	}
	// The labelled reader refuses retrieval shards, and the reverse.
	if _, err := Open("wds", filepath.Join(captionFixture, "wds"), "test"); err == nil || !strings.Contains(err.Error(), "retrieval") {
		t.Errorf("labelled reader on caption shards: %v", err)
	}
	if _, err := OpenCaptions("wds", filepath.Join(fixtures, "wds"), "test", CaptionOptions{}); err == nil || !strings.Contains(err.Error(), "no .txt captions") {
		t.Errorf("caption reader on labelled shards: %v", err)
	}
}

func TestSplitLines(t *testing.T) {
	for in, want := range map[string][]string{
		"a\nb\n":         {"a", "b"},
		"a\nb":           {"a", "b"},
		"a\r\nb\r\n":     {"a", "b"},
		"a\rb":           {"a", "b"},
		"a\u2028b\fc\vd": {"a", "b", "c", "d"},
		"a\n\nb":         {"a", "", "b"},
		"":               nil,
		"\n":             {""},
		"x\x1cy\u0085z":  {"x", "y", "z"},
	} {
		if got := splitLines(in); !reflect.DeepEqual(got, want) {
			t.Errorf("splitLines(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestKarpathyOptions(t *testing.T) {
	dir := t.TempDir()
	data, _ := os.ReadFile(filepath.Join(captionFixture, "dataset_digits.json"))
	os.WriteFile(filepath.Join(dir, "ann.json"), data, 0o644)
	// The images live elsewhere; the annotations are named.
	d, err := OpenCaptions("karpathy", dir, "test", CaptionOptions{Annotations: filepath.Join(dir, "ann.json"), Images: captionFixture})
	if err != nil || d.Len() != 12 {
		t.Fatalf("annotations + images: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "dataset_b.json"), data, 0o644)
	os.WriteFile(filepath.Join(dir, "dataset_c.json"), data, 0o644)
	if _, err := OpenCaptions("karpathy", dir, "test", CaptionOptions{Images: captionFixture}); err == nil || !strings.Contains(err.Error(), "set annotations") {
		t.Errorf("two candidate files: %v", err)
	}
	_, err = OpenCaptions("karpathy", captionFixture, "val", CaptionOptions{})
	wantErr(t, err, `no image of split "val"`, "test (12)", "train (4)")
}

func TestCaptionBadInput(t *testing.T) {
	karp := func(t *testing.T, images string) string {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "dataset_x.json"), []byte(`{"images": [`+images+`]}`), 0o644)
		os.MkdirAll(filepath.Join(dir, "img"), 0o755)
		png, _ := os.ReadFile(filepath.Join(captionFixture, "images", "test-00.png"))
		os.WriteFile(filepath.Join(dir, "img", "a.png"), png, 0o644)
		os.WriteFile(filepath.Join(dir, "img", "b.png"), png, 0o644)
		return dir
	}
	for _, tc := range []struct {
		name, images string
		want         []string
	}{
		{"no sentences", `{"filepath": "img", "filename": "a.png", "split": "test", "sentences": []}`, []string{"dataset_x.json: images[0] (a.png)", "no sentences"}},
		{"empty caption", `{"filepath": "img", "filename": "a.png", "split": "test", "sentences": [{"raw": "x"}, {"raw": "  "}]}`, []string{"images[0]", "sentences[1]", "empty"}},
		{"listed twice", `{"filepath": "img", "filename": "a.png", "split": "test", "sentences": [{"raw": "x"}]},
			{"filepath": "img", "filename": "a.png", "split": "test", "sentences": [{"raw": "y"}]}`, []string{"images[1]", "listed again", "images[0]"}},
		{"missing image", `{"filepath": "img", "filename": "c.png", "split": "test", "sentences": [{"raw": "x"}]}`, []string{"images[0] (c.png)", "does not exist"}},
		{"tokens only", `{"filepath": "img", "filename": "a.png", "split": "test", "sentences": [{"tokens": ["a"]}]}`, []string{"missing raw"}},
	} {
		t.Run("karpathy "+tc.name, func(t *testing.T) {
			_, err := OpenCaptions("karpathy", karp(t, tc.images), "test", CaptionOptions{})
			wantErr(t, err, tc.want...)
		})
	}
	csvCase := func(t *testing.T, body string) error {
		dir := t.TempDir()
		png, _ := os.ReadFile(filepath.Join(captionFixture, "images", "test-00.png"))
		os.WriteFile(filepath.Join(dir, "a.png"), png, 0o644)
		os.WriteFile(filepath.Join(dir, "test.csv"), []byte(body), 0o644)
		_, err := OpenCaptions("csv", dir, "test", CaptionOptions{})
		return err
	}
	wantErr(t, csvCase(t, "image,caption\na.png,\n"), "test.csv:2", "empty caption")
	wantErr(t, csvCase(t, "image,caption\n,a cat\n"), "test.csv:2", "a caption with no image")
	wantErr(t, csvCase(t, "image,caption\nb.png,a cat\n"), "test.csv:2", "b.png does not exist")
	wantErr(t, csvCase(t, "image,caption\n"), "lists no images")

	shard := func(t *testing.T, members map[string]string, order ...string) error {
		root := t.TempDir()
		os.MkdirAll(filepath.Join(root, "test"), 0o755)
		var b bytes.Buffer
		tw := tar.NewWriter(&b)
		for _, name := range order {
			tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(members[name])), Typeflag: tar.TypeReg})
			tw.Write([]byte(members[name]))
		}
		tw.Close()
		os.WriteFile(filepath.Join(root, "test", "0.tar"), b.Bytes(), 0o644)
		_, err := OpenCaptions("wds", root, "test", CaptionOptions{})
		return err
	}
	png, _ := os.ReadFile(filepath.Join(captionFixture, "images", "test-00.png"))
	wantErr(t, shard(t, map[string]string{"a.png": string(png)}, "a.png"), "0.tar", "sample a has an image but no .txt captions")
	wantErr(t, shard(t, map[string]string{"a.txt": "x\n"}, "a.txt"), "sample a has captions but no")
	wantErr(t, shard(t, map[string]string{"a.png": string(png), "a.txt": "x\n\ny\n"}, "a.png", "a.txt"), "a.txt: line 2: empty caption")
	wantErr(t, shard(t, map[string]string{"a.png": string(png), "a.txt": "\xff\xfe"}, "a.png", "a.txt"), "not UTF-8")
	if err := shard(t, map[string]string{"a.png": string(png), "a.txt": "x\r\ny"}, "a.png", "a.txt"); err != nil {
		t.Errorf("good shard: %v", err)
	}
}
