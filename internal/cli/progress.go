package cli

import (
	"fmt"
	"io"
	"time"
)

// Intervals between progress updates: a terminal line is rewritten in
// place, a log gets a new line each time.
const (
	TerminalInterval = 250 * time.Millisecond
	LogInterval      = time.Second
)

// Progress shows on stderr how many items a run has written and at what
// rate, then a final line with the total and the time taken. Updates come
// with the items (no goroutine), at most once an interval. The methods of a
// nil *Progress do nothing.
type Progress struct {
	w        io.Writer
	prog     string
	noun     string
	terminal bool
	every    time.Duration
	now      func() time.Time

	start, last time.Time
	n           int64
	shown       bool // a terminal line is on screen
	detail      func() string
}

// ShowProgress reports whether progress should show without being asked
// for: when stderr is a terminal and stdout is not (on a shared terminal
// the progress line would break into the output).
func ShowProgress(stdout, stderr io.Writer) bool {
	return IsTerminal(stderr) && !IsTerminal(stdout)
}

// NewProgress returns a Progress on w that counts noun (plural) for the
// program prog. On a terminal the line is rewritten in place.
func NewProgress(w io.Writer, prog, noun string, terminal bool) *Progress {
	return newProgress(w, prog, noun, terminal, time.Now)
}

func newProgress(w io.Writer, prog, noun string, terminal bool, now func() time.Time) *Progress {
	p := &Progress{w: w, prog: prog, noun: noun, terminal: terminal, now: now, every: LogInterval}
	if terminal {
		p.every = TerminalInterval
	}
	p.start = now()
	p.last = p.start
	return p
}

// Add counts one item, and shows the count when an interval has passed
// since the last update.
func (p *Progress) Add() {
	if p == nil {
		return
	}
	p.n++
	t := p.now()
	if t.Sub(p.last) < p.every {
		return
	}
	p.last = t
	line := fmt.Sprintf("%s: %d %s, %s", p.prog, p.n, p.noun, rate(p.n, t.Sub(p.start)))
	if p.terminal {
		fmt.Fprintf(p.w, "\r\x1b[K%s", line)
		p.shown = true
	} else {
		fmt.Fprintln(p.w, line)
	}
}

// Clear removes the line on a terminal.
func (p *Progress) Clear() {
	if p == nil || !p.shown {
		return
	}
	fmt.Fprint(p.w, "\r\x1b[K")
	p.shown = false
}

// SetDetail makes the final line end with what detail returns, such as
// the counts of each kind of item.
func (p *Progress) SetDetail(detail func() string) {
	if p != nil {
		p.detail = detail
	}
}

// Done shows the total and the time taken.
func (p *Progress) Done() {
	if p == nil {
		return
	}
	p.Clear()
	d := p.now().Sub(p.start)
	more := ""
	if p.detail != nil {
		if s := p.detail(); s != "" {
			more = ": " + s
		}
	}
	fmt.Fprintf(p.w, "%s: %d %s in %s (%s)%s\n", p.prog, p.n, p.noun, d.Round(time.Millisecond), rate(p.n, d), more)
}

// rate formats n items in d as a rate per second.
func rate(n int64, d time.Duration) string {
	if d <= 0 {
		return "-/s"
	}
	r := float64(n) / d.Seconds()
	if r < 10 {
		return fmt.Sprintf("%.1f/s", r)
	}
	return fmt.Sprintf("%.0f/s", r)
}
