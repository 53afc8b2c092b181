package main

import (
	"bytes"
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

func TestDemoJSONLines(t *testing.T) {
	stdout, stderr := clitest.MustRun(t, run)
	if !strings.Contains(stderr, "demo site") {
		t.Errorf("stderr does not say the demo site is read: %q", stderr)
	}
	items := clitest.JSONLines(t, stdout)
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
		for _, f := range []string{"key", "name", "description", "app_id", "app", "stream", "url", "status"} {
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
	stdout, _ := clitest.MustRun(t, run, "-emails")
	with := 0
	for _, it := range clitest.JSONLines(t, stdout) {
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
	want := wantKeys(t, cli.DemoCode)
	lines := clitest.TableLines(t, stdout, []string{"KEY", "NAME", "APP", "STREAM", "STATUS", "MODIFIED", "OWNER", "URL"}, len(want))
	for _, l := range lines[1:] {
		if key := strings.Fields(l)[0]; want[key] == nil {
			t.Errorf("row %q does not start with a demo key", l)
		}
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
	stdout, _ := clitest.MustRun(t, run, "-code", "c/1", "-partitions", "2", "-filter", "app.name eq "+qrs.Quote(app))
	items := clitest.JSONLines(t, stdout)
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
	n := len(clitest.JSONLines(t, stdout))
	if want := " " + strconv.Itoa(n) + " visualizations in "; !strings.Contains(stderr, want) {
		t.Errorf("stderr %q does not hold the final line %q", stderr, want)
	}
	_, stderr = clitest.MustRun(t, run)
	if strings.Contains(stderr, "visualizations in") {
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
	items := clitest.JSONLines(t, stdout)
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
		{"-listing", "paged"},
		{"-page-size", "100"},
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
	for _, s := range []string{"-url", "-table", "-conf", "-connections", "-watch", "-watch-interval", `{"event":"removed"`, cli.EnvTrustStorePassword, cli.EnvProxyPassword, cli.EnvClientKeyPassword,
		"-jwt-key", "-windows-user", "-session-cookie", "-demo-auth", cli.EnvJWTToken, cli.EnvWindowsPassword, cli.EnvSessionCookie} {
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
