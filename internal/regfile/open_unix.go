//go:build unix

package regfile

import (
	"os"
	"syscall"
)

// open opens path for reading without blocking: opening a named pipe for
// reading waits for a writer, unless O_NONBLOCK is given (which changes
// nothing for a regular file). Read then refuses what is not regular.
func open(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
