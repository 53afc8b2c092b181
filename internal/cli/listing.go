package cli

import (
	"context"
	"io"
	"iter"

	"github.com/qrskit/qrs"
)

// A Listing is a program that prints one listing of a site: the
// connection flags or -conf, -filter, -orderby and -table, then every item of List
// written as Convert makes it, in Columns when a table is asked for.
type Listing[S, R any] struct {
	Name, Synopsis string
	Features       Feature // connection flags beyond the common ones
	List           func(*qrs.Client, context.Context, *qrs.ListOptions) iter.Seq2[S, error]
	Convert        func(*S) R
	Columns        []Column[R]
}

// Run parses args and prints the listing to stdout.
func (l *Listing[S, R]) Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := NewFlagSet(l.Name, l.Synopsis, stderr)
	conn := AddConnFlags(fs, l.Features)
	files := AddFileFlags(fs, conn, false)
	list := AddListFlags(fs, true)
	table := fs.Bool("table", false, "print an aligned table instead of JSON Lines")
	if err := Parse(fs, args); err != nil {
		return err
	}
	src, err := files.SiteSource(stderr)
	if err != nil {
		return err
	}
	client, release, err := src.Open(conn.Options(stderr)...)
	if err != nil {
		return err
	}
	defer release()
	return Emit(l.List(client, ctx, list.Options()), NewWriter(stdout, *table, l.Columns), l.Convert, nil)
}
