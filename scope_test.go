package qrs_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/testserver"
)

// wantInScope selects the demo's apps as a Scope says, read here from the
// demo's file: names and ids without regard to case.
func wantInScope(t *testing.T, s qrs.Scope, filter func(map[string]any) bool) []string {
	named := func(list []string, name, id string) bool {
		return slices.ContainsFunc(list, func(n string) bool { return strings.EqualFold(n, name) || strings.EqualFold(n, id) })
	}
	sel := func(sl qrs.Selection, match func([]string) bool) bool {
		return (len(sl.Include) == 0 || match(sl.Include)) && (len(sl.Exclude) == 0 || !match(sl.Exclude))
	}
	var out []string
	for _, a := range demoItems(t, testserver.AppFile) {
		st := obj(a["stream"])
		if s.PublishedOnly && !boolean(a["published"]) {
			continue
		}
		if !(len(s.Streams.Include) == 0 && len(s.Streams.Exclude) == 0) &&
			!sel(s.Streams, func(l []string) bool { return st != nil && named(l, str(st["name"]), str(st["id"])) }) {
			continue
		}
		if !sel(s.Apps, func(l []string) bool { return named(l, str(a["name"]), str(a["id"])) }) {
			continue
		}
		if !sel(s.Tags, func(l []string) bool {
			return slices.ContainsFunc(arr(a["tags"]), func(tag any) bool { return named(l, str(obj(tag)["name"]), str(obj(tag)["id"])) })
		}) {
			continue
		}
		if filter != nil && !filter(a) {
			continue
		}
		out = append(out, str(a["id"]))
	}
	return out
}

func TestCatalogScope(t *testing.T) {
	const (
		finance = "85f51786-fe78-46ce-ab48-2f19f8196a0e"
		sales   = "08e587a1-fb60-4bb7-84dc-34d775320e0b"
	)
	for _, tt := range []struct {
		name   string
		scope  qrs.Scope
		filter func(map[string]any) bool // what AppFilter selects, for the expectation
		// what the server is asked, in the app listing and in the sheet listing
		appFilter, sheetFilter string
	}{
		{name: "streams included, by name and by id", scope: qrs.Scope{Streams: qrs.Selection{Include: []string{"everyone", finance}}},
			appFilter:   "(stream.name eq 'everyone' or stream.name eq '" + finance + "' or stream.id eq " + finance + ")",
			sheetFilter: "(app.stream.name eq 'everyone' or app.stream.name eq '" + finance + "' or app.stream.id eq " + finance + ")"},
		{name: "a stream excluded keeps unpublished apps", scope: qrs.Scope{Streams: qrs.Selection{Exclude: []string{"Everyone"}}},
			appFilter: "(stream eq null or (stream.name ne 'Everyone'))", sheetFilter: "(app.stream eq null or (app.stream.name ne 'Everyone'))"},
		{name: "apps by name and id", scope: qrs.Scope{Apps: qrs.Selection{Include: []string{"Customer 360", sales}, Exclude: []string{"customer 360"}}},
			appFilter: "(name eq 'Customer 360' or name eq '" + sales + "' or id eq " + sales + ") and (name ne 'customer 360')"},
		{name: "tags included", scope: qrs.Scope{Tags: qrs.Selection{Include: []string{"Certified", "Pilot"}}},
			appFilter: "(tags.name eq 'Certified' or tags.name eq 'Pilot')", sheetFilter: "objectType eq 'sheet'"},
		{name: "a tag excluded: by the client alone", scope: qrs.Scope{Tags: qrs.Selection{Exclude: []string{"pilot"}}},
			appFilter: "", sheetFilter: "objectType eq 'sheet'"},
		{name: "published only", scope: qrs.Scope{PublishedOnly: true},
			appFilter: "published eq true", sheetFilter: "objectType eq 'sheet' and (app.published eq true)"},
		{name: "a QRS filter over apps", scope: qrs.Scope{AppFilter: "name sw 'S'"},
			filter:    func(a map[string]any) bool { return strings.HasPrefix(str(a["name"]), "S") },
			appFilter: "(name sw 'S')", sheetFilter: "objectType eq 'sheet'"},
		{name: "together", scope: qrs.Scope{Streams: qrs.Selection{Include: []string{"Everyone"}}, Tags: qrs.Selection{Exclude: []string{"Certified"}}, PublishedOnly: true},
			appFilter: "(stream.name eq 'Everyone') and published eq true"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv, c := startDemo(t, testserver.Config{})
			r := mustCatalog(t, c, &qrs.CatalogOptions{Scope: tt.scope})
			checkEntries(t, r, "test")
			want := wantInScope(t, tt.scope, tt.filter)
			if len(want) == 0 || len(want) == 8 {
				t.Fatalf("the case selects %d of the 8 demo apps: it tests nothing", len(want))
			}
			var got []string
			for _, e := range r.ofKind(qrs.EntryApp) {
				got = append(got, e.App.ID)
			}
			if !slices.Equal(got, want) {
				t.Errorf("apps %v, want %v", got, want)
			}
			// Everything of an app belongs to an app in scope; every app in
			// scope with sheets has its visualizations.
			inScope := map[string]bool{}
			for _, id := range want {
				inScope["test/app:"+id] = true
			}
			withViz := map[string]bool{}
			for _, e := range r.entries {
				switch e.Kind {
				case qrs.EntryVisualization, qrs.EntryMasterItem, qrs.EntryReloadTask, qrs.EntryTable, qrs.EntryField:
					app := e.Relations[len(e.Relations)-1].Key
					if !inScope[app] {
						t.Errorf("%s %s of %s, which is out of scope", e.Kind, e.Key, app)
					}
					if e.Kind == qrs.EntryVisualization {
						withViz[app] = true
					}
				}
			}
			for _, s := range demoItems(t, testserver.AppObjectFile) {
				if app := "test/app:" + str(obj(s["app"])["id"]); s["objectType"] == "sheet" && inScope[app] && !withViz[app] {
					t.Errorf("%s has sheets and no visualization", app)
				}
			}
			// Streams by the streams' selection alone; every data connection.
			var streams []string
			for _, s := range demoItems(t, testserver.StreamFile) {
				named := func(l []string) bool {
					return slices.ContainsFunc(l, func(n string) bool { return strings.EqualFold(n, str(s["name"])) || strings.EqualFold(n, str(s["id"])) })
				}
				sel := tt.scope.Streams
				if (len(sel.Include) == 0 || named(sel.Include)) && (len(sel.Exclude) == 0 || !named(sel.Exclude)) {
					streams = append(streams, "test/stream:"+str(s["id"]))
				}
			}
			var gotStreams []string
			for _, e := range r.ofKind(qrs.EntryStream) {
				gotStreams = append(gotStreams, e.Key)
			}
			if !slices.Equal(gotStreams, streams) {
				t.Errorf("streams %v, want %v", gotStreams, streams)
			}
			if n, want := len(r.ofKind(qrs.EntryDataConnection)), len(demoItems(t, testserver.DataConnectionFile)); n != want {
				t.Errorf("%d data connections, want %d", n, want)
			}
			// What the server was asked.
			for _, req := range srv.Requests() {
				f := req.Query.Get("filter")
				switch {
				case req.Path == "/qrs/app/full" && f != tt.appFilter:
					t.Errorf("app listing's filter %q, want %q", f, tt.appFilter)
				case req.Path == "/qrs/app/object/full" && strings.HasPrefix(f, "objectType eq 'sheet'") && tt.sheetFilter != "" &&
					f != tt.sheetFilter && f != "objectType eq 'sheet' and ("+tt.sheetFilter+")":
					t.Errorf("sheet listing's filter %q, want %q", f, tt.sheetFilter)
				}
			}
		})
	}
}

// TestCatalogScopeLongLists: lists too long for a URL are left to the
// client, with the same result.
func TestCatalogScopeLongLists(t *testing.T) {
	srv, c := startDemo(t, testserver.Config{})
	exclude := []string{"Everyone"}
	for i := range 400 {
		exclude = append(exclude, strings.Repeat("x", 20)+string(rune('a'+i%26))+strings.Repeat("y", i%7))
	}
	scope := qrs.Scope{Streams: qrs.Selection{Exclude: exclude}}
	r := mustCatalog(t, c, &qrs.CatalogOptions{Scope: scope, Kinds: []qrs.EntryKind{qrs.EntryApp, qrs.EntryVisualization}})
	var got []string
	for _, e := range r.ofKind(qrs.EntryApp) {
		got = append(got, e.App.ID)
	}
	if want := wantInScope(t, scope, nil); !slices.Equal(got, want) {
		t.Errorf("apps %v, want %v", got, want)
	}
	for _, req := range srv.Requests() {
		if len(req.RawQuery) > 8<<10 {
			t.Errorf("%s: a query of %d bytes", req.Path, len(req.RawQuery))
		}
	}
}
