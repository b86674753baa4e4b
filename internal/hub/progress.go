package hub

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/evalclip/evalclip/internal/tty"
)

// note writes one line of progress ("hub: ...").
func (c *Client) note(format string, args ...any) {
	if c.Progress != nil {
		fmt.Fprintf(c.Progress, "hub: "+format+"\n", args...)
	}
}

// meter shows one download's progress: a bar redrawn in place on a
// terminal, else a line when it starts, every ProgressEvery, and when it
// ends (so that CI logs show a long download moving).
type meter struct {
	mu                  sync.Mutex
	w                   io.Writer
	tty                 bool
	label               string
	total, done, resume int64
	began, last         time.Time
	every               time.Duration
	closed              bool
	// parent is the meter of a pull of several files; a child only feeds
	// it.
	parent *meter
	// files counts a parent's finished files.
	files, nfiles int
}

// multi returns a meter for a pull of nfiles files, total bytes.
func (c *Client) multi(label string, total int64, nfiles int) *meter {
	m := c.meter(label, total, 0)
	m.nfiles = nfiles
	return m
}

// child is the meter of one file of a multi-file pull, starting at have
// bytes already on disk (counted as done).
func (m *meter) child(have int64) *meter {
	c := &meter{parent: m}
	if have > 0 {
		m.mu.Lock()
		m.resume += have
		m.done += have
		m.mu.Unlock()
	}
	return c
}

func (c *Client) meter(label string, total, have int64) *meter {
	m := &meter{w: c.Progress, label: label, total: total, done: have, resume: have,
		began: time.Now(), every: c.ProgressEvery}
	if m.every <= 0 {
		m.every = 10 * time.Second
	}
	if m.w == nil {
		return m
	}
	m.tty = tty.Is(m.w)
	m.last = m.began
	if !m.tty {
		from := ""
		if have > 0 {
			from = fmt.Sprintf(", resuming at %s", byteSize(have))
		}
		fmt.Fprintf(m.w, "hub: downloading %s (%s%s)\n", label, byteSize(total), from)
	}
	return m
}

// Write counts bytes received.
func (m *meter) Write(p []byte) (int, error) {
	if m.parent != nil {
		return m.parent.Write(p)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.done += int64(len(p))
	if m.w == nil {
		return len(p), nil
	}
	now := time.Now()
	switch {
	case m.tty && now.Sub(m.last) >= 200*time.Millisecond:
		m.last = now
		fmt.Fprintf(m.w, "\r%s", m.line(now))
	case !m.tty && now.Sub(m.last) >= m.every:
		m.last = now
		fmt.Fprintf(m.w, "hub: %s\n", m.line(now))
	}
	return len(p), nil
}

// restart counts from zero again (the server ignored a Range request).
func (m *meter) restart() {
	if m.parent != nil {
		return // the parent's count stays a little high: only a display
	}
	m.mu.Lock()
	m.done, m.resume = 0, 0
	m.mu.Unlock()
}

func (m *meter) line(now time.Time) string {
	pct := 100.0
	if m.total > 0 {
		pct = 100 * float64(m.done) / float64(m.total)
	}
	rate := ""
	if s := now.Sub(m.began).Seconds(); s > 0 {
		rate = fmt.Sprintf(", %s/s", byteSize(int64(float64(m.done-m.resume)/s)))
	}
	files := ""
	if m.nfiles > 1 {
		files = fmt.Sprintf(", %d of %d files", m.files, m.nfiles)
	}
	return fmt.Sprintf("%s: %5.1f%% of %s%s%s", m.label, pct, byteSize(m.total), rate, files)
}

func (m *meter) close() {
	if p := m.parent; p != nil {
		p.mu.Lock()
		p.files++
		p.mu.Unlock()
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed || m.w == nil {
		return
	}
	m.closed = true
	now := time.Now()
	if m.done < m.total {
		if m.tty {
			fmt.Fprintf(m.w, "\r%s\n", m.line(now))
		}
		return
	}
	secs := now.Sub(m.began).Seconds()
	rate := ""
	if secs > 0 {
		rate = fmt.Sprintf(" (%s/s)", byteSize(int64(float64(m.done-m.resume)/secs)))
	}
	if m.tty {
		fmt.Fprintf(m.w, "\r%s\n", m.line(now))
		return
	}
	fmt.Fprintf(m.w, "hub: %s: done, %s in %.1f s%s\n", m.label, byteSize(m.total), secs, rate)
}

// byteSize prints a byte count in decimal units, as the Hub's pages do.
func byteSize(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1e6:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	case n < 1e9:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.2f GB", float64(n)/1e9)
}

// ByteSize prints a byte count as progress lines do ("352.0 MB").
func ByteSize(n int64) string { return byteSize(n) }
