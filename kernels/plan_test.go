package kernels

import (
	"slices"
	"strings"
	"testing"
)

func TestParseShape(t *testing.T) {
	sh, err := ParseShape("50_000x1000X512")
	if err != nil || sh != (Shape{50000, 1000, 512}) || sh.String() != "50000x1000x512" {
		t.Fatalf("%v %v", sh, err)
	}
	for _, bad := range []string{"", "1x2", "0x1x1", "ax1x1", "1x1x1x1"} {
		if _, err := ParseShape(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestPlan(t *testing.T) {
	shapes := []Shape{{N: 10, C: 10, D: 4}}
	items, _, err := Plan([]string{All}, shapes, 1, []DType{FP32})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.Impl.Slow {
			t.Errorf("all includes the slow %s", it.Impl.Name)
		}
	}
	if len(items) == 0 || items[0].Impl.Name != "cpu" {
		t.Errorf("all planned %v, want cpu first", items)
	}
	// An implementation keeping at most 4 per row (the CPU path under
	// another name) is left out of all for k = 5, and an error by name.
	cpu, err := Describe("cpu")
	if err != nil {
		t.Fatal(err)
	}
	limited := cpu
	limited.Name, limited.MaxK = "cpu-k4", 4
	if _, err := Describe(limited.Name); err != nil { // once per process (-count)
		Register(limited)
	}
	var skipped []string
	items, skipped, err = Plan([]string{All}, shapes, 5, []DType{FP32})
	if err != nil || len(items) == 0 || !slices.Contains(skipped, "cpu-k4 keeps at most 4 scores per row, k = 5") {
		t.Errorf("Plan(all, k=5) = %v, skipped %q, %v", items, skipped, err)
	}
	for _, it := range items {
		if it.Impl.Name == "cpu-k4" {
			t.Error("all, k = 5 includes cpu-k4")
		}
	}
	for _, c := range []struct {
		impls  []string
		dtypes []DType
		want   string
	}{
		{[]string{"cpu-k4"}, []DType{FP32}, "cpu-k4 keeps at most 4 scores per row, k = 5 asked for"},
		{[]string{"nope"}, []DType{FP32}, `unknown implementation "nope"`},
		{[]string{"cpu"}, []DType{BF16}, "cpu computes in fp32, none of the dtypes asked for (bf16)"},
		{[]string{All}, []DType{BF16}, "nothing to time"},
	} {
		_, _, err := Plan(c.impls, shapes, 5, c.dtypes)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Plan(%v, %v): error %v, want %q", c.impls, c.dtypes, err, c.want)
		}
	}
}
