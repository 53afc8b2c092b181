package qrs_test

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/engine"
	"github.com/qrskit/qrs/internal/testserver"
)

// The Engine's part of a catalog, through the real client against the
// test server's Engine over real TLS: the demo site's charts, master item
// definitions and lineage against demo/engine.json (read here with
// encoding/json, apart from the library and the server), the CSRF token,
// the one proxy session, a socket per app.

// The demo's apps.
const (
	demoSales    = "08e587a1-fb60-4bb7-84dc-34d775320e0b" // Sales Overview 2024
	demoFinance  = "8d376c1e-7166-4dc4-a179-f66ccc6d8761" // Finance – Budget vs Actual
	demoCustomer = "b98b6e68-2acf-4424-9a29-b4a8dd5e5179" // Customer 360
	demoSupply   = "9611a391-96aa-4b8a-aaa8-dee288a9148d" // Supply Chain Monitor
	demoOps      = "371f1077-e77d-447f-b8df-3407fe0c8a01" // Operations KPIs: never reloaded
	demoPricing  = "98b73bf9-275b-4c50-8d20-068d62ea09cf" // Draft – Pricing Study: no reload right
	demoKunden   = "571ceb1f-0357-42e3-8b65-afe015509694" // Kundenübersicht (Entwurf)
	demoCockpit  = "39328ba1-3804-42e4-b6ea-11cc16651082" // Director's Cockpit: never reloaded
)

// allEngine asks for every part of the Engine.
func allEngine() *qrs.EngineOptions {
	return &qrs.EngineOptions{Charts: true, ChartFields: true, MasterItemDefinitions: true, Lineage: true}
}

// demoEngineApp is an app of demo/engine.json.
type demoEngineApp struct {
	Sheets []struct {
		ID    string
		Cells []struct{ Name string }
	}
	Objects    []demoObject
	Dimensions []struct {
		ID, Title, Description, Grouping string
		Fields, Labels                   []string
	}
	Measures []struct{ ID, Title, Description, Expression, Label string }
	Lineage  []struct{ Discriminator, Statement string }
}

// demoObject is an object of an app of demo/engine.json.
type demoObject struct {
	ID, Type, Visualization, Title, Subtitle, Description, ExtendsID string
	Dimensions                                                       []struct {
		Fields           []string
		Label, LibraryID string
	}
	Measures []struct{ Expression, Label, LibraryID string }
	Children []string
}

func demoEngine(t *testing.T) map[string]demoEngineApp {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(demoDir, testserver.EngineFile))
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Apps map[string]demoEngineApp }
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f.Apps
}

// chart is the chart one object of the app makes, as the Engine's
// documentation has it: a column's title is its label, else its master
// item's title, else its field or expression; a master dimension's fields
// are its own.
func (a demoEngineApp) chart(appID, sheet, container string, o demoObject, fields bool) qrs.Chart {
	ch := qrs.Chart{ID: o.ID, AppID: appID, SheetID: sheet, Container: container, Type: o.Type, Visualization: o.Visualization,
		Title: o.Title, Subtitle: o.Subtitle, MasterItem: o.ExtendsID, HyperCube: len(o.Dimensions)+len(o.Measures) > 0}
	if ch.Visualization == "" {
		ch.Visualization = o.Type
	}
	for _, d := range o.Dimensions {
		title, fs := d.Label, d.Fields
		for _, md := range a.Dimensions {
			if d.LibraryID != "" && md.ID == d.LibraryID {
				fs = md.Fields
				if title == "" {
					title = md.Title
				}
			}
		}
		if title == "" && len(fs) > 0 {
			title = fs[0]
		}
		cd := qrs.ChartDimension{Title: title, MasterItem: d.LibraryID}
		if fields {
			cd.Fields = fs
		}
		ch.Dimensions = append(ch.Dimensions, cd)
	}
	for _, m := range o.Measures {
		title := m.Label
		for _, mm := range a.Measures {
			if title == "" && m.LibraryID != "" && mm.ID == m.LibraryID {
				title = mm.Title
			}
		}
		if title == "" {
			title = m.Expression
		}
		cm := qrs.ChartMeasure{Title: title, MasterItem: m.LibraryID}
		if fields {
			cm.Expression = m.Expression
		}
		ch.Measures = append(ch.Measures, cm)
	}
	return ch
}

// wantCharts are the charts of an app as engine.json has them, in the
// order of its sheets and cells, a container's objects after it.
func (a demoEngineApp) wantCharts(appID string, fields bool) []qrs.Chart {
	var out []qrs.Chart
	var add func(sheet, container, id string)
	add = func(sheet, container, id string) {
		for _, o := range a.Objects {
			if o.ID != id {
				continue
			}
			out = append(out, a.chart(appID, sheet, container, o, fields))
			for _, c := range o.Children {
				add(sheet, o.ID, c)
			}
		}
	}
	for _, sh := range a.Sheets {
		for _, c := range sh.Cells {
			add(sh.ID, "", c.Name)
		}
	}
	return out
}

// wantDefinitions are the master items of an app as engine.json has them,
// in the order the Engine lists them: master visualizations among the
// objects, then dimensions and measures.
func (a demoEngineApp) wantDefinitions(appID string) []qrs.MasterDefinition {
	var out []qrs.MasterDefinition
	for _, o := range a.Objects {
		if o.Type == "masterobject" {
			ch := a.chart(appID, "", "", o, true)
			out = append(out, qrs.MasterDefinition{ID: o.ID, AppID: appID, Type: "masterobject", Title: o.Title, Description: o.Description,
				Visualization: o.Visualization, Dimensions: ch.Dimensions, Measures: ch.Measures})
		}
	}
	for _, d := range a.Dimensions {
		g := d.Grouping
		if g == "" {
			g = "N"
		}
		out = append(out, qrs.MasterDefinition{ID: d.ID, AppID: appID, Type: "dimension", Title: d.Title, Description: d.Description,
			Grouping: g, Fields: d.Fields, Labels: d.Labels})
	}
	for _, m := range a.Measures {
		out = append(out, qrs.MasterDefinition{ID: m.ID, AppID: appID, Type: "measure", Title: m.Title, Description: m.Description,
			Expression: m.Expression, Label: m.Label})
	}
	return out
}

func TestEngineDemo(t *testing.T) {
	srv, c := startDemo(t, testserver.Config{})
	r := mustCatalog(t, c, &qrs.CatalogOptions{Engine: allEngine()})
	byKey := checkEntries(t, r, "test")
	apps, _ := c.ListApps(t.Context(), nil)
	demo := demoEngine(t)

	// Charts and definitions: engine.json's, app by app in listing order.
	var wantCharts []qrs.Chart
	var wantDefs []qrs.MasterDefinition
	for _, a := range apps {
		wantCharts = append(wantCharts, demo[a.ID].wantCharts(a.ID, true)...)
		wantDefs = append(wantDefs, demo[a.ID].wantDefinitions(a.ID)...)
	}
	var gotCharts []qrs.Chart
	for _, e := range r.ofKind(qrs.EntryChart) {
		gotCharts = append(gotCharts, *e.Chart)
		ch := e.Chart
		if want := fmt.Sprintf("test/%s/%s/%s", ch.AppID, ch.SheetID, ch.ID); e.Key != want {
			t.Errorf("chart key %q, want %q", e.Key, want)
		}
		viz := qrs.Key{Code: "test", AppID: ch.AppID, SheetID: ch.SheetID}.String()
		if e.Relations[0] != (qrs.Relation{Kind: qrs.EntryVisualization, Key: viz}) || byKey[viz].Kind != qrs.EntryVisualization {
			t.Errorf("chart %s: first relation %v, want its sheet's visualization %s", e.Key, e.Relations[0], viz)
		}
	}
	same(t, "charts", gotCharts, wantCharts)
	var gotDefs []qrs.MasterDefinition
	for _, e := range r.ofKind(qrs.EntryMasterDefinition) {
		gotDefs = append(gotDefs, *e.MasterDefinition)
		item := "test/masteritem:" + e.MasterDefinition.AppID + ":" + e.MasterDefinition.ID
		if e.Key != "test/masterdefinition:"+e.MasterDefinition.AppID+":"+e.MasterDefinition.ID ||
			e.Relations[0] != (qrs.Relation{Kind: qrs.EntryMasterItem, Key: item}) || byKey[item].Kind != qrs.EntryMasterItem {
			t.Errorf("definition %s: relations %v, want the master item %s first", e.Key, e.Relations, item)
		}
	}
	same(t, "master item definitions", gotDefs, wantDefs)
	// Several types of charts, containers' objects, objects without a
	// hypercube: the demo must show them all, or the comparison proves
	// little.
	types := map[string]bool{}
	inContainer, noCube := 0, 0
	for _, ch := range gotCharts {
		types[ch.Type] = true
		if ch.Container != "" {
			inContainer++
		}
		if !ch.HyperCube {
			noCube++
		}
	}
	if len(types) < 10 || inContainer == 0 || noCube < 3 || len(gotDefs) < 4 {
		t.Errorf("%d chart types, %d in containers, %d without a hypercube, %d definitions", len(types), inContainer, noCube, len(gotDefs))
	}

	// Lineage errors: the two apps never reloaded, and the one without the
	// reload right; nothing else.
	var noLineage []string
	for _, ee := range r.skipped {
		if !errors.Is(ee, qrs.ErrNoLineage) {
			if !errors.Is(ee, qrs.ErrNoDataModel) {
				t.Errorf("entry-level error %v", ee)
			}
			continue
		}
		noLineage = append(noLineage, ee.Key)
		if denied := ee.Key == "test/app:"+demoPricing; errors.Is(ee, qrs.ErrForbidden) != denied {
			t.Errorf("%v: ErrForbidden is %v", ee, !denied)
		}
	}
	want := []string{"test/app:" + demoCockpit, "test/app:" + demoOps, "test/app:" + demoPricing}
	slices.Sort(noLineage)
	slices.Sort(want)
	if !slices.Equal(noLineage, want) {
		t.Errorf("apps without lineage %q, want %q", noLineage, want)
	}

	// One session, one token, a socket per app opened without data and
	// closed.
	st := awaitSocketsClosed(t, srv)
	if st.SocketsOpened != len(apps) || st.OpenedNoData != len(apps) || st.OpenedWithData != 0 || srv.Sessions() != 1 || srv.Count("/qps/csrftoken") != 1 {
		t.Errorf("%d sockets for %d apps, %d opened without data, %d with; %d sessions, %d token requests",
			st.SocketsOpened, len(apps), st.OpenedNoData, st.OpenedWithData, srv.Sessions(), srv.Count("/qps/csrftoken"))
	}
	if st.MaxOpen > 2 {
		t.Errorf("%d sockets open at once, with the default concurrency of 2", st.MaxOpen)
	}
	// A sheet's fields cost one call, not one per chart.
	if n, sheets := st.Calls["GenericObject.GetFullPropertyTree"], st.Calls["Doc.GetObject"]-2; n != sheets {
		t.Errorf("%d property trees for %d sheets", n, sheets)
	}
}

// awaitSocketsClosed waits until the server has seen every socket it
// opened end (it counts after the client has returned), and returns its
// counters.
func awaitSocketsClosed(t *testing.T, srv *testserver.Server) testserver.EngineStats {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := srv.EngineStats()
		if st.SocketsClosed == st.SocketsOpened {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d sockets opened, %d closed", st.SocketsOpened, st.SocketsClosed)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// demoGraph is the demo site's lineage graph, as demo/engine.json builds
// it: every edge, app by app in listing order, as from -> to, with keys
// written by hand (lib:// paths case-folded, a UNC path's backslashes as
// they are, a web file's credentials scrubbed).
var demoGraph = []string{
	// Sales Overview 2024: loads the Finance QVD, stores orders.qvd.
	"source:connection:salesdb -> app:" + demoSales,
	"file:lib%3A%2F%2Fdata%2Ffinance%2Factuals.qvd -> app:" + demoSales,
	"file:https%3A%2F%2Fdata.example.org%2Ffx%2Feurofxref.csv?apikey=xxxxx -> app:" + demoSales,
	"app:" + demoSales + " -> file:lib%3A%2F%2Fdata%2Fsales%2Forders.qvd",
	// Finance: stores actuals.qvd.
	"source:connection:salesdb -> app:" + demoFinance,
	"source:odbc:dsn=salesdb -> app:" + demoFinance,
	"file:lib%3A%2F%2Fdata%2Fbudget%2Fbudget_2024.xlsx -> app:" + demoFinance,
	"app:" + demoFinance + " -> file:lib%3A%2F%2Fdata%2Ffinance%2Factuals.qvd",
	// Customer 360: loads orders.qvd, stores customers.qvd.
	"file:lib%3A%2F%2Fdata%2Fsales%2Forders.qvd -> app:" + demoCustomer,
	"source:connection:crm rest -> app:" + demoCustomer,
	"source:extension:pythonsse -> app:" + demoCustomer,
	"app:" + demoCustomer + " -> file:lib%3A%2F%2Fdata%2Fcrm%2Fcustomers.qvd",
	// Supply Chain Monitor: loads orders.qvd, stores inbound.qvd.
	"source:oledb:sql02.corp.example.com%2Fsupply -> app:" + demoSupply,
	"source:odbc:dsn=supplydw -> app:" + demoSupply,
	`file:\\fileserver01\supply\suppliers.xlsx -> app:` + demoSupply,
	"file:lib%3A%2F%2Fdata%2Fsales%2Forders.qvd -> app:" + demoSupply,
	"app:" + demoSupply + " -> file:lib%3A%2F%2Fdata%2Fsupply%2Finbound.qvd",
	// Kundenübersicht: loads customers.qvd.
	"file:lib%3A%2F%2Fdata%2Fcrm%2Fcustomers.qvd -> app:" + demoKunden,
	"file:lib%3A%2F%2Fdata%2Fregionen%2Fplz_regionen.csv -> app:" + demoKunden,
}

// TestEngineDemoLineage checks the demo site's lineage graph exactly as
// built, and the apps linked through QVDs: Finance -> actuals.qvd ->
// Sales -> orders.qvd -> Customer 360 and Supply Chain, Customer 360 ->
// customers.qvd -> Kundenübersicht.
func TestEngineDemoLineage(t *testing.T) {
	_, c := startDemo(t, testserver.Config{})
	r := mustCatalog(t, c, &qrs.CatalogOptions{Engine: &qrs.EngineOptions{Lineage: true}})
	byKey := checkEntries(t, r, "test")
	strip := func(key string) string { return strings.TrimPrefix(key, "test/") }
	var got []string
	for _, e := range r.ofKind(qrs.EntryLineage) {
		l := e.Lineage
		got = append(got, strip(l.From.Key)+" -> "+strip(l.To.Key))
		k, err := qrs.ParseEntryKey(e.Key)
		if err != nil || k.IDs[0] != l.From.Key || k.IDs[1] != l.To.Key || !slices.Equal(e.Relations, []qrs.Relation{l.From, l.To}) {
			t.Errorf("edge %s: reads back as %+v, %v; relations %v", e.Key, k, err, e.Relations)
		}
		if store := l.From.Kind == qrs.EntryApp; l.Store != store || "test/app:"+l.AppID != map[bool]string{true: l.From.Key, false: l.To.Key}[store] {
			t.Errorf("edge %s: Store %v, app %s", e.Key, l.Store, l.AppID)
		}
		if len(l.Statements) == 0 || l.Statements[0].Statement == "" {
			t.Errorf("edge %s has no statement as evidence", e.Key)
		}
		for _, end := range []qrs.Relation{l.From, l.To} {
			if byKey[end.Key].Kind != end.Kind {
				t.Errorf("edge %s: end %s is not in the catalog before it", e.Key, end.Key)
			}
		}
	}
	if !slices.Equal(got, demoGraph) {
		t.Errorf("lineage edges:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(demoGraph, "\n"))
	}
	// Apps linked through the QVDs they store and load.
	writers, readers := map[string][]string{}, map[string][]string{}
	for _, e := range r.ofKind(qrs.EntryLineage) {
		l := e.Lineage
		switch {
		case l.Store && strings.HasSuffix(l.To.Key, ".qvd"):
			writers[l.To.Key] = append(writers[l.To.Key], l.AppID)
		case !l.Store && strings.HasSuffix(l.From.Key, ".qvd"):
			readers[l.From.Key] = append(readers[l.From.Key], l.AppID)
		}
	}
	var links []string
	for f, ws := range writers {
		for _, w := range ws {
			for _, rd := range readers[f] {
				links = append(links, w+" -> "+rd)
			}
		}
	}
	slices.Sort(links)
	wantLinks := []string{demoCustomer + " -> " + demoKunden, demoFinance + " -> " + demoSales, demoSales + " -> " + demoCustomer, demoSales + " -> " + demoSupply}
	slices.Sort(wantLinks)
	if !slices.Equal(links, wantLinks) {
		t.Errorf("apps linked through QVDs %q, want %q", links, wantLinks)
	}
	// Each node once, before its first edge; a lib:// file resolved to
	// its data connection, Data (a folder).
	orders := byKey["test/file:lib%3A%2F%2Fdata%2Fsales%2Forders.qvd"]
	want := qrs.LineageFile{Path: "lib://Data/Sales/orders.qvd", Location: "lib://data/sales/orders.qvd", Scheme: "lib", Format: "qvd",
		Connection: "Data", ConnectionID: "0e5b8f61-3c2d-4a7e-b1f9-6d2a4c8e7b13", Resolved: `\\fs01.corp.example.com\qlik\data\Sales\orders.qvd`}
	if orders.File == nil || *orders.File != want || !slices.Equal(orders.Relations, []qrs.Relation{{Kind: qrs.EntryDataConnection, Key: "test/dataconnection:" + want.ConnectionID}}) {
		t.Errorf("orders.qvd: %+v, relations %v; want %+v", orders.File, orders.Relations, want)
	}
	db := byKey["test/source:connection:salesdb"]
	if db.Source == nil || db.Source.ConnectionID != "b7c3e9a2-5d14-4f68-8e2b-1a9c7d3f5e06" || db.Source.ConnectionType != "ODBC" || db.Source.Target.DSN != "SalesDB" {
		t.Errorf("SalesDB: %+v", db.Source)
	}
	if files, sources := len(r.ofKind(qrs.EntryFile)), len(r.ofKind(qrs.EntrySource)); files != 8 || sources != 6 {
		t.Errorf("%d files and %d sources, want 8 and 6", files, sources)
	}
}

func TestEngineCSRF(t *testing.T) {
	for _, mode := range []struct {
		name   string
		noCSRF bool
	}{{"required", false}, {"older release", true}} {
		t.Run(mode.name, func(t *testing.T) {
			srv, c := startDemo(t, testserver.Config{Engine: testserver.EngineConfig{NoCSRF: mode.noCSRF}})
			opts := &qrs.CatalogOptions{Kinds: []qrs.EntryKind{qrs.EntryLineage}, Engine: &qrs.EngineOptions{Lineage: true, Concurrency: 3}}
			for range 2 {
				if r := mustCatalog(t, c, opts); len(r.entries) != len(demoGraph) {
					t.Errorf("%d edges, want %d", len(r.entries), len(demoGraph))
				}
			}
			// The token is asked once per Client, or its absence learnt
			// once; every upgrade carries it, or none.
			if n := srv.Count("/qps/csrftoken"); n != 1 {
				t.Errorf("%d token requests for two catalogs", n)
			}
			upgrades := 0
			for _, req := range srv.Requests() {
				if !strings.HasPrefix(req.Path, "/app/") {
					continue
				}
				upgrades++
				if tok := req.Query.Get("qlik-csrf-token"); (tok != "") == mode.noCSRF {
					t.Errorf("upgrade %s: token %q", req.Path, tok)
				}
				if req.Header.Get("Cookie") == "" {
					t.Errorf("upgrade %s without the session cookie", req.Path)
				}
			}
			if st := awaitSocketsClosed(t, srv); upgrades != 16 || st.SocketsOpened != 16 || len(st.Refused) != 0 || srv.Sessions() != 1 {
				t.Errorf("%d upgrades, %d sockets, refused %v, %d sessions; want 16, 16, none, 1", upgrades, st.SocketsOpened, st.Refused, srv.Sessions())
			}
		})
	}
}

// TestEngineManyApps runs every Engine part over a generated site of many
// apps: one proxy session, a socket per app, each closed, never more open
// than the concurrency, and keys that collide with no other.
func TestEngineManyApps(t *testing.T) {
	const apps = 80
	g := testserver.Generate(testserver.GenConfig{Seed: 9, Apps: apps, Sheets: 400})
	srv, c := startSite(t, testserver.Config{Site: g})
	e := allEngine()
	e.Concurrency = 3
	r := mustCatalog(t, c, &qrs.CatalogOptions{Engine: e})
	checkEntries(t, r, "test")
	st := awaitSocketsClosed(t, srv)
	if st.SocketsOpened != apps || st.OpenedNoData != apps || srv.Sessions() != 1 || st.MaxOpen > 3 {
		t.Errorf("%d sockets for %d apps, %d opened without data, %d sessions, %d open at most (concurrency 3)",
			st.SocketsOpened, apps, st.OpenedNoData, srv.Sessions(), st.MaxOpen)
	}
	counts := map[qrs.EntryKind]int{}
	for _, e := range r.entries {
		counts[e.Kind]++
	}
	for _, k := range qrs.EntryKinds() {
		if counts[k] == 0 {
			t.Errorf("no %s entry", k)
		}
	}
	// Every reloaded app with the reload right has lineage; the others
	// say why.
	for _, ee := range r.skipped {
		if !errors.Is(ee, qrs.ErrNoLineage) && !errors.Is(ee, qrs.ErrNoDataModel) {
			t.Errorf("entry-level error %v", ee)
		}
	}
	// QVDs link apps: an app that stores its extract, and a later one that
	// loads it.
	links := 0
	for a := range apps {
		links += len(g.GenLoadsQVD(a))
	}
	loads := 0
	for _, e := range r.ofKind(qrs.EntryLineage) {
		if !e.Lineage.Store && strings.Contains(e.Lineage.From.Key, "extract_") {
			loads++
		}
	}
	if loads == 0 || loads > links {
		t.Errorf("%d loads of generated extracts, of %d possible", loads, links)
	}
	t.Logf("%v; calls %v", counts, st.Calls)
}

func TestEngineOptionErrors(t *testing.T) {
	_, c := startDemo(t, testserver.Config{})
	for _, tt := range []struct {
		opts *qrs.CatalogOptions
		want string
	}{
		{&qrs.CatalogOptions{Engine: &qrs.EngineOptions{}}, "CatalogOptions.Engine asks for nothing"},
		{&qrs.CatalogOptions{Engine: &qrs.EngineOptions{ChartFields: true, Lineage: true}}, "ChartFields needs Charts"},
		{&qrs.CatalogOptions{Engine: &qrs.EngineOptions{Lineage: true, Concurrency: 17}}, "Concurrency: 17 is out of range 1..16"},
		{&qrs.CatalogOptions{Engine: &qrs.EngineOptions{Lineage: true, Concurrency: -1}}, "Concurrency: -1 is out of range"},
		{&qrs.CatalogOptions{Engine: &qrs.EngineOptions{Lineage: true, CallTimeout: -time.Second}}, "CallTimeout: negative duration"},
		{&qrs.CatalogOptions{Kinds: []qrs.EntryKind{qrs.EntryChart}}, "chart entries come through the Engine: set CatalogOptions.Engine.Charts"},
		{&qrs.CatalogOptions{Kinds: []qrs.EntryKind{qrs.EntryFile}, Engine: &qrs.EngineOptions{Charts: true}}, "set CatalogOptions.Engine.Lineage"},
		{&qrs.CatalogOptions{Kinds: []qrs.EntryKind{qrs.EntryMasterDefinition}, Engine: &qrs.EngineOptions{Lineage: true}}, "Engine.MasterItemDefinitions"},
	} {
		r := runCatalog(t.Context(), c, tt.opts)
		if r.err == nil || !strings.Contains(r.err.Error(), tt.want) || len(r.entries) != 0 {
			t.Errorf("%+v: %d entries, error %v; want one containing %q", tt.opts.Engine, len(r.entries), r.err, tt.want)
		}
	}
	for _, tt := range []struct {
		opts []qrs.Option
		want string
	}{
		{[]qrs.Option{qrs.WithEnginePort(4747)}, "WithEnginePort applies to the client certificate mode"},
		{[]qrs.Option{qrs.WithEnginePort(0)}, "WithEnginePort: 0 is not a port"},
		{[]qrs.Option{qrs.WithEnginePort(65536)}, "WithEnginePort: 65536 is not a port"},
	} {
		_, err := qrs.NewClient("https://qlik.example.com/hdr", append(tt.opts, qrs.WithHeaderAuth("hdr-usr", "CORP\\x"))...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewClient: %v, want an error containing %q", err, tt.want)
		}
	}
}

// TestEngineKinds: the catalog reads through the Engine only what its
// kinds ask for, and nothing without Engine options.
func TestEngineKinds(t *testing.T) {
	srv, c := startDemo(t, testserver.Config{})
	mustCatalog(t, c, nil)
	if st := srv.EngineStats(); st.SocketsOpened != 0 || srv.Count("/qps/csrftoken") != 0 {
		t.Errorf("a catalog without Engine options opened %d sockets", st.SocketsOpened)
	}
	srv.ResetLog()
	r := mustCatalog(t, c, &qrs.CatalogOptions{Kinds: []qrs.EntryKind{qrs.EntryChart}, Engine: allEngine()})
	st := awaitSocketsClosed(t, srv)
	if len(r.entries) != len(r.ofKind(qrs.EntryChart)) || st.Calls["Doc.GetLineage"] != 0 || st.Calls["Doc.GetAllInfos"] != 0 || srv.Count("/qrs/dataconnection/full") != 0 {
		t.Errorf("charts alone: %d entries, %d charts; calls %v", len(r.entries), len(r.ofKind(qrs.EntryChart)), st.Calls)
	}
	for _, e := range r.ofKind(qrs.EntryChart) {
		for _, d := range e.Chart.Dimensions {
			if d.Fields == nil && e.Chart.Type != "kpi" {
				t.Errorf("chart %s: a dimension without fields, with ChartFields", e.Key)
			}
		}
	}
	// Without ChartFields, no property tree is asked for, and no chart has
	// fields or expressions.
	srv.ResetLog()
	before := srv.EngineStats().Calls["GenericObject.GetFullPropertyTree"]
	r = mustCatalog(t, c, &qrs.CatalogOptions{Kinds: []qrs.EntryKind{qrs.EntryChart}, Engine: &qrs.EngineOptions{Charts: true}})
	if n := srv.EngineStats().Calls["GenericObject.GetFullPropertyTree"] - before; n != 0 {
		t.Errorf("%d property trees without ChartFields", n)
	}
	for _, e := range r.ofKind(qrs.EntryChart) {
		for _, d := range e.Chart.Dimensions {
			if d.Fields != nil {
				t.Errorf("chart %s has fields without ChartFields", e.Key)
			}
		}
		for _, m := range e.Chart.Measures {
			if m.Expression != "" {
				t.Errorf("chart %s has an expression without ChartFields", e.Key)
			}
		}
	}
}

// TestEngineAppOpenElsewhere: the user has the app open already, with its
// data, in a session of the hub (the same Engine session: same user, same
// app); OpenDoc answers that it is open, and the catalog reads it as it
// is, through GetActiveDoc, leaving it open.
func TestEngineAppOpenElsewhere(t *testing.T) {
	srv, c := startDemo(t, testserver.Config{})
	name, value, err := srv.NewSession(authUser)
	if err != nil {
		t.Fatal(err)
	}
	ctx := testContext(t)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: srv.CACertPool()}}}
	h := http.Header{"Cookie": {name + "=" + value}}
	tok, _, err := engine.CSRFToken(ctx, hc, srv.URL(), h)
	if err != nil {
		t.Fatal(err)
	}
	u, err := engine.AppURL(srv.URL(), demoSales, tok)
	if err != nil {
		t.Fatal(err)
	}
	hub, err := engine.Dial(ctx, hc, u, h, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer hub.Close()
	doc, err := hub.OpenDoc(ctx, demoSales, false)
	if err != nil {
		t.Fatal(err)
	}
	r := mustCatalog(t, c, &qrs.CatalogOptions{Scope: qrs.Scope{AppFilter: "id eq " + demoSales}, Kinds: []qrs.EntryKind{qrs.EntryChart},
		Engine: &qrs.EngineOptions{Charts: true, ChartFields: true}})
	var got []qrs.Chart
	for _, e := range r.ofKind(qrs.EntryChart) {
		got = append(got, *e.Chart)
	}
	same(t, "charts", got, demoEngine(t)[demoSales].wantCharts(demoSales, true))
	if st := srv.EngineStats(); st.Calls["Global.GetActiveDoc"] != 1 || st.OpenedWithData != 1 || st.OpenedNoData != 0 {
		t.Errorf("calls %v; opened with data %d, without %d", st.Calls, st.OpenedWithData, st.OpenedNoData)
	}
	if sheets, err := hub.GetObjects(ctx, doc, "sheet"); err != nil || len(sheets) == 0 {
		t.Errorf("the hub's socket after the catalog: %d sheets, %v", len(sheets), err)
	}
}
