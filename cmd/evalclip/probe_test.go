package main

import (
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evalclip/evalclip/probe"
)

// probeFixture returns the path of a file in probe/testdata (see
// tools/fixtures/make_probe_fixtures.py).
func probeFixture(name string) string { return filepath.Join("..", "..", "probe", "testdata", name) }

func probeArgs(extra ...string) []string {
	args := []string{"probe",
		"--train-features", probeFixture("train_features.npy"), "--train-labels", probeFixture("train_labels.npy"),
		"--test-features", probeFixture("test_features.npy"), "--test-labels", probeFixture("test_labels.npy")}
	return append(args, extra...)
}

func TestProbeFixedC(t *testing.T) {
	stdout, stderr, code := cli(t, probeArgs("--c", "10")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout)
	}
	for _, k := range []string{"acc1", "acc5", "mean_per_class_recall", "C", "fit_s", "sweep", "num_classes", "n_train", "n_test"} {
		if _, ok := out[k]; !ok {
			t.Errorf("output lacks %q: %s", k, stdout)
		}
	}
	// sklearn: C=10 on the fixture scores 0.8327 (probe/testdata/sklearn_reference.json).
	if acc := out["acc1"].(float64); math.Abs(acc-0.8326666666666667) > 0.002 {
		t.Errorf("acc1 %.4f, sklearn 0.8327", acc)
	}
	if out["C"].(float64) != 10 || out["num_classes"].(float64) != 10 || out["n_train"].(float64) != 600 {
		t.Errorf("C %v, classes %v, n_train %v", out["C"], out["num_classes"], out["n_train"])
	}
}

func TestProbeSweepWithValidationFiles(t *testing.T) {
	stdout, stderr, code := cli(t, probeArgs("--val-features", probeFixture("val_features.npy"), "--val-labels", probeFixture("val_labels.npy"))...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var out struct {
		C     float64            `json:"C"`
		Acc1  float64            `json:"acc1"`
		NVal  int                `json:"n_val"`
		Sweep []probe.SweepPoint `json:"sweep"`
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatal(err)
	}
	// sklearn's sweep on the same files picks C = 10^(4/8) and scores 0.856.
	if math.Abs(out.C-math.Pow(10, 0.5)) > 1e-12 || math.Abs(out.Acc1-0.856) > 0.002 || out.NVal != 300 || len(out.Sweep) != 15 {
		t.Errorf("C=%g acc1=%.4f n_val=%d, %d points; want C=3.162, acc1 0.856, 300 validation samples, 15 points", out.C, out.Acc1, out.NVal, len(out.Sweep))
	}
}

func TestProbeBadInput(t *testing.T) {
	dir := t.TempDir()
	train, err := probe.Load(probeFixture("train_features.npy"), probeFixture("train_labels.npy"))
	if err != nil {
		t.Fatal(err)
	}
	nanX := append([]float32(nil), train.X...)
	nanX[3*train.D+1] = float32(math.NaN())
	nanPath := filepath.Join(dir, "nan.npy")
	if err := probe.WriteFeatures(nanPath, nanX, train.N, train.D); err != nil {
		t.Fatal(err)
	}
	noSeven := append([]int32(nil), train.Y...)
	for i, y := range noSeven {
		if y == 7 {
			noSeven[i] = 0
		}
	}
	noSevenPath := filepath.Join(dir, "no7.npy")
	if err := probe.WriteLabels(noSevenPath, noSeven); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"missing flag", []string{"probe", "--train-features", "a.npy"}, "are required"},
		{"val files and fraction", probeArgs("--val-features", "v.npy", "--val-labels", "w.npy", "--val-fraction", "0.3"), "not both"},
		{"val features alone", probeArgs("--val-features", "v.npy"), "go together"},
		{"bad fraction", probeArgs("--val-fraction", "1"), "--val-fraction 1: want 0 < F < 1"},
		{"negative C", probeArgs("--c", "-2"), "--c -2: want C > 0"},
		{"positional argument", probeArgs("extra"), "unexpected arguments extra"},
		{"missing file", probeArgs("--val-features", filepath.Join(dir, "nope.npy"), "--val-labels", probeFixture("val_labels.npy")), "nope.npy: no such file or directory"},
		{"mismatched counts", []string{"probe", "--train-features", probeFixture("train_features.npy"), "--train-labels", probeFixture("test_labels.npy"),
			"--test-features", probeFixture("test_features.npy"), "--test-labels", probeFixture("test_labels.npy")},
			"train_features.npy has 600 samples but ../../probe/testdata/test_labels.npy has 1500 labels"},
		{"NaN feature", []string{"probe", "--train-features", nanPath, "--train-labels", probeFixture("train_labels.npy"),
			"--test-features", probeFixture("test_features.npy"), "--test-labels", probeFixture("test_labels.npy")},
			"nan.npy, ../../probe/testdata/train_labels.npy): sample 3: feature 1 is NaN"},
		{"class absent from train", []string{"probe", "--train-features", probeFixture("train_features.npy"), "--train-labels", noSevenPath,
			"--test-features", probeFixture("test_features.npy"), "--test-labels", probeFixture("test_labels.npy")},
			"no7.npy: class 7 has no training samples but appears in ../../probe/testdata/test_labels.npy"},
		{"wrong dtype", []string{"probe", "--train-features", probeFixture("train_labels.npy"), "--train-labels", probeFixture("train_labels.npy"),
			"--test-features", probeFixture("test_features.npy"), "--test-labels", probeFixture("test_labels.npy")},
			"train_labels.npy: features must be float32 (or float16/float64), got dtype <i8"},
		{"wrong width", []string{"probe", "--train-features", probeFixture("train_features.npy"), "--train-labels", probeFixture("train_labels.npy"),
			"--test-features", probeFixture(filepath.Join("npy", "f4.npy")), "--test-labels", probeFixture(filepath.Join("npy", "i8.npy"))},
			"f4.npy has 3 features per sample but ../../probe/testdata/train_features.npy has 32"},
	} {
		stdout, stderr, code := cli(t, tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) || stdout != "" {
			t.Errorf("%s: exit %d, stderr %q, stdout %q; want exit 2 and %q", tc.name, code, stderr, stdout, tc.want)
		}
	}
}
