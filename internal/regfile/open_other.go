//go:build !unix

package regfile

import (
	"io/fs"
	"os"
)

// open checks that path names a regular file before opening it, where
// O_NONBLOCK is not to be had; Read checks the opened file again.
func open(path string) (*os.File, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := Check(fi); err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return os.Open(path)
}
