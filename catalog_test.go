package qrs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/testserver"
)

// catalogRun is what one loop over a catalog yielded.
type catalogRun struct {
	entries []qrs.Entry
	skipped []*qrs.EntryError // entry-level errors, in order
	err     error             // the error that ended it, if any
}

func runCatalog(ctx context.Context, c *qrs.Client, opts *qrs.CatalogOptions) catalogRun {
	var r catalogRun
	for e, err := range c.Catalog(ctx, opts) {
		var ee *qrs.EntryError
		switch {
		case errors.As(err, &ee):
			r.skipped = append(r.skipped, ee)
		case err != nil:
			r.err = err
		default:
			r.entries = append(r.entries, e)
		}
	}
	return r
}

func mustCatalog(t *testing.T, c *qrs.Client, opts *qrs.CatalogOptions) catalogRun {
	t.Helper()
	r := runCatalog(t.Context(), c, opts)
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r
}

func (r catalogRun) ofKind(k qrs.EntryKind) []qrs.Entry {
	var out []qrs.Entry
	for _, e := range r.entries {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

// payload returns the content of an entry and how many content fields it
// has set.
func payload(e qrs.Entry) (any, int) {
	var got any
	n := 0
	for _, p := range []any{e.Site, e.Stream, e.App, e.DataConnection, e.ReloadTask, e.Visualization, e.MasterItem, e.Table, e.Field,
		e.Chart, e.MasterDefinition, e.Source, e.File, e.Lineage} {
		if v := fmt.Sprint(p); v != "<nil>" {
			got = p
			n++
		}
	}
	return got, n
}

// checkEntries checks what every catalog must be: kinds in order, one
// content field of the entry's kind, keys unique and reading back as the
// entry's kind and code, relations to keys of the catalog (unless the
// related kind was not asked for).
func checkEntries(t *testing.T, r catalogRun, code string) map[string]qrs.Entry {
	t.Helper()
	order := qrs.EntryKinds()
	byKey := map[string]qrs.Entry{}
	last := 0
	for _, e := range r.entries {
		pos := stage(e.Kind)
		if pos < last {
			t.Errorf("%s %s comes after a %s", e.Kind, e.Key, order[last])
		}
		last = max(last, pos)
		if _, n := payload(e); n != 1 {
			t.Errorf("%s %s has %d content fields", e.Kind, e.Key, n)
		}
		if prev, dup := byKey[e.Key]; dup {
			t.Errorf("key %s twice: a %s and a %s", e.Key, prev.Kind, e.Kind)
		}
		byKey[e.Key] = e
		k, err := qrs.ParseEntryKey(e.Key)
		if err != nil || k.Kind != e.Kind || k.Code != code || k.String() != e.Key {
			t.Errorf("key %q of a %s reads back as %+v, %v", e.Key, e.Kind, k, err)
		}
		_, verr := qrs.ParseKey(e.Key)
		if (verr == nil) != (e.Kind == qrs.EntryVisualization) {
			t.Errorf("key %q of a %s: ParseKey says %v", e.Key, e.Kind, verr)
		}
	}
	present := map[qrs.EntryKind]bool{}
	for _, e := range r.entries {
		present[e.Kind] = true
	}
	for _, e := range r.entries {
		for _, rel := range e.Relations {
			if _, ok := byKey[rel.Key]; !ok && present[rel.Kind] {
				t.Errorf("%s %s relates to %s %s, not in the catalog", e.Kind, e.Key, rel.Kind, rel.Key)
			}
			if k, err := qrs.ParseEntryKey(rel.Key); err != nil || k.Kind != rel.Kind {
				t.Errorf("%s %s: relation %+v reads back as %+v, %v", e.Kind, e.Key, rel, k, err)
			}
		}
	}
	return byKey
}

// stage is where a kind comes in a catalog: tables and fields come
// together, app by app, and so do the Engine's kinds; the site's entry
// comes with the first listing's answer.
func stage(k qrs.EntryKind) int {
	switch {
	case k == qrs.EntryField:
		k = qrs.EntryTable
	case k == qrs.EntrySite:
		k = qrs.EntryStream
	case slices.Contains(engineKinds, k):
		k = engineKinds[0]
	}
	return slices.Index(qrs.EntryKinds(), k)
}

// engineKinds are the kinds that come only with CatalogOptions.Engine.
var engineKinds = []qrs.EntryKind{qrs.EntryChart, qrs.EntryMasterDefinition, qrs.EntrySource, qrs.EntryFile, qrs.EntryLineage}

// restKinds are the kinds that come through QRS and the app metadata
// endpoint: every kind of a catalog without Engine options.
func restKinds() []qrs.EntryKind {
	var out []qrs.EntryKind
	for _, k := range qrs.EntryKinds() {
		if !slices.Contains(engineKinds, k) {
			out = append(out, k)
		}
	}
	return out
}

func TestCatalogDemo(t *testing.T) {
	srv, c := startDemo(t, testserver.Config{})
	r := mustCatalog(t, c, nil)
	var sent []string
	for _, req := range srv.Requests() {
		sent = append(sent, req.Path)
	}
	checkEntries(t, r, "test")
	for _, k := range qrs.EntryKinds() {
		if got := len(r.ofKind(k)); (got == 0) != slices.Contains(engineKinds, k) {
			t.Errorf("%d %s entries in the demo's catalog without Engine options", got, k)
		}
	}
	if r.entries[0].Kind != qrs.EntrySite {
		t.Errorf("the first entry is a %s", r.entries[0].Kind)
	}
	// Each kind is what its own listing gives.
	ctx := t.Context()
	site := r.ofKind(qrs.EntrySite)
	if len(site) != 1 || site[0].Key != "test" || *site[0].Site != (qrs.Site{Code: "test", URL: c.BaseURL()}) {
		t.Errorf("site entries %+v", site)
	}
	streams, _ := c.ListStreams(ctx, nil)
	apps, _ := c.ListApps(ctx, nil)
	conns, _ := c.ListDataConnections(ctx, nil)
	tasks, _ := c.ListReloadTasks(ctx, nil)
	masters, _ := c.ListAppObjects(ctx, &qrs.ListOptions{Filter: "objectType eq 'masterobject' or objectType eq 'dimension' or objectType eq 'measure'"})
	vizs := collectViz(t, c.Visualizations(ctx, nil))
	for _, tt := range []struct {
		kind qrs.EntryKind
		want []any
		key  func(i int) string
		name func(i int) string
		rels func(i int) []qrs.Relation
	}{
		{qrs.EntryStream, anys(streams), func(i int) string { return "test/stream:" + streams[i].ID }, func(i int) string { return streams[i].Name }, nil},
		{qrs.EntryApp, anys(apps), func(i int) string { return "test/app:" + apps[i].ID }, func(i int) string { return apps[i].Name },
			func(i int) []qrs.Relation {
				if apps[i].Stream == nil {
					return nil
				}
				return []qrs.Relation{{Kind: qrs.EntryStream, Key: "test/stream:" + apps[i].Stream.ID}}
			}},
		{qrs.EntryDataConnection, anys(conns), func(i int) string { return "test/dataconnection:" + conns[i].ID }, func(i int) string { return conns[i].Name }, nil},
		{qrs.EntryReloadTask, anys(tasks), func(i int) string { return "test/reloadtask:" + tasks[i].ID }, func(i int) string { return tasks[i].Name },
			func(i int) []qrs.Relation {
				return []qrs.Relation{{Kind: qrs.EntryApp, Key: "test/app:" + tasks[i].App.ID}}
			}},
		{qrs.EntryVisualization, anys(vizs), func(i int) string { return vizs[i].Key.String() }, func(i int) string { return vizs[i].Name },
			func(i int) []qrs.Relation {
				return []qrs.Relation{{Kind: qrs.EntryApp, Key: "test/app:" + vizs[i].AppID}}
			}},
		{qrs.EntryMasterItem, anys(masters), func(i int) string { return "test/masteritem:" + masters[i].App.ID + ":" + masters[i].EngineObjectID },
			func(i int) string { return masters[i].Name },
			func(i int) []qrs.Relation {
				return []qrs.Relation{{Kind: qrs.EntryApp, Key: "test/app:" + masters[i].App.ID}}
			}},
	} {
		got := r.ofKind(tt.kind)
		if len(got) != len(tt.want) {
			t.Errorf("%d %s entries, want %d", len(got), tt.kind, len(tt.want))
			continue
		}
		for i, e := range got {
			p, _ := payload(e)
			same(t, fmt.Sprintf("%s %d", tt.kind, i), p, tt.want[i])
			var rels []qrs.Relation
			if tt.rels != nil {
				rels = tt.rels(i)
			}
			if e.Key != tt.key(i) || e.Name != tt.name(i) || !slices.Equal(e.Relations, rels) {
				t.Errorf("%s %d: key %q name %q relations %v, want %q %q %v", tt.kind, i, e.Key, e.Name, e.Relations, tt.key(i), tt.name(i), rels)
			}
		}
	}
	// Tables and fields: each app's data model, app by app in listing
	// order; an entry-level error for each app without one.
	var tables, fields []qrs.Entry
	var noModel []string
	for _, a := range apps {
		m, err := c.DataModel(ctx, a.ID)
		if errors.Is(err, qrs.ErrNoDataModel) {
			noModel = append(noModel, "test/app:"+a.ID)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, tb := range m.Tables {
			tables = append(tables, qrs.Entry{Kind: qrs.EntryTable, Key: tableKey(a.ID, tb.Name), Name: tb.Name,
				Relations: []qrs.Relation{{Kind: qrs.EntryApp, Key: "test/app:" + a.ID}}, Table: &tb})
		}
		for _, f := range m.Fields {
			var rels []qrs.Relation
			for _, s := range f.SourceTables {
				rels = append(rels, qrs.Relation{Kind: qrs.EntryTable, Key: tableKey(a.ID, s)})
			}
			rels = append(rels, qrs.Relation{Kind: qrs.EntryApp, Key: "test/app:" + a.ID})
			key := qrs.EntryKey{Code: "test", Kind: qrs.EntryField, IDs: []string{a.ID, f.Name}}.String()
			fields = append(fields, qrs.Entry{Kind: qrs.EntryField, Key: key, Name: f.Name, Relations: rels, Field: &f})
		}
	}
	var gotModels []qrs.Entry
	for _, e := range r.entries {
		if e.Kind == qrs.EntryTable || e.Kind == qrs.EntryField {
			gotModels = append(gotModels, e)
		}
	}
	// The catalog yields an app's tables, then its fields.
	var wantModels []qrs.Entry
	for _, a := range apps {
		for _, list := range [][]qrs.Entry{tables, fields} {
			for _, e := range list {
				if e.Relations[len(e.Relations)-1].Key == "test/app:"+a.ID {
					wantModels = append(wantModels, e)
				}
			}
		}
	}
	same(t, "tables and fields", gotModels, wantModels)
	var skipped []string
	for _, ee := range r.skipped {
		if !errors.Is(ee, qrs.ErrNoDataModel) || ee.Kind != qrs.EntryApp {
			t.Errorf("entry-level error %v, want ErrNoDataModel of an app", ee)
		}
		skipped = append(skipped, ee.Key)
	}
	if !slices.Equal(skipped, noModel) || len(noModel) != 3 {
		t.Errorf("entry-level errors for %v, want %v (the demo's three apps without a data model)", skipped, noModel)
	}
	// Fields of several tables relate to each.
	multi := 0
	for _, e := range r.ofKind(qrs.EntryField) {
		if len(e.Relations) > 2 {
			multi++
		}
		if e.Field.IsSystem != strings.HasPrefix(e.Name, "$") {
			t.Errorf("field %s: IsSystem %v", e.Name, e.Field.IsSystem)
		}
	}
	if multi == 0 {
		t.Error("no key field relates to two tables")
	}
	// One request per listing, then one per app for its data model.
	want := []string{"/qrs/stream/full", "/qrs/app/full", "/qrs/dataconnection/full", "/qrs/schemaevent/full", "/qrs/compositeevent/full",
		"/qrs/reloadtask/full", "/qrs/app/object/full", "/qrs/app/object/full"}
	for _, a := range apps {
		want = append(want, "/api/v1/apps/"+a.ID+"/data/metadata")
	}
	slices.Sort(sent[len(want)-len(apps):]) // the data models come in any order
	slices.Sort(want[len(want)-len(apps):])
	if !slices.Equal(sent, want) {
		t.Errorf("requests\n%v\nwant\n%v", sent, want)
	}
}

func tableKey(appID, name string) string {
	return qrs.EntryKey{Code: "test", Kind: qrs.EntryTable, IDs: []string{appID, name}}.String()
}

func anys[T any](s []T) []any {
	out := make([]any, len(s))
	for i := range s {
		out[i] = &s[i]
	}
	return out
}

// catalogRequests counts a catalog's requests by what they list: the QRS
// path, or "metadata" for the app metadata endpoint.
func catalogRequests(srv *testserver.Server) map[string]int {
	n := map[string]int{}
	for _, r := range srv.Requests() {
		switch {
		case strings.HasPrefix(r.Path, "/api/v1/apps/"):
			n["metadata"]++
		case r.Path == "/qrs/app/object/full":
			n[r.Path+"?"+r.Query.Get("filter")]++
		default:
			n[r.Path]++
		}
	}
	return n
}

// TestCatalogRequests counts the requests of each kind alone, and of the
// whole catalog of a generated site: one per listing, one per app for the
// data models, none per sheet.
func TestCatalogRequests(t *testing.T) {
	const apps = 40
	g := testserver.Generate(testserver.GenConfig{Seed: 9, Apps: apps, Sheets: 4000})
	const (
		sheetsQ  = "/qrs/app/object/full?objectType eq 'sheet'"
		mastersQ = "/qrs/app/object/full?(objectType eq 'masterobject' or objectType eq 'dimension' or objectType eq 'measure')"
	)
	tasks := map[string]int{"/qrs/schemaevent/full": 1, "/qrs/compositeevent/full": 1, "/qrs/reloadtask/full": 1}
	for _, tt := range []struct {
		kinds []qrs.EntryKind
		want  map[string]int
	}{
		{[]qrs.EntryKind{qrs.EntrySite}, map[string]int{}},
		{[]qrs.EntryKind{qrs.EntryStream}, map[string]int{"/qrs/stream/full": 1}},
		{[]qrs.EntryKind{qrs.EntryApp}, map[string]int{"/qrs/app/full": 1}},
		{[]qrs.EntryKind{qrs.EntryDataConnection}, map[string]int{"/qrs/dataconnection/full": 1}},
		{[]qrs.EntryKind{qrs.EntryReloadTask}, tasks},
		{[]qrs.EntryKind{qrs.EntryVisualization}, map[string]int{"/qrs/app/full": 1, sheetsQ: 1}},
		{[]qrs.EntryKind{qrs.EntryMasterItem}, map[string]int{"/qrs/app/full": 1, mastersQ: 1}},
		{[]qrs.EntryKind{qrs.EntryTable}, map[string]int{"/qrs/app/full": 1, "metadata": apps}},
		{[]qrs.EntryKind{qrs.EntryField, qrs.EntryTable}, map[string]int{"/qrs/app/full": 1, "metadata": apps}},
		{nil, map[string]int{"/qrs/stream/full": 1, "/qrs/app/full": 1, "/qrs/dataconnection/full": 1, "/qrs/schemaevent/full": 1,
			"/qrs/compositeevent/full": 1, "/qrs/reloadtask/full": 1, sheetsQ: 1, mastersQ: 1, "metadata": apps}},
	} {
		t.Run(fmt.Sprint(tt.kinds), func(t *testing.T) {
			srv, c := startSite(t, testserver.Config{Site: g})
			r := runCatalog(t.Context(), c, &qrs.CatalogOptions{Kinds: tt.kinds})
			if r.err != nil {
				t.Fatal(r.err)
			}
			if got := catalogRequests(srv); !mapsEqual(got, tt.want) {
				t.Errorf("requests %v, want %v", got, tt.want)
			}
			for _, e := range r.entries {
				if !slices.Contains(tt.kinds, e.Kind) && tt.kinds != nil {
					t.Errorf("a %s entry, not asked for", e.Kind)
				}
			}
		})
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestCatalogKeys reads the catalog of a generated site of 100,000 sheets:
// every key unique, parsing back as its entry's kind, no key of one kind
// equal to another's.
func TestCatalogKeys(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 sheets")
	}
	g := testserver.Generate(testserver.GenConfig{Seed: 4, Apps: 1000, Sheets: 100_000})
	_, c := startSite(t, testserver.Config{Site: g})
	keys := make(map[string]qrs.EntryKind, 300_000)
	counts := map[qrs.EntryKind]int{}
	skipped := 0
	for e, err := range c.Catalog(t.Context(), &qrs.CatalogOptions{DataModelConcurrency: 8}) {
		var ee *qrs.EntryError
		if errors.As(err, &ee) {
			if !errors.Is(err, qrs.ErrNoDataModel) {
				t.Errorf("entry-level error %v", err)
			}
			skipped++
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if prev, dup := keys[e.Key]; dup {
			t.Fatalf("key %q of a %s is the key of a %s too", e.Key, e.Kind, prev)
		}
		keys[e.Key] = e.Kind
		counts[e.Kind]++
		k, err := qrs.ParseEntryKey(e.Key)
		if err != nil || k.Kind != e.Kind || k.String() != e.Key {
			t.Fatalf("key %q of a %s reads back as %+v, %v", e.Key, e.Kind, k, err)
		}
	}
	if counts[qrs.EntryVisualization] != 100_000 || counts[qrs.EntryApp] != 1000 {
		t.Errorf("counts %v", counts)
	}
	none := 0
	for a := range 1000 {
		if g.DataModelState(a) != "full" {
			none++
		}
	}
	if skipped != none {
		t.Errorf("%d apps without a data model skipped, want %d", skipped, none)
	}
	for _, k := range restKinds() {
		if counts[k] == 0 {
			t.Errorf("no %s", k)
		}
	}
	t.Logf("%d keys: %v", len(keys), counts)
}

// TestCatalogEntryErrors: one app's data model refused (403), missing
// (404), failing for good (503, a timeout, a broken body) is one
// entry-level error, and the catalog goes on; refused authentication ends
// it.
func TestCatalogEntryErrors(t *testing.T) {
	const (
		denied = "08e587a1-fb60-4bb7-84dc-34d775320e0b" // Sales Overview 2024
		failed = "8d376c1e-7166-4dc4-a179-f66ccc6d8761" // Finance – Budget vs Actual
		cut    = "9611a391-96aa-4b8a-aaa8-dee288a9148d" // Supply Chain Monitor
	)
	metadata := func(id string) string { return "/api/v1/apps/" + id + "/data/metadata" }
	for _, tt := range []struct {
		name  string
		fault testserver.Fault
		opts  []qrs.Option
		check func(error) bool
	}{
		{"503 after the retries", testserver.Fault{Path: metadata(failed), Status: 503, Times: 3}, []qrs.Option{qrs.WithRetries(2)},
			func(err error) bool { return qrs.IsErrorStatus(err, 503) }},
		{"a timeout", testserver.Fault{Path: metadata(failed), Stall: 20 * time.Second, Times: 3},
			[]qrs.Option{qrs.WithRetries(2), qrs.WithIdleTimeout(100 * time.Millisecond)},
			func(err error) bool { return errors.Is(err, context.DeadlineExceeded) }},
		{"a truncated body", testserver.Fault{Path: metadata(failed), TruncateAfterBytes: 100},
			nil, func(err error) bool { return strings.Contains(err.Error(), "truncated JSON") }},
		{"a body that is not a data model", testserver.Fault{Path: metadata(failed), Status: 200, Body: `{"tables":7}`, ContentType: "application/json"},
			nil, func(err error) bool { return strings.Contains(err.Error(), "tables") }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv, c := startDemo(t, testserver.Config{DenyDataModel: func(_, id string) bool { return id == denied }}, tt.opts...)
			srv.AddFault(tt.fault)
			r := runCatalog(t.Context(), c, &qrs.CatalogOptions{Kinds: []qrs.EntryKind{qrs.EntryApp, qrs.EntryTable, qrs.EntryField}})
			if r.err != nil {
				t.Fatal(r.err)
			}
			byApp := map[string]error{}
			for _, ee := range r.skipped {
				if ee.Kind != qrs.EntryApp {
					t.Errorf("entry-level error of a %s: %v", ee.Kind, ee)
				}
				if _, dup := byApp[ee.Key]; dup {
					t.Errorf("two errors for %s", ee.Key)
				}
				byApp[ee.Key] = ee.Err
			}
			if err := byApp["test/app:"+denied]; !errors.Is(err, qrs.ErrForbidden) {
				t.Errorf("the denied app: %v, want ErrForbidden", err)
			}
			if err := byApp["test/app:"+failed]; err == nil || !tt.check(err) {
				t.Errorf("the failing app: %v", err)
			}
			if n := len(r.skipped); n != 5 { // the two above and the demo's three without a data model
				t.Errorf("%d entry-level errors, want 5: %v", n, r.skipped)
			}
			// The apps after them still have their tables and fields.
			withModel := map[string]bool{}
			for _, e := range r.entries {
				if e.Kind == qrs.EntryTable {
					withModel[e.Relations[0].Key] = true
				}
			}
			if !withModel["test/app:"+cut] || withModel["test/app:"+denied] || withModel["test/app:"+failed] || len(withModel) != 3 {
				t.Errorf("apps with tables: %v", withModel)
			}
		})
	}
	t.Run("refused authentication ends it", func(t *testing.T) {
		srv, c := startDemo(t, testserver.Config{})
		srv.AddFault(testserver.Fault{Path: metadata(failed), Status: http.StatusUnauthorized, Times: 2})
		r := runCatalog(t.Context(), c, &qrs.CatalogOptions{Kinds: []qrs.EntryKind{qrs.EntryTable}})
		if !errors.Is(r.err, qrs.ErrUnauthenticated) {
			t.Fatalf("catalog ended with %v, want ErrUnauthenticated", r.err)
		}
		var ee *qrs.EntryError
		if errors.As(r.err, &ee) {
			t.Errorf("the end is an entry-level error: %v", r.err)
		}
	})
}

// TestCatalogBreak breaks out of the loop at every entry of the demo's
// catalog, and cancels the context at some: no goroutine outlives the
// loop, and a cancelled loop ends with the context's error.
func TestCatalogBreak(t *testing.T) {
	srv, c := startDemo(t, testserver.Config{})
	total := len(mustCatalog(t, c, nil).entries)
	for _, conc := range []int{1, 4} {
		for stop := 0; stop < total; stop += 7 {
			breakAt(t, c, &qrs.CatalogOptions{DataModelConcurrency: conc}, stop)
			waitGoroutines(t)
		}
	}
	// Cancelled: what is in hand (a buffer of a listing, a batch of
	// sheets, the data models fetched) may still come, then the context's
	// error; no later part of the catalog starts, nor any request.
	for _, stop := range []int{0, 3, total / 3, total / 2, total - 5} {
		ctx, cancel := context.WithCancel(t.Context())
		n, sent := 0, 0
		var last error
		var at qrs.EntryKind
		for e, err := range c.Catalog(ctx, &qrs.CatalogOptions{Partitions: qrs.Partitions{AppsPerRequest: 2}}) {
			switch {
			case n == stop:
				cancel()
				at, sent = e.Kind, len(srv.Requests())
			case n > stop && err == nil && stage(e.Kind) != stage(at):
				t.Errorf("cancelled at a %s: a %s came after", at, e.Kind)
			}
			n++
			last = err
		}
		cancel()
		if last != context.Canceled {
			t.Errorf("cancelled at %d: the loop ended with %v, want context.Canceled itself", stop, last)
		}
		waitGoroutines(t)
		// At most the requests in flight (4 data models, or 4 batches of
		// sheets) reach the server after the cancellation.
		if more := len(srv.Requests()) - sent; more > 4 {
			t.Errorf("cancelled at %d (a %s): %d requests after", stop, at, more)
		}
	}
}

// breakAt runs a catalog and breaks out of its loop at item stop; an error
// other than an entry-level one fails the test.
func breakAt(t *testing.T, c *qrs.Client, opts *qrs.CatalogOptions, stop int) {
	t.Helper()
	n := 0
	for _, err := range c.Catalog(t.Context(), opts) {
		if err != nil && !errors.As(err, new(*qrs.EntryError)) {
			t.Fatal(err)
		}
		if n == stop {
			break
		}
		n++
	}
}

// TestCatalogDeterministic: the same site gives the same entries, whatever
// the concurrency.
func TestCatalogDeterministic(t *testing.T) {
	g := testserver.Generate(testserver.GenConfig{Seed: 6, Apps: 60, Sheets: 600})
	_, c := startSite(t, testserver.Config{Site: g})
	var outs []string
	for _, conc := range []int{1, 16} {
		r := mustCatalog(t, c, &qrs.CatalogOptions{DataModelConcurrency: conc})
		b, err := json.Marshal(r.entries)
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, string(b))
	}
	if outs[0] != outs[1] {
		t.Error("the catalog differs with the concurrency of data models")
	}
}

// TestCatalogRefused: a site that refuses the Client yields the error
// alone, not even the site's entry.
func TestCatalogRefused(t *testing.T) {
	_, c := startDemo(t, testserver.Config{Users: []string{`OTHER\user`}})
	r := runCatalog(t.Context(), c, nil)
	if !errors.Is(r.err, qrs.ErrUnauthenticated) || len(r.entries) > 0 || len(r.skipped) > 0 {
		t.Errorf("entries %v, errors %v, end %v; want ErrUnauthenticated alone", r.entries, r.skipped, r.err)
	}
}

func TestCatalogOptionErrors(t *testing.T) {
	srv, c := startDemo(t, testserver.Config{})
	for _, tt := range []struct {
		opts *qrs.CatalogOptions
		want string
	}{
		{&qrs.CatalogOptions{Kinds: []qrs.EntryKind{"sheet"}}, `unknown kind "sheet"`},
		{&qrs.CatalogOptions{DataModelConcurrency: 17}, "DataModelConcurrency: 17 is out of range 1..16"},
		{&qrs.CatalogOptions{DataModelConcurrency: -1}, "out of range"},
		{&qrs.CatalogOptions{Partitions: qrs.Partitions{AppsPerRequest: 51}}, "CatalogOptions.Partitions"},
		{&qrs.CatalogOptions{Scope: qrs.Scope{Streams: qrs.Selection{Include: []string{" "}}}}, "Scope.Streams.Include: name 1 is empty"},
		{&qrs.CatalogOptions{Scope: qrs.Scope{Tags: qrs.Selection{Exclude: []string{"a", ""}}}}, "Scope.Tags.Exclude: name 2 is empty"},
		{&qrs.CatalogOptions{Scope: qrs.Scope{Apps: qrs.Selection{Include: []string{strings.Repeat("x", 1025)}}}}, "longer than 1024 bytes"},
		{&qrs.CatalogOptions{Scope: qrs.Scope{AppFilter: "name eq 'x') or (name ne ''"}}, "Scope.AppFilter: the filter closes a parenthesis"},
	} {
		r := runCatalog(t.Context(), c, tt.opts)
		if r.err == nil || !strings.Contains(r.err.Error(), tt.want) || !strings.HasPrefix(r.err.Error(), "qrs: ") || len(r.entries) > 0 {
			t.Errorf("%+v: %v, want an error with %q and nothing else", tt.opts, r.err, tt.want)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests for bad options", n)
	}
	nocode, err := qrs.NewClient(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	if r := runCatalog(t.Context(), nocode, nil); r.err == nil || !strings.Contains(r.err.Error(), "WithConnectionCode") {
		t.Errorf("a Client without a code: %v", r.err)
	}
}

// TestCatalogNoSecret greps everything a full catalog run puts out (every
// entry as JSON and as printed, the errors, the debug log) for every
// credential the fixtures hold.
func TestCatalogNoSecret(t *testing.T) {
	for name, site := range map[string]testserver.Site{
		"demo":      testserver.DemoSite(),
		"generated": testserver.Generate(testserver.GenConfig{Seed: 2, Apps: 200, Sheets: 2000, DataConnections: 400}),
	} {
		t.Run(name, func(t *testing.T) {
			var logs syncBuffer
			_, c := startSite(t, testserver.Config{Site: site}, qrs.WithLogger(slogTo(&logs)))
			var out strings.Builder
			conns := 0
			for e, err := range c.Catalog(t.Context(), &qrs.CatalogOptions{ContactEmails: true}) {
				if err != nil {
					fmt.Fprintf(&out, "%v\n%+v\n", err, err)
					var ee *qrs.EntryError
					if !errors.As(err, &ee) {
						t.Fatal(err)
					}
					continue
				}
				b, err := json.Marshal(e)
				if err != nil {
					t.Fatal(err)
				}
				p, _ := payload(e)
				fmt.Fprintf(&out, "%s\n%v %+v %#v\n", b, e, p, p)
				if e.Kind == qrs.EntryDataConnection {
					conns++
				}
			}
			if conns < len(demoItems(t, testserver.DataConnectionFile)) {
				t.Errorf("%d data connections", conns)
			}
			checkNoSecret(t, "the catalog", out.String()+logs.String(), testserver.FixtureSecrets()...)
		})
	}
}

// TestCatalogTable reads the sheets of a catalog through the paged /table
// listing, and through /full on a site without it: the same entries.
func TestCatalogTable(t *testing.T) {
	site := testserver.Generate(testserver.GenConfig{Seed: 12, Apps: 30, Sheets: 900})
	_, plain := startSite(t, testserver.Config{Site: site})
	want := mustCatalog(t, plain, nil)
	for _, missing := range []int{0, http.StatusNotFound, http.StatusMethodNotAllowed} {
		t.Run(fmt.Sprint(missing), func(t *testing.T) {
			srv, c := startSite(t, testserver.Config{Site: site, Table: testserver.TableConfig{Missing: missing}})
			opts := &qrs.CatalogOptions{Listing: qrs.ListTable, PageSize: 100}
			got := mustCatalog(t, c, opts)
			// The same entries, on another server's URL; /table pages
			// come in id order.
			lines := func(r catalogRun, base string) []string {
				var out []string
				for _, e := range r.entries {
					b, _ := json.Marshal(e)
					out = append(out, strings.ReplaceAll(string(b), base, "BASE"))
				}
				slices.Sort(out)
				return out
			}
			if g, w := lines(got, c.BaseURL()), lines(want, plain.BaseURL()); !slices.Equal(g, w) {
				t.Errorf("the catalog through /table differs from the one through /full: %d entries, want %d", len(g), len(w))
			}
			pages := srv.Count("/qrs/app/object/table")
			switch {
			case missing == 0 && pages < 9:
				t.Errorf("%d pages of sheets, want 9 or more", pages)
			case missing != 0 && pages != 1:
				t.Errorf("%d /table requests on a site without it, want 1", pages)
			case missing != 0:
				mustCatalog(t, c, opts)
				if n := srv.Count("/qrs/app/object/table"); n != 1 {
					t.Errorf("%d /table requests after a second catalog: the Client remembers", n)
				}
			}
		})
	}
	r := runCatalog(t.Context(), plain, &qrs.CatalogOptions{PageSize: 50})
	if r.err == nil || !strings.Contains(r.err.Error(), "CatalogOptions.PageSize") {
		t.Errorf("PageSize without ListTable: %v", r.err)
	}
}
