package cli

import (
	"bufio"
	"flag"
	"io"
	"iter"
	"os"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/qrskit/qrs"
)

// A Column is one column of a table of records of type T.
type Column[T any] struct {
	Title string
	// Max truncates the cells to Max characters, with an ellipsis; 0 means
	// no limit (for identifiers and URLs, which must stay whole).
	Max   int
	Value func(*T) string
}

// A Writer writes records of type T to a program's output: as JSON Lines
// (one JSON object per line), or as an aligned table with a header line.
// A table is held until Close, since its columns are as wide as their
// widest cell. A Writer is not safe for concurrent use.
type Writer[T any] struct {
	bw    *bufio.Writer
	enc   *jsontext.Encoder
	tw    *tabwriter.Writer
	cols  []Column[T]
	eager bool // flush every line: the output is a terminal
	line  strings.Builder
	buf   []byte // a JSONAppender's line
}

// A JSONAppender writes itself as one compact JSON object, the same as
// encoding it would, only faster: a Writer uses it for records that have it.
// An inventory writes hundreds of thousands of lines, whose reflective
// encoding was a fifth of its CPU.
type JSONAppender interface {
	AppendJSON(dst []byte) []byte
}

// NewWriter returns a Writer to w: a table of cols when table is true,
// JSON Lines otherwise.
func NewWriter[T any](w io.Writer, table bool, cols []Column[T]) *Writer[T] {
	ow := &Writer[T]{bw: bufio.NewWriterSize(w, 64<<10), cols: cols}
	if table {
		ow.tw = tabwriter.NewWriter(ow.bw, 0, 0, 2, ' ', 0)
		titles := make([]string, len(cols))
		for i, c := range cols {
			titles[i] = c.Title
		}
		ow.row(titles)
	} else {
		ow.enc = jsontext.NewEncoder(ow.bw) // no HTML escaping, as v2 does by default
		ow.eager = IsTerminal(w)
	}
	return ow
}

// Write writes one record.
func (w *Writer[T]) Write(v *T) error {
	if w.tw != nil {
		cells := make([]string, len(w.cols))
		for i, c := range w.cols {
			cells[i] = Cell(c.Value(v), c.Max)
		}
		w.row(cells)
		return nil // tabwriter holds every line until Close
	}
	if a, ok := any(v).(JSONAppender); ok {
		w.buf = append(a.AppendJSON(w.buf[:0]), '\n')
		if _, err := w.bw.Write(w.buf); err != nil {
			return &outputError{err}
		}
		return w.flushIfEager()
	}
	return w.WriteLine(v)
}

func (w *Writer[T]) row(cells []string) {
	w.line.Reset()
	for i, c := range cells {
		if i > 0 {
			w.line.WriteByte('\t')
		}
		w.line.WriteString(c)
	}
	w.line.WriteByte('\n')
	// Errors come back from the bufio.Writer at Close.
	io.WriteString(w.tw, w.line.String())
}

// Close writes what is held (the table) and flushes the output.
func (w *Writer[T]) Close() error {
	if w.tw != nil {
		if err := w.tw.Flush(); err != nil {
			return &outputError{err}
		}
	}
	if err := w.bw.Flush(); err != nil {
		return &outputError{err}
	}
	return nil
}

// Cell makes s fit a table cell: control characters (tabs, line breaks)
// become spaces, an empty value becomes "-", and a value longer than max
// characters (when max > 0) is cut with an ellipsis.
func Cell(s string, max int) string {
	if s == "" {
		return "-"
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if max <= 0 || utf8.RuneCountInString(s) <= max {
		return s
	}
	if max == 1 {
		return "…"
	}
	n := 0
	for i := range s {
		if n == max-1 {
			return strings.TrimRight(s[:i], " ") + "…"
		}
		n++
	}
	return s
}

// TableTime formats t for a table cell in UTC to the minute, "" when it
// is the zero time (never).
func TableTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04")
}

// UserName returns DIRECTORY\user, or the user id alone when the directory
// is empty.
func UserName(directory, userID string) string {
	if directory == "" {
		return userID
	}
	return directory + `\` + userID
}

// IsTerminal reports whether w is a terminal: a character device other
// than the null device.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	null, err := os.Stat(os.DevNull)
	return err != nil || !os.SameFile(fi, null)
}

// ListFlags holds the flags that narrow and order a listing.
type ListFlags struct {
	Filter  string
	OrderBy string
}

// AddListFlags defines -filter, and -orderby when orderBy is true.
func AddListFlags(fs *flag.FlagSet, orderBy bool) *ListFlags {
	l := &ListFlags{}
	fs.StringVar(&l.Filter, "filter", "", "QRS filter `text`, e.g. \"name sw 'Sales' and stream.name eq 'Finance'\"")
	if orderBy {
		fs.StringVar(&l.OrderBy, "orderby", "", "QRS order, a `property and direction`, e.g. \"name asc\"")
	}
	return l
}

// Options returns the list options, nil when no flag narrows or orders.
func (l *ListFlags) Options() *qrs.ListOptions {
	return &qrs.ListOptions{Filter: l.Filter, OrderBy: l.OrderBy}
}

// Emit writes every item of seq to w, converted to a record, and counts it
// on p (which may be nil). It stops at the first error of the listing or of
// the output, which ends the listing's requests, and closes w.
func Emit[S, R any](seq iter.Seq2[S, error], w *Writer[R], convert func(*S) R, p *Progress) error {
	_, err := WriteAll(seq, w, convert, p)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if BrokenPipe(err) {
		p.Clear()
	} else {
		p.Done()
	}
	return err
}

// WriteAll is Emit without the end: it writes the items of seq to w and
// counts them on p until the first error, and returns how many it wrote,
// leaving w open and p running for more listings.
func WriteAll[S, R any](seq iter.Seq2[S, error], w *Writer[R], convert func(*S) R, p *Progress) (int, error) {
	n := 0
	for item, err := range seq {
		if err != nil {
			return n, err
		}
		r := convert(&item)
		if err := w.Write(&r); err != nil {
			return n, err
		}
		n++
		p.Add()
	}
	return n, nil
}
