package qrs_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/testserver"
)

func collectViz(t *testing.T, seq func(func(qrs.Visualization, error) bool)) []qrs.Visualization {
	t.Helper()
	var out []qrs.Visualization
	for v, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func TestVisualizations(t *testing.T) {
	srv, c := startSite(t, testserver.Config{})
	vs := collectViz(t, c.Visualizations(t.Context(), nil))
	if n := len(qrsRequests(srv)); n != 2 {
		t.Errorf("a whole inventory sent %d requests, want 2", n)
	}
	apps := map[string]map[string]any{}
	for _, a := range rawItems(t, "app_full.json") {
		apps[str(a["id"])] = a
	}
	var sheets []map[string]any
	for _, r := range rawItems(t, "app_object_full.json") {
		if r["objectType"] == "sheet" {
			sheets = append(sheets, r)
		}
	}
	if len(vs) != len(sheets) {
		t.Fatalf("got %d visualizations, want %d (one per sheet)", len(vs), len(sheets))
	}
	u, _ := url.Parse(srv.URL())
	keys := map[qrs.Key]bool{}
	for i, v := range vs {
		r := sheets[i]
		appID := str(r["app"].(map[string]any)["id"])
		sheetID := str(r["engineObjectId"])
		if sheetID == "" {
			sheetID = str(r["id"]) // documented fallback
		}
		if want := (qrs.Key{Code: "test", AppID: appID, SheetID: sheetID}); v.Key != want {
			t.Errorf("%q: key %v, want %v", v.Name, v.Key, want)
		}
		if keys[v.Key] {
			t.Errorf("key %v twice", v.Key)
		}
		keys[v.Key] = true
		if back, err := qrs.ParseKey(v.Key.String()); err != nil || back != v.Key {
			t.Errorf("ParseKey(%q) = %v, %v", v.Key, back, err)
		}
		app := apps[appID]
		if v.AppName != str(app["name"]) || v.AppID != appID {
			t.Errorf("%q: app %s %q, want %s %q", v.Name, v.AppID, v.AppName, appID, app["name"])
		}
		wantStream := ""
		if s, ok := app["stream"].(map[string]any); ok {
			wantStream = str(s["name"])
		}
		if v.StreamName != wantStream {
			t.Errorf("%q: stream %q, want %q", v.Name, v.StreamName, wantStream)
		}
		wantURL := u.Scheme + "://" + u.Host + "/hdr/sense/app/" + url.PathEscape(appID) + "/sheet/" + url.PathEscape(sheetID) + "/state/analysis"
		if v.SheetURL != wantURL {
			t.Errorf("%q: URL %q, want %q", v.Name, v.SheetURL, wantURL)
		}
		if v.Name != str(r["name"]) || v.Description != str(r["description"]) {
			t.Errorf("sheet %d: name %q description %q", i, v.Name, v.Description)
		}
		if !v.Created.Equal(wantTime(t, r["createdDate"])) || !v.Modified.Equal(wantTime(t, r["modifiedDate"])) {
			t.Errorf("%q: created %v modified %v", v.Name, v.Created, v.Modified)
		}
		wantPublished := time.Time{}
		if r["published"] == true {
			wantPublished = wantTime(t, r["publishTime"])
		}
		if !v.Published.Equal(wantPublished) {
			t.Errorf("%q: published %v, want %v", v.Name, v.Published, wantPublished)
		}
		owner := r["owner"].(map[string]any)
		if len(v.Contacts) != 1 || v.Contacts[0] != (qrs.Contact{
			Name: str(owner["name"]), UserID: str(owner["userId"]), UserDirectory: str(owner["userDirectory"]), Role: qrs.RoleOwner,
		}) {
			t.Errorf("%q: contacts %+v, want the owner %v without email", v.Name, v.Contacts, owner)
		}
		if len(v.Tags) != len(r["tags"].([]any)) {
			t.Errorf("%q: tags %v", v.Name, v.Tags)
		}
	}
}

func TestVisualizationsWithEmails(t *testing.T) {
	srv, c := startSite(t, testserver.Config{})
	vs := collectViz(t, c.Visualizations(t.Context(), &qrs.ListOptions{ContactEmails: true}))
	emails := map[string]string{}
	for _, u := range rawItems(t, "user_full.json") {
		for _, a := range u["attributes"].([]any) {
			if m := a.(map[string]any); strings.EqualFold(str(m["attributeType"]), "email") {
				emails[str(u["userId"])] = str(m["attributeValue"])
			}
		}
	}
	withEmail := 0
	for _, v := range vs {
		c := v.Contacts[0]
		if c.Email != emails[c.UserID] {
			t.Errorf("%q: owner %s email %q, want %q", v.Name, c.UserID, c.Email, emails[c.UserID])
		}
		if c.Email != "" {
			withEmail++
		}
	}
	if withEmail == 0 {
		t.Error("no visualization got an email")
	}
	if n := srv.Count("/qrs/user/full"); n != 1 {
		t.Errorf("email requests = %d, want 1 for a handful of owners", n)
	}
}

func TestEmailsAreBatched(t *testing.T) {
	site := testserver.Generate(testserver.GenConfig{Seed: 7, Apps: 40, Sheets: 3000, Users: 180})
	srv, c := startSite(t, testserver.Config{Site: site})
	want := userEmails(t, srv)
	srv.ResetLog()
	vs := collectViz(t, c.Visualizations(t.Context(), &qrs.ListOptions{ContactEmails: true}))
	owners := map[string]bool{}
	for _, v := range vs {
		o := v.Contacts[0]
		if w := want[o.UserDirectory+`\`+o.UserID]; o.Email != w {
			t.Fatalf("%v: owner %s email %q, want %q", v.Key, o.UserID, o.Email, w)
		}
		owners[o.UserDirectory+`\`+o.UserID] = true
	}
	users := srv.Count("/qrs/user/full")
	// One request per 50 new owners at most, and never one per sheet.
	if maxReq := (len(owners)+49)/50 + len(vs)/1000 + 1; users == 0 || users > maxReq {
		t.Errorf("%d user requests for %d owners and %d sheets, want 1..%d", users, len(owners), len(vs), maxReq)
	}
	for _, r := range qrsRequests(srv) {
		if len(r.RawQuery) > 8000 {
			t.Errorf("%s: query of %d bytes", r.Path, len(r.RawQuery))
		}
	}
}

// userEmails reads every user's email from the server with a plain HTTP
// client, independently of the code under test.
func userEmails(t *testing.T, srv *testserver.Server) map[string]string {
	t.Helper()
	resp := rawGet(t, srv, "/qrs/user/full")
	defer resp.Body.Close()
	var users []struct {
		UserID, UserDirectory string
		Attributes            []struct{ AttributeType, AttributeValue string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&users); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	withEmail := 0
	for _, u := range users {
		for _, a := range u.Attributes {
			if a.AttributeType == "email" {
				out[u.UserDirectory+`\`+u.UserID] = a.AttributeValue
				withEmail++
			}
		}
	}
	if withEmail == 0 {
		t.Fatal("no user has an email")
	}
	return out
}

func TestVisualizationOfAppMissingFromIndex(t *testing.T) {
	srv, c := startSite(t, testserver.Config{})
	// The apps listing comes back empty: the user sees no app, or they
	// were created between the two requests.
	srv.AddFault(testserver.Fault{Path: "/qrs/app/full", Status: 200, Body: "[]", ContentType: "application/json"})
	vs := collectViz(t, c.Visualizations(t.Context(), nil))
	if len(vs) == 0 {
		t.Fatal("no visualizations")
	}
	for _, v := range vs {
		if v.AppName == "" {
			t.Errorf("%v: no app name from the sheet's own app summary", v.Key)
		}
	}
}

func TestVisualizationsNeedCode(t *testing.T) {
	srv, _ := startSite(t, testserver.Config{})
	c, err := qrs.NewClient(srv.URL(), qrs.WithRootCAs(srv.CACertPool()), qrs.WithHeaderAuth(authHeader, authUser))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, err := range c.Visualizations(t.Context(), nil) {
		n++
		if err == nil || !strings.Contains(err.Error(), "WithConnectionCode") {
			t.Errorf("err = %v, want one naming WithConnectionCode", err)
		}
	}
	if n != 1 {
		t.Errorf("yielded %d times, want once", n)
	}
	if len(srv.Requests()) != 0 {
		t.Error("requests were sent without a code")
	}
}

// checkUniqueKeys fails the test when a key comes twice in vs, or when vs
// does not hold want items.
func checkUniqueKeys(t *testing.T, vs []qrs.Visualization, want int) {
	t.Helper()
	seen := make(map[qrs.Key]bool, len(vs))
	for _, v := range vs {
		if seen[v.Key] {
			t.Fatalf("key %v twice", v.Key)
		}
		seen[v.Key] = true
	}
	if len(vs) != want {
		t.Errorf("%d visualizations, want %d", len(vs), want)
	}
}

func TestIteratorBreakStopsRequests(t *testing.T) {
	site := testserver.Generate(testserver.GenConfig{Seed: 3, Apps: 20, Sheets: 4000})
	for _, tc := range []struct {
		name string
		opts *qrs.ListOptions
	}{
		{"plain", nil},
		{"emails", &qrs.ListOptions{ContactEmails: true}},
		{"partitions", &qrs.ListOptions{Partitions: qrs.Partitions{AppsPerRequest: 2, Concurrency: 3}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The Client logs each request as it starts it: what it starts
			// is known the moment the loop returns, while the server may
			// log a request in flight a little later.
			var logs syncBuffer
			_, c := startSite(t, testserver.Config{Site: site},
				qrs.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
			started := func() int { return strings.Count(logs.String(), "msg=\"qrs: request\"") }
			for range c.Visualizations(t.Context(), tc.opts) {
				break
			}
			sent := started()
			waitGoroutines(t)
			if after := started(); after != sent {
				t.Errorf("%d requests were started after break", after-sent)
			}
			limit := 3 // apps, sheets (or a few partitions), perhaps users
			if tc.name == "partitions" {
				limit = 1 + 3 + 1 // apps, up to concurrency batches, one started as the first was consumed
			}
			if sent == 0 || sent > limit {
				t.Errorf("started %d requests before break took effect, want 1 to %d", sent, limit)
			}
		})
	}
}

// waitGoroutines fails when a goroutine running the library's code
// outlives the loop. Idle keep-alive connections of the transport, and the
// test server's goroutines, are not the loop's.
func waitGoroutines(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		var leaked []string
		for _, g := range strings.Split(stacks, "\n\n") {
			// The library's own, and the read loops of its Engine sockets.
			if (strings.Contains(g, "github.com/qrskit/qrs.") || strings.Contains(g, "github.com/qrskit/qrs/internal/engine.")) &&
				!strings.Contains(g, "runtime.Stack") {
				leaked = append(leaked, g)
			}
		}
		if len(leaked) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines of the library outlive the loop:\n%s", len(leaked), strings.Join(leaked, "\n\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestIteratorErrors(t *testing.T) {
	tests := []struct {
		name  string
		fault testserver.Fault
		opts  []qrs.Option
		list  *qrs.ListOptions
		items int // items before the error
	}{
		{"first request", testserver.Fault{Path: "/qrs/app/full", Status: 404}, nil, nil, 0},
		{"middle request", testserver.Fault{Path: "/qrs/app/object/full", Status: 403, Body: "no"}, nil, nil, 0},
		{"last request", testserver.Fault{Path: "/qrs/user/full", Status: 400, Body: "Cannot parse the expression"}, nil, &qrs.ListOptions{ContactEmails: true}, 0},
		{"mid-body", testserver.Fault{Path: "/qrs/app/object/full", ResetAfterBytes: 40000}, []qrs.Option{qrs.WithRetries(0)}, nil, -1},
		{"truncated", testserver.Fault{Path: "/qrs/app/object/full", TruncateAfterBytes: 40000}, nil, nil, -1},
	}
	site := testserver.Generate(testserver.GenConfig{Seed: 5, Apps: 10, Sheets: 500})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c := startSite(t, testserver.Config{Site: site}, tt.opts...)
			srv.AddFault(tt.fault)
			var items, errs, afterErr int
			var last error
			for _, err := range c.Visualizations(t.Context(), tt.list) {
				if errs > 0 {
					afterErr++
				}
				if err != nil {
					errs++
					last = err
					continue
				}
				items++
			}
			if errs != 1 || afterErr != 0 {
				t.Fatalf("%d errors and %d items after the first error, want exactly one error, last (%v)", errs, afterErr, last)
			}
			if tt.items >= 0 && items != tt.items {
				t.Errorf("%d items before the error, want %d", items, tt.items)
			}
			if tt.items < 0 {
				if items == 0 || items >= 500 {
					t.Errorf("%d items before a break in the middle of the body", items)
				}
				if want := "after " + strconv.Itoa(items) + " items"; !strings.Contains(last.Error(), want) {
					t.Errorf("err = %q, want it to say %q", last, want)
				}
			}
			if !strings.HasPrefix(last.Error(), "qrs: ") {
				t.Errorf("err = %q, want the qrs: prefix", last)
			}
		})
	}
}

func TestIteratorWalksAgain(t *testing.T) {
	srv, c := startSite(t, testserver.Config{})
	seq := c.Visualizations(t.Context(), nil)
	first := collectViz(t, seq)
	second := collectViz(t, seq)
	if len(first) != len(second) || len(first) == 0 {
		t.Errorf("two walks gave %d and %d items", len(first), len(second))
	}
	if n := len(qrsRequests(srv)); n != 4 {
		t.Errorf("two walks sent %d requests, want 4", n)
	}
}

func TestVisualizationsCancel(t *testing.T) {
	site := testserver.Generate(testserver.GenConfig{Seed: 9, Apps: 30, Sheets: 3000})
	_, c := startSite(t, testserver.Config{Site: site})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	n := 0
	var got error
	for _, err := range c.Visualizations(ctx, nil) {
		if err != nil {
			got = err
			continue
		}
		n++
		if n == 5 {
			cancel()
		}
	}
	if got != context.Canceled {
		t.Errorf("err = %v after %d items, want context.Canceled", got, n)
	}
}

func TestUniqueKeysOnGeneratedSite(t *testing.T) {
	site := testserver.Generate(testserver.GenConfig{Seed: 11, Apps: 60, Sheets: 6000})
	_, c := startSite(t, testserver.Config{Site: site})
	for _, opts := range []*qrs.ListOptions{nil, {Partitions: qrs.Partitions{AppsPerRequest: 7, Concurrency: 3}}} {
		checkUniqueKeys(t, collectViz(t, c.Visualizations(t.Context(), opts)), 6000)
	}
}

func TestSheetURLEscapes(t *testing.T) {
	c, err := qrs.NewClient("https://qlik.example.com:8443/hdr/")
	if err != nil {
		t.Fatal(err)
	}
	got := c.SheetURL("9f4b6a1e-0c1d-4c55-9a8e-6b0f3f1f7a21", "a/b c")
	want := "https://qlik.example.com:8443/hdr/sense/app/9f4b6a1e-0c1d-4c55-9a8e-6b0f3f1f7a21/sheet/a%2Fb%20c/state/analysis"
	if got != want {
		t.Errorf("SheetURL = %q, want %q", got, want)
	}
}

func TestPartitionedMatchesPlain(t *testing.T) {
	site := testserver.Generate(testserver.GenConfig{Seed: 13, Apps: 120, Sheets: 4000})
	_, plain := startSite(t, testserver.Config{Site: site})
	srv, part := startSite(t, testserver.Config{Site: site})
	a := collectViz(t, plain.Visualizations(t.Context(), nil))
	b := collectViz(t, part.Visualizations(t.Context(), &qrs.ListOptions{Partitions: qrs.Partitions{AppsPerRequest: 50, Concurrency: 4}}))
	if len(a) != len(b) {
		t.Fatalf("plain %d, partitioned %d", len(a), len(b))
	}
	set := map[qrs.Key]bool{}
	for _, v := range a {
		set[v.Key] = true
	}
	for _, v := range b {
		if !set[v.Key] {
			t.Errorf("partitioned yields %v, plain does not", v.Key)
		}
		delete(set, v.Key)
	}
	// 120 apps in batches of 50: apps, 3 batches, apps again.
	if n := srv.Count("/qrs/app/object/full"); n != 3 {
		t.Errorf("%d sheet requests, want 3", n)
	}
	// Order: batch by batch in the order of the app listing.
	order := map[string]int{}
	for i := range 120 {
		order[site.AppID(i)] = i / 50
	}
	for i := 1; i < len(b); i++ {
		if order[b[i-1].AppID] > order[b[i].AppID] {
			t.Fatalf("item %d of batch %d comes after one of batch %d", i, order[b[i].AppID], order[b[i-1].AppID])
		}
	}
}

func TestPartitionRetriedAlone(t *testing.T) {
	site := testserver.Generate(testserver.GenConfig{Seed: 17, Apps: 100, Sheets: 3000})
	srv, c := startSite(t, testserver.Config{Site: site})
	srv.AddFault(testserver.Fault{Path: "/qrs/app/object/full", ResetAfterBytes: 20000})
	checkUniqueKeys(t, collectViz(t, c.Visualizations(t.Context(), &qrs.ListOptions{Partitions: qrs.Partitions{AppsPerRequest: 25, Concurrency: 2}})), 3000)
	if n := srv.Count("/qrs/app/object/full"); n != 5 {
		t.Errorf("%d sheet requests, want 5 (4 batches, one retried)", n)
	}
}

func TestPartitionsCatchNewApps(t *testing.T) {
	site := testserver.Generate(testserver.GenConfig{Seed: 19, Apps: 30, Sheets: 900})
	srv, c := startSite(t, testserver.Config{Site: site})
	// The first app listing misses the last ten apps, as if they were
	// created while the inventory ran, and names two that are gone.
	var b strings.Builder
	b.WriteString("[")
	apps, err := c.ListApps(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		b.WriteString(`{"id":"` + apps[i].ID + `","name":"` + apps[i].Name + `"},`)
	}
	// Two apps that vanished before their sheets were asked for.
	b.WriteString(`{"id":"0a0a0a0a-0000-4000-8000-000000000001","name":"gone"},`)
	b.WriteString(`{"id":"0a0a0a0a-0000-4000-8000-000000000002","name":"gone too"}]`)
	srv.AddFault(testserver.Fault{Path: "/qrs/app/full", Status: 200, Body: b.String(), ContentType: "application/json"})
	checkUniqueKeys(t, collectViz(t, c.Visualizations(t.Context(), &qrs.ListOptions{Partitions: qrs.Partitions{AppsPerRequest: 10, Concurrency: 2}})), 900)
}
