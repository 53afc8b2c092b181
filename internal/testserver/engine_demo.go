package testserver

import (
	"encoding/json"
	"strings"
)

// EngineFile is the demo site's Engine content, in internal/testserver/demo.
const EngineFile = "engine.json"

// LineageSecrets returns the credentials that the Engine fixtures' lineage
// statements and discriminators hold (in connect strings, REST connection
// options and web file URLs), for tests that grep output for leaks: the
// demo site's (demo/engine.json) and the generated site's alike.
func LineageSecrets() []string {
	return []string{
		"Pr0d-Sql!pw-7781",                              // ODBC connect string, PWD=
		"Ol3db#Secret-2291",                             // OLEDB connect string, Password=
		"XPass-Legacy-4410",                             // legacy ODBC CONNECT ... XPassword is
		"crm-api-token-5f1e9c2a7b",                      // REST connector URL, access_token=
		"eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LWNybQ.sIgN4tUr3", // REST connector HTTPHEADER Authorization: Bearer
		"webfile-key-88d1a0",                            // web file URL, apikey=
	}
}

// demoEngine is DemoEngine's data: each app's JSON, decoded afresh for
// every caller, who then owns it.
type demoEngine struct {
	apps map[string]json.RawMessage // lower-cased app id → EngineApp JSON
}

// DemoEngine returns the Engine's content of the demo site (DemoSite):
// sheets with charts of many types (texts, filter panes and a container
// among them), master dimensions, measures and visualizations matching
// the demo's master item app objects, and lineage linking apps through
// QVDs. Its data is demo/engine.json. A broken file (which the package
// tests catch) gives an Engine that knows no app.
func DemoEngine() EngineData {
	d := &demoEngine{apps: map[string]json.RawMessage{}}
	b, err := demoFS.ReadFile("demo/" + EngineFile)
	if err != nil {
		return d
	}
	var file struct {
		Apps map[string]json.RawMessage `json:"apps"`
	}
	if json.Unmarshal(b, &file) != nil {
		return d
	}
	for id, raw := range file.Apps {
		d.apps[strings.ToLower(id)] = raw
	}
	return d
}

func (d *demoEngine) EngineApp(appID string) (*EngineApp, bool) {
	raw, ok := d.apps[strings.ToLower(appID)]
	if !ok {
		return nil, false
	}
	app := &EngineApp{}
	if json.Unmarshal(raw, app) != nil {
		return nil, false
	}
	return app, true
}
