package main

import (
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evalclip/evalclip/probe"
	"github.com/evalclip/evalclip/reports"
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

// probeRecord runs evalclip probe and returns the one record it prints.
func probeRecord(t *testing.T, args ...string) reports.Record {
	t.Helper()
	stdout, stderr, code := cli(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var recs []reports.Record
	if err := json.Unmarshal([]byte(stdout), &recs); err != nil || len(recs) != 1 {
		t.Fatalf("stdout is not one record (the results.json format): %v\n%s", err, stdout)
	}
	return recs[0]
}

func TestProbeFixedC(t *testing.T) {
	r := probeRecord(t, probeArgs("--c", "10")...)
	for _, k := range []string{"acc1", "acc5", "mean_per_class_recall"} {
		if _, ok := r.Metrics[k]; !ok {
			t.Errorf("metrics lack %q: %v", k, r.Metrics)
		}
	}
	for _, k := range []string{"C", "fit_s", "sweep", "num_classes", "n_train"} {
		if _, ok := r.Params[k]; !ok {
			t.Errorf("params lack %q: %v", k, r.Params)
		}
	}
	// sklearn: C=10 on the fixture scores 0.8327 (probe/testdata/sklearn_reference.json).
	if acc := r.Metrics["acc1"]; math.Abs(acc-0.8326666666666667) > 0.002 {
		t.Errorf("acc1 %.4f, sklearn 0.8327", acc)
	}
	if r.Params["C"].(float64) != 10 || r.Params["num_classes"].(float64) != 10 || r.Params["n_train"].(float64) != 600 || r.NSamples != 1500 {
		t.Errorf("C %v, classes %v, n_train %v, n_test %d", r.Params["C"], r.Params["num_classes"], r.Params["n_train"], r.NSamples)
	}
	if r.Task != reports.TaskLinearProbe || r.Dataset != "train_features" || r.Run.Suite != "evalclip probe" {
		t.Errorf("record identity: task %q dataset %q suite %q", r.Task, r.Dataset, r.Run.Suite)
	}
}

func TestProbeSweepWithValidationFiles(t *testing.T) {
	r := probeRecord(t, probeArgs("--val-features", probeFixture("val_features.npy"), "--val-labels", probeFixture("val_labels.npy"))...)
	var sweep []probe.SweepPoint
	raw, _ := json.Marshal(r.Params["sweep"])
	if err := json.Unmarshal(raw, &sweep); err != nil {
		t.Fatal(err)
	}
	c, acc1, nVal := r.Params["C"].(float64), r.Metrics["acc1"], int(r.Params["n_val"].(float64))
	// sklearn's sweep on the same files picks C = 10^(4/8) and scores 0.856.
	if math.Abs(c-math.Pow(10, 0.5)) > 1e-12 || math.Abs(acc1-0.856) > 0.002 || nVal != 300 || len(sweep) != 15 {
		t.Errorf("C=%g acc1=%.4f n_val=%d, %d points; want C=3.162, acc1 0.856, 300 validation samples, 15 points", c, acc1, nVal, len(sweep))
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
		{"bad fraction", probeArgs("--val-fraction", "1"), "--val-fraction: must be in [0, 1), got 1"},
		{"negative C", probeArgs("--c", "-2"), "--c: must be positive and finite, got -2"},
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
