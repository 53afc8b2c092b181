package regfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f.conf")
	if err := os.WriteFile(file, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "pipe.conf")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, 11), 0o600); err != nil {
		t.Fatal(err)
	}
	if data, err := Read(file, 10); err != nil || string(data) != "hello" {
		t.Fatalf("Read(file) = %q, %v; want hello", data, err)
	}
	for _, tc := range []struct {
		path, want string
		is         error
	}{
		{fifo, "named pipe", nil},
		{dir, "directory", nil},
		{"/dev/zero", "device", nil},
		{filepath.Join(dir, "missing"), "no such file", fs.ErrNotExist},
		{big, "more than 10", ErrTooLarge},
		{"", "no file name", nil},
	} {
		done := make(chan struct{})
		var err error
		go func() {
			defer close(done)
			_, err = Read(tc.path, 10)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("Read(%q) blocked", tc.path)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Read(%q) = %v; want an error saying %q", tc.path, err, tc.want)
		}
		if tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("Read(%q) = %v; want it to match %v", tc.path, err, tc.is)
		}
		if err != nil && tc.path != "" && strings.Contains(err.Error(), tc.path) {
			t.Errorf("Read(%q) = %v: the error repeats the path", tc.path, err)
		}
	}
}
