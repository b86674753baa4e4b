package suites

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestLineProgress: off a terminal, progress is plain lines: one per 10%
// of a stage or per ProgressEvery, with rate and ETA, and one at its end.
func TestLineProgress(t *testing.T) {
	var buf bytes.Buffer
	clock := time.Unix(0, 0)
	p := &lineProgress{w: &buf, prefix: "[1/2] zeroshot m on d", now: func() time.Time { return clock }}
	p.SetTotal("encode images", 1000)
	for i := 0; i < 100; i++ {
		clock = clock.Add(100 * time.Millisecond)
		p.Add(10)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 10 || lines[0] != "[1/2] zeroshot m on d: encode images 100/1000 (10%, 100/s, ETA 9s)" ||
		lines[9] != "[1/2] zeroshot m on d: encode images 1000/1000 (100%, 100/s)" {
		t.Fatalf("%d lines:\n%s", len(lines), buf.String())
	}
	// a slow stage without a total: a line per ProgressEvery, and at its end
	buf.Reset()
	p.SetTotal("encode prompts", 0)
	for i := 0; i < 25; i++ {
		clock = clock.Add(time.Second)
		p.Add(1)
	}
	p.finish()
	if got := buf.String(); got != "[1/2] zeroshot m on d: encode prompts 10, 1/s\n[1/2] zeroshot m on d: encode prompts 20, 1/s\n[1/2] zeroshot m on d: encode prompts 25, 1/s\n" {
		t.Errorf("%q", got)
	}
}
