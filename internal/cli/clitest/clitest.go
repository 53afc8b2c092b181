// Package clitest holds the test helpers of the example programs: running
// a program's run function with buffers, reading its output, reading the
// demo site's files independently of the library, and test servers with a
// truststore file for the -url path.
package clitest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/cli"
	"github.com/qrskit/qrs/internal/testserver"
)

// Never is how QRS writes "never" (the zero time in the library).
const Never = "1753-01-01"

// Run runs a program's run function with args and returns what it wrote
// and its error. It fails the test if the run takes more than 20 seconds.
func Run(t testing.TB, run cli.RunFunc, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	err = run(ctx, args, &out, &errOut)
	if ctx.Err() != nil {
		t.Fatalf("run %q: timed out", args)
	}
	return out.String(), errOut.String(), err
}

// MustRun is Run that fails the test on an error.
func MustRun(t testing.TB, run cli.RunFunc, args ...string) (stdout, stderr string) {
	t.Helper()
	stdout, stderr, err := Run(t, run, args...)
	if err != nil {
		t.Fatalf("run %q: %v\nstderr:\n%s", args, err, stderr)
	}
	return stdout, stderr
}

// JSONLines parses out as JSON Lines: one JSON object per line, each line
// ending in a newline.
func JSONLines(t testing.TB, out string) []map[string]any {
	t.Helper()
	if out == "" {
		return nil
	}
	if !strings.HasSuffix(out, "\n") {
		t.Fatalf("output does not end with a newline: %q", tail(out))
	}
	var objs []map[string]any
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var obj map[string]any
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			t.Fatalf("line %d is not a JSON object: %v\n%s", i+1, err, line)
		}
		if obj == nil {
			t.Fatalf("line %d is null", i+1)
		}
		objs = append(objs, obj)
	}
	return objs
}

func tail(s string) string {
	if len(s) > 80 {
		return s[len(s)-80:]
	}
	return s
}

// TableLines splits a table into its lines and checks that the first is
// the header with titles, in order, and that there are rows lines after
// it, each with at least as many fields as the header.
func TableLines(t testing.TB, out string, titles []string, rows int) []string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if got := strings.Fields(lines[0]); strings.Join(got, " ") != strings.Join(titles, " ") {
		t.Fatalf("header = %q, want %q", got, titles)
	}
	if got := len(lines) - 1; got != rows {
		t.Fatalf("table has %d rows, want %d:\n%s", got, rows, out)
	}
	for i, l := range lines[1:] {
		if n := len(strings.Fields(l)); n < len(titles) {
			t.Errorf("row %d has %d fields, want at least %d: %q", i+1, n, len(titles), l)
		}
	}
	return lines
}

// demoDir is internal/testserver/demo, found from this file's location so
// that tests of any package can read it.
func demoDir(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the clitest package")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "testserver", "demo")
}

// Demo reads a file of the demo site (testserver.AppFile, ...) as generic
// JSON objects, independently of the library and of the test server.
func Demo(t testing.TB, name string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(demoDir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	var objs []map[string]any
	if err := json.Unmarshal(b, &objs); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(objs) == 0 {
		t.Fatalf("%s holds no objects", name)
	}
	return objs
}

// DemoSheets returns the demo site's app objects of type sheet.
func DemoSheets(t testing.TB) []map[string]any {
	t.Helper()
	var sheets []map[string]any
	for _, o := range Demo(t, testserver.AppObjectFile) {
		if o["objectType"] == "sheet" {
			sheets = append(sheets, o)
		}
	}
	if len(sheets) == 0 {
		t.Fatal("the demo site has no sheets")
	}
	return sheets
}

// Str returns the string at a dotted path of a generic JSON object, "" when
// it is missing or not a string.
func Str(obj map[string]any, path string) string {
	var v any = obj
	for _, p := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[p]
	}
	s, _ := v.(string)
	return s
}

// IsNever reports whether a QRS time string means never.
func IsNever(s string) bool { return s == "" || strings.HasPrefix(s, Never) }

// Server starts a test server with the demo site on cfg and writes its CA
// to a PEM truststore file. It returns the server and the file's path.
func Server(t testing.TB, cfg testserver.Config) (*testserver.Server, string) {
	t.Helper()
	if cfg.Site == nil {
		cfg.Site = testserver.DemoSite()
	}
	srv, err := testserver.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	path := filepath.Join(t.TempDir(), "qlik-ca.pem")
	if err := os.WriteFile(path, srv.CACertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	return srv, path
}

// CheckUsage checks that args are refused as a bad command line: an error
// for which the program exits with cli.ExitUsage, and no output.
func CheckUsage(t *testing.T, name string, run cli.RunFunc, args ...string) {
	t.Helper()
	stdout, _, err := Run(t, run, args...)
	if err == nil {
		t.Fatalf("run %q: no error", args)
	}
	if got := cli.ExitCode(name, err, new(bytes.Buffer)); got != cli.ExitUsage {
		t.Errorf("run %q: exit code %d (%v), want %d", args, got, err, cli.ExitUsage)
	}
	if stdout != "" {
		t.Errorf("run %q: wrote %q", args, stdout)
	}
}

// CheckWrongUser runs the program with -url against a test server that
// knows only the demo user, as another user, and checks the error, the
// message on stderr and the exit code.
func CheckWrongUser(t *testing.T, name string, run cli.RunFunc) {
	t.Helper()
	srv, store := Server(t, testserver.Config{Prefix: "hdr", Header: "hdr-usr", Users: []string{cli.DemoUser}})
	stdout, stderr, err := Run(t, run, "-url", srv.URL(), "-truststore", store, "-user", `DEMO\intruder`)
	if !errors.Is(err, qrs.ErrUnauthenticated) {
		t.Fatalf("error = %v, want one matching qrs.ErrUnauthenticated", err)
	}
	if stdout != "" {
		t.Errorf("wrote %q", stdout)
	}
	if strings.Contains(stderr, "demo site") {
		t.Errorf("stderr mentions the demo site with -url: %q", stderr)
	}
	var msg bytes.Buffer
	if got := cli.ExitCode(name, err, &msg); got != cli.ExitError {
		t.Errorf("exit code %d, want %d", got, cli.ExitError)
	}
	if got, want := msg.String(), name+": qrs: "; !strings.HasPrefix(got, want) || strings.Count(got, "\n") != 1 {
		t.Errorf("message %q, want one line starting with %q", got, want)
	}
	if strings.Contains(msg.String(), "intruder") {
		t.Errorf("message %q holds the authentication header's value", msg.String())
	}
}

// ByID runs the program with args and pairs each JSON line of its output
// with the object of want that has the same "id" (as QRS spells it), in
// output order. It fails the test for a line that matches no object or
// matches one twice, and when the counts differ.
func ByID(t testing.TB, run cli.RunFunc, want []map[string]any, args ...string) (pairs [][2]map[string]any) {
	t.Helper()
	byID := map[string]map[string]any{}
	for _, w := range want {
		byID[Str(w, "id")] = w
	}
	stdout, _ := MustRun(t, run, args...)
	items := JSONLines(t, stdout)
	if len(items) != len(byID) {
		t.Fatalf("%d lines, want %d", len(items), len(byID))
	}
	seen := map[string]bool{}
	for _, it := range items {
		id, _ := it["id"].(string)
		w := byID[id]
		if w == nil || seen[id] {
			t.Errorf("id %q matches no object, or comes twice", id)
			continue
		}
		seen[id] = true
		pairs = append(pairs, [2]map[string]any{it, w})
	}
	return pairs
}
