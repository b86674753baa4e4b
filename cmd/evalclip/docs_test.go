package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDocsExamplesUseRealFlags parses every evalclip command line in
// docs/examples (workflow, Slurm script, Kubernetes manifest) and the
// README with the command's own flag set, so the examples cannot drift
// from the CLI.
func TestDocsExamplesUseRealFlags(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "docs", "examples", "*"))
	files = append(files, filepath.Join("..", "..", "README.md"))
	line := regexp.MustCompile("evalclip (run|merge|report|compare|validate|tokenize|pull|models|eval|export|build) ([^#\n`\\\\]*)")
	n := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range line.FindAllStringSubmatch(string(data), -1) {
			c := commands[m[1]]
			fs := flag.NewFlagSet(m[1], flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			c.flags(fs)
			args := strings.Fields(strings.Trim(m[2], "`"))
			if _, err := parseInterleaved(fs, args); err != nil {
				t.Errorf("%s: evalclip %s %s: %v", f, m[1], m[2], err)
			}
			n++
		}
	}
	if n < 5 {
		t.Errorf("only %d evalclip command lines found in the docs", n)
	}
}
