package suites

import (
	"fmt"
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

// ProgressEvery is how often a non-terminal progress line is written at
// most; a line also marks every 10% of a stage.
var ProgressEvery = 10 * time.Second

// lineProgress writes plain progress lines when stderr is not a terminal
// (CI logs, files): one per ProgressEvery, or per 10% of a stage when a
// second has passed since the last, and one when a stage ends, "[2/6] zeroshot m on d: encode images
// 1200/3669 (33%, 412/s, ETA 6s)".
type lineProgress struct {
	mu      sync.Mutex
	w       io.Writer
	prefix  string
	label   string
	total   int
	done    int
	start   time.Time
	last    time.Time
	lastPct int
	now     func() time.Time
}

func (p *lineProgress) clock() time.Time {
	if p.now != nil {
		return p.now()
	}
	return time.Now()
}

func (p *lineProgress) SetTotal(label string, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.endStage()
	now := p.clock()
	p.label, p.total, p.done, p.start, p.last, p.lastPct = label, n, 0, now, now, 0
}

func (p *lineProgress) Add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.label == "" {
		return
	}
	p.done += n
	now := p.clock()
	pct := -1
	if p.total > 0 {
		pct = p.done * 100 / p.total
	}
	switch {
	case p.total > 0 && p.done >= p.total:
		p.line(now)
		p.label = "" // the stage's last line
	case now.Sub(p.last) >= ProgressEvery, pct >= 0 && pct/10 > p.lastPct/10 && now.Sub(p.last) >= time.Second:
		p.line(now)
	}
}

// line writes the stage's state.
func (p *lineProgress) line(now time.Time) {
	el := now.Sub(p.start).Seconds()
	rate := ""
	if el > 0 && p.done > 0 {
		r := float64(p.done) / el
		rate = fmt.Sprintf(", %.0f/s", r)
		if p.total > p.done {
			rate += fmt.Sprintf(", ETA %s", (time.Duration(float64(p.total-p.done)/r) * time.Second).Round(time.Second))
		}
	}
	if p.total > 0 {
		pct := p.done * 100 / p.total
		fmt.Fprintf(p.w, "%s: %s %d/%d (%d%%%s)\n", p.prefix, p.label, p.done, p.total, pct, rate)
		p.lastPct = pct
	} else {
		fmt.Fprintf(p.w, "%s: %s %d%s\n", p.prefix, p.label, p.done, rate)
	}
	p.last = now
}

// endStage writes the last line of an unfinished stage.
func (p *lineProgress) endStage() {
	if p.label != "" && p.done > 0 && (p.total <= 0 || p.done < p.total) {
		p.line(p.clock())
	}
	p.label = ""
}

func (p *lineProgress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.endStage()
}
