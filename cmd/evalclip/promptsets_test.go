package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/evalclip/evalclip/reports"
)

// TestTwoPromptSets: one suite runs zero-shot with the dataset's prompts
// and with a task's own (CuPL-style) prompts; the two are two
// measurements in one report, a prompts label in the second's key.
func TestTwoPromptSets(t *testing.T) {
	requireORT(t)
	abs, _ := filepath.Abs(filepath.Join("..", ".."))
	data, _ := os.ReadFile(filepath.Join(abs, "configs", "quickstart.toml"))
	dir := t.TempDir()
	var cupl strings.Builder
	cupl.WriteString("{")
	for d := 0; d <= 9; d++ {
		if d > 0 {
			cupl.WriteString(", ")
		}
		cupl.WriteString(`"` + string(rune('0'+d)) + `": ["a photo of the number: \"` + string(rune('0'+d)) + `\".", "the handwritten digit ` + string(rune('0'+d)) + `"]`)
	}
	cupl.WriteString("}")
	os.WriteFile(filepath.Join(dir, "cupl.json"), []byte(cupl.String()), 0o644)
	suite := strings.ReplaceAll(string(data), `"../`, `"`+abs+`/`) + "\n[[tasks]]\ntype = \"zeroshot\"\ntemplates = \"cupl.json\"\n"
	p := filepath.Join(dir, "two.toml")
	os.WriteFile(p, []byte(suite), 0o644)
	out := filepath.Join(dir, "out")
	_, stderr, code := cli(t, "run", "-q", "--out", out, p)
	if code != 0 {
		t.Fatalf("%d %s", code, stderr)
	}
	recs, _ := reports.ReadResults(filepath.Join(out, "results.json"))
	if len(recs) != 2 || recs[0].Key().GroupID() != "zeroshot/model=tinyclip-digits/dataset=digits" ||
		recs[1].Key().GroupID() != "zeroshot/model=tinyclip-digits/dataset=digits/prompts=cupl" ||
		recs[1].Job != "zeroshot/model=tinyclip-digits/dataset=digits/prompts=cupl" {
		t.Fatalf("%d records: %v / %v", len(recs), recs[0].Key(), recs[len(recs)-1].Key())
	}
	if n, _ := recs[1].ParamFloat("prompt_count"); n != 20 {
		t.Errorf("cupl prompts: %v", n)
	}
	// exported to CLIP_benchmark files and read back: still two measurements
	cb := filepath.Join(dir, "cb")
	if _, stderr, code := cli(t, "export", "--format", "clip_benchmark", "--output", "{dataset}_{model}_{task}{prompts}.json", "--out", cb, out); code != 0 {
		t.Fatal(stderr)
	}
	back, err := reports.ReadFiles([]string{cb})
	if err != nil || len(back[0].Records) != 2 || back[0].Records[0].MatchKey() == back[0].Records[1].MatchKey() {
		t.Fatalf("%v %v", back, err)
	}
	// two tasks measuring the same thing: a config error before any work
	twice := filepath.Join(dir, "twice.toml")
	os.WriteFile(twice, []byte(strings.ReplaceAll(string(data), `"../`, `"`+abs+`/`)+"\n[[tasks]]\ntype = \"zeroshot\"\n"), 0o644)
	_, stderr, code = cli(t, "run", "--out", filepath.Join(dir, "o2"), twice)
	if code != 2 || !strings.Contains(stderr, "tasks[1]: plans job zeroshot/model=tinyclip-digits/dataset=digits, as tasks[0] does") {
		t.Errorf("twice: %d %s", code, stderr)
	}
}

// TestCachedThroughput: a second run reads the first run's features from
// the cache; its record carries the first run's rates marked as cached,
// the throughput table says so, and a throughput gate does not fail on it.
func TestCachedThroughput(t *testing.T) {
	requireORT(t)
	abs, _ := filepath.Abs(filepath.Join("..", ".."))
	data, _ := os.ReadFile(filepath.Join(abs, "configs", "quickstart.toml"))
	dir := t.TempDir()
	suite := strings.ReplaceAll(string(data), `"../`, `"`+abs+`/`)
	suite = strings.Replace(suite, "[runtime]\n", "[runtime]\ncache_dir = \""+filepath.Join(dir, "cache")+"\"\n", 1)
	p := filepath.Join(dir, "q.toml")
	os.WriteFile(p, []byte(suite), 0o644)
	first := filepath.Join(dir, "first")
	if _, stderr, code := cli(t, "run", "-q", "--no-report", "--out", first, p); code != 0 {
		t.Fatal(stderr)
	}
	base, _ := reports.ReadResults(filepath.Join(first, "results.json"))
	os.WriteFile(p, []byte(suite+fmt.Sprintf("\n[ci]\nbaseline = %q\ntolerance = { acc1 = 0.001, images_per_s = 0.05 }\n", filepath.Join(first, "results.json"))), 0o644)
	second := filepath.Join(dir, "second")
	_, stderr, code := cli(t, "run", "-q", "--ci", "--out", second, p)
	recs, _ := reports.ReadResults(filepath.Join(second, "results.json"))
	if code != 0 || len(recs) != 1 || !recs[0].ThroughputCached() || recs[0].Throughput[reports.ThroughputImagesPerS] != base[0].Throughput[reports.ThroughputImagesPerS] {
		t.Fatalf("%d %s\n%+v", code, stderr, recs)
	}
	if !strings.Contains(stderr, "CI gate: 1 passed, 0 failed") {
		t.Errorf("gate: %s", stderr)
	}
	table, _ := os.ReadFile(filepath.Join(second, "tables", "throughput.csv"))
	if !strings.Contains(string(table), ",cached\n") {
		t.Errorf("throughput table:\n%s", table)
	}
}

// TestValidateChecksWithoutRunning: validate finds what would fail at once
// at run time: a model folder without a recognised layout, and a prompt
// set whose class count differs from the dataset's; both together.
func TestValidateChecksWithoutRunning(t *testing.T) {
	abs, _ := filepath.Abs(filepath.Join("..", ".."))
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "empty"), 0o755)
	p := filepath.Join(dir, "v.toml")
	os.WriteFile(p, []byte(fmt.Sprintf(`name = "v"
[[models]]
name = "m"
path = "empty"
[[models]]
name = "tiny"
path = %q
[[datasets]]
name = "d"
format = "mnist"
path = %q
prompts = "pets"
[[tasks]]
type = "zeroshot"
`, filepath.Join(abs, "testdata", "models", "tinyclip-digits"), filepath.Join(abs, "testdata", "datasets", "digits"))), 0o644)
	_, stderr, code := cli(t, "validate", p)
	for _, want := range []string{
		p + ":4: models[0].path: model m: no known layout in " + filepath.Join(dir, "empty"),
		p + ":12: datasets[0].prompts: dataset d: prompt set pets has 37 class names but the dataset has 10 classes",
	} {
		if code != 2 || !strings.Contains(stderr, want) {
			t.Errorf("%d %s\nwant %q", code, stderr, want)
		}
	}
	if strings.Contains(stderr, "models[1]") {
		t.Errorf("the good model reported: %s", stderr)
	}
}

// TestCompareSamples: with top5 = true, compare --samples names the
// classes each run predicted where the runs disagree.
func TestCompareSamples(t *testing.T) {
	requireORT(t)
	abs, _ := filepath.Abs(filepath.Join("..", ".."))
	data, _ := os.ReadFile(filepath.Join(abs, "configs", "quickstart.toml"))
	dir := t.TempDir()
	base := strings.ReplaceAll(string(data), `"../`, `"`+abs+`/`)
	base = strings.Replace(base, "[[tasks]]\ntype = \"zeroshot\"\n", "[[tasks]]\ntype = \"zeroshot\"\ntop5 = true\n", 1)
	os.WriteFile(filepath.Join(dir, "t.txt"), []byte("q q q q q q {c} q q q q q q\n"), 0o644)
	for name, suite := range map[string]string{
		"a": base,
		"b": strings.Replace(base, `prompts = "mnist"`, `prompts = "mnist"`+"\ntemplates = \"t.txt\"", 1),
	} {
		p := filepath.Join(dir, name+".toml")
		os.WriteFile(p, []byte(suite), 0o644)
		if _, stderr, code := cli(t, "run", "-q", "--no-report", "--out", filepath.Join(dir, name), p); code != 0 {
			t.Fatal(stderr)
		}
	}
	stdout, stderr, code := cli(t, "compare", "--samples", "--samples-limit", "3", filepath.Join(dir, "a"), filepath.Join(dir, "b"))
	if code != 0 || !strings.Contains(stdout, "zeroshot/model=tinyclip-digits/dataset=digits seed 0: ") ||
		!regexp.MustCompile(`  sample \d+: OLD "\d" \((right|wrong)\) -> NEW "\d" \((right|wrong)\)`).MatchString(stdout) {
		t.Fatalf("%d %s\n%s", code, stderr, stdout)
	}
}

// TestModelIdentity: a record names its model's open_clip identity from
// the export's config.json, and the suite's open_clip/pretrained keys win.
func TestModelIdentity(t *testing.T) {
	requireORT(t)
	abs, _ := filepath.Abs(filepath.Join("..", ".."))
	src := filepath.Join(abs, "testdata", "models", "tinyclip-digits")
	model := filepath.Join(t.TempDir(), "m")
	filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(model, rel), 0o755)
		}
		data, _ := os.ReadFile(p)
		if rel == "config.json" {
			data = []byte(strings.Replace(string(data), "{", `{"open_clip_model": "tiny-cnn", "pretrained": "digits_v1",`, 1))
		}
		return os.WriteFile(filepath.Join(model, rel), data, 0o644)
	})
	digits := filepath.Join(abs, "testdata", "datasets", "digits")
	for _, c := range []struct{ extra, model, tag string }{{"", "tiny-cnn", "digits_v1"}, {"open_clip = \"ViT-B-32\"\npretrained = \"openai\"\n", "ViT-B-32", "openai"}} {
		dir := t.TempDir()
		p := filepath.Join(dir, "s.toml")
		os.WriteFile(p, []byte(fmt.Sprintf("name = \"id\"\n[[models]]\nname = \"m\"\npath = %q\n%s[[datasets]]\nname = \"digits\"\nformat = \"mnist\"\npath = %q\n[[tasks]]\ntype = \"zeroshot\"\n", model, c.extra, digits)), 0o644)
		if _, stderr, code := cli(t, "run", "-q", "--no-report", "--no-cache", "--out", filepath.Join(dir, "o"), p); code != 0 {
			t.Fatal(stderr)
		}
		recs, _ := reports.ReadResults(filepath.Join(dir, "o", "results.json"))
		if r := recs[0].Run; r.OpenCLIP != c.model || r.Pretrained != c.tag {
			t.Errorf("%q: identity %q %q, want %q %q", c.extra, r.OpenCLIP, r.Pretrained, c.model, c.tag)
		}
	}
}
