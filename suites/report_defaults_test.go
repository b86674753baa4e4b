package suites_test

import (
	"fmt"
	"testing"

	"github.com/evalclip/evalclip/suites"
	_ "github.com/evalclip/evalclip/suites/tasks" // the task kinds
)

func TestReportDefaults(t *testing.T) {
	s, err := suites.Parse("x.toml", []byte("name = \"x\"\n[[tasks]]\ntype = \"kernels\"\nshapes = [\"1x1x1\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(s.Report.Formats, s.Report.Plots) != "[md csv json html] [svg png pdf]" {
		t.Errorf("defaults %v %v", s.Report.Formats, s.Report.Plots)
	}
	s, err = suites.Parse("x.toml", []byte("name = \"x\"\n[[tasks]]\ntype = \"kernels\"\nshapes = [\"1x1x1\"]\n[report]\nplots = []\n"))
	if err != nil || len(s.Report.Plots) != 0 {
		t.Errorf("plots = [] must turn plots off: %v %v", s.Report.Plots, err)
	}
}
