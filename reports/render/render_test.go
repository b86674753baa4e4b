package render

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evalclip/evalclip/reports"
)

func TestRenderAll(t *testing.T) {
	recs, err := reports.ReadResults(filepath.Join("..", "testdata", "results_a.json"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out, err := Render(recs, Options{Dir: dir, Formats: AllFormats, Plots: []string{"svg", "png"}, Notes: []string{"a note"},
		Sources: []string{filepath.Join(dir, "results.json")}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"report.md", "report.tex", "tables.json", "bench.txt", "index.html", "tables/zeroshot.csv",
		"tables/kernels.csv", "plots/fewshot_pets.svg", "plots/fewshot_pets.png", "plots/roofline.png", "plots/pets_humans.svg"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	index, _ := os.ReadFile(filepath.Join(dir, "index.html"))
	s := string(index)
	for _, want := range []string{`<section id="zeroshot">`, `<section id="fewshot">`, `<section id="kernels">`,
		`<img src="plots/fewshot_pets.png"`, `<img src="plots/confusion_RN50_mnist.png"`, `<a href="plots/fewshot_pets.svg">SVG</a>`, `<a href="plots/roofline.png">PNG</a>`,
		`<li class="note">a note</li>`, "metric mean_per_class_recall is NaN", "failed: probe: features/train.npy",
		`<dd>results.json</dd>`, `<a href="report.tex">report.tex</a>`, "<dd>paper-small</dd>"} {
		if !strings.Contains(s, want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
	if len(out.Notes) != 3 {
		t.Errorf("notes %v", out.Notes)
	}
}

func TestRenderFormatsAndEmpty(t *testing.T) {
	dir := t.TempDir()
	if _, err := Render(nil, Options{Dir: dir, Formats: []string{"xlsx"}}); err == nil || !strings.Contains(err.Error(), `unknown report format "xlsx"`) {
		t.Errorf("xlsx: %v", err)
	}
	if _, err := Render(nil, Options{Dir: dir, Plots: []string{"gif"}}); err == nil || !strings.Contains(err.Error(), `unknown plot format "gif"`) {
		t.Errorf("gif: %v", err)
	}
	out, err := Render(nil, Options{Dir: dir, Formats: []string{"md", "html"}, Plots: []string{"png"}})
	if err != nil || len(out.Files) != 2 {
		t.Fatalf("%v %v", out, err)
	}
	index, _ := os.ReadFile(filepath.Join(dir, "index.html"))
	if !strings.Contains(string(index), "No successful records to tabulate.") {
		t.Error(string(index))
	}
}

// TestReportTeXCompiles builds report.tex (tables and the PDF figures)
// with pdflatex when it is installed (make report-deps installs it): the
// document compiles and no table overflows its column.
func TestReportTeXCompiles(t *testing.T) {
	pdflatex, err := exec.LookPath("pdflatex")
	if err != nil {
		if os.Getenv("EVALCLIP_REQUIRE_PDFLATEX") != "" {
			t.Fatal("pdflatex required: make report-deps installs it")
		}
		t.Skip("no pdflatex (make report-deps installs it)")
	}
	recs, err := reports.ReadResults(filepath.Join("..", "testdata", "results_a.json"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := Render(recs, Options{Dir: dir, Formats: []string{FormatTeX}, Plots: []string{"pdf"}}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(pdflatex, "-interaction=nonstopmode", "-halt-on-error", TeXFile)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pdflatex: %v\n%s", err, out)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "report.log"))
	if n := strings.Count(string(log), "Overfull \\hbox"); n > 0 {
		t.Errorf("%d overfull boxes:\n%s", n, log)
	}
	if fi, err := os.Stat(filepath.Join(dir, "report.pdf")); err != nil || fi.Size() < 10000 {
		t.Errorf("report.pdf: %v", err)
	}
}
