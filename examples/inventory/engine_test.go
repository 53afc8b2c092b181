package main

import (
	"strings"
	"testing"

	"github.com/qrskit/qrs/internal/cli"
	"github.com/qrskit/qrs/internal/cli/clitest"
	"github.com/qrskit/qrs/internal/testserver"
)

// TestDemoEngine reads the demo site with everything through the Engine:
// every kind comes, the lineage links apps through QVDs, the charts have
// their fields, and no credential of a statement is in the output.
func TestDemoEngine(t *testing.T) {
	stdout, stderr := clitest.MustRun(t, run, "-engine", "-engine-concurrency", "3")
	lines := clitest.JSONLines(t, stdout)
	checkCatalogLines(t, lines, cli.DemoCode)
	counts := map[string]int{}
	for _, l := range lines {
		counts[l["kind"].(string)]++
	}
	for k := range engineKind {
		if counts[string(k)] == 0 {
			t.Errorf("no %s line", k)
		}
	}
	if !strings.Contains(stderr, "inventory: 3 apps have no lineage") {
		t.Errorf("stderr does not count the apps without lineage: %q", stderr)
	}
	// Finance stores actuals.qvd, which Sales Overview loads.
	const actuals = "demo/file:lib%3A%2F%2Fdata%2Ffinance%2Factuals.qvd"
	var stores, loads bool
	fields := 0
	for _, l := range lines {
		switch l["kind"] {
		case "lineage":
			from, to := l["from"].(map[string]any)["key"], l["to"].(map[string]any)["key"]
			stores = stores || to == actuals && l["store"] == true
			loads = loads || from == actuals && l["store"] == false && len(arr(l["statements"])) == 1
		case "chart":
			for _, d := range arr(l["dimensions"]) {
				fields += len(arr(d.(map[string]any)["fields"]))
			}
		}
	}
	if !stores || !loads || fields == 0 {
		t.Errorf("actuals.qvd stored %v, loaded %v; %d chart fields", stores, loads, fields)
	}
	checkNoSecretIn(t, stdout+stderr, append(testserver.LineageSecrets(), testserver.FixtureSecrets()...))

	// The tables of the Engine's kinds, under their captions.
	stdout, _ = clitest.MustRun(t, run, "-lineage", "-master-definitions", "-kinds", "masterdefinition,source,file,lineage", "-table")
	for _, caption := range []string{"MASTER ITEM DEFINITIONS (4)", "SOURCES (6)", "FILES (8)", "LINEAGE EDGES (19)"} {
		if !strings.Contains(stdout, caption+"\n") {
			t.Errorf("no caption %q in:\n%s", caption, stdout)
		}
	}
	checkNoSecretIn(t, stdout, testserver.LineageSecrets())
}

func checkNoSecretIn(t *testing.T, out string, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("the output holds the secret %q", s)
		}
	}
}
