//go:build unix

package main

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/qrskit/qrs/internal/cli/clitest"
)

// TestConnectionsFIFO puts a named pipe called x.conf among the connection
// files: it is reported as a failed file, at once, and the other files are
// inventoried. -conf refuses it the same way.
func TestConnectionsFIFO(t *testing.T) {
	s := newSite(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.conf"), s.conf("site-a"))
	fifo := filepath.Join(dir, "x.conf")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	const refused = ": is a named pipe (FIFO), not a regular file"

	type result struct {
		stdout, stderr string
		err            error
	}
	within := func(args ...string) result {
		t.Helper()
		done := make(chan result, 1)
		go func() {
			// Not clitest.Run, whose deadline a blocked open ignores,
			// and which must fail the test from the test's goroutine.
			var out, errOut bytes.Buffer
			err := run(t.Context(), args, &out, &errOut)
			done <- result{out.String(), errOut.String(), err}
		}()
		select {
		case r := <-done:
			return r
		case <-time.After(30 * time.Second):
			t.Fatalf("inventory %s blocked on the named pipe", strings.Join(args, " "))
			return result{}
		}
	}

	r := within("-connections", dir)
	if r.err == nil || !strings.Contains(r.err.Error(), "1 of the 2 connection files failed") {
		t.Errorf("error %v, want one that counts 1 failed file of 2", r.err)
	}
	want := regexp.MustCompile(`(?m)^inventory: qrs: connection file ` + regexp.QuoteMeta(fifo+refused) + `$`)
	if !want.MatchString(r.stderr) {
		t.Errorf("stderr has no line matching %s:\n%s", want, r.stderr)
	}
	checkItems(t, clitest.JSONLines(t, r.stdout), "site-a", s)

	r = within("-conf", fifo)
	if r.err == nil || r.err.Error() != "qrs: connection file "+fifo+refused {
		t.Errorf("-conf %s: error %v, want qrs: connection file %s%s", fifo, r.err, fifo, refused)
	}
	if r.stdout != "" {
		t.Errorf("-conf %s wrote %q", fifo, r.stdout)
	}
}
