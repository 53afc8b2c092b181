package testserver

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestGeneratedDataModels(t *testing.T) {
	g := Generate(GenConfig{Seed: 8, Apps: 300, Sheets: 900, EmptyDataModelRatio: 0.05})
	st := startSite(t, g, Config{})
	states := map[string]int{}
	newer, maxFields, maxTables := 0, 0, 0
	for a, app := range st.list(KindApp, "") {
		id := app["id"].(string)
		r := st.c("GET", metadataPath(strings.ToUpper(id))) // ids in any case
		state := g.DataModelState(a)
		states[state]++
		want := map[string]int{"none": 404, "empty": 200, "full": 200}[state]
		if r.status != want {
			t.Fatalf("app %d (%s): %d, want %d", a, state, r.status, want)
		}
		if (state == "none") != (app["lastReloadTime"] == neverTime) {
			t.Errorf("app %d: data model %s, lastReloadTime %v", a, state, app["lastReloadTime"])
		}
		if r.status != 200 {
			continue
		}
		empty, n := checkDataModel(t, fmt.Sprintf("app %d", a), []byte(r.body))
		if empty != (state == "empty") {
			t.Errorf("app %d: empty %v, state %s", a, empty, state)
		}
		if n {
			newer++
			if app["savedInProductVersion"] != "14.173.3" {
				t.Errorf("app %d saved by %v has the newer keys", a, app["savedInProductVersion"])
			}
		}
		var doc struct {
			StaticByteSize float64 `json:"static_byte_size"`
			Fields, Tables []any
		}
		_ = json.Unmarshal([]byte(r.body), &doc)
		if !empty && doc.StaticByteSize != app["staticByteSize"] {
			t.Errorf("app %d: static_byte_size %v, the app says %v", a, doc.StaticByteSize, app["staticByteSize"])
		}
		maxFields, maxTables = max(maxFields, len(doc.Fields)), max(maxTables, len(doc.Tables))
	}
	if states["none"] == 0 || states["empty"] == 0 || states["full"] < 250 || newer == 0 {
		t.Errorf("states %v, %d with newer keys", states, newer)
	}
	// Up to 200 user fields plus 6 system ones; up to 30 tables plus 3.
	if maxFields < 100 || maxFields > 206 || maxTables < 20 || maxTables > 33 {
		t.Errorf("largest model: %d fields, %d tables", maxFields, maxTables)
	}
	for _, p := range []string{metadataPath("9f4b5c2e-0b4a-4f39-9d1e-2a9c7d9e1a11"), metadataPath("not-a-guid"),
		"/api/v1/apps/" + g.AppID(1), "/api/v1/apps/" + g.AppID(1) + "/data", "/api/v1/apps//data/metadata"} {
		if r := st.c("GET", p); r.status != 404 {
			t.Errorf("GET %s: %d, want 404", p, r.status)
		}
	}
}
