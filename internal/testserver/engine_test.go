package testserver

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// demoQRSObjects returns the demo's app objects as QRS lists them.
func demoQRSObjects(t *testing.T) []map[string]any {
	t.Helper()
	b, err := demoFS.ReadFile("demo/" + AppObjectFile)
	if err != nil {
		t.Fatal(err)
	}
	var objs []map[string]any
	if err := json.Unmarshal(b, &objs); err != nil {
		t.Fatal(err)
	}
	return objs
}

// TestDemoEngineMatchesTheSite checks demo/engine.json against the demo's
// QRS data: the same sheets in the same order, the QRS cells among the
// Engine's, the same master items, and references that resolve.
func TestDemoEngineMatchesTheSite(t *testing.T) {
	data := DemoEngine()
	site := DemoSite()
	apps := 0
	site.Scan(KindApp, nil, func(_ int, it Item) bool {
		apps++
		id := fieldText(it, "id")
		app, ok := data.EngineApp(id)
		if !ok {
			t.Errorf("app %s (%s) is not in %s", id, fieldText(it, "name"), EngineFile)
			return true
		}
		checkDemoApp(t, id, app, demoQRSObjects(t))
		return true
	})
	if apps != 8 {
		t.Errorf("%d demo apps, want 8", apps)
	}
	var file struct {
		Apps map[string]json.RawMessage `json:"apps"`
	}
	b, _ := demoFS.ReadFile("demo/" + EngineFile)
	if err := json.Unmarshal(b, &file); err != nil || len(file.Apps) != apps {
		t.Errorf("%s: %d apps (%v), want one per demo app", EngineFile, len(file.Apps), err)
	}
}

func fieldText(it Item, name string) string {
	v, _ := it.Field(strings.ToLower(name))
	s, _ := v.(string)
	return s
}

func checkDemoApp(t *testing.T, appID string, app *EngineApp, objs []map[string]any) {
	t.Helper()
	var sheets []EngineSheet
	masters := map[string]string{} // engine id → QRS object type
	qrsCells := map[string][]EngineCell{}
	for _, o := range objs {
		if o["app"].(map[string]any)["id"] != appID {
			continue
		}
		id, _ := o["engineObjectId"].(string)
		if id == "" {
			id = o["id"].(string)
		}
		switch typ := o["objectType"].(string); typ {
		case "sheet":
			sheets = append(sheets, EngineSheet{ID: id, Title: o["name"].(string)})
			raw, _ := base64.StdEncoding.DecodeString(o["attributes"].(string))
			var a struct {
				Cells []EngineCell `json:"cells"`
			}
			_ = json.Unmarshal(raw, &a)
			qrsCells[id] = a.Cells
		case "dimension", "measure", "masterobject":
			masters[id] = typ + ":" + o["name"].(string)
		}
	}
	if len(app.Sheets) != len(sheets) {
		t.Fatalf("%s: %d Engine sheets, %d QRS sheets", appID, len(app.Sheets), len(sheets))
	}
	objects := map[string]*EngineObject{}
	for i := range app.Objects {
		o := &app.Objects[i]
		if objects[o.ID] != nil {
			t.Errorf("%s: object id %s twice", appID, o.ID)
		}
		objects[o.ID] = o
	}
	for i, sh := range app.Sheets {
		if sh.ID != sheets[i].ID || sh.Title != sheets[i].Title {
			t.Errorf("%s: sheet %d is %s %q, QRS has %s %q", appID, i, sh.ID, sh.Title, sheets[i].ID, sheets[i].Title)
		}
		for _, qc := range qrsCells[sh.ID] {
			if !slices.ContainsFunc(sh.Cells, func(c EngineCell) bool { return c.Name == qc.Name && c.Type == qc.Type }) {
				t.Errorf("%s: sheet %s lacks the QRS cell %s (%s)", appID, sh.ID, qc.Name, qc.Type)
			}
		}
		for _, c := range sh.Cells {
			o := objects[c.Name]
			if o == nil || o.Type != c.Type {
				t.Errorf("%s: sheet %s cell %s (%s) has no object of that type", appID, sh.ID, c.Name, c.Type)
			}
		}
	}
	got := map[string]string{}
	for _, d := range app.Dimensions {
		got[d.ID] = "dimension:" + d.Title
		if len(d.Fields) == 0 {
			t.Errorf("%s: master dimension %s has no field", appID, d.ID)
		}
	}
	for _, m := range app.Measures {
		got[m.ID] = "measure:" + m.Title
		if m.Expression == "" {
			t.Errorf("%s: master measure %s has no expression", appID, m.ID)
		}
	}
	for _, o := range app.Objects {
		if o.Type == "masterobject" {
			got[o.ID] = "masterobject:" + o.Title
		}
		for _, d := range o.Dimensions {
			if d.LibraryID != "" && app.dimension(d.LibraryID) == nil {
				t.Errorf("%s: %s refers to master dimension %s, which the app lacks", appID, o.ID, d.LibraryID)
			}
		}
		for _, m := range o.Measures {
			if m.LibraryID != "" && app.measure(m.LibraryID) == nil {
				t.Errorf("%s: %s refers to master measure %s, which the app lacks", appID, o.ID, m.LibraryID)
			}
		}
		if o.ExtendsID != "" && (objects[o.ExtendsID] == nil || objects[o.ExtendsID].Type != "masterobject") {
			t.Errorf("%s: %s extends %s, which is no master visualization", appID, o.ID, o.ExtendsID)
		}
		for _, c := range o.Children {
			if objects[c] == nil {
				t.Errorf("%s: container %s has a missing child %s", appID, o.ID, c)
			}
		}
	}
	if !reflect.DeepEqual(got, masters) {
		t.Errorf("%s: Engine master items %v, QRS %v", appID, got, masters)
	}
}

// TestDemoLineageGraph pins the demo's QVD graph: which app stores which
// QVD and which apps load it, as the catalog must find it.
func TestDemoLineageGraph(t *testing.T) {
	data := DemoEngine()
	names := map[string]string{}
	DemoSite().Scan(KindApp, nil, func(_ int, it Item) bool {
		names[fieldText(it, "id")] = fieldText(it, "name")
		return true
	})
	stores, loads := map[string][]string{}, map[string][]string{}
	var denied, none []string
	for id, name := range names {
		app, _ := data.EngineApp(id)
		if app.NoReloadRight {
			denied = append(denied, name)
		}
		if len(app.Lineage) == 0 {
			none = append(none, name)
		}
		for _, l := range app.Lineage {
			q := qvdPath(l.Discriminator)
			switch {
			case q == "":
			case strings.HasPrefix(l.Discriminator, "STORE"):
				stores[q] = append(stores[q], name)
			default:
				loads[q] = append(loads[q], name)
			}
		}
	}
	for _, m := range []map[string][]string{stores, loads} {
		for _, v := range m {
			sort.Strings(v)
		}
	}
	sort.Strings(none)
	wantStores := map[string][]string{
		"lib://Data/Finance/actuals.qvd":   {"Finance – Budget vs Actual"},
		"lib://Data/Sales/orders.qvd":      {"Sales Overview 2024"},
		"lib://Data/CRM/customers.qvd":     {"Customer 360"},
		"lib://Data/Supply/inbound.qvd":    {"Supply Chain Monitor"},
		"lib://Data/Sales/price_bands.qvd": {"Draft – Pricing Study"},
	}
	wantLoads := map[string][]string{
		"lib://Data/Finance/actuals.qvd": {"Sales Overview 2024"},
		"lib://Data/Sales/orders.qvd":    {"Customer 360", "Draft – Pricing Study", "Supply Chain Monitor"},
		"lib://Data/CRM/customers.qvd":   {"Kundenübersicht (Entwurf)"},
	}
	if !reflect.DeepEqual(stores, wantStores) {
		t.Errorf("stores %v\nwant %v", stores, wantStores)
	}
	if !reflect.DeepEqual(loads, wantLoads) {
		t.Errorf("loads %v\nwant %v", loads, wantLoads)
	}
	if !slices.Equal(denied, []string{"Draft – Pricing Study"}) || !slices.Equal(none, []string{"Director's Cockpit", "Operations KPIs"}) {
		t.Errorf("no reload right: %q; no lineage: %q", denied, none)
	}
}

// qvdPath returns the lib:// QVD path in a discriminator, or "".
func qvdPath(d string) string {
	i := strings.Index(d, "lib://")
	if i < 0 {
		return ""
	}
	end := strings.Index(d[i:], ".qvd")
	if end < 0 {
		return ""
	}
	return d[i : i+end+4]
}

// TestLineageSecretsAreInTheFixtures keeps LineageSecrets honest: each is
// in the demo's lineage and in a generated site's.
func TestLineageSecretsAreInTheFixtures(t *testing.T) {
	demo, _ := demoFS.ReadFile("demo/" + EngineFile)
	g := Generate(GenConfig{Seed: 7, Apps: 300, Sheets: 600})
	var gen strings.Builder
	for a := 0; a < 300; a++ {
		app, ok := g.EngineApp(g.AppID(a))
		if !ok {
			t.Fatalf("generated app %d not found", a)
		}
		for _, l := range app.Lineage {
			gen.WriteString(l.Discriminator + "\n" + l.Statement + "\n")
		}
	}
	for _, s := range LineageSecrets() {
		if !strings.Contains(string(demo), s) {
			t.Errorf("secret %q is not in %s", s, EngineFile)
		}
		if s != "XPass-Legacy-4410" && !strings.Contains(gen.String(), s) {
			t.Errorf("secret %q is in no generated lineage", s)
		}
	}
}

func TestGenEngine(t *testing.T) {
	g := Generate(GenConfig{Seed: 42, Apps: 400, Sheets: 2000})
	stored, loaded, denied, withLineage := 0, 0, 0, 0
	types := map[string]int{}
	for a := 0; a < 400; a++ {
		app, ok := g.EngineApp(strings.ToUpper(g.AppID(a)))
		if !ok {
			t.Fatalf("app %d not found", a)
		}
		again, _ := g.EngineApp(g.AppID(a))
		if !reflect.DeepEqual(app, again) {
			t.Fatalf("app %d differs between two calls", a)
		}
		if len(app.Sheets) != g.AppSheets(a) {
			t.Errorf("app %d: %d Engine sheets, %d QRS sheets", a, len(app.Sheets), g.AppSheets(a))
		}
		for _, sh := range app.Sheets {
			for _, c := range sh.Cells {
				o := app.object(c.Name)
				if o == nil || o.Type != c.Type {
					t.Fatalf("app %d sheet %s: cell %+v has no object", a, sh.ID, c)
				}
				types[c.Type]++
			}
		}
		if app.NoReloadRight {
			denied++
		}
		if len(app.Lineage) > 0 {
			withLineage++
		}
		var stores bool
		for _, l := range app.Lineage {
			if strings.HasPrefix(l.Discriminator, "STORE") {
				stores = true
				if qvdPath(l.Discriminator) != GenQVD(a) {
					t.Errorf("app %d stores %q", a, l.Discriminator)
				}
			}
		}
		if stores {
			stored++
		}
		if len(app.Lineage) > 0 && stores != g.GenStoresQVD(a) {
			t.Errorf("app %d: stores %v, GenStoresQVD %v", a, stores, g.GenStoresQVD(a))
		}
		for _, j := range g.GenLoadsQVD(a) {
			if j >= a || !g.GenStoresQVD(j) {
				t.Errorf("app %d loads the QVD of app %d", a, j)
			}
			loaded++
		}
	}
	t.Logf("%d apps with lineage, %d store a QVD, %d QVD loads, %d without the reload right; cells %v", withLineage, stored, loaded, denied, types)
	if stored < 50 || loaded < 100 || denied == 0 || withLineage < 300 || types["filterpane"] == 0 || types["kpi"] == 0 {
		t.Errorf("too little variety: %d stored, %d loads, %d denied, %d with lineage, %v", stored, loaded, denied, withLineage, types)
	}
	if _, ok := g.EngineApp("00000000-1111-4222-8333-444444444444"); ok {
		t.Error("an unknown GUID was found")
	}
	if _, ok := g.EngineApp("id eq x"); ok {
		t.Error("a non-GUID was found")
	}
}

// TestEngineSwallowsPings: the proxy does not pass pings to the Engine, so
// a ping is never answered.
func TestEngineSwallowsPings(t *testing.T) {
	s := start(t, Config{})
	hc := client(s)
	u := "wss" + strings.TrimPrefix(s.URL(), "https") + "/app/" + "08e587a1-fb60-4bb7-84dc-34d775320e0b"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// No authentication and the older-release mode are not needed for a
	// token: the server's own token without sessions.
	resp, err := hc.Get(s.URL() + "/qps/csrftoken")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	tok := resp.Header.Get("qlik-csrf-token")
	if resp.StatusCode != http.StatusNoContent || tok == "" {
		t.Fatalf("csrftoken: %d %q", resp.StatusCode, tok)
	}
	ws, _, err := websocket.Dial(ctx, u+"?qlik-csrf-token="+tok, &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	// A reader, to take in the pong if one came.
	read := make(chan struct{})
	go func() {
		defer close(read)
		for {
			if _, _, err := ws.Read(ctx); err != nil {
				return
			}
		}
	}()
	defer func() { ws.CloseNow(); <-read }()
	pctx, pcancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer pcancel()
	if err := ws.Ping(pctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Ping: %v, want no pong (deadline exceeded)", err)
	}
}

func TestUpgradeRefusals(t *testing.T) {
	s := start(t, Config{Header: "hdr-usr"})
	hc := client(s)
	for _, tc := range []struct {
		name, path string
		headers    []string
		status     int
	}{
		{"plain GET", "/app/08e587a1-fb60-4bb7-84dc-34d775320e0b", nil, http.StatusBadRequest},
		{"no app", "/app/", []string{"Connection: Upgrade", "Upgrade: websocket"}, http.StatusNotFound},
		{"bearer", "/app/x", []string{"Connection: Upgrade", "Upgrade: websocket", "Authorization: Bearer abc"}, http.StatusForbidden},
		{"no session", "/app/x", []string{"Connection: Upgrade", "Upgrade: websocket", "hdr-usr: CORP\\anna"}, http.StatusFound},
	} {
		r := call(t, hc, http.MethodGet, s.URL()+tc.path, tc.headers...)
		if r.status != tc.status {
			t.Errorf("%s: %d %q, want %d", tc.name, r.status, r.body, tc.status)
		}
	}
	if n := s.Sessions(); n != 0 {
		t.Errorf("%d sessions opened by upgrades", n)
	}
	st := s.EngineStats()
	if st.SocketsOpened != 0 || st.Refused[http.StatusForbidden] != 1 || st.Refused[http.StatusFound] != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestGenEngineMemoryFlat: opening an app costs the same in a site of
// 100 apps as in one of 20,000 (sheets in proportion): nothing grows with
// the site.
func TestGenEngineMemoryFlat(t *testing.T) {
	perApp := func(apps int) float64 {
		g := Generate(GenConfig{Seed: 3, Apps: apps, Sheets: 5 * apps})
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for a := 0; a < 50; a++ {
			if _, ok := g.EngineApp(g.AppID(a)); !ok {
				t.Fatalf("app %d not found", a)
			}
		}
		runtime.ReadMemStats(&after)
		return float64(after.TotalAlloc-before.TotalAlloc) / 50
	}
	small, large := perApp(100), perApp(20000)
	t.Logf("allocated per opened app: %.0f bytes with 100 apps, %.0f with 20,000", small, large)
	if large > 2*small+64<<10 {
		t.Errorf("an app of a large site costs %.0f bytes, of a small one %.0f", large, small)
	}
}
