package main

import (
	"strings"
	"testing"

	"github.com/qrskit/qrs/internal/cli/clitest"
	"github.com/qrskit/qrs/internal/testserver"
)

func TestDemoJSONLines(t *testing.T) {
	targets := 0
	for _, p := range clitest.ByID(t, run, clitest.Demo(t, testserver.DataConnectionFile)) {
		it, c := p[0], p[1]
		id := clitest.Str(c, "id")
		if it["name"] != clitest.Str(c, "name") || it["type"] != clitest.Str(c, "type") {
			t.Errorf("%s: name %v type %v, want %v %v", id, it["name"], it["type"], c["name"], c["type"])
		}
		if want := clitest.Str(c, "owner.userDirectory") + `\` + clitest.Str(c, "owner.userId"); it["owner"] != want {
			t.Errorf("%s: owner %v, want %s", id, it["owner"], want)
		}
		if _, ok := it["password"]; ok {
			t.Errorf("%s: a password field", id)
		}
		cs, _ := it["connection_string"].(string)
		for _, s := range testserver.FixtureSecrets() {
			if strings.Contains(cs, s) {
				t.Errorf("%s: the connection string %q holds a secret", id, cs)
			}
		}
		if raw := clitest.Str(c, "connectionstring"); cs != raw && !strings.Contains(cs, "xxxxx") {
			t.Errorf("%s: %q changed from %q without a credential scrubbed", id, cs, raw)
		}
		if target, _ := it["target"].(map[string]any); len(target) > 0 {
			targets++
		}
	}
	if n := len(clitest.Demo(t, testserver.DataConnectionFile)); targets != n {
		t.Errorf("%d of %d connections with a target", targets, n)
	}
}

func TestTable(t *testing.T) {
	stdout, _ := clitest.MustRun(t, run, "-table", "-filter", "type eq 'folder'")
	lines := clitest.TableLines(t, stdout, []string{"NAME", "TYPE", "HOST", "DATABASE", "PATH_OR_URL"}, 3)
	if !strings.Contains(lines[1], `\\`) {
		t.Errorf("a folder without its path: %q", lines[1])
	}
}

func TestWrongUser(t *testing.T) { clitest.CheckWrongUser(t, "dataconnections", run) }
