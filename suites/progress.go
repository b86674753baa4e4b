package suites

import (
	"io"
	"sync"
	"time"

	"github.com/evalclip/evalclip/internal/tty"
	"github.com/schollz/progressbar/v3"
)

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool { return tty.Is(w) }

// barProgress draws one progress bar per job phase on a terminal.
type barProgress struct {
	mu     sync.Mutex
	w      io.Writer
	prefix string
	bar    *progressbar.ProgressBar
}

func (p *barProgress) SetTotal(label string, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		p.bar.Finish()
	}
	if n <= 0 {
		n = -1 // spinner
	}
	p.bar = progressbar.NewOptions(n,
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionSetDescription(p.prefix+" "+label),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("it"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionFullWidth(),
	)
}

func (p *barProgress) Add(n int) {
	p.mu.Lock()
	bar := p.bar
	p.mu.Unlock()
	if bar != nil {
		bar.Add(n)
	}
}

func (p *barProgress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		p.bar.Finish()
		p.bar = nil
	}
}

// nopProgress discards progress (stderr is not a terminal, or --quiet).
type nopProgress struct{}

func (nopProgress) SetTotal(string, int) {}
func (nopProgress) Add(int)              {}
