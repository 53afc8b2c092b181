package cli

import (
	"errors"
	"io"

	"github.com/go-json-experiment/json"
)

// What a long-running program (inventory -watch) needs of a Writer: lines
// of another shape between the records, and output that its reader sees
// as it happens rather than when a buffer fills.

// WriteLine writes v as one JSON line among the records of a JSON Lines
// Writer, such as an event of a watch, which has another shape than the
// records. A table has no place for it: WriteLine then fails.
func (w *Writer[T]) WriteLine(v any) error {
	if w.enc == nil {
		return errors.New("cli: WriteLine on a table")
	}
	if err := json.MarshalEncode(w.enc, v, json.Deterministic(true)); err != nil { // map keys sorted, as encoding/json does
		return &outputError{err}
	}
	return w.flushIfEager()
}

func (w *Writer[T]) flushIfEager() error {
	if w.eager {
		return w.Flush()
	}
	return nil
}

// Flush writes what a JSON Lines Writer holds in its buffer to the output.
// A table is written by Close only, since its columns are as wide as their
// widest cell; Flush leaves it alone.
func (w *Writer[T]) Flush() error {
	if w.tw != nil {
		return nil
	}
	if err := w.bw.Flush(); err != nil {
		return &outputError{err}
	}
	return nil
}

// OutputFailed reports whether err is a failed write to the program's
// output (of a Writer), which ends a program that would otherwise carry on
// after an error of one of its sources.
func OutputFailed(err error) bool {
	var oe *outputError
	return errors.As(err, &oe)
}

// WriteString writes s to w, the program's output, outside any Writer
// (a caption between tables): its error is an output error, for BrokenPipe
// and OutputFailed.
func WriteString(w io.Writer, s string) error {
	if _, err := io.WriteString(w, s); err != nil {
		return &outputError{err}
	}
	return nil
}
