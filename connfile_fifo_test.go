//go:build unix

package qrs_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/qrskit/qrs"
)

// TestLoadConnectionNotRegular gives LoadConnection a named pipe, which a
// plain read would wait on forever, and a folder: both are refused at once.
func TestLoadConnectionNotRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "x.conf")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	folder := filepath.Join(dir, "sub.conf")
	if err := os.Mkdir(folder, 0o700); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		fifo:   "is a named pipe (FIFO), not a regular file",
		folder: "is a directory, not a file",
	} {
		done := make(chan error, 1)
		go func() {
			_, err := qrs.LoadConnection(path)
			done <- err
		}()
		var err error
		select {
		case err = <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("LoadConnection(%s) blocked", path)
		}
		if want := "qrs: connection file " + path + ": " + want; err == nil || err.Error() != want {
			t.Errorf("LoadConnection: got %v, want %s", err, want)
		}
	}
	// A file too large is refused by its size, before it is parsed.
	big := filepath.Join(dir, "big.conf")
	if err := os.WriteFile(big, []byte(strings.Repeat("# padding\n", 1<<20/10+1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := qrs.LoadConnection(big); err == nil || !strings.HasPrefix(err.Error(), "qrs: connection file "+big+": file too large") {
		t.Errorf("a file of more than 1 MiB: got %v", err)
	}
}
