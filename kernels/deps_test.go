package kernels

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/evalclip/evalclip"

// TestNoUpwardImports: the kernels packages, with every build tag, depend on
// nothing of the suite runner or the reports (as `go list -deps
// ./kernels/...` shows); the kernels task in suites/tasks sits above them.
func TestNoUpwardImports(t *testing.T) {
	root := filepath.Join("..")
	seen := map[string]bool{}
	var visit func(pkg string, from string)
	visit = func(pkg, from string) {
		if seen[pkg] {
			return
		}
		seen[pkg] = true
		rel := strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/")
		if rel == "suites" || strings.HasPrefix(rel, "suites/") || rel == "reports" || strings.HasPrefix(rel, "reports/") {
			t.Errorf("%s imports %s", from, pkg)
			return
		}
		files, _ := filepath.Glob(filepath.Join(root, rel, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			ast, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range ast.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				if strings.HasPrefix(p, module+"/") {
					visit(p, pkg)
				}
			}
		}
	}
	filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() || strings.Contains(path, "testdata") {
			return nil
		}
		pkg := module + "/kernels"
		if path != "." {
			pkg += "/" + filepath.ToSlash(path)
		}
		visit(pkg, "")
		return nil
	})
	if !seen[module+"/kernels/internal/cudrv"] || !seen[module+"/kernels/blas"] {
		t.Errorf("walk missed packages: %v", seen)
	}
}
