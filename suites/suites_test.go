package suites_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/evalclip/evalclip/datasets"
	"github.com/evalclip/evalclip/encoders"
	"github.com/evalclip/evalclip/suites"
	"github.com/evalclip/evalclip/suites/tasks"
)

func TestLoadFull(t *testing.T) {
	t.Setenv("EVALCLIP_TEST_DATA", mustAbs(t, "testdata"))
	s, err := suites.Open(filepath.Join("testdata", "full.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Runtime.Provider != suites.ProviderCPU || s.Runtime.Threads != 2 || s.Runtime.BatchSize != 32 {
		t.Errorf("runtime = %+v", s.Runtime)
	}
	if got, want := s.Datasets[0].Path, mustAbs(t, "testdata/data"); got != want {
		t.Errorf("relative path resolved to %s, want %s", got, want)
	}
	if got, want := s.Datasets[1].Path, mustAbs(t, "testdata/data"); got != want {
		t.Errorf("${VAR} path resolved to %s, want %s", got, want)
	}
	if s.Datasets[0].Split != "test" || s.Datasets[1].Split != "val" || s.Datasets[0].TrainSplit != "train" {
		t.Errorf("split defaults: %+v", s.Datasets)
	}
	if s.Models[0].Backend != suites.BackendFake || s.Models[1].EmbedDim != suites.DefaultEmbedDim {
		t.Errorf("model defaults: %+v", s.Models)
	}
	probe := s.Tasks[1].Config.(*tasks.LinearProbe)
	if *probe.Normalize != true || !reflect.DeepEqual(probe.Seeds, []int{0, 1}) {
		t.Errorf("probe = %+v", probe)
	}
	k := s.Tasks[2].Config.(*tasks.Kernels)
	if k.TopK != tasks.DefaultTopK || k.Reps != tasks.DefaultReps || *k.Warmup != tasks.DefaultWarmup || !reflect.DeepEqual(k.Impls, []string{"all"}) {
		t.Errorf("kernel defaults = %+v", k)
	}
	if s.CI.Tolerance["acc1"] != 0.005 || !strings.HasSuffix(s.CI.Baseline, "baseline.json") {
		t.Errorf("ci = %+v", s.CI)
	}
	if len(s.Hash) != 16 {
		t.Errorf("hash %q", s.Hash)
	}
}

func TestPlan(t *testing.T) {
	t.Setenv("EVALCLIP_TEST_DATA", mustAbs(t, "testdata"))
	s, err := suites.Open(filepath.Join("testdata", "full.toml"))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i, j := range suites.Plan(s) {
		if j.Index != i {
			t.Errorf("job %d has index %d", i, j.Index)
		}
		ids = append(ids, j.ID)
	}
	want := []string{
		"zeroshot/model=a/dataset=digits",
		"zeroshot/model=a/dataset=more",
		"zeroshot/model=b/dataset=digits",
		"zeroshot/model=b/dataset=more",
		"linear_probe/model=b/dataset=digits/k=1/seed=0",
		"linear_probe/model=b/dataset=digits/k=1/seed=1",
		"linear_probe/model=b/dataset=digits/k=4/seed=0",
		"linear_probe/model=b/dataset=digits/k=4/seed=1",
		"kernels/name=sim",
	}
	if !reflect.DeepEqual(ids, want) {
		t.Errorf("plan:\n%s\nwant:\n%s", strings.Join(ids, "\n"), strings.Join(want, "\n"))
	}
}

func TestHashIgnoresLayout(t *testing.T) {
	a := "name = \"x\"\n[[models]]\nname = \"m\"\nbackend = \"fake\"\n"
	b := "# comment\nname=\"x\"   # trailing\n\n[[models]]\nbackend = \"fake\"\nname = \"m\"\n"
	c := "name = \"x\"\n[[models]]\nname = \"m2\"\nbackend = \"fake\"\n"
	sa, err := suites.Parse("a.toml", []byte(a))
	if err != nil {
		t.Fatal(err)
	}
	sb, _ := suites.Parse("dir/b.toml", []byte(b))
	sc, _ := suites.Parse("a.toml", []byte(c))
	if sa.Hash != sb.Hash {
		t.Errorf("layout and location changed the hash: %s vs %s", sa.Hash, sb.Hash)
	}
	if sa.Hash == sc.Hash {
		t.Error("a different model name kept the hash")
	}
}

// TestBadSuites checks that every kind of bad input gets an error naming the
// file, the line and the key.
func TestBadSuites(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "data"), 0o755)
	head := "name = \"bad\"\n"
	model := "[[models]]\nname = \"m\"\nbackend = \"fake\"\n"
	data := "[[datasets]]\nname = \"d\"\nformat = \"mnist\"\npath = \"data\"\n"
	zs := "[[tasks]]\ntype = \"zeroshot\"\n"
	cases := []struct {
		name string
		body string
		want []string // substrings of the error
	}{
		{"malformed", head + "[runtime\nthreads = 1\n", []string{"bad.toml:3:", "expected '.' or ']'"}},
		{"unterminated string", head + "description = \"oops\n", []string{"bad.toml:2:"}},
		{"unknown model key", head + "[[models]]\nname = \"m\"\nbackend = \"fake\"\nvisoin = \"v.onnx\"\n" + data + zs,
			[]string{"bad.toml:5: models[0].visoin: unknown key (did you mean \"vision\"?)"}},
		{"unknown key in second model", head + model + "[[models]]\nname = \"m2\"\nbackend = \"fake\"\nthreads = 3\n" + data + zs,
			[]string{"bad.toml:8: models[1].threads: unknown key"}},
		{"unknown table", head + model + data + zs + "[reprot]\nformats = [\"md\"]\n",
			[]string{"bad.toml:11: reprot: unknown key (did you mean \"report\"?)"}},
		{"unknown inline key", head + model + data + zs + "[ci]\nbaseline = \"data\"\ntolerance = { acc1 = 0.1 }\nfoo = { bar = 1 }\n",
			[]string{"bad.toml:14: ci.foo: unknown key"}},
		{"wrong type", head + "[runtime]\nthreads = \"four\"\n" + model + data + zs,
			[]string{"bad.toml:3: runtime.threads:", "string", "integer"}},
		{"wrong type in array table", head + model + "[[models]]\nname = \"n\"\nbackend = \"fake\"\nimage_size = \"big\"\n" + data + zs,
			[]string{"bad.toml:8: models[1].image_size:"}},
		{"bad enum", head + "[runtime]\nprovider = \"gpu\"\n" + model + data + zs,
			[]string{"bad.toml:3: runtime.provider: unknown provider \"gpu\" (expected \"cpu\", \"cuda\" or \"tensorrt\")"}},
		{"bad task type", head + model + data + "[[tasks]]\ntype = \"zero-shot\"\n",
			[]string{"bad.toml:10: tasks[0].type: unknown task type \"zero-shot\""}},
		{"undefined model", head + model + data + "[[tasks]]\ntype = \"zeroshot\"\nmodels = [\"ViT-B-32\"]\n",
			[]string{"bad.toml:11: tasks[0].models[0]: model \"ViT-B-32\" is not defined (defined: m)"}},
		{"undefined dataset", head + model + data + "[[tasks]]\ntype = \"zeroshot\"\ndatasets = [\"d\", \"imagenet\"]\n",
			[]string{"tasks[0].datasets[1]: dataset \"imagenet\" is not defined"}},
		{"missing model files", head + "[[models]]\nname = \"m\"\npath = \"models/nope\"\n" + data + zs,
			[]string{"bad.toml:4: models[0].path: ", "models/nope does not exist"}},
		{"missing dataset folder", head + model + "[[datasets]]\nname = \"d\"\nformat = \"mnist\"\npath = \"nowhere\"\n" + zs,
			[]string{"bad.toml:8: datasets[0].path:", "nowhere does not exist"}},
		{"bad shots and seeds", head + model + data + "[[tasks]]\ntype = \"linear_probe\"\nshots = [1, -2, 1]\nseeds = [-1]\n",
			[]string{"tasks[0].shots[1]: shots must be 0 or more, got -2", "tasks[0].shots[2]: shots 1 is listed twice", "tasks[0].seeds[0]: seed must be 0 or more"}},
		{"probe without shots", head + model + data + "[[tasks]]\ntype = \"linear_probe\"\n",
			[]string{"tasks[0].shots: missing"}},
		{"shots on zeroshot", head + model + data + "[[tasks]]\ntype = \"zeroshot\"\nshots = [1]\n",
			[]string{"bad.toml:11: tasks[0].shots: only used by linear_probe tasks"}},
		{"bad kernel shape", head + "[[tasks]]\ntype = \"kernels\"\nshapes = [\"10x10\"]\ndtypes = [\"fp8\"]\n",
			[]string{"tasks[0].shapes[0]: shape \"10x10\": expected NxCxD", "tasks[0].dtypes[0]: unknown dtype \"fp8\""}},
		{"duplicate names", head + model + model + data + zs, []string{"models[1].name: duplicate model name \"m\""}},
		{"no tasks", head + model + data, []string{"no [[tasks]]"}},
		{"no name", model + data + zs, []string{"bad.toml: name: missing"}},
		{"bad std", head + "[[models]]\nname = \"m\"\nbackend = \"fake\"\nstd = [0.2, 0, 0.2]\n" + data + zs,
			[]string{"models[0].std: values must be positive"}},
		{"unset env var", head + model + "[[datasets]]\nname = \"d\"\nformat = \"mnist\"\npath = \"${EVALCLIP_SURELY_UNSET}/x\"\n" + zs,
			[]string{"bad.toml:8: datasets[0].path: environment variable EVALCLIP_SURELY_UNSET is not set"}},
		{"negative tolerance", head + model + data + zs + "[ci]\nbaseline = \"nonexistent.json\"\ntolerance = { acc1 = -0.1 }\n",
			[]string{"ci.baseline: ", "nonexistent.json does not exist", "bad.toml:13: ci.tolerance.acc1: must be a non-negative number"}},
		{"several problems at once", head + "[runtime]\nbatch_size = -5\nthreads = -1\n" + model + data + "[[tasks]]\ntype = \"zeroshot\"\nmodels = [\"x\"]\n",
			[]string{"runtime.batch_size: must be at least 1", "runtime.threads: must be 0", "tasks[0].models[0]: model \"x\""}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, "bad.toml")
			if err := os.WriteFile(p, []byte(c.body), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := suites.Open(p)
			if err == nil {
				t.Fatalf("accepted:\n%s", c.body)
			}
			if !suites.IsConfigError(err) {
				t.Errorf("not a ConfigError: %T %v", err, err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestMissingSuiteFile(t *testing.T) {
	_, err := suites.Open(filepath.Join(t.TempDir(), "nope.toml"))
	if err == nil || !suites.IsConfigError(err) || !strings.Contains(err.Error(), "nope.toml: cannot read suite") {
		t.Fatalf("err = %v", err)
	}
}

func TestModelOverridesResolveAgainstModelFolder(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "m", "visual"), 0o755)
	os.WriteFile(filepath.Join(dir, "m", "visual", "model.onnx"), nil, 0o644)
	body := "name = \"x\"\n[[models]]\nname = \"m\"\npath = \"m\"\nvision = \"visual/model.onnx\"\ntext = \"missing.onnx\"\n"
	p := filepath.Join(dir, "s.toml")
	os.WriteFile(p, []byte(body), 0o644)
	s, err := suites.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "m", "visual", "model.onnx"); s.Models[0].Vision != want {
		t.Errorf("vision = %s, want %s", s.Models[0].Vision, want)
	}
	err = s.Validate()
	if err == nil || !strings.Contains(err.Error(), "s.toml:6: models[0].text: ") {
		t.Errorf("missing text tower: %v", err)
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestSupervisedModels(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "data"), 0o755)
	base := "name = \"s\"\n[[models]]\nname = \"clip\"\nbackend = \"fake\"\n[[models]]\nname = \"rn50\"\nbackend = \"fake\"\nsupervised = true\n" +
		"[[datasets]]\nname = \"d\"\nformat = \"mnist\"\npath = \"data\"\n"
	p := filepath.Join(dir, "s.toml")
	os.WriteFile(p, []byte(base+"[[tasks]]\ntype = \"zeroshot\"\n[[tasks]]\ntype = \"linear_probe\"\nshots = [0]\n"), 0o644)
	s, err := suites.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, j := range suites.Plan(s) {
		ids = append(ids, j.ID)
	}
	want := "zeroshot/model=clip/dataset=d linear_probe/model=clip/dataset=d/k=0/seed=0 linear_probe/model=rn50/dataset=d/k=0/seed=0"
	if strings.Join(ids, " ") != want {
		t.Errorf("plan: %v", ids)
	}
	os.WriteFile(p, []byte(base+"[[tasks]]\ntype = \"zeroshot\"\nmodels = [\"rn50\"]\n"), 0o644)
	if _, err := suites.Open(p); err == nil || !strings.Contains(err.Error(), `tasks[0].models[0]: model "rn50" is supervised (image-only)`) {
		t.Errorf("zero-shot on a supervised model: %v", err)
	}
	os.WriteFile(p, []byte("name = \"s\"\n[[models]]\nname = \"rn50\"\nsupervised = true\npath = \"data\"\ntext = \"t.onnx\"\nresize_size = 10\nimage_size = 20\n[[tasks]]\ntype = \"kernels\"\nshapes = [\"1x1x1\"]\n"), 0o644)
	_, err = suites.Open(p)
	if err == nil || !strings.Contains(err.Error(), "models[0].text: a supervised model is image-only") || !strings.Contains(err.Error(), "models[0].resize_size") {
		t.Errorf("bad supervised model: %v", err)
	}
}

var registerOnce sync.Once

// TestEnumsFollowRegistries: dataset formats and encoder backends are
// accepted as their registries hold them, so a reader or backend
// registered elsewhere needs no change here.
func TestEnumsFollowRegistries(t *testing.T) {
	registerOnce.Do(func() {
		datasets.Register("enumtest-format", func(root, split string) (datasets.Dataset, error) { return nil, errors.New("unused") })
		encoders.Register("enumtest-backend", nil)
	})
	body := "name = \"x\"\n[[models]]\nname = \"m\"\nbackend = \"enumtest-backend\"\n[[datasets]]\nname = \"d\"\nformat = \"enumtest-format\"\npath = \".\"\n[[tasks]]\ntype = \"zeroshot\"\n"
	s, err := suites.Parse("x.toml", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if s.Datasets[0].Format != "enumtest-format" || s.Models[0].Backend != "enumtest-backend" {
		t.Errorf("decoded %q %q", s.Datasets[0].Format, s.Models[0].Backend)
	}
	_, err = suites.Parse("x.toml", []byte(strings.Replace(body, "enumtest-format", "enumtest-nope", 1)))
	if err == nil || !strings.Contains(err.Error(), `x.toml:7: datasets[0].format: unknown dataset format "enumtest-nope"`) || !strings.Contains(err.Error(), `"enumtest-format"`) {
		t.Errorf("unknown format: %v", err)
	}
}

// TestNonFiniteNumbers: TOML's nan and inf are refused wherever a suite
// writes a number, with the line and the key (they used to reach the
// hash, which could not encode them).
func TestNonFiniteNumbers(t *testing.T) {
	body := "name = \"n\"\n[[models]]\nname = \"m\"\nbackend = \"fake\"\nmean = [nan, 0.5, inf]\n" +
		"[[tasks]]\ntype = \"kernels\"\nshapes = [\"4x4x4\"]\nscale = -inf\n[ci]\nbaseline = \"b.json\"\ntolerance = { acc1 = nan }\n"
	_, err := suites.Parse("n.toml", []byte(body))
	for _, want := range []string{"n.toml:5: models[0].mean[0]: must be a finite number, got NaN", "n.toml:5: models[0].mean[2]: must be a finite number, got +Inf",
		"n.toml:9: tasks[0].scale: must be a finite number, got -Inf", "n.toml:12: ci.tolerance.acc1: must be a finite number, got NaN"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if !suites.IsConfigError(err) {
		t.Errorf("not a config error: %v", err)
	}
}

// TestRuntimeLimits: sizes that would make allocations or threads are
// bounded in the suite itself.
func TestRuntimeLimits(t *testing.T) {
	body := "name = \"r\"\n[runtime]\nbatch_size = 100000000\nthreads = 99999\nworkers = 99999\n[[tasks]]\ntype = \"kernels\"\nshapes = [\"4x4x4\"]\n"
	_, err := suites.Parse("r.toml", []byte(body))
	if err == nil {
		s, _ := suites.Parse("r.toml", []byte(body))
		err = s.Validate()
	}
	for _, want := range []string{"r.toml:3: runtime.batch_size: must be at most 65536, got 100000000", "r.toml:4: runtime.threads: must be at most 4096",
		"r.toml:5: runtime.workers: must be at most 4096"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}

// TestNestingAndSize: a suite nesting arrays past the limit is refused
// before the decoder recurses into it, with its line; a suite that is not
// a regular file is refused by name.
func TestNestingAndSize(t *testing.T) {
	deep := "name = \"d\"\n# [[[[ in a comment and \"[[[[\" in a string do not count\nx = \"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"\nv = " + strings.Repeat("[", 1000) + strings.Repeat("]", 1000) + "\n"
	_, err := suites.Parse("d.toml", []byte(deep))
	if err == nil || !strings.Contains(err.Error(), "d.toml:4: arrays or inline tables nested more than 32 deep") {
		t.Errorf("deep: %v", err)
	}
	if _, err := suites.Load("/dev/zero"); err == nil || !suites.IsConfigError(err) || !strings.Contains(err.Error(), "/dev/zero is not a regular file") {
		t.Errorf("/dev/zero: %v", err)
	}
}

// FuzzParse feeds arbitrary bytes to the suite loader, with the task kinds
// registered: it must return a suite or a ConfigError, never panic, and a
// loaded suite must validate and plan without panicking.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.toml"))
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("name = \"x\"\n[[models]]\nname = \"m\"\nbackend = \"fake\"\n[[tasks]]\ntype = \"zeroshot\"\n"))
	f.Add([]byte("name = \"x\"\n[[models]]\nname = \"m\"\nbackend = \"fake\"\nmean = [nan, inf, -0.0]\n[[tasks]]\ntype = \"linear_probe\"\nshots = [0, 1]\nc = 1e308\ntol = 5e-324\n"))
	f.Add([]byte("name = \"k\"\n[[tasks]]\ntype = \"kernels\"\nshapes = [\"1x1x1\", \"2_000x3X4\"]\ndtypes = [\"bf16\"]\nscale = -inf\nseed = 18446744073709551615\n"))
	f.Add([]byte("[[a]]\n[[a.b]]\nc = {d = [{e = '''x'''}]}\n"))
	f.Add([]byte("x = \"\"\"\\\"\"\"\"\n[ci]\ntolerance = {"))
	f.Add([]byte("name = \"${HOME}\"\n[runtime]\nonnxruntime = \"~/lib\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := suites.Parse("fuzz.toml", data)
		if err != nil {
			if !suites.IsConfigError(err) {
				t.Fatalf("non-config error %T: %v", err, err)
			}
			return
		}
		if err := s.Validate(); err != nil && !suites.IsConfigError(err) {
			t.Fatalf("validate: non-config error %T: %v", err, err)
		}
		suites.Plan(s)
	})
}

// TestAllProblemsAtOnce: type errors, bad values, an unknown task type and
// a key no task kind has are reported together, in file order, each at
// its line and key; a type error does not also read as a missing key.
func TestAllProblemsAtOnce(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.toml")
	os.WriteFile(p, []byte(`name = "v"
[runtime]
batch_size = "big"
threads = "all"
[[models]]
name = "m"
backend = "fake"
resize = "longest"
[[datasets]]
name = "d"
format = "mnist"
path = "."
[[tasks]]
type = "zeroshoot"
shotz = [1]
[[tasks]]
type = "linear_probe"
shots = "many"
`), 0o644)
	_, err := suites.Open(p)
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	want := []string{
		p + `:3: runtime.batch_size: incompatible types`,
		p + `:4: runtime.threads: incompatible types`,
		p + `:8: models[0].resize: unknown resize mode "longest"`,
		p + `:14: tasks[0].type: unknown task type "zeroshoot"`,
		p + `:15: tasks[0].shotz: unknown key for every task kind (did you mean "shots"?)`,
		p + `:18: tasks[1].shots: incompatible types`,
	}
	if len(lines) != len(want) {
		t.Fatalf("%d problems, want %d:\n%s", len(lines), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("problem %d: %q, want %q...", i, lines[i], w)
		}
	}
}
