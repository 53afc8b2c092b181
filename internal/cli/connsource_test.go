package cli

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/testserver"
)

// fileFlags parses args as a program with every connection flag and the
// connection file flags would.
func fileFlags(t *testing.T, args ...string) (*FileFlags, error) {
	t.Helper()
	fs := flag.NewFlagSet("prog", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	conn := AddConnFlags(fs, FlagCode|FlagPartitions)
	files := AddFileFlags(fs, conn, true)
	return files, Parse(fs, args)
}

func TestFileFlagsCheck(t *testing.T) {
	tests := []struct {
		args  []string
		given bool
		ok    bool
	}{
		{nil, false, true},
		{[]string{"-url", "https://q/p"}, false, true},
		{[]string{"-conf", "a.conf"}, true, true},
		{[]string{"-conf", "a.conf", "-timeout", "5s", "-partitions", "2", "-v"}, true, true},
		{[]string{"-connections", "dir"}, true, true},
		{[]string{"-conf", ""}, true, false},
		{[]string{"-connections", ""}, true, false},
		{[]string{"-conf", "a.conf", "-connections", "dir"}, true, false},
		{[]string{"-conf", "a.conf", "-timeout", "-1s"}, true, false},
		{[]string{"-connections", "dir", "-partitions", "-1"}, true, false},
	}
	for _, name := range siteFlags {
		tests = append(tests, struct {
			args  []string
			given bool
			ok    bool
		}{[]string{"-conf", "a.conf", "-" + name + "=x"}, true, false})
	}
	for _, tt := range tests {
		files, err := fileFlags(t, tt.args...)
		if err != nil {
			// Boolean flags refuse "x": give them true.
			files, err = fileFlags(t, append(tt.args[:len(tt.args)-1], strings.TrimSuffix(tt.args[len(tt.args)-1], "=x")+"=true")...)
			if err != nil {
				t.Fatalf("%q: %v", tt.args, err)
			}
		}
		if got := files.Given(); got != tt.given {
			t.Errorf("%q: Given() = %v, want %v", tt.args, got, tt.given)
		}
		if !tt.given {
			continue
		}
		err = files.Check()
		var ue *UsageError
		switch {
		case tt.ok && err != nil:
			t.Errorf("%q: %v", tt.args, err)
		case !tt.ok && !errors.As(err, &ue):
			t.Errorf("%q: error %v, want a *UsageError", tt.args, err)
		}
	}
}

// writeConf writes a connection file for srv, with its truststore read
// from testdata/pki by a relative path and its password from the
// environment, and returns its path.
func writeConf(t *testing.T, srv *testserver.Server, code string, extra string) string {
	t.Helper()
	pkiAbs, err := filepath.Abs(pki)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rel, err := filepath.Rel(dir, filepath.Join(pkiAbs, "truststore-keytool.jks"))
	if err != nil {
		t.Fatal(err)
	}
	text := `code = "` + code + `"
connector_id = "qlik-sense"
connection.url = "` + srv.URL() + `"
connection.auth { key = "hdr-usr", value = "CORP\\svc" }
tls.truststore { path = "` + rel + `", password = ${CLI_TEST_STORE_PASSWORD} }
` + extra
	path := filepath.Join(dir, code+".conf")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConfSource(t *testing.T) {
	const password = "changeit"
	t.Setenv("CLI_TEST_STORE_PASSWORD", password)
	srv := pkiServer(t, testserver.Config{Prefix: "hdr", Header: "hdr-usr"})
	for _, enabled := range []bool{true, false} {
		extra := ""
		if !enabled {
			extra = "enabled = false\n"
		}
		path := writeConf(t, srv, "site-x", extra)
		files, err := fileFlags(t, "-conf", path)
		if err != nil {
			t.Fatal(err)
		}
		var notices bytes.Buffer
		src, err := files.Source(&notices)
		if err != nil {
			t.Fatal(err)
		}
		if s := src.String(); !strings.Contains(s, `"site-x"`) || !strings.Contains(s, path) || strings.Contains(s, password) {
			t.Errorf("String() = %q, want the code and the file, and no password", s)
		}
		if got := strings.Contains(notices.String(), "disabled"); got == enabled {
			t.Errorf("enabled %v: notices %q", enabled, notices.String())
		}
		client, release, err := src.Open()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for v, err := range client.Visualizations(t.Context(), nil) {
			if err != nil {
				t.Fatal(err)
			}
			if v.Key.Code != "site-x" {
				t.Fatalf("key %v, want the file's code", v.Key)
			}
			n++
		}
		release()
		if n == 0 {
			t.Error("no visualizations")
		}
	}

	// Errors of the file come from the library, with the file's position.
	files, err := fileFlags(t, "-conf", filepath.Join("..", "..", "testdata", "connections", "other-connector.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := files.Source(io.Discard); !errors.Is(err, qrs.ErrOtherConnector) {
		t.Errorf("another connector's file: %v, want qrs.ErrOtherConnector", err)
	}
	t.Setenv("CLI_TEST_STORE_PASSWORD", "WRONG-PASS")
	files, err = fileFlags(t, "-conf", writeConf(t, srv, "site-y", ""))
	if err != nil {
		t.Fatal(err)
	}
	src, err := files.Source(io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := src.Open(); err == nil || strings.Contains(err.Error(), "WRONG-PASS") || !strings.Contains(err.Error(), "site-y.conf") {
		t.Errorf("a wrong truststore password: %v, want an error that names the file and not the password", err)
	}
}

func TestWriteLineAndFlush(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out, false, recCols)
	r := rec{N: 1, S: "<a>"}
	if err := w.Write(&r); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteLine(map[string]any{"event": "done", "items": 1}); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 {
		t.Errorf("written before Flush: %q", out.String())
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), `{"n":1,"s":"<a>"}`+"\n"+`{"event":"done","items":1}`+"\n"; got != want {
		t.Errorf("output %q, want %q", got, want)
	}

	out.Reset()
	table := NewWriter(&out, true, recCols)
	if err := table.WriteLine(map[string]any{"event": "done"}); err == nil {
		t.Error("WriteLine on a table: no error")
	}
	if err := table.Write(&r); err != nil {
		t.Fatal(err)
	}
	if err := table.Flush(); err != nil || out.Len() != 0 {
		t.Errorf("Flush of a table: %v, wrote %q; want nothing before Close", err, out.String())
	}

	broken := NewWriter(&failWriter{err: syscall.EPIPE}, false, recCols)
	if err := broken.WriteLine(map[string]int{"n": 1}); err != nil {
		t.Fatalf("WriteLine before the buffer is flushed: %v", err)
	}
	err := broken.Flush()
	if !OutputFailed(err) || !BrokenPipe(err) {
		t.Errorf("Flush to a broken pipe: %v, want an output error and a broken pipe", err)
	}
	if OutputFailed(qrs.ErrForbidden) {
		t.Error("OutputFailed(qrs.ErrForbidden) = true")
	}
}
