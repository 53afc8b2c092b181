package main

// Reading a folder of connection files (-connections), and watching it
// (-watch). The folder is polled rather than watched through the kernel
// (inotify and the like), which needs no dependency, works the same on
// every system and on network shares, and costs little for a folder of
// small files. A file counts as changed when its size, its modification
// time or the hash of its content changed: the hash catches an edit that
// keeps the size within the modification time's resolution.

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/cli"
	"github.com/qrskit/qrs/internal/hocon"
	"github.com/qrskit/qrs/internal/regfile"
)

// readLimit is the most of a file that is read for its hash:
// LoadConnection's limit, beyond which the file is an error anyway.
const readLimit = hocon.MaxSize

// event is a line of the output of -watch, among the items; the synopsis
// documents each kind.
type event struct {
	Event      string   `json:"event"` // added, changed, done, removed, error
	Connection string   `json:"connection,omitempty"`
	Name       string   `json:"name,omitempty"`
	File       string   `json:"file"`
	Items      *int     `json:"items,omitempty"`      // done
	Incomplete []string `json:"incomplete,omitempty"` // done: apps whose data model could not be read
	Reason     string   `json:"reason,omitempty"`
	Error      string   `json:"error,omitempty"`
}

// The kinds of events.
const (
	eventAdded   = "added"
	eventChanged = "changed"
	eventDone    = "done"
	eventRemoved = "removed"
	eventError   = "error"
)

// fingerprint is what the watch compares of a file between two looks. The
// zero fingerprint is that of an absent file.
type fingerprint struct {
	present bool
	size    int64
	mtime   int64 // Unix nanoseconds
	hash    [sha256.Size]byte
	err     string // why the file could not be looked at
}

// entry is the state of one file of the folder, as last read.
type entry struct {
	fp fingerprint
	// conn is the connection of the file as last read well and enabled,
	// whose items were written; nil when there is none. A file that then
	// fails to read keeps it.
	conn *qrs.Connection
	// pending is a connection read well but held back since another
	// file's connection has its code; it is added when that code is free.
	pending *qrs.Connection
}

// folder inventories the connection files of a folder.
type folder struct {
	dir      string
	stderr   io.Writer
	out      *output
	catalog  *qrs.CatalogOptions // the scope of each connection is its file's
	filter   string              // -filter, over the apps of each connection
	opts     []qrs.Option
	progress *cli.Progress         // nil: none
	counts   map[qrs.EntryKind]int // the entries written, by kind
	events   bool                  // write event lines (-watch)

	files    map[string]*entry // by file name, for every file read
	codes    map[string]string // the file name of each connection in conn, by code
	failures int
}

func newFolder(dir string, stderr io.Writer, out *output) *folder {
	return &folder{
		dir:    dir,
		stderr: stderr,
		out:    out,
		files:  map[string]*entry{},
		codes:  map[string]string{},
	}
}

// run inventories every connection of the folder, then with watch looks
// at the folder every interval and acts on the changes until ctx ends,
// when it returns nil. Without watch, it returns an error when a file
// failed, after inventorying the others.
func (f *folder) run(ctx context.Context, watch bool, every time.Duration) error {
	seen, err := f.scan()
	if err != nil {
		return fmt.Errorf("-connections: %w", err)
	}
	if len(seen) == 0 {
		if !watch {
			return fmt.Errorf("no connection file (*.conf) in %s", f.dir)
		}
		f.notef("no connection file (*.conf) in %s yet: watching it", f.dir)
	}
	for _, name := range slices.Sorted(maps.Keys(seen)) {
		if err = f.update(ctx, name, seen[name]); err != nil {
			break
		}
	}
	var end error
	if watch {
		end = f.out.flush()
	} else {
		end = f.out.close()
	}
	if err == nil {
		err = end
	}
	if cli.BrokenPipe(err) {
		f.progress.Clear()
	} else {
		f.progress.Done()
	}
	f.progress = nil // the watch reports with events
	switch {
	case err != nil:
		return f.stopped(ctx, watch, err)
	case watch:
		return f.stopped(ctx, watch, f.watch(ctx, every, seen))
	case f.failures > 0:
		return fmt.Errorf("%d of the %d connection files failed (see above)", f.failures, len(seen))
	}
	return nil
}

// stopped returns what ends the run with err: nothing for an interrupted
// watch, which is how a watch ends.
func (f *folder) stopped(ctx context.Context, watch bool, err error) error {
	if watch && ctx.Err() != nil && !cli.OutputFailed(err) {
		return nil
	}
	return err
}

// watch looks at the folder every interval until ctx ends, and acts on the
// files that changed since they were last read, once they have stayed the
// same between two looks (so that a file being written is read whole).
// seen is the last look.
func (f *folder) watch(ctx context.Context, every time.Duration, seen map[string]fingerprint) error {
	tick := time.NewTicker(every)
	defer tick.Stop()
	var dirErr string // the folder's last error, reported once
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		now, err := f.scan()
		if err != nil {
			// A folder that cannot be read (unmounted, renamed) is not
			// a folder without connections: nothing is removed.
			if err.Error() != dirErr {
				dirErr = err.Error()
				if err := f.fail(f.dir, "", err); err != nil {
					return err
				}
			}
			continue
		}
		dirErr = ""
		if err := f.poll(ctx, seen, now); err != nil {
			return err
		}
		seen = now
	}
}

// poll acts on the files that are not as they were last read, now, and
// were so at the look before, seen.
func (f *folder) poll(ctx context.Context, seen, now map[string]fingerprint) error {
	names := slices.Sorted(maps.Keys(now))
	for name := range f.files {
		if _, ok := now[name]; !ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		var last fingerprint
		if e := f.files[name]; e != nil {
			last = e.fp
		}
		if fp := now[name]; fp != last && fp == seen[name] {
			if err := f.update(ctx, name, fp); err != nil {
				return err
			}
		}
	}
	return f.addPending(ctx)
}

// scan looks at the *.conf files of the folder.
func (f *folder) scan() (map[string]fingerprint, error) {
	des, err := os.ReadDir(f.dir)
	if err != nil {
		return nil, err
	}
	files := map[string]fingerprint{}
	for _, de := range des {
		name := de.Name()
		if strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".conf") || de.IsDir() {
			continue
		}
		if fp, ok := fileFingerprint(filepath.Join(f.dir, name)); ok {
			files[name] = fp
		}
	}
	return files, nil
}

// fileFingerprint returns the fingerprint of the file at path, and false
// when it is a folder (through a symbolic link).
func fileFingerprint(path string) (fingerprint, bool) {
	fi, err := os.Stat(path)
	if err != nil {
		// A dangling link, say: LoadConnection will say what is wrong.
		return fingerprint{present: true, err: err.Error()}, true
	}
	if fi.IsDir() {
		return fingerprint{}, false
	}
	fp := fingerprint{present: true, size: fi.Size(), mtime: fi.ModTime().UnixNano()}
	// Read as LoadConnection reads: a named pipe, which a plain open
	// would wait on forever, is refused, and LoadConnection says so.
	data, err := regfile.Read(path, readLimit)
	if err != nil {
		fp.err = err.Error()
		return fp, true
	}
	fp.hash = sha256.Sum256(data)
	return fp, true
}

// update reads the file name of the folder again, now that it is as fp
// says, and writes what changed. It returns only the errors that end the
// program (of the output, of the context); it reports the others.
func (f *folder) update(ctx context.Context, name string, fp fingerprint) error {
	path := filepath.Join(f.dir, name)
	e := f.files[name]
	if e == nil {
		e = &entry{}
		f.files[name] = e
	}
	e.fp = fp
	e.pending = nil
	if !fp.present {
		delete(f.files, name)
		return f.remove(path, e, "the file was removed")
	}
	c, err := qrs.LoadConnection(path)
	switch {
	case errors.Is(err, qrs.ErrOtherConnector):
		f.notef("skipping %s", strings.TrimPrefix(err.Error(), "qrs: "))
		return f.remove(path, e, "the file is another connector's")
	case err != nil:
		code := ""
		if e.conn != nil {
			code = e.conn.Code
		}
		return f.fail(path, code, err)
	case !c.Enabled:
		f.notef("skipping %s: the connection %q is disabled (enabled = false)", path, c.Code)
		return f.remove(path, e, "the connection is disabled")
	}
	return f.add(ctx, name, e, c)
}

// add makes c the connection of the file name, and inventories it.
func (f *folder) add(ctx context.Context, name string, e *entry, c *qrs.Connection) error {
	path := filepath.Join(f.dir, name)
	if other, ok := f.codes[c.Code]; ok && other != name {
		// The keys of the two would mix. The first file keeps the code;
		// this one is added when the code is free (addPending).
		e.pending = c
		err := fmt.Errorf("%s: the code %q is the code of %s already: a code must be unique, as it starts every key", path, c.Code, filepath.Join(f.dir, other))
		return f.fail(path, "", err)
	}
	kind := eventAdded
	if e.conn != nil {
		if e.conn.Code == c.Code {
			kind = eventChanged
		} else if err := f.remove(path, e, fmt.Sprintf("the code changed to %q", c.Code)); err != nil {
			return err
		}
	}
	e.conn = c
	f.codes[c.Code] = name
	if err := f.event(event{Event: kind, Connection: c.Code, Name: c.Name, File: path}); err != nil {
		return err
	}
	return f.inventory(ctx, path, c)
}

// addPending adds the connections held back for their code, whose code
// is now free.
func (f *folder) addPending(ctx context.Context) error {
	for _, name := range slices.Sorted(maps.Keys(f.files)) {
		e := f.files[name]
		if e.pending == nil {
			continue
		}
		if _, taken := f.codes[e.pending.Code]; taken {
			continue
		}
		c := e.pending
		e.pending = nil
		if err := f.add(ctx, name, e, c); err != nil {
			return err
		}
	}
	return nil
}

// remove drops the connection of the file at path, if it has one, for
// reason.
func (f *folder) remove(path string, e *entry, reason string) error {
	if e.conn == nil {
		return nil
	}
	c := e.conn
	e.conn = nil
	delete(f.codes, c.Code)
	return f.event(event{Event: eventRemoved, Connection: c.Code, Name: c.Name, File: path, Reason: reason})
}

// inventory writes the items of the connection c, read from path.
func (f *folder) inventory(ctx context.Context, path string, c *qrs.Connection) error {
	client, release, err := cli.ConnectionSource(c).Open(f.opts...)
	if err != nil {
		return f.fail(path, c.Code, err)
	}
	defer release()
	var opts qrs.CatalogOptions
	if f.catalog != nil {
		opts = *f.catalog
	}
	opts.Scope = c.Scope
	opts.Scope.AppFilter = f.filter
	if f.counts == nil {
		f.counts = map[qrs.EntryKind]int{}
	}
	n, incomplete, err := inventory(ctx, client, &opts, f.out, f.progress, f.counts, f.stderr)
	switch {
	case cli.OutputFailed(err):
		return err
	case ctx.Err() != nil:
		return ctx.Err()
	case err != nil:
		return f.fail(path, c.Code, err)
	}
	return f.event(event{Event: eventDone, Connection: c.Code, File: path, Items: &n, Incomplete: incomplete})
}

// fail reports a problem with the file at path (of the connection code,
// when there is one), which err names, on stderr and, with -watch, as an event; the other
// files carry on.
func (f *folder) fail(path, code string, err error) error {
	f.failures++
	where := "" // err names the file
	if code != "" {
		where = fmt.Sprintf("%s (connection %q): ", path, code)
	}
	// One line each for the problems of a file (errors.Join).
	for line := range strings.SplitSeq(err.Error(), "\n") {
		fmt.Fprintf(f.stderr, "inventory: %s%s\n", where, line)
	}
	return f.event(event{Event: eventError, Connection: code, File: path, Error: err.Error()})
}

// notef writes a notice on stderr.
func (f *folder) notef(format string, args ...any) {
	fmt.Fprintf(f.stderr, "inventory: "+format+"\n", args...)
}

// event writes ev with -watch, and flushes the output, so that a reader
// of a pipe sees each event as it happens, with the items before it.
func (f *folder) event(ev event) error {
	if !f.events {
		return nil
	}
	if err := f.out.writeLine(ev); err != nil {
		return err
	}
	return f.out.flush()
}
