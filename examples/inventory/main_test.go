package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/cli"
	"github.com/qrskit/qrs/internal/cli/clitest"
	"github.com/qrskit/qrs/internal/testserver"
)

// wantKeys returns the key of each demo sheet (code/appID/engine object
// id, as the design says), mapped to the sheet, read from the demo files.
func wantKeys(t *testing.T, code string) map[string]map[string]any {
	t.Helper()
	want := map[string]map[string]any{}
	for _, s := range clitest.DemoSheets(t) {
		id := clitest.Str(s, "engineObjectId")
		if id == "" {
			id = clitest.Str(s, "id")
		}
		k := qrs.Key{Code: code, AppID: clitest.Str(s, "app.id"), SheetID: id}
		want[k.String()] = s
	}
	return want
}

// visualizations returns the lines of kind visualization.
func visualizations(lines []map[string]any) []map[string]any {
	var out []map[string]any
	for _, l := range lines {
		if l["kind"] == string(qrs.EntryVisualization) {
			out = append(out, l)
		}
	}
	return out
}

func TestDemoJSONLines(t *testing.T) {
	stdout, stderr := clitest.MustRun(t, run)
	if !strings.Contains(stderr, "demo site") {
		t.Errorf("stderr does not say the demo site is read: %q", stderr)
	}
	lines := clitest.JSONLines(t, stdout)
	checkCatalogLines(t, lines, cli.DemoCode)
	if !strings.Contains(stderr, "inventory: 3 apps have no data model recorded") {
		t.Errorf("stderr does not count the demo's apps without a data model: %q", stderr)
	}
	items := visualizations(lines)
	want := wantKeys(t, cli.DemoCode)
	if got := len(items); got != len(want) {
		t.Fatalf("%d items, want %d (the demo's sheets)", got, len(want))
	}
	seen := map[string]bool{}
	for _, it := range items {
		key, _ := it["key"].(string)
		if seen[key] {
			t.Errorf("key %q twice", key)
		}
		seen[key] = true
		k, err := qrs.ParseKey(key)
		if err != nil {
			t.Errorf("ParseKey(%q): %v", key, err)
			continue
		}
		if k.String() != key || k.Code != cli.DemoCode {
			t.Errorf("key %q reads back as %+v", key, k)
		}
		sheet, ok := want[key]
		if !ok {
			t.Errorf("key %q is not a demo sheet's", key)
			continue
		}
		for _, f := range []string{"kind", "key", "name", "description", "app_id", "app", "stream", "url", "status"} {
			if _, ok := it[f].(string); !ok {
				t.Errorf("%s: %s is %#v, want a string", key, f, it[f])
			}
		}
		if got, want := it["name"], clitest.Str(sheet, "name"); got != want {
			t.Errorf("%s: name %q, want %q", key, got, want)
		}
		if got, want := it["app"], clitest.Str(sheet, "app.name"); got != want {
			t.Errorf("%s: app %q, want %q", key, got, want)
		}
		if u, err := url.Parse(it["url"].(string)); err != nil || u.Scheme != "https" || !strings.Contains(u.Path, "/sheet/") {
			t.Errorf("%s: url %q is not a sheet URL", key, it["url"])
		}
		// Times QRS writes as 1753 ("never") are left out; others are RFC 3339.
		times := map[string]string{
			"created":  clitest.Str(sheet, "createdDate"),
			"modified": clitest.Str(sheet, "modifiedDate"),
		}
		if sheet["published"] == true {
			times["published"] = clitest.Str(sheet, "publishTime")
		}
		for _, f := range []string{"created", "modified", "published"} {
			v, present := it[f]
			if wantPresent := !clitest.IsNever(times[f]); present != wantPresent {
				t.Errorf("%s: %s present %v (%v), want %v (QRS %q)", key, f, present, v, wantPresent, times[f])
			}
		}
		if _, ok := it["tags"].([]any); !ok {
			t.Errorf("%s: tags is %#v, want an array", key, it["tags"])
		}
		contacts, _ := it["contacts"].([]any)
		if len(contacts) != 1 {
			t.Fatalf("%s: contacts %#v, want the owner", key, it["contacts"])
		}
		c := contacts[0].(map[string]any)
		if c["role"] != qrs.RoleOwner || c["user_id"] != clitest.Str(sheet, "owner.userId") || c["user_directory"] != clitest.Str(sheet, "owner.userDirectory") {
			t.Errorf("%s: contact %v, want the owner %s", key, c, clitest.Str(sheet, "owner.userId"))
		}
		if _, ok := c["email"]; ok {
			t.Errorf("%s: contact has an email without -emails: %v", key, c)
		}
	}
}

func TestEmails(t *testing.T) {
	emails := 0
	for _, u := range clitest.Demo(t, testserver.UserFile) {
		attrs, _ := u["attributes"].([]any)
		for _, a := range attrs {
			if m, _ := a.(map[string]any); strings.EqualFold(clitest.Str(m, "attributeType"), "email") {
				emails++
			}
		}
	}
	if emails == 0 {
		t.Fatal("the demo users have no email attribute")
	}
	stdout, _ := clitest.MustRun(t, run, "-emails", "-kinds", "visualization,app")
	with := 0
	for _, it := range visualizations(clitest.JSONLines(t, stdout)) {
		for _, c := range it["contacts"].([]any) {
			if e, _ := c.(map[string]any)["email"].(string); strings.Contains(e, "@") {
				with++
			}
		}
	}
	if with == 0 {
		t.Errorf("no contact has an email with -emails")
	}
}

func TestTable(t *testing.T) {
	stdout, _ := clitest.MustRun(t, run, "-table")
	// One table per kind, in the catalog's order, each under its caption.
	groups := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n\n")
	var captions []string
	for _, g := range groups {
		caption, table, _ := strings.Cut(g, "\n")
		captions = append(captions, strings.Fields(caption)[0])
		if !strings.HasPrefix(caption, "VISUALIZATIONS ") {
			continue
		}
		want := wantKeys(t, cli.DemoCode)
		lines := clitest.TableLines(t, table+"\n", []string{"KEY", "NAME", "APP", "STREAM", "STATUS", "MODIFIED", "OWNER", "URL"}, len(want))
		for _, l := range lines[1:] {
			if key := strings.Fields(l)[0]; want[key] == nil {
				t.Errorf("row %q does not start with a demo key", l)
			}
		}
	}
	wantCaptions := []string{"SITE", "STREAMS", "APPS", "DATA", "RELOAD", "VISUALIZATIONS", "MASTER", "TABLES", "FIELDS"}
	if strings.Join(captions, " ") != strings.Join(wantCaptions, " ") {
		t.Errorf("tables %q, want %q:\n%s", captions, wantCaptions, stdout)
	}
}

func TestFilterCodeAndPartitions(t *testing.T) {
	const app = "Customer 360"
	want := 0
	for _, s := range clitest.DemoSheets(t) {
		if clitest.Str(s, "app.name") == app {
			want++
		}
	}
	stdout, _ := clitest.MustRun(t, run, "-code", "c/1", "-partitions", "2", "-filter", "name eq "+qrs.Quote(app))
	lines := clitest.JSONLines(t, stdout)
	for _, l := range lines {
		if app := l["app_id"]; l["kind"] == "app" && l["name"] != "Customer 360" || app != nil && app != "b98b6e68-2acf-4424-9a29-b4a8dd5e5179" {
			t.Errorf("a line of another app than %s: %v", app, l)
		}
	}
	items := visualizations(lines)
	if len(items) != want {
		t.Fatalf("%d items, want %d", len(items), want)
	}
	for _, it := range items {
		k, err := qrs.ParseKey(it["key"].(string))
		if err != nil || k.Code != "c/1" || it["app"] != app {
			t.Errorf("item %v: key %+v (%v), want code c/1 and app %q", it["key"], k, err, app)
		}
	}
}

func TestListingTable(t *testing.T) {
	full, _ := clitest.MustRun(t, run)
	for _, args := range [][]string{{"-listing", "table"}, {"-listing", "table", "-page-size", "3", "-partitions", "2"}} {
		paged, _ := clitest.MustRun(t, run, args...)
		a, b := clitest.JSONLines(t, full), clitest.JSONLines(t, paged)
		if len(a) != len(b) || len(a) == 0 {
			t.Fatalf("%v: %d items, want %d", args, len(b), len(a))
		}
		byKey := map[string]string{}
		for i := range a {
			line := a[i]
			delete(line, "url") // each run serves the demo site on its own port
			byKey[line["key"].(string)] = fmt.Sprint(line)
		}
		for _, line := range b {
			delete(line, "url")
			if byKey[line["key"].(string)] != fmt.Sprint(line) {
				t.Errorf("%v: %v differs from the /full item %v", args, line, byKey[line["key"].(string)])
			}
		}
	}
}

func TestProgress(t *testing.T) {
	stdout, stderr := clitest.MustRun(t, run, "-progress")
	lines := clitest.JSONLines(t, stdout)
	if want := " " + strconv.Itoa(len(lines)) + " entries in "; !strings.Contains(stderr, want) {
		t.Errorf("stderr %q does not hold the final line %q", stderr, want)
	}
	if want := ": 1 site, 4 streams, 8 apps, 17 data connections, 9 reload tasks, " + strconv.Itoa(len(visualizations(lines))) + " visualizations,"; !strings.Contains(stderr, want) {
		t.Errorf("stderr %q does not count the kinds (%q)", stderr, want)
	}
	stdout, stderr = clitest.MustRun(t, run, "-progress", "-kinds", "visualization")
	if want := " " + strconv.Itoa(len(clitest.JSONLines(t, stdout))) + " visualizations in "; !strings.Contains(stderr, want) {
		t.Errorf("stderr %q does not hold the final line %q", stderr, want)
	}
	_, stderr = clitest.MustRun(t, run)
	if strings.Contains(stderr, "entries in") {
		t.Errorf("progress without -progress on a buffer: %q", stderr)
	}
}

func TestURL(t *testing.T) {
	srv, store := clitest.Server(t, testserver.Config{Prefix: "hdr", Header: "x-user", Users: []string{`CORP\svc`}})
	stdout, stderr := clitest.MustRun(t, run, "-url", srv.URL(), "-truststore", store, "-header", "x-user", "-user", `CORP\svc`)
	if strings.Contains(stderr, "demo site") {
		t.Errorf("stderr mentions the demo site with -url: %q", stderr)
	}
	want := wantKeys(t, cli.DefaultCode)
	items := visualizations(clitest.JSONLines(t, stdout))
	if len(items) != len(want) {
		t.Fatalf("%d items, want %d", len(items), len(want))
	}
	for _, it := range items {
		if want[it["key"].(string)] == nil {
			t.Errorf("key %q is not a demo sheet's with the default code", it["key"])
		}
		if !strings.HasPrefix(it["url"].(string), srv.URL()+"/sense/app/") {
			t.Errorf("url %q is not on %s", it["url"], srv.URL())
		}
	}
}

func TestWrongUser(t *testing.T) { clitest.CheckWrongUser(t, "inventory", run) }

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-nope"},
		{"extra"},
		{"-partitions", "-1"},
		{"-timeout", "-1s"},
		{"-code", ""},
		{"-user", `CORP\x`},                 // needs -url
		{"-url", "https://q.example.com/p"}, // needs -user or -cert
		{"-url", "https://q.example.com/p", "-user", `C\u`, "-key", "k.pem"},
		{"-url", "https://q.example.com:4242", "-cert", "c.pem"},
		{"-url", "https://q.example.com:4242", "-cert", "c.pem", "-qlik-user", "nodir"},
		{"-url", "https://q.example.com/p", "-user", `C\u`, "-truststore", "t.p12", "-truststore-type", "zip"},
		// Connection files say what the site flags say.
		{"-conf", "x.conf", "-url", "https://q.example.com/p"},
		{"-conf", "x.conf", "-code", "c"},
		{"-conf", "x.conf", "-user", `C\u`},
		{"-connections", "d", "-truststore", "t.pem"},
		{"-connections", "d", "-header", "x"},
		{"-conf", "x.conf", "-connections", "d"},
		{"-conf", ""},
		{"-connections", ""},
		{"-connections", "d", "-timeout", "-1s"},
		{"-conf", "x.conf", "-partitions", "-1"},
		{"-watch"},
		{"-conf", "x.conf", "-watch"},
		{"-connections", "d", "-watch-interval", "1s"},
		{"-connections", "d", "-watch", "-watch-interval", "0s"},
		{"-connections", "d", "-watch", "-table"},
		{"-kinds", "sheet"},
		{"-kinds", "app,,stream"},
		{"-kinds", ""},
		{"-models", "0"},
		{"-models", "17"},
		{"-conf", "x.conf", "-stream", "Finance"},
		{"-connections", "d", "-exclude-tag", "x"},
		{"-published-only=maybe"},
		{"-listing", "paged"},
		{"-page-size", "100"},
		{"-kinds", "chart"},
		{"-kinds", "lineage", "-charts"},
		{"-chart-fields"},
		{"-engine", "-engine-concurrency", "0"},
		{"-engine", "-engine-concurrency", "17"},
		{"-lineage", "-engine-timeout", "0s"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			clitest.CheckUsage(t, "inventory", run, args...)
		})
	}
}

func TestHelp(t *testing.T) {
	_, stderr, err := clitest.Run(t, run, "-help")
	if got := cli.ExitCode("inventory", err, new(bytes.Buffer)); got != cli.ExitOK {
		t.Errorf("-help exits %d (%v), want 0", got, err)
	}
	for _, s := range []string{"-url", "-table", "-kinds", "-stream", "-exclude-tag", "-published-only", "-conf", "-connections", "-watch", "-watch-interval",
		`{"event":"removed"`, `"incomplete"`, "dataconnection", "masteritem", cli.EnvTrustStorePassword, cli.EnvProxyPassword, cli.EnvClientKeyPassword,
		"-jwt-key", "-windows-user", "-session-cookie", "-demo-auth", cli.EnvJWTToken, cli.EnvWindowsPassword, cli.EnvSessionCookie,
		"-charts", "-chart-fields", "-master-definitions", "-lineage", "-engine", "-engine-concurrency", "-engine-timeout", "masterdefinition"} {
		if !strings.Contains(stderr, s) {
			t.Errorf("-help does not mention %s", s)
		}
	}
}

// brokenPipe is an output whose reader has gone.
type brokenPipe struct{ writes int }

func (b *brokenPipe) Write([]byte) (int, error) {
	b.writes++
	return 0, syscall.EPIPE
}

func TestBrokenPipe(t *testing.T) {
	out := &brokenPipe{}
	var stderr bytes.Buffer
	err := run(t.Context(), []string{"-progress"}, out, &stderr)
	if err == nil || !cli.BrokenPipe(err) {
		t.Fatalf("error = %v, want a broken pipe", err)
	}
	var msg bytes.Buffer
	if got := cli.ExitCode("inventory", err, &msg); got != cli.ExitOK || msg.Len() != 0 {
		t.Errorf("exit code %d, message %q; want 0 and none", got, msg.String())
	}
	if out.writes != 1 {
		t.Errorf("%d writes to the broken output, want 1", out.writes)
	}
	if strings.Contains(stderr.String(), "visualizations in") {
		t.Errorf("final progress line after a broken pipe: %q", stderr.String())
	}
}

// checkCatalogLines checks the lines of a whole catalog of the demo site:
// every kind, "kind", "key" and "connection" on every line, each key once
// and reading back as its kind, relations to keys of the output, no
// credential of the fixtures.
func checkCatalogLines(t *testing.T, lines []map[string]any, code string) {
	t.Helper()
	keys := map[string]string{}
	counts := map[string]int{}
	for _, l := range lines {
		kind, _ := l["kind"].(string)
		key, _ := l["key"].(string)
		counts[kind]++
		if _, dup := keys[key]; dup {
			t.Errorf("key %q twice", key)
		}
		keys[key] = kind
		if k, err := qrs.ParseEntryKey(key); err != nil || string(k.Kind) != kind || k.Code != code || l["connection"] != code {
			t.Errorf("line %v: key %+v, %v", l, k, err)
		}
	}
	for _, k := range qrs.EntryKinds() {
		if _, engine := engineKind[k]; counts[string(k)] == 0 && !engine {
			t.Errorf("no %s line", k)
		}
	}
	for _, l := range lines {
		for _, r := range arr(l["relations"]) {
			rel, _ := r.(map[string]any)
			if kind, ok := keys[rel["key"].(string)]; !ok || kind != rel["kind"] {
				t.Errorf("%s %s relates to %v, not in the output", l["kind"], l["key"], rel)
			}
		}
	}
	// A few fields of the other kinds, against the demo's files.
	conns := map[string]map[string]any{}
	for _, c := range clitest.Demo(t, testserver.DataConnectionFile) {
		conns[clitest.Str(c, "id")] = c
	}
	tasks := map[string]map[string]any{}
	for _, task := range clitest.Demo(t, testserver.ReloadTaskFile) {
		tasks[clitest.Str(task, "id")] = task
	}
	for _, l := range lines {
		switch l["kind"] {
		case "dataconnection":
			c := conns[l["id"].(string)]
			if c == nil || l["name"] != clitest.Str(c, "name") || l["type"] != clitest.Str(c, "type") {
				t.Errorf("data connection %v, want %v", l, c)
			}
		case "reloadtask":
			task := tasks[l["id"].(string)]
			status := qrs.TaskStatus(task["operational"].(map[string]any)["lastExecutionResult"].(map[string]any)["status"].(float64)).String()
			if task == nil || l["name"] != clitest.Str(task, "name") || l["status"] != status || l["app_id"] != clitest.Str(task, "app.id") {
				t.Errorf("reload task %v, want %v", l, task)
			}
		}
	}
	out, _ := json.Marshal(lines)
	for _, s := range testserver.FixtureSecrets() {
		if strings.Contains(string(out), s) {
			t.Errorf("the output holds the secret %q", s)
		}
	}
}

func arr(v any) []any { a, _ := v.([]any); return a }

// vizTable checks that out is the table of visualizations alone, under its
// caption, with rows rows.
func vizTable(t *testing.T, out string, rows int) []string {
	t.Helper()
	caption, table, _ := strings.Cut(out, "\n")
	if want := fmt.Sprintf("VISUALIZATIONS (%d)", rows); caption != want {
		t.Errorf("caption %q, want %q", caption, want)
	}
	return clitest.TableLines(t, table, []string{"KEY", "NAME", "APP", "STREAM", "STATUS", "MODIFIED", "OWNER", "URL"}, rows)
}
