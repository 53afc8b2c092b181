package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/cli/clitest"
	"github.com/qrskit/qrs/internal/testserver"
)

func TestDemoJSONLines(t *testing.T) {
	for _, p := range clitest.ByID(t, run, clitest.DemoSheets(t)) {
		it, s := p[0], p[1]
		id := clitest.Str(s, "id")
		for f, w := range map[string]string{
			"engine_object_id": clitest.Str(s, "engineObjectId"),
			"name":             clitest.Str(s, "name"),
			"app_id":           clitest.Str(s, "app.id"),
			"app":              clitest.Str(s, "app.name"),
			"owner":            clitest.Str(s, "owner.userDirectory") + `\` + clitest.Str(s, "owner.userId"),
		} {
			if got := it[f]; got != w {
				t.Errorf("%s: %s %q, want %q", id, f, got, w)
			}
		}
		switch it["status"] {
		case "base", "community", "private":
		default:
			t.Errorf("%s: status %q", id, it["status"])
		}
		if _, present := it["modified"]; present == clitest.IsNever(clitest.Str(s, "modifiedDate")) {
			t.Errorf("%s: modified present %v, QRS %q", id, present, clitest.Str(s, "modifiedDate"))
		}
	}
}

func TestTable(t *testing.T) {
	stdout, _ := clitest.MustRun(t, run, "-table")
	clitest.TableLines(t, stdout, []string{"ID", "ENGINE_ID", "NAME", "APP", "STATUS", "OWNER", "MODIFIED"}, len(clitest.DemoSheets(t)))
}

func TestFilter(t *testing.T) {
	const app = "Customer 360"
	want := map[string]bool{}
	for _, s := range clitest.DemoSheets(t) {
		if clitest.Str(s, "app.name") == app {
			want[clitest.Str(s, "id")] = true
		}
	}
	if len(want) == 0 {
		t.Fatalf("the demo has no sheets in %s", app)
	}
	for _, args := range [][]string{
		{"-filter", "app.name eq " + qrs.Quote(app)},
		{"-filter", "app.name eq " + qrs.Quote(app), "-partitions", "1"},
	} {
		stdout, _ := clitest.MustRun(t, run, args...)
		items := clitest.JSONLines(t, stdout)
		if len(items) != len(want) {
			t.Errorf("%q: %d sheets, want %d", args, len(items), len(want))
		}
		for _, it := range items {
			if !want[it["id"].(string)] {
				t.Errorf("%q: sheet %v of app %v", args, it["id"], it["app"])
			}
		}
	}
}

func TestWrongUser(t *testing.T) { clitest.CheckWrongUser(t, "listsheets", run) }

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-nope"},
		{"extra"},
		{"-code", "x"},
		{"-partitions", "-2"},
		{"-insecure"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			clitest.CheckUsage(t, "listsheets", run, args...)
		})
	}
}

func TestConf(t *testing.T) {
	srv, ca := clitest.Server(t, testserver.Config{Prefix: "hdr", Header: "hdr-usr"})
	conf := filepath.Join(t.TempDir(), "site.conf")
	text := `connector_id = "qlik-sense"
code = "site"
connection { url = "` + srv.URL() + `", auth.key = "hdr-usr", auth.value = "CORP\\catalog" }
tls.truststore.path = "` + ca + `"
`
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	stdout, _ := clitest.MustRun(t, run, "-conf", conf)
	if got, want := len(clitest.JSONLines(t, stdout)), len(clitest.DemoSheets(t)); got != want {
		t.Errorf("%d sheets through -conf, want %d", got, want)
	}
	var sawUser bool
	for _, r := range srv.Requests() {
		sawUser = sawUser || r.Header.Get("hdr-usr") == `CORP\catalog`
	}
	if !sawUser {
		t.Error("the connection file's header did not reach the server")
	}
	clitest.CheckUsage(t, "-conf with -url", run, "-conf", conf, "-url", srv.URL())
}
