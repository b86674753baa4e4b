//go:build cudaemu && cgo

package kernels_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evalclip/evalclip/kernels"
	"github.com/evalclip/evalclip/kernels/kerneltest"
)

// The PTX override folder is read once, when the process first opens the
// GPU, so these tests run the test binary again with EVALCLIP_PTX_DIR set
// and look at what the child reports (on the emulator: the kernels run are
// the compiled-in CUDA C, but the override's PTX is loaded and checked
// exactly as the driver path does).

const childEnv = "EVALCLIP_TEST_PTX_CHILD"

// TestCUDAPTXOverrideChild is the child: it scores one problem with the fused
// kernel and prints the PTX sources the peaks report.
func TestCUDAPTXOverrideChild(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		t.Skip("run by TestCUDAPTXOverride")
	}
	s, err := kernels.LookupDType("cuda-fused", kernels.FP16)
	if err != nil {
		t.Fatal(err)
	}
	c := kerneltest.Case{N: 40, C: 300, D: 32, K: 5, Normalize: true}
	p := kerneltest.NewProblem(newRand(t), c)
	got, err := s.Score(context.Background(), p)
	if err != nil {
		fmt.Println("SCORE-ERROR:", err)
		return
	}
	rp := *p
	rp.WantLogits = true
	ref, err := kernels.Reference().Score(context.Background(), &rp)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kerneltest.Compare(p, kernels.FP16, ref, got); err != nil {
		t.Fatal(err)
	}
	im, _ := kernels.Describe("cuda-fused")
	pk, err := kernels.MeasurePeaks(context.Background(), im, kernels.FP16)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("PEAKS:", pk.Method)
}

func runChild(t *testing.T, dir string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run", "^TestCUDAPTXOverrideChild$", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"=1", kernels.PTXDirEnv+"="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	return string(out)
}

func TestCUDAPTXOverride(t *testing.T) {
	if os.Getenv(childEnv) != "" {
		t.Skip("child")
	}
	mma, err := os.ReadFile(filepath.Join("cuda", "ptx", "mma.ptx"))
	if err != nil {
		t.Fatal(err)
	}
	write := func(text string) string {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "mma.ptx"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}

	good := write(string(mma))
	if out := runChild(t, good); !strings.Contains(out, "mma.ptx:"+filepath.Join(good, "mma.ptx")) ||
		!strings.Contains(out, "prep.ptx:embedded") {
		t.Errorf("override folder with mma.ptx: the peaks do not name it:\n%s", out)
	}

	newer := write(strings.Replace(string(mma), ".target sm_80", ".target sm_90a", 1))
	if out := runChild(t, newer); !strings.Contains(out, "SCORE-ERROR: cuda: load PTX mma.ptx ("+filepath.Join(newer, "mma.ptx")+")") ||
		!strings.Contains(out, "sm_90a is newer than the emulated sm_80") {
		t.Errorf("sm_90a override on the emulated sm_80: want a load error naming the file and the target:\n%s", out)
	}

	missing := write(strings.Replace(string(mma), ".entry fused_mma_f16_k8(", ".entry renamed_kernel(", 1))
	if out := runChild(t, missing); !strings.Contains(out, "SCORE-ERROR: cuda: mma.ptx ("+filepath.Join(missing, "mma.ptx")+"): kernel fused_mma_f16_k8") {
		t.Errorf("override without fused_mma_f16_k8: want an error naming the file and the kernel:\n%s", out)
	}
}
