package qrs_test

import (
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/testserver"
)

// partitioned returns list options with partitions of n apps.
func partitioned(n, concurrency int) *qrs.ListOptions {
	return &qrs.ListOptions{Partitions: qrs.Partitions{AppsPerRequest: n, Concurrency: concurrency}}
}

// sheetRequests counts the sheet listings the server answered, and among
// them those of one partition (filtered on app ids).
func sheetRequests(srv *testserver.Server) (all, batches int) {
	for _, r := range srv.Requests() {
		if r.Path == "/qrs/app/object/full" {
			all++
			if strings.Contains(r.Query.Get("filter"), "app.id eq") {
				batches++
			}
		}
	}
	return all, batches
}

func TestPerCallSettingsAreTheCalls(t *testing.T) {
	site := testserver.Generate(testserver.GenConfig{Seed: 31, Apps: 30, Sheets: 900, Users: 40})
	srv, c := startSite(t, testserver.Config{Site: site})
	withEmails := &qrs.ListOptions{ContactEmails: true, Partitions: qrs.Partitions{AppsPerRequest: 10, Concurrency: 2}}
	var wg sync.WaitGroup
	results := make([][]qrs.Visualization, 2)
	errs := make([]error, 2)
	for i, opts := range []*qrs.ListOptions{withEmails, nil} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v, err := range c.Visualizations(t.Context(), opts) {
				if err != nil {
					errs[i] = err
					return
				}
				results[i] = append(results[i], v)
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if len(results[0]) != 900 || len(results[1]) != 900 {
		t.Fatalf("%d and %d visualizations, want 900 each", len(results[0]), len(results[1]))
	}
	emails := 0
	for _, v := range results[0] {
		if v.Contacts[0].Email != "" {
			emails++
		}
	}
	if emails == 0 {
		t.Error("the call with ContactEmails got no email")
	}
	for _, v := range results[1] {
		if v.Contacts[0].Email != "" {
			t.Fatalf("the plain call got an email: %v", v.Key)
		}
	}
	all, batches := sheetRequests(srv)
	if batches != 3 || all != 4 {
		t.Errorf("%d sheet requests, %d of them partitions: want 3 partitions (30 apps by 10) and 1 plain listing", all, batches)
	}
	if srv.Count("/qrs/user/full") == 0 {
		t.Error("no user request for the call with ContactEmails")
	}
}

func TestSettingsACallDoesNotTake(t *testing.T) {
	_, c := startSite(t, testserver.Config{})
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"apps with partitions", func() error {
			_, err := c.ListApps(t.Context(), partitioned(10, 0))
			return err
		}(), "Apps does not take ListOptions.Partitions"},
		{"sheets with emails", func() error {
			_, err := c.ListSheets(t.Context(), &qrs.ListOptions{ContactEmails: true})
			return err
		}(), "Sheets does not take ListOptions.ContactEmails"},
		{"too many apps per request", func() error {
			_, err := c.ListSheets(t.Context(), partitioned(51, 0))
			return err
		}(), "51 apps per request is out of range 1..50"},
		{"concurrency", func() error {
			_, err := c.ListSheets(t.Context(), partitioned(5, 65))
			return err
		}(), "concurrency 65 is out of range"},
		{"open literal", func() error {
			_, err := c.ListApps(t.Context(), &qrs.ListOptions{Filter: "name eq 'Sales"})
			return err
		}(), "does not end"},
		{"escaping parenthesis", func() error {
			_, err := c.ListSheets(t.Context(), &qrs.ListOptions{Filter: "name eq 'a') or (name ne 'b'"})
			return err
		}(), "closes a parenthesis it did not open"},
		{"generic list", func() error {
			for _, err := range qrs.List[qrs.User](t.Context(), c, "/qrs/user/full", &qrs.ListOptions{ContactEmails: true}) {
				return err
			}
			return nil
		}(), "List does not take ListOptions.ContactEmails"},
	}
	for _, tt := range tests {
		if tt.err == nil || !strings.Contains(tt.err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, tt.err, tt.want)
		}
	}
}

func TestBadFilterIsNotSent(t *testing.T) {
	srv, c := startSite(t, testserver.Config{})
	// The caller's filter cannot end the parentheses around it, so that it
	// cannot select objects that are not sheets.
	for _, f := range []string{"name eq 'x') or (objectType ne 'sheet'", "(name eq 'x'", `name eq 'it\'s`, "name eq 'a')"} {
		if _, err := c.ListSheets(t.Context(), &qrs.ListOptions{Filter: f}); err == nil {
			t.Errorf("filter %q was taken", f)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent for bad filters", n)
	}
	// Parentheses and quotes inside literals are text.
	if _, err := c.ListSheets(t.Context(), &qrs.ListOptions{Filter: "name eq " + qrs.Quote("a) or (b '") + " or (name sw 'x')"}); err != nil {
		t.Errorf("a balanced filter with parentheses in a literal: %v", err)
	}
}

// TestPartitionWorstCase holds the package documentation to its word: a
// partitioned call sends at most (r+1) requests for each listing of apps,
// each batch and the last listing of apps, whatever fails, with r retries.
func TestPartitionWorstCase(t *testing.T) {
	const retries = 2
	site := testserver.Generate(testserver.GenConfig{Seed: 33, Apps: 30, Sheets: 600})
	srv, c := startSite(t, testserver.Config{Site: site}, qrs.WithRetries(retries))
	const batches = 3
	// Every request fails as often as the budget allows: both listings of
	// apps with 503, each batch once before its answer and then in the
	// middle of its body, which the batch fetches again.
	srv.AddFault(testserver.Fault{Path: "/qrs/app/full", Status: 503, Times: retries})
	srv.AddFault(testserver.Fault{Path: "/qrs/app/full", Pass: true})
	srv.AddFault(testserver.Fault{Path: "/qrs/app/full", Status: 503, Times: retries})
	for range batches {
		srv.AddFault(testserver.Fault{Path: "/qrs/app/object/full", Status: 503})
		srv.AddFault(testserver.Fault{Path: "/qrs/app/object/full", ResetAfterBytes: 5000})
		srv.AddFault(testserver.Fault{Path: "/qrs/app/object/full", Pass: true})
	}
	vs := collectViz(t, c.Visualizations(t.Context(), partitioned(10, 1)))
	checkUniqueKeys(t, vs, 600)
	want := (retries + 1) * (1 + batches + 1) // the doc's (r+1) × (B+2)
	if got := len(qrsRequests(srv)); got != want {
		t.Errorf("%d requests, want (r+1)(B+2) = %d", got, want)
	}

	// Failures past the budget, before the answer and in the body by
	// turns: the batch fails after r+1 requests, not (r+1)² as when each
	// fetch of the batch had a budget of its own.
	srv2, c2 := startSite(t, testserver.Config{Site: site}, qrs.WithRetries(retries))
	for range retries + 1 {
		srv2.AddFault(testserver.Fault{Path: "/qrs/app/object/full", Status: 503})
		srv2.AddFault(testserver.Fault{Path: "/qrs/app/object/full", ResetAfterBytes: 5000})
	}
	_, err := collectVizErr(c2.Visualizations(t.Context(), partitioned(10, 1)))
	if err == nil || !strings.Contains(err.Error(), "partitioned retrieval") {
		t.Errorf("err = %v, want the batch's error", err)
	}
	if got, _ := sheetRequests(srv2); got != retries+1 {
		t.Errorf("%d sheet requests, want %d: one budget for the batch", got, retries+1)
	}
}

func collectVizErr(seq func(func(qrs.Visualization, error) bool)) ([]qrs.Visualization, error) {
	var out []qrs.Visualization
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

// user is a caller's own type for the generic listing.
type siteUser struct {
	ID         string
	UserID     string
	Directory  string `json:"userDirectory"`
	Attributes []struct {
		Type  string `json:"attributeType"`
		Value string `json:"attributeValue"`
	}
	Created time.Time `json:"createdDate"`
}

func TestGenericList(t *testing.T) {
	site := testserver.Generate(testserver.GenConfig{Seed: 35, Apps: 10, Sheets: 100, Users: 120})
	srv, c := startSite(t, testserver.Config{Site: site})
	var got []siteUser
	for u, err := range qrs.List[siteUser](t.Context(), c, "/qrs/user/full", &qrs.ListOptions{Filter: "userDirectory ne 'nobody'", OrderBy: "userId asc"}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, u)
	}
	if len(got) != 120 {
		t.Fatalf("%d users, want 120", len(got))
	}
	for i, u := range got {
		if u.ID == "" || u.UserID == "" || u.Directory == "" || u.Created.IsZero() {
			t.Fatalf("user %d decoded as %+v", i, u)
		}
		if i > 0 && strings.ToLower(got[i-1].UserID) > strings.ToLower(u.UserID) {
			t.Fatalf("not in the order asked for: %q before %q", got[i-1].UserID, u.UserID)
		}
	}
	r := srv.Requests()[0]
	if r.Query.Get("filter") != "userDirectory ne 'nobody'" || r.Query.Get("orderby") != "userId asc" || r.Query.Get("xrfkey") == "" {
		t.Errorf("query %q", r.RawQuery)
	}
	// Breaking out stops the listing; an error comes once, last.
	srv.ResetLog()
	for range qrs.List[siteUser](t.Context(), c, "/qrs/user/full", nil) {
		break
	}
	srv.AddFault(testserver.Fault{Path: "/qrs/user/full", TruncateAfterBytes: 3000})
	n, errs := 0, 0
	for _, err := range qrs.List[siteUser](t.Context(), c, "/qrs/user/full", nil) {
		if errs > 0 {
			t.Fatal("an item after the error")
		}
		if err != nil {
			errs++
			if !strings.Contains(err.Error(), fmt.Sprintf("broke off after %d items", n)) {
				t.Errorf("err = %v after %d items", err, n)
			}
			continue
		}
		n++
	}
	if errs != 1 {
		t.Errorf("%d errors, want 1", errs)
	}
	waitGoroutines(t)
}

func TestGenericListIsStreamed(t *testing.T) {
	if testing.Short() {
		t.Skip("reads a 45 MB listing")
	}
	site := testserver.Generate(testserver.GenConfig{Seed: 27, Apps: 300, Sheets: 30000})
	srv, c := startSite(t, testserver.Config{Site: site})
	type object struct {
		ID   string
		Name string
		App  struct{ ID string }
		Tags []struct{ Name string }
	}
	runtime.GC()
	var ms runtime.MemStats
	var peak uint64
	n := 0
	for _, err := range qrs.List[object](t.Context(), c, "/qrs/app/object/full", nil) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n%500 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	body := srv.Requests()[0].BytesWritten
	if n < 30000 || body < 30<<20 {
		t.Fatalf("%d items in %d bytes: the site is not as large as the test needs", n, body)
	}
	if peak > uint64(body)/3 {
		t.Errorf("heap peaked at %d MB for a %d MB listing: it is not streamed", peak>>20, body>>20)
	}
}

func TestListPaths(t *testing.T) {
	srv, c := startSite(t, testserver.Config{})
	for _, p := range []string{"qrs/app/full", "/qrs/app/full?filter=x", "/qrs/../qps", "/qrs//app", "/qrs/app%2Ffull", "/qrs/a b", "/qrs/app#x"} {
		for _, err := range qrs.List[map[string]any](t.Context(), c, p, nil) {
			if err == nil {
				t.Errorf("path %q was taken", p)
			}
			break
		}
		if _, err := qrs.Get[map[string]any](t.Context(), c, p, nil); err == nil {
			t.Errorf("Get: path %q was taken", p)
		}
	}
	if _, err := qrs.Get[map[string]any](t.Context(), c, "/qrs/about", url.Values{"xrfkey": {"x"}}); err == nil {
		t.Error("a query with its own xrfkey was taken")
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent for bad paths", n)
	}
}

func TestGet(t *testing.T) {
	srv, c := startSite(t, testserver.Config{})
	type about struct {
		BuildVersion     string
		DatabaseProvider string
		NodeType         int
	}
	a, err := qrs.Get[about](t.Context(), c, "/qrs/about", nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.BuildVersion == "" || a.NodeType != 1 {
		t.Errorf("about = %+v", a)
	}
	tests := []struct{ body, want string }{
		{`{"buildVersion":"1"} {"buildVersion":"2"}`, "goes on after the end"},
		{``, "empty"},
		{`{"buildVersion":"1"`, "truncated"},
		{`{"nodeType":1.5}`, "not an integer"},
		{`{"nodeType":1e0,"buildVersion":"x","buildVersion":"y"}`, "duplicate"},
	}
	for _, tt := range tests {
		srv.AddFault(testserver.Fault{Path: "/qrs/about", Status: 200, Body: tt.body, ContentType: "application/json"})
		_, err := qrs.Get[about](t.Context(), c, "/qrs/about", nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "qrs: GET /hdr/qrs/about: ") {
			t.Errorf("body %q: err = %v, want %q", tt.body, err, tt.want)
		}
	}
	srv.AddFault(testserver.Fault{Path: "/qrs/about", Status: 200, Body: `{"nodeType":1e0}`, ContentType: "application/json"})
	if a, err := qrs.Get[about](t.Context(), c, "/qrs/about", nil); err != nil || a.NodeType != 1 {
		t.Errorf("1e0 read as %d, %v; want 1", a.NodeType, err)
	}
	var apiErr *qrs.APIError
	srv.AddFault(testserver.Fault{Path: "/qrs/about", Status: 404})
	if _, err := qrs.Get[about](t.Context(), c, "/qrs/about", nil); !errors.As(err, &apiErr) || !errors.Is(err, qrs.ErrNotFound) {
		t.Errorf("404: err = %v", err)
	}
}
