// Package regfile reads files that must be regular files: truststores,
// client certificates, keys and connection files. A named pipe, a device
// or a directory given where such a file belongs would block a reader
// forever or feed it without end, so it is refused before anything is read.
package regfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
)

// ErrTooLarge is wrapped by the error of a file larger than the limit.
var ErrTooLarge = errors.New("file too large")

// Read returns the contents of the regular file at path, refusing anything
// else (a directory, a named pipe, a socket, a device) before reading, and
// any file larger than limit bytes. A missing file's error matches
// fs.ErrNotExist. Errors do not repeat the path, which callers put in front.
func Read(path string, limit int64) ([]byte, error) {
	if path == "" {
		return nil, errors.New("no file name given")
	}
	f, err := open(path)
	if err != nil {
		return nil, unwrapPath(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, unwrapPath(err)
	}
	if err := Check(fi); err != nil {
		return nil, err
	}
	if fi.Size() > limit {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrTooLarge, fi.Size(), limit)
	}
	// The size can change under us: read at most one byte past the limit.
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, unwrapPath(err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	}
	return data, nil
}

// Check returns an error saying what fi is when it is not a regular file.
func Check(fi fs.FileInfo) error {
	m := fi.Mode()
	switch {
	case m.IsRegular():
		return nil
	case m.IsDir():
		return errors.New("is a directory, not a file")
	case m&fs.ModeNamedPipe != 0:
		return errors.New("is a named pipe (FIFO), not a regular file")
	case m&fs.ModeSocket != 0:
		return errors.New("is a socket, not a regular file")
	case m&fs.ModeDevice != 0, m&fs.ModeCharDevice != 0:
		return errors.New("is a device, not a regular file")
	}
	return fmt.Errorf("is not a regular file (mode %v)", m)
}

// unwrapPath drops the operation and path from an *fs.PathError, keeping
// the cause (which still matches fs.ErrNotExist and friends).
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
