package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/evalclip/evalclip/internal/hub/hubtest"
	"github.com/evalclip/evalclip/reports"
)

var (
	tinyModel  = filepath.Join("..", "..", "testdata", "models", "tinyclip-digits")
	tinyDigits = filepath.Join("..", "..", "testdata", "datasets", "digits")
)

// sameMeasurements strips what legitimately differs between an eval
// one-liner and the suite file it equals: run metadata and timings.
func sameMeasurements(recs []reports.Record) []reports.Record {
	out := comparable(recs)
	for i := range out {
		out[i].Run = reports.RunInfo{Language: out[i].Run.Language}
		out[i].Job = ""
		delete(out[i].Params, "score_ms")
		delete(out[i].Params, "features_cached")
		out[i].Throughput = nil // rates and stage times
		if sweep, ok := out[i].Params["sweep"].([]any); ok {
			for _, e := range sweep {
				if m, ok := e.(map[string]any); ok {
					delete(m, "fit_s")
				}
			}
		}
		for k := range out[i].Params {
			if strings.HasSuffix(k, "_s") || strings.HasSuffix(k, "_ms") {
				delete(out[i].Params, k)
			}
		}
	}
	return out
}

// TestEvalEqualsSuite: an eval one-liner gives the records of the same
// suite written as TOML (configs/quickstart.toml plus a linear probe),
// and --print-suite prints the suite it runs.
func TestEvalEqualsSuite(t *testing.T) {
	requireORT(t)
	root := t.TempDir()
	data, _ := os.ReadFile(filepath.Join("..", "..", "configs", "quickstart.toml"))
	abs, _ := filepath.Abs(filepath.Join("..", ".."))
	suite := strings.ReplaceAll(string(data), `"../`, `"`+abs+`/`) + "\n[[tasks]]\ntype = \"linear_probe\"\nshots = [2]\nseeds = [1]\n"
	p := filepath.Join(root, "q.toml")
	os.WriteFile(p, []byte(suite), 0o644)
	if _, stderr, code := cli(t, "run", "-q", "--no-cache", "--no-report", "--out", filepath.Join(root, "toml"), p); code != 0 {
		t.Fatal(stderr)
	}
	want, _ := reports.ReadResults(filepath.Join(root, "toml", "results.json"))
	var got []reports.Record
	for _, task := range []string{"zeroshot_classification", "linear_probe"} {
		out := filepath.Join(root, task)
		args := []string{"eval", "-q", "--no-cache", "--no-report", "--model", tinyModel, "--dataset", "mnist:" + tinyDigits, "--task", task, "--out", out}
		if task == "linear_probe" {
			args = append(args, "--fewshot-k", "2", "--seed", "1")
		}
		if _, stderr, code := cli(t, args...); code != 0 {
			t.Fatalf("%v: %s", args, stderr)
		}
		recs, _ := reports.ReadResults(filepath.Join(out, "results.json"))
		got = append(got, recs...)
		printed, _, code := cli(t, append(args, "--print-suite")...)
		copied, _ := os.ReadFile(filepath.Join(out, "suite.toml"))
		if code != 0 || printed != string(copied) || !strings.Contains(printed, "# made by: evalclip eval --model") {
			t.Errorf("--print-suite:\n%s\nsuite.toml:\n%s", printed, copied)
		}
	}
	if len(got) != 2 || !reflect.DeepEqual(sameMeasurements(got), sameMeasurements(want)) {
		t.Errorf("eval records:\n%+v\nsuite records:\n%+v", sameMeasurements(got), sameMeasurements(want))
	}
}

// TestEvalCLIPBenchmarkOutput: --output writes CLIP_benchmark files named
// by its pattern (folders created), --skip-existing skips their jobs, an
// existing file is not overwritten unless --force, and JSON template files
// (a one-line list, CuPL per-class prompts) are read as JSON.
func TestEvalCLIPBenchmarkOutput(t *testing.T) {
	requireORT(t)
	model, _ := filepath.Abs(tinyModel)
	digits, _ := filepath.Abs(tinyDigits)
	t.Chdir(t.TempDir())
	pattern := "cb/{model}/{dataset}_{pretrained}_{language}_{task}.json"
	base := []string{"eval", "--no-report", "--model", model, "--dataset", "mnist:" + digits, "--output", pattern}
	_, stderr, code := cli(t, append(base, "--out", "r1")...)
	file := filepath.Join("cb", "tinyclip-digits", "digits_tinyclip-digits_en_zeroshot_classification.json")
	if code != 0 || !strings.Contains(stderr, "wrote "+file) {
		t.Fatalf("%d %s", code, stderr)
	}
	recs, err := reports.ReadResults(file)
	want, _ := reports.ReadResults(filepath.Join("r1", "results.json"))
	if err != nil || recs[0].Metrics[reports.MetricAcc1] != want[0].Metrics[reports.MetricAcc1] || recs[0].Run.Imported != reports.FormatCLIPBenchmark {
		t.Fatalf("%v %v", recs, err)
	}
	// what ran it: ONNX Runtime's release, device, decoder, threads
	if r := want[0].Run; !strings.HasPrefix(r.ONNXRuntime, "1.") || r.Device != "cpu" || r.Decoder == "" || r.Threads < 1 || r.Workers < 1 {
		t.Errorf("run metadata %+v", r)
	}
	_, stderr, code = cli(t, append(base, "--out", "r2", "--skip-existing")...)
	if code != 0 || !strings.Contains(stderr, "skip zeroshot/model=tinyclip-digits/dataset=digits: "+file+" exists (--skip-existing)") || !strings.Contains(stderr, "nothing to run") {
		t.Errorf("--skip-existing: %d %s", code, stderr)
	}
	if _, err := os.Stat("r2"); err == nil {
		t.Error("a run folder for a run with nothing to do")
	}
	_, stderr, code = cli(t, append(base, "--out", "r3")...)
	if code != 1 || !strings.Contains(stderr, file+" exists (from an earlier evaluation; --force overwrites") {
		t.Errorf("existing output: %d %s", code, stderr)
	}
	// the trap: a one-line JSON list of templates was one template
	os.WriteFile("t.json", []byte(`["a photo of the number: \"{c}\".", "a blurry photo of the number {c}."]`), 0o644)
	os.WriteFile("cupl.json", []byte(`{"mnist": {"0": ["a handwritten zero", "the digit 0"], "1": ["the digit 1"], "2": ["the digit 2"], "3": ["the digit 3"], "4": ["the digit 4"],`+
		` "5": ["the digit 5"], "6": ["the digit 6"], "7": ["the digit 7"], "8": ["the digit 8"], "9": ["the digit 9", "a handwritten nine"]}}`), 0o644)
	for file, prompts := range map[string]float64{"t.json": 20, "cupl.json": 12} {
		out := "r-" + file
		if _, stderr, code := cli(t, "eval", "-q", "--no-report", "--model", model, "--dataset", "mnist:"+digits, "--custom-template-file", file, "--out", out); code != 0 {
			t.Fatalf("%s: %s", file, stderr)
		}
		recs, _ := reports.ReadResults(filepath.Join(out, "results.json"))
		if n, _ := recs[0].ParamFloat("prompt_count"); n != prompts {
			t.Errorf("%s: %v prompts, want %v (%v)", file, n, prompts, recs[0].Params)
		}
	}
}

// TestEvalUsage: bad flags exit 2 naming the flag.
func TestEvalUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--dataset", "mnist:" + tinyDigits}, "--model is required"},
		{[]string{"--model", tinyModel}, "--dataset is required"},
		{[]string{"--model", tinyModel, "--dataset", "parquet:" + tinyDigits}, `unknown format "parquet"`},
		{[]string{"--model", tinyModel, "--dataset", "mnist:/nonexistent/x"}, "--dataset mnist:/nonexistent/x: stat /nonexistent/x: no such file"},
		{[]string{"--model", "no/such/dir", "--dataset", "mnist:" + tinyDigits}, "--model no/such/dir: no such file or folder, and not a Hub repo"},
		{[]string{"--model", tinyModel, "--dataset", "digits"}, "--dataset digits: want FORMAT:PATH"},
		{[]string{"--model", tinyModel, "--dataset", "mnist:" + tinyDigits, "--task", "captioning"}, `--task "captioning": want zeroshot`},
		{[]string{"--model", tinyModel, "--dataset", "mnist:" + tinyDigits, "--skip-existing"}, "--skip-existing needs --output"},
		{[]string{"--model", tinyModel, "--dataset", "mnist:" + tinyDigits, "--fewshot-k", "0"}, "--fewshot-k 0: want -1 (all) or at least 1"},
		{[]string{"--model", tinyModel, "--dataset", "mnist:" + tinyDigits, "--batch-size", "0"}, "--batch-size 0: want at least 1"},
		{[]string{"--model", tinyModel, "--dataset", "mnist:" + tinyDigits, "--output", "{nope}.json"}, "--output: output pattern \"{nope}.json\": unknown field {nope}"},
	} {
		_, stderr, code := cli(t, append([]string{"eval"}, c.args...)...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: %d %q, want %q", c.args, code, stderr, c.want)
		}
	}
	// Hub names and CLIP_benchmark dataset names become hub entries
	out, stderr, code := cli(t, "eval", "--print-suite", "--model", "immich-app/ViT-B-32__openai", "--dataset", "wds/vtab/pets", "--dataset", "clip-benchmark/wds_flickr30k", "--language", "it")
	for _, want := range []string{`hub = "immich-app/ViT-B-32__openai"`, `name = "vtab_pets"`, `hub = "clip-benchmark/wds_vtab-pets"`, `language = "it"`,
		`name = "flickr30k"`, "[[tasks]]\ntype = \"retrieval\"\ndatasets = [\"flickr30k\"]", "type = \"zeroshot\"\ndatasets = [\"vtab_pets\"]"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("hub suite lacks %q: %d %s\n%s", want, code, stderr, out)
		}
	}
}

// TestEvalHub: a Hub model and a CLIP_benchmark dataset name, pulled from
// the loopback Hub; the output file carries CLIP_benchmark's names (model
// and pretrained from the immich repo name, wds/ dataset), and
// --skip-existing finds it before anything is pulled again.
func TestEvalHub(t *testing.T) {
	requireORT(t)
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	s := hubtest.New(t)
	s.AddRepo(hubtest.Model, hubModel, repoFiles(t, filepath.Join(root, "testdata", "models", "tinyclip-digits")), hubtest.Access{})
	s.AddRepo(hubtest.Dataset, "clip-benchmark/wds_digits", digitsWDS(t, 40), hubtest.Access{})
	hubEnv(t, s)
	t.Chdir(t.TempDir())
	args := []string{"eval", "--no-report", "--model", hubModel, "--dataset", "wds/digits", "--output", "{dataset}_{pretrained}_{model}_{language}_{task}.json", "--skip-existing"}
	_, stderr, code := cli(t, append(args, "--out", "r1")...)
	file := "digits_digits_tinyclip-digits_en_zeroshot_classification.json"
	if code != 0 || !strings.Contains(stderr, "wrote "+file) {
		t.Fatalf("%d %s", code, stderr)
	}
	data, _ := os.ReadFile(file)
	if !strings.HasPrefix(string(data), `{"dataset": "wds/digits", "model": "tinyclip-digits", "pretrained": "digits", "task": "zeroshot_classification", "metrics": {"acc1": `) {
		t.Errorf("%s", data)
	}
	_, stderr, code = cli(t, append(args, "--out", "r2", "--offline")...)
	if code != 0 || !strings.Contains(stderr, "skip zeroshot/model=tinyclip-digits__digits/dataset=digits: "+file+" exists") {
		t.Errorf("second eval: %d %s", code, stderr)
	}
}
