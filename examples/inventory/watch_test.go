package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/cli"
	"github.com/qrskit/qrs/internal/cli/clitest"
	"github.com/qrskit/qrs/internal/testserver"
)

// The user of the test sites' header authentication.
const siteUser = `CORP\catalog`

// site is a test server with the demo site, behind a virtual proxy with
// header authentication, and its CA in a PEM truststore file.
type site struct {
	srv   *testserver.Server
	store string
}

func newSite(t *testing.T) site {
	t.Helper()
	srv, store := clitest.Server(t, testserver.Config{Prefix: "hdr", Header: "hdr-usr", Users: []string{siteUser}})
	return site{srv: srv, store: store}
}

// conf returns a connection file for the site with code, with extra lines
// at the top level.
func (s site) conf(code string, extra ...string) string {
	return fmt.Sprintf(`# a test site
name = "Site %s"
code = %q
connector_id = "qlik-sense"
connection {
  url = %q
  auth.key = "hdr-usr"
  auth.value = %q
}
tls.truststore.path = %q
%s
`, code, code, s.srv.URL(), siteUser, s.store, strings.Join(extra, "\n"))
}

// otherConnector is a connection file of another connector.
const otherConnector = `code = "tableau-prod"
connector_id = "tableau-server"
connection.site_id = "finance"
`

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// replaceFile writes text to path at once, as editors that save through a
// new file do: the watch never sees the file half written.
func replaceFile(t *testing.T, path, text string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".new")
	writeFile(t, tmp, text)
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// demoSheets is the number of sheets of the demo site: its items.
func demoSheets(t *testing.T) int {
	t.Helper()
	return len(clitest.DemoSheets(t))
}

// checkItems checks that items are the demo site's catalog for the
// connection code, read from s: every kind, each key once, with the code;
// one visualization per demo key, on the site's URL.
func checkItems(t *testing.T, items []map[string]any, code string, s site) {
	t.Helper()
	want := wantKeys(t, code)
	kinds := map[string]int{}
	seen := map[string]bool{}
	for _, it := range items {
		key, _ := it["key"].(string)
		kind, _ := it["kind"].(string)
		kinds[kind]++
		if k, err := qrs.ParseEntryKey(key); err != nil || string(k.Kind) != kind || k.Code != code || seen[key] {
			t.Errorf("connection %s: key %q of a %s reads as %+v, %v, or is there twice", code, key, kind, k, err)
		}
		seen[key] = true
		if it["connection"] != code {
			t.Errorf("item %s: connection %v, want %q", key, it["connection"], code)
		}
		if kind != string(qrs.EntryVisualization) {
			continue
		}
		if want[key] == nil {
			t.Errorf("connection %s: key %q is not a demo key of the code", code, key)
		}
		if u, _ := it["url"].(string); !strings.HasPrefix(u, s.srv.URL()+"/") {
			t.Errorf("item %s: url %q is not on %s, the site of %s", key, u, s.srv.URL(), code)
		}
	}
	if kinds[string(qrs.EntryVisualization)] != len(want) {
		t.Errorf("connection %s: %d visualizations, want %d", code, kinds[string(qrs.EntryVisualization)], len(want))
	}
	for _, k := range qrs.EntryKinds() {
		if _, engine := engineKind[k]; kinds[string(k)] == 0 && !engine {
			t.Errorf("connection %s: no %s", code, k)
		}
	}
}

// byConnection groups items by their "connection" field.
func byConnection(items []map[string]any) map[string][]map[string]any {
	m := map[string][]map[string]any{}
	for _, it := range items {
		c, _ := it["connection"].(string)
		m[c] = append(m[c], it)
	}
	return m
}

func TestConf(t *testing.T) {
	s := newSite(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "prod.conf")
	writeFile(t, path, s.conf("qlik-prod"))
	stdout, stderr := clitest.MustRun(t, run, "-conf", path)
	if strings.Contains(stderr, "demo site") {
		t.Errorf("stderr mentions the demo site with -conf: %q", stderr)
	}
	checkItems(t, clitest.JSONLines(t, stdout), "qlik-prod", s)

	// A disabled connection named on the command line is read, with a notice.
	writeFile(t, path, s.conf("qlik-prod", "enabled = false"))
	stdout, stderr = clitest.MustRun(t, run, "-conf", path, "-table", "-kinds", "visualization")
	vizTable(t, stdout, demoSheets(t))
	if !strings.Contains(stderr, path) || !strings.Contains(stderr, "disabled") {
		t.Errorf("stderr %q does not say that %s is disabled", stderr, path)
	}
}

func TestConfErrors(t *testing.T) {
	s := newSite(t)
	dir := t.TempDir()
	other := filepath.Join(dir, "tableau.conf")
	writeFile(t, other, otherConnector)
	broken := filepath.Join(dir, "broken.conf")
	writeFile(t, broken, s.conf("x", "proxy.port = 3128")) // without proxy.hostname
	wrongUser := filepath.Join(dir, "user.conf")
	writeFile(t, wrongUser, strings.Replace(s.conf("x"), `CORP\\catalog`, `CORP\\intruder`, 1))
	if !strings.Contains(s.conf("x"), `"CORP\\catalog"`) {
		t.Fatal("the test's file does not quote the user as expected")
	}
	tests := []struct {
		file string
		is   error
		want string // in the message, with the file's path in front
	}{
		{other, qrs.ErrOtherConnector, `:2:16: connector_id: the file is a connection of the connector "tableau-server"`},
		{broken, nil, ":11:14: proxy.port: is set without proxy.hostname"},
		{wrongUser, qrs.ErrUnauthenticated, ""},
		{filepath.Join(dir, "missing.conf"), os.ErrNotExist, ""},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			stdout, _, err := clitest.Run(t, run, "-conf", tt.file)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v, want one matching %v", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.file+tt.want) && tt.is != qrs.ErrUnauthenticated {
				t.Errorf("error %q does not hold %q", err, tt.file+tt.want)
			}
			if strings.Contains(err.Error(), "intruder") {
				t.Errorf("error %q holds the authentication header's value", err)
			}
			if got := cli.ExitCode("inventory", err, new(bytes.Buffer)); got != cli.ExitError {
				t.Errorf("exit code %d, want %d", got, cli.ExitError)
			}
			if stdout != "" {
				t.Errorf("wrote %q", stdout)
			}
		})
	}
}

func TestConnections(t *testing.T) {
	a, b := newSite(t), newSite(t)
	dir := t.TempDir()
	files := map[string]string{
		"a.conf":       a.conf("site-a"),
		"b.conf":       b.conf("site-b"),
		"c.conf":       otherConnector,
		"d.conf":       a.conf("site-d", "enabled = false"),
		"e.conf":       "code = \"site-e\"\nconnector_id = \"qlik-sense\" }\n",
		"f.conf":       b.conf("site-a"), // a.conf has the code
		".hidden.conf": "not a connection file {",
		"notes.txt":    "not a connection file {",
	}
	for name, text := range files {
		writeFile(t, filepath.Join(dir, name), text)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub.conf"), 0o700); err != nil {
		t.Fatal(err)
	}
	path := func(name string) string { return filepath.Join(dir, name) }

	stdout, stderr, err := clitest.Run(t, run, "-connections", dir, "-progress")
	if got := cli.ExitCode("inventory", err, new(bytes.Buffer)); got != cli.ExitError {
		t.Errorf("exit code %d (%v), want %d", got, err, cli.ExitError)
	}
	if err == nil || !strings.Contains(err.Error(), "2 of the 6 connection files failed") {
		t.Errorf("error %v, want one that counts the 2 failed files of 6", err)
	}
	items := clitest.JSONLines(t, stdout)
	conns := byConnection(items)
	checkItems(t, conns["site-a"], "site-a", a)
	checkItems(t, conns["site-b"], "site-b", b)
	if len(conns) != 2 {
		t.Errorf("items of the connections %v, want site-a and site-b", keysOf(conns))
	}
	if items[0]["connection"] != "site-a" || items[len(items)-1]["connection"] != "site-b" {
		t.Errorf("the items are not in the order of the files")
	}
	for _, it := range items {
		if _, ok := it["event"]; ok {
			t.Fatalf("an event without -watch: %v", it)
		}
	}

	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`^inventory: skipping ` + regexp.QuoteMeta(path("c.conf")) + `:2:\d+: connector_id: .*"tableau-server"`),
		regexp.MustCompile(`^inventory: skipping ` + regexp.QuoteMeta(path("d.conf")) + `: .*disabled`),
		regexp.MustCompile(`^inventory: qrs: ` + regexp.QuoteMeta(path("e.conf")) + `:2:\d+: `),
		regexp.MustCompile(`^inventory: ` + regexp.QuoteMeta(path("f.conf")) + `: the code "site-a" is the code of ` + regexp.QuoteMeta(path("a.conf"))),
		regexp.MustCompile(`^inventory: \d+ entries in .*, ` + fmt.Sprint(2*demoSheets(t)) + ` visualizations, `),
	} {
		if !slicesContainsMatch(lines, want) {
			t.Errorf("stderr has no line matching %s:\n%s", want, stderr)
		}
	}
	for _, name := range []string{".hidden.conf", "notes.txt", "sub.conf", "b.conf"} {
		if strings.Contains(stderr, path(name)) {
			t.Errorf("stderr mentions %s:\n%s", name, stderr)
		}
	}

	// One table for every connection.
	stdout, _, _ = clitest.Run(t, run, "-connections", dir, "-table", "-kinds", "visualization")
	vizTable(t, stdout, 2*demoSheets(t))

	// Without failures, the exit status is 0; a folder without connection
	// files is an error.
	for _, name := range []string{"e.conf", "f.conf"} {
		if err := os.Remove(path(name)); err != nil {
			t.Fatal(err)
		}
	}
	if _, stderr, err := clitest.Run(t, run, "-connections", dir); err != nil {
		t.Errorf("without failures: %v\n%s", err, stderr)
	}
	if _, _, err := clitest.Run(t, run, "-connections", t.TempDir()); err == nil || !strings.Contains(err.Error(), "no connection file") {
		t.Errorf("an empty folder: %v, want an error", err)
	}
	if _, _, err := clitest.Run(t, run, "-connections", path("nope")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing folder: %v, want os.ErrNotExist", err)
	}
}

func slicesContainsMatch(lines []string, re *regexp.Regexp) bool {
	for _, l := range lines {
		if re.MatchString(l) {
			return true
		}
	}
	return false
}

func keysOf[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// syncBuffer is a buffer that a running program writes while the test
// reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// stream reads the JSON lines of a running program's output as they come.
type stream struct {
	t    *testing.T
	out  *syncBuffer
	read int // bytes of out already returned
}

// until returns the lines written since the last call, up to the first
// that matches, waiting for it for at most 5 seconds.
func (s *stream) until(what string, match func(map[string]any) bool) []map[string]any {
	s.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		text := s.out.String()[s.read:]
		var lines []map[string]any
		n := 0
		for {
			i := strings.IndexByte(text[n:], '\n')
			if i < 0 {
				break
			}
			var obj map[string]any
			if err := json.Unmarshal([]byte(text[n:n+i]), &obj); err != nil {
				s.t.Fatalf("line %q is not a JSON object: %v", text[n:n+i], err)
			}
			n += i + 1
			lines = append(lines, obj)
			if match(obj) {
				s.read += n
				return lines
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("no %s after 5s; the lines since the last step:\n%s", what, text)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// isEvent returns a matcher of the event kind of the connection code.
func isEvent(kind, code string) func(map[string]any) bool {
	return func(obj map[string]any) bool { return obj["event"] == kind && obj["connection"] == code }
}

// splitEvents returns the events and the items of lines.
func splitEvents(lines []map[string]any) (events, items []map[string]any) {
	for _, l := range lines {
		if _, ok := l["event"]; ok {
			events = append(events, l)
		} else {
			items = append(items, l)
		}
	}
	return events, items
}

// summary describes lines for a failure: their events and how many items.
func summary(lines []map[string]any) string {
	events, items := splitEvents(lines)
	return fmt.Sprintf("events %v and %d items", events, len(items))
}

// checkEvents checks the kinds, connections and files of events.
func checkEvents(t *testing.T, events []map[string]any, want ...[3]string) {
	t.Helper()
	var got [][3]string
	for _, e := range events {
		kind, _ := e["event"].(string)
		code, _ := e["connection"].(string)
		file, _ := e["file"].(string)
		got = append(got, [3]string{kind, code, filepath.Base(file)})
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("events (kind, connection, file) %v, want %v", got, want)
	}
}

// checkRun checks the lines of one inventory of a connection: an event
// (added or changed), its items, and done with their count.
func checkRun(t *testing.T, lines []map[string]any, kind, code, file string, s site) {
	t.Helper()
	events, items := splitEvents(lines)
	checkEvents(t, events, [3]string{kind, code, file}, [3]string{"done", code, file})
	checkItems(t, items, code, s)
	if n, _ := events[len(events)-1]["items"].(float64); int(n) != len(items) {
		t.Errorf("done says %v items, %d came", events[len(events)-1]["items"], len(items))
	}
	if _, ok := lines[0]["event"]; !ok {
		t.Errorf("the first line is not the %s event: %v", kind, lines[0])
	}
}

// TestWatch drives the watch with real changes to the files of the folder,
// and checks the events and items that each brings. The files are replaced
// whole (renamed over), so that no look of the watch can catch one half
// written, which would make an error event the test does not expect.
func TestWatch(t *testing.T) {
	a, b := newSite(t), newSite(t)
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }
	writeFile(t, path("a.conf"), a.conf("site-a"))
	writeFile(t, path("tableau.conf"), otherConnector)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-connections", dir, "-watch", "-watch-interval", "20ms"}, stdout, stderr)
	}()
	stopped := false
	stop := func() error {
		t.Helper()
		cancel()
		select {
		case err := <-done:
			stopped = true
			return err
		case <-time.After(5 * time.Second):
			t.Fatal("the watch did not stop 5s after its context ended")
			return nil
		}
	}
	defer func() {
		if !stopped {
			stop()
		}
	}()
	out := &stream{t: t, out: stdout}

	t.Log("the first reading")
	lines := out.until("done for site-a", isEvent("done", "site-a"))
	checkRun(t, lines, "added", "site-a", "a.conf", a)

	t.Log("a new file")
	replaceFile(t, path("b.conf"), b.conf("site-b"))
	lines = out.until("done for site-b", isEvent("done", "site-b"))
	checkRun(t, lines, "added", "site-b", "b.conf", b)

	t.Log("a new code, in a file of the same size and modification time")
	old, err := os.Stat(path("a.conf"))
	if err != nil {
		t.Fatal(err)
	}
	edited := a.conf("site-c")
	if len(edited) != int(old.Size()) {
		t.Fatalf("the edited file has %d bytes, want %d", len(edited), old.Size())
	}
	// Written beside it and renamed over it, so that the watch never
	// sees it with another modification time.
	tmp := path(".a.conf.new")
	writeFile(t, tmp, edited)
	if err := os.Chtimes(tmp, old.ModTime(), old.ModTime()); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path("a.conf")); err != nil {
		t.Fatal(err)
	}
	lines = out.until("done for site-c", isEvent("done", "site-c"))
	checkEvents(t, lines[:1], [3]string{"removed", "site-a", "a.conf"})
	if r, _ := lines[0]["reason"].(string); !strings.Contains(r, `"site-c"`) {
		t.Errorf("reason %q does not name the new code", r)
	}
	checkRun(t, lines[1:], "added", "site-c", "a.conf", a)

	t.Log("a broken file keeps its connection")
	good := b.conf("site-b", "enabled = true")
	replaceFile(t, path("b.conf"), strings.Replace(good, "connection {", "connection {{", 1))
	lines = out.until("an error for b.conf", isEvent("error", "site-b"))
	checkEvents(t, lines, [3]string{"error", "site-b", "b.conf"})
	if msg, _ := lines[0]["error"].(string); !regexp.MustCompile(regexp.QuoteMeta(path("b.conf")) + `:5:\d+: `).MatchString(msg) {
		t.Errorf("error %q does not name b.conf, line 5", msg)
	}
	if !strings.Contains(stderr.String(), "inventory: "+path("b.conf")+` (connection "site-b"): qrs: `+path("b.conf")+":5:") {
		t.Errorf("stderr does not report the error of b.conf:\n%s", stderr)
	}

	t.Log("a fixed file")
	replaceFile(t, path("b.conf"), good)
	lines = out.until("done for site-b", isEvent("done", "site-b"))
	checkRun(t, lines, "changed", "site-b", "b.conf", b)

	t.Log("a second file with a code taken waits for it")
	replaceFile(t, path("c.conf"), b.conf("site-c"))
	lines = out.until("an error for c.conf", func(obj map[string]any) bool { return obj["event"] == "error" })
	checkEvents(t, lines, [3]string{"error", "", "c.conf"})

	t.Log("a removed file frees its code")
	if err := os.Remove(path("a.conf")); err != nil {
		t.Fatal(err)
	}
	lines = out.until("done for site-c", isEvent("done", "site-c"))
	checkEvents(t, lines[:1], [3]string{"removed", "site-c", "a.conf"})
	checkRun(t, lines[1:], "added", "site-c", "c.conf", b)

	t.Log("a disabled connection")
	replaceFile(t, path("b.conf"), b.conf("site-b", "enabled = false"))
	lines = out.until("removed for site-b", isEvent("removed", "site-b"))
	checkEvents(t, lines, [3]string{"removed", "site-b", "b.conf"})

	if err := stop(); err != nil {
		t.Errorf("the interrupted watch returns %v, want nil", err)
	}
	// Nothing more came, and every line is whole.
	if rest := stdout.String()[out.read:]; rest != "" {
		t.Errorf("lines after the last step: %q", rest)
	}
	for _, l := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(l, "tableau.conf") && !strings.Contains(l, "skipping") {
			t.Errorf("stderr: %q", l)
		}
	}
	if n := strings.Count(stderr.String(), "tableau.conf"); n != 1 {
		t.Errorf("the other connector's file is reported %d times, want once (it did not change):\n%s", n, stderr)
	}
}

// TestPollSettles checks that the watch reads a file only once it has
// stayed the same between two looks: a file caught half written is not
// read, so that it makes no error event.
func TestPollSettles(t *testing.T) {
	s := newSite(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "a.conf")
	var out bytes.Buffer
	f := newFolder(dir, io.Discard, newOutput(&out, false))
	f.events = true
	look := func() map[string]fingerprint {
		t.Helper()
		fps, err := f.scan()
		if err != nil {
			t.Fatal(err)
		}
		return fps
	}
	poll := func(seen, now map[string]fingerprint) []map[string]any {
		t.Helper()
		out.Reset()
		if err := f.poll(t.Context(), seen, now); err != nil {
			t.Fatal(err)
		}
		if err := f.out.flush(); err != nil {
			t.Fatal(err)
		}
		return clitest.JSONLines(t, out.String())
	}

	text := s.conf("site-a")
	writeFile(t, path, text[:len(text)/2])
	half := look()
	writeFile(t, path, text)
	whole := look()
	if half["a.conf"] == whole["a.conf"] {
		t.Fatal("the two halves have the same fingerprint")
	}
	if lines := poll(map[string]fingerprint{}, half); len(lines) != 0 {
		t.Errorf("a new file was read at once: %s", summary(lines))
	}
	if lines := poll(half, whole); len(lines) != 0 {
		t.Errorf("a file that changed since the last look was read: %s", summary(lines))
	}
	lines := poll(whole, whole)
	events, items := splitEvents(lines)
	checkEvents(t, events, [3]string{"added", "site-a", "a.conf"}, [3]string{"done", "site-a", "a.conf"})
	checkItems(t, items, "site-a", s)
	if lines := poll(whole, whole); len(lines) != 0 {
		t.Errorf("a file read again without a change: %s", summary(lines))
	}

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	gone := look()
	if lines := poll(whole, gone); len(lines) != 0 {
		t.Errorf("a file that went since the last look was removed: %s", summary(lines))
	}
	checkEvents(t, poll(gone, gone), [3]string{"removed", "site-a", "a.conf"})
}

// TestDoneIncomplete: an app whose data model cannot be read is reported,
// and listed in the done event, so that a reader of the events keeps what
// it had of its tables and fields.
func TestDoneIncomplete(t *testing.T) {
	const denied = "08e587a1-fb60-4bb7-84dc-34d775320e0b"
	srv, store := clitest.Server(t, testserver.Config{Prefix: "hdr", Header: "hdr-usr", Users: []string{siteUser},
		DenyDataModel: func(_, id string) bool { return id == denied }})
	s := site{srv: srv, store: store}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.conf"), s.conf("site-a"))
	var out, stderr bytes.Buffer
	f := newFolder(dir, &stderr, newOutput(&out, false))
	f.events = true
	fps, err := f.scan()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.update(t.Context(), "a.conf", fps["a.conf"]); err != nil {
		t.Fatal(err)
	}
	if err := f.out.flush(); err != nil {
		t.Fatal(err)
	}
	events, _ := splitEvents(clitest.JSONLines(t, out.String()))
	if len(events) != 2 {
		t.Fatalf("events %v", events)
	}
	done := events[1]
	if got := fmt.Sprint(done["incomplete"]); done["event"] != "done" || got != "[site-a/app:"+denied+"]" {
		t.Errorf("done event %v, want the denied app incomplete", done)
	}
	if !strings.Contains(stderr.String(), "403 Forbidden") || !strings.Contains(stderr.String(), "site-a/app:"+denied) {
		t.Errorf("stderr does not report the denied app:\n%s", stderr.String())
	}
}

// TestConfScope: a connection file's filter block selects the apps, and
// so do the scope flags for a site of the command line.
func TestConfScope(t *testing.T) {
	s := newSite(t)
	path := filepath.Join(t.TempDir(), "scoped.conf")
	writeFile(t, path, s.conf("scoped", `filter.streams.include = ["Everyone"]`, `filter.tags.exclude = ["Certified"]`))
	everyone := func(stdout string) {
		t.Helper()
		lines := clitest.JSONLines(t, stdout)
		apps := 0
		for _, l := range lines {
			if l["kind"] == "app" {
				apps++
				if l["stream"] != "Everyone" || slicesContainsString(l["tags"], "Certified") {
					t.Errorf("app %v is out of scope", l)
				}
			}
		}
		if apps != 1 { // Operations KPIs: the other app of Everyone is Certified
			t.Errorf("%d apps in scope, want 1", apps)
		}
	}
	stdout, _ := clitest.MustRun(t, run, "-conf", path, "-kinds", "app,visualization")
	everyone(stdout)
	stdout, _ = clitest.MustRun(t, run, "-stream", "Everyone", "-exclude-tag", "Certified", "-kinds", "app,visualization")
	everyone(stdout)
}

func slicesContainsString(v any, s string) bool {
	for _, e := range arr(v) {
		if e == s {
			return true
		}
	}
	return false
}
