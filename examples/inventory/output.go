package main

// Where the lines go: JSON Lines as they come, or, with -table, one
// aligned table per kind, in the order of the kinds, once all are in.

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/cli"
)

type output struct {
	lines  *cli.Writer[record] // JSON Lines; nil for tables
	stdout io.Writer
	tables map[qrs.EntryKind][]record
}

func newOutput(stdout io.Writer, table bool) *output {
	if table {
		return &output{stdout: stdout, tables: map[qrs.EntryKind][]record{}}
	}
	return &output{lines: cli.NewWriter(stdout, false, []cli.Column[record]{}), stdout: stdout}
}

func (o *output) write(r *record) error {
	if o.lines != nil {
		return o.lines.Write(r)
	}
	o.tables[r.kind] = append(o.tables[r.kind], *r)
	return nil
}

// writeLine writes an event line among the records of JSON Lines.
func (o *output) writeLine(v any) error { return o.lines.WriteLine(v) }

// flush writes what the JSON Lines hold in their buffer.
func (o *output) flush() error {
	if o.lines == nil {
		return nil
	}
	return o.lines.Flush()
}

// close writes the tables, or what the JSON Lines hold, to the output.
func (o *output) close() error {
	if o.lines != nil {
		return o.lines.Close()
	}
	first := true
	for _, k := range qrs.EntryKinds() {
		rows := o.tables[k]
		if len(rows) == 0 {
			continue
		}
		caption := fmt.Sprintf("%s (%d)\n", strings.ToUpper(plural(k, len(rows))), len(rows))
		if !first {
			caption = "\n" + caption
		}
		first = false
		if err := cli.WriteString(o.stdout, caption); err != nil {
			return err
		}
		w := cli.NewWriter(o.stdout, true, columns(k))
		for i := range rows {
			if err := w.Write(&rows[i]); err != nil {
				return err
			}
		}
		if err := w.Close(); err != nil {
			return err
		}
	}
	return nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func join(s []string) string { return strings.Join(s, " ") }
