package qrs_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/testserver"
)

// byKey sorts visualizations by key: /full and /table list in different
// orders (the server's, and the ids').
func byKey(vs []qrs.Visualization) []qrs.Visualization {
	slices.SortFunc(vs, func(a, b qrs.Visualization) int { return strings.Compare(a.Key.String(), b.Key.String()) })
	return vs
}

// sameVisualizations fails unless a and b hold the same visualizations,
// every field of every one.
func sameVisualizations(t *testing.T, what string, a, b []qrs.Visualization) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s: %d visualizations, want %d", what, len(b), len(a))
	}
	a, b = byKey(slices.Clone(a)), byKey(slices.Clone(b))
	for i := range a {
		// Sites served side by side differ in their port only.
		a[i].SheetURL = a[i].SheetURL[strings.Index(a[i].SheetURL, "/sense/"):]
		b[i].SheetURL = b[i].SheetURL[strings.Index(b[i].SheetURL, "/sense/"):]
		if !reflect.DeepEqual(a[i], b[i]) {
			t.Fatalf("%s: item %d differs:\n/full  %+v\n/table %+v", what, i, a[i], b[i])
		}
	}
}

func tableOpts(size int) *qrs.ListOptions {
	return &qrs.ListOptions{Listing: qrs.ListTable, PageSize: size}
}

func TestTableMatchesFull(t *testing.T) {
	sites := map[string]testserver.Site{
		"generated": testserver.Generate(testserver.GenConfig{Seed: 23, Apps: 60, Sheets: 2500}),
		"fixtures":  loadSite(t, "testdata/qrs"),
		"demo":      testserver.DemoSite(),
	}
	for name, site := range sites {
		t.Run(name, func(t *testing.T) {
			srv, c := startSite(t, testserver.Config{Site: site})
			full := collectViz(t, c.Visualizations(t.Context(), nil))
			if len(full) == 0 {
				t.Fatal("no visualizations")
			}
			for _, size := range []int{2, 7, 1000, 100_000} {
				srv.ResetLog()
				got := collectViz(t, c.Visualizations(t.Context(), tableOpts(size)))
				sameVisualizations(t, fmt.Sprintf("page size %d", size), full, got)
				if srv.Count("/qrs/app/object/full")+srv.Count("/qrs/app/full") != 0 {
					t.Errorf("page size %d: /full was read", size)
				}
				// n sheets in pages of size new rows: n/size+1 requests.
				if want := len(full)/size + 1; srv.Count("/qrs/app/object/table") != want {
					t.Errorf("page size %d: %d sheet pages, want %d", size, srv.Count("/qrs/app/object/table"), want)
				}
			}
			withEmails := collectViz(t, c.Visualizations(t.Context(), &qrs.ListOptions{ContactEmails: true}))
			got := collectViz(t, c.Visualizations(t.Context(), &qrs.ListOptions{ContactEmails: true, Listing: qrs.ListTable, PageSize: 50}))
			sameVisualizations(t, "with emails", withEmails, got)
			part := &qrs.ListOptions{Listing: qrs.ListTable, PageSize: 40, Partitions: qrs.Partitions{AppsPerRequest: 7, Concurrency: 3}}
			sameVisualizations(t, "partitioned", full, collectViz(t, c.Visualizations(t.Context(), part)))
			filter := &qrs.ListOptions{Filter: "published eq true"}
			filtered := collectViz(t, c.Visualizations(t.Context(), filter))
			filter.Listing, filter.PageSize = qrs.ListTable, 9
			sameVisualizations(t, "filtered", filtered, collectViz(t, c.Visualizations(t.Context(), filter)))
		})
	}
}

func TestTableRowsFirst(t *testing.T) {
	site := testserver.Generate(testserver.GenConfig{Seed: 29, Apps: 10, Sheets: 300})
	_, plain := startSite(t, testserver.Config{Site: site})
	_, odd := startSite(t, testserver.Config{Site: site, Table: testserver.TableConfig{RowsFirst: true}})
	sameVisualizations(t, "rows before columnNames", collectViz(t, plain.Visualizations(t.Context(), nil)),
		collectViz(t, odd.Visualizations(t.Context(), tableOpts(64))))
}

// sheetJSON returns the JSON of a new sheet like the site's first one, with
// the given id.
func sheetJSON(t *testing.T, site testserver.Site, id string) []byte {
	t.Helper()
	var obj map[string]any
	site.Scan(testserver.KindAppObject, nil, func(_ int, it testserver.Item) bool {
		if v, _ := it.Field("objecttype"); v == "sheet" {
			if err := json.Unmarshal(it.AppendJSON(nil), &obj); err != nil {
				t.Fatal(err)
			}
			return false
		}
		return true
	})
	obj["id"], obj["engineObjectId"], obj["name"] = id, "new-"+id, "Added while paging "+id
	b, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sheetIDs returns the ids of the site's sheets, sorted.
func sheetIDs(site testserver.Site) []string {
	var ids []string
	site.Scan(testserver.KindAppObject, nil, func(_ int, it testserver.Item) bool {
		if v, _ := it.Field("objecttype"); v == "sheet" {
			id, _ := it.Field("id")
			ids = append(ids, strings.ToLower(id.(string)))
		}
		return true
	})
	slices.Sort(ids)
	return ids
}

func TestTablePagingUnderChanges(t *testing.T) {
	const size = 10
	tests := []struct {
		name string
		// change edits the site after sheet page n (1, 2, ...), given the
		// sorted sheet ids as they were at the start; it returns the ids
		// it removed and added.
		change func(t *testing.T, site *testserver.EditSite, page int, ids []string) (removed, added []string)
	}{
		{"delete before the cursor", func(t *testing.T, site *testserver.EditSite, page int, ids []string) ([]string, []string) {
			if page != 2 {
				return nil, nil
			}
			gone := ids[3:15] // more than a page: the cursor's offset is far too big
			for _, id := range gone {
				site.Remove(testserver.KindAppObject, id)
			}
			return gone, nil
		}},
		{"delete the cursor's row and after it", func(t *testing.T, site *testserver.EditSite, page int, ids []string) ([]string, []string) {
			if page != 1 {
				return nil, nil
			}
			gone := []string{ids[size-1], ids[size], ids[size+1], ids[40]}
			for _, id := range gone {
				site.Remove(testserver.KindAppObject, id)
			}
			return gone, nil
		}},
		{"insert before and after the cursor", func(t *testing.T, site *testserver.EditSite, page int, ids []string) ([]string, []string) {
			if page > 3 {
				return nil, nil
			}
			// Ids that sort first (behind the cursor) and last (ahead).
			added := []string{
				fmt.Sprintf("00000000-0000-4000-8000-%012d", page),
				fmt.Sprintf("00000000-0000-4000-8000-%012d", 100+page),
				fmt.Sprintf("ffffffff-0000-4000-8000-%012d", page),
			}
			for _, id := range added {
				if err := site.Add(testserver.KindAppObject, sheetJSON(t, site, id)); err != nil {
					t.Fatal(err)
				}
			}
			return nil, added
		}},
		{"insert and delete on every page", func(t *testing.T, site *testserver.EditSite, page int, ids []string) ([]string, []string) {
			if page > 6 {
				return nil, nil
			}
			id := fmt.Sprintf("%08x-0000-4000-8000-000000000000", page*0x20000000)
			if err := site.Add(testserver.KindAppObject, sheetJSON(t, site, id)); err != nil {
				t.Fatal(err)
			}
			gone := []string{ids[page*7], ids[len(ids)-1-page]}
			for _, id := range gone {
				site.Remove(testserver.KindAppObject, id)
			}
			return gone, []string{id}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			site, err := testserver.NewEditSite(testserver.Generate(testserver.GenConfig{Seed: 31, Apps: 8, Sheets: 120}))
			if err != nil {
				t.Fatal(err)
			}
			ids := sheetIDs(site)
			var mu sync.Mutex
			changed := map[string]bool{} // removed or added while paging
			sheetPage := 0
			cfg := testserver.Config{Site: site, Table: testserver.TableConfig{AfterPage: func(_ int, r *testserver.Request) {
				if r.Path != "/qrs/app/object/table" {
					return
				}
				mu.Lock()
				defer mu.Unlock()
				sheetPage++
				removed, added := tt.change(t, site, sheetPage, ids)
				for _, id := range append(removed, added...) {
					changed[strings.ToLower(id)] = true
				}
			}}}
			srv, c := startSite(t, cfg)
			seen := map[string]int{}
			for v, err := range c.Visualizations(t.Context(), tableOpts(size)) {
				if err != nil {
					t.Fatal(err)
				}
				seen[strings.ToLower(v.Key.SheetID)]++
			}
			// Map sheet ids (the keys hold engine object ids) through /full.
			engine := map[string]string{}
			for _, s := range must(c.ListSheets(t.Context(), nil)) {
				engine[strings.ToLower(s.ID)] = strings.ToLower(s.EngineObjectID)
			}
			for k, n := range seen {
				if n > 1 {
					t.Errorf("sheet %s yielded %d times", k, n)
				}
			}
			for _, id := range ids {
				if changed[id] {
					continue
				}
				if seen[engine[id]] != 1 {
					t.Errorf("sheet %s, there all along, yielded %d times", id, seen[engine[id]])
				}
			}
			if len(changed) == 0 {
				t.Fatal("the site did not change")
			}
			t.Logf("%d sheet requests for %d sheets in pages of %d", srv.Count("/qrs/app/object/table"), len(ids), size)
		})
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// logLines collects a Client's log lines.
type logLines struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logLines) matching(s string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range strings.Split(l.buf.String(), "\n") {
		if strings.Contains(line, s) {
			out = append(out, line)
		}
	}
	return out
}

func TestTableFallback(t *testing.T) {
	site := testserver.Generate(testserver.GenConfig{Seed: 37, Apps: 20, Sheets: 600})
	_, plain := startSite(t, testserver.Config{Site: site})
	want := collectViz(t, plain.Visualizations(t.Context(), nil))
	for _, status := range []int{http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusBadRequest} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			var logs logLines
			srv, c := startSite(t, testserver.Config{Site: site, Table: testserver.TableConfig{Missing: status}},
				qrs.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			for i := range 3 {
				sameVisualizations(t, fmt.Sprintf("listing %d", i+1), want, collectViz(t, c.Visualizations(t.Context(), tableOpts(50))))
			}
			part := &qrs.ListOptions{Listing: qrs.ListTable, Partitions: qrs.Partitions{AppsPerRequest: 5}}
			sameVisualizations(t, "partitioned", want, collectViz(t, c.Visualizations(t.Context(), part)))
			if n := srv.Count("/qrs/app/table") + srv.Count("/qrs/app/object/table"); n != 1 {
				t.Errorf("%d /table requests, want 1: the Client remembers", n)
			}
			if lines := logs.matching("/table"); len(lines) != 1 || !strings.Contains(lines[0], "status="+strconv.Itoa(status)) {
				t.Errorf("log lines about /table: %q, want one with the status", lines)
			}
		})
	}
}

func TestTableRejectedColumn(t *testing.T) {
	var logs logLines
	srv, c := startSite(t, testserver.Config{Site: testserver.DemoSite(), Table: testserver.TableConfig{Reject: []string{"owner.userDirectory"}}},
		qrs.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	var err error
	for _, err = range c.Visualizations(t.Context(), tableOpts(100)) {
		if err != nil {
			break
		}
	}
	var ae *qrs.APIError
	if err == nil || !errors.As(err, &ae) || ae.StatusCode != http.StatusBadRequest ||
		!strings.Contains(err.Error(), `column "ownerUserDirectory" (definition "owner.userDirectory")`) {
		t.Fatalf("err = %v, want a 400 naming the column", err)
	}
	if srv.Count("/qrs/app/object/full") != 0 || len(logs.matching("/table")) != 0 {
		t.Errorf("a refused column fell back to /full")
	}
}

func TestTableLaterPageFailureIsAnError(t *testing.T) {
	site := testserver.Generate(testserver.GenConfig{Seed: 41, Apps: 10, Sheets: 200})
	var srv *testserver.Server
	cfg := testserver.Config{Site: site, Table: testserver.TableConfig{AfterPage: func(n int, r *testserver.Request) {
		if n == 3 { // the app page, then two sheet pages
			srv.AddFault(testserver.Fault{Path: "/qrs/app/object/table", Status: http.StatusNotFound, Body: "Not Found"})
		}
	}}}
	srv, c := startSite(t, cfg)
	n := 0
	var err error
	for _, err = range c.Visualizations(t.Context(), tableOpts(30)) {
		if err != nil {
			break
		}
		n++
	}
	if !errors.Is(err, qrs.ErrNotFound) || n != 60 {
		t.Fatalf("after %d items: %v, want a 404 error after 60", n, err)
	}
	if srv.Count("/qrs/app/object/full") != 0 {
		t.Errorf("switched to /full mid-listing")
	}
}

func TestTablePageCutIsFetchedAgainAlone(t *testing.T) {
	site := testserver.Generate(testserver.GenConfig{Seed: 43, Apps: 12, Sheets: 500})
	_, plain := startSite(t, testserver.Config{Site: site})
	want := collectViz(t, plain.Visualizations(t.Context(), nil))
	for _, retries := range []int{2, 0} {
		t.Run(fmt.Sprintf("retries=%d", retries), func(t *testing.T) {
			var srv *testserver.Server
			cfg := testserver.Config{Site: site, Table: testserver.TableConfig{AfterPage: func(n int, r *testserver.Request) {
				if n == 3 { // the app page, sheet pages 1 and 2: cut page 3 mid-body
					srv.AddFault(testserver.Fault{Path: "/qrs/app/object/table", ResetAfterBytes: 9000})
				}
			}}}
			srv, c := startSite(t, cfg, qrs.WithRetries(retries))
			got, err := collect(c.Visualizations(t.Context(), tableOpts(100)))
			if retries == 0 {
				if err == nil || !strings.Contains(err.Error(), "broke off") {
					t.Fatalf("err = %v, want the page's break", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			sameVisualizations(t, "cut page", want, got)
			var skips []int
			cut := -1
			for _, r := range srv.Requests() {
				if r.Path == "/qrs/app/object/table" {
					skip, _ := strconv.Atoi(r.Query.Get("skip"))
					if r.Fault {
						cut = len(skips)
					}
					skips = append(skips, skip)
				}
			}
			// Page 3 (cut) is fetched again from where it broke: past its
			// start and within it; nothing before it again.
			if cut != 2 || !slices.IsSorted(skips) || skips[3] <= skips[2] || skips[3] >= skips[2]+100 || len(skips) > 7 {
				t.Errorf("sheet requests at skips %v (cut: %d): want page 3 fetched again from past its start, nothing twice", skips, cut)
			}
		})
	}
}

func collect[T any](seq func(func(T, error) bool)) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

func TestTablePartitionsFetchNothingTwice(t *testing.T) {
	site := testserver.Generate(testserver.GenConfig{Seed: 47, Apps: 40, Sheets: 1500})
	_, plain := startSite(t, testserver.Config{Site: site})
	want := collectViz(t, plain.Visualizations(t.Context(), nil))
	srv, c := startSite(t, testserver.Config{Site: site})
	srv.AddFault(testserver.Fault{Path: "/qrs/app/object/table", ResetAfterBytes: 6000})
	opts := &qrs.ListOptions{Listing: qrs.ListTable, PageSize: 100, Partitions: qrs.Partitions{AppsPerRequest: 10, Concurrency: 2}}
	sameVisualizations(t, "partitioned pages", want, collectViz(t, c.Visualizations(t.Context(), opts)))
	// Each batch's pages, each once, plus one request for the cut page.
	var pages int
	for _, r := range srv.Requests() {
		if r.Path == "/qrs/app/object/table" && r.Status == http.StatusCreated && r.Fault == false {
			pages++
		}
	}
	if total := srv.Count("/qrs/app/object/table"); total != pages+1 {
		t.Errorf("%d sheet requests for %d pages: want one more, for the cut page only", total, pages)
	}
}

func TestTableOptionsChecked(t *testing.T) {
	_, c := startSite(t, testserver.Config{})
	tests := []struct {
		opts *qrs.ListOptions
		want string
	}{
		{&qrs.ListOptions{PageSize: 10}, "PageSize is for ListTable"},
		{&qrs.ListOptions{Listing: qrs.ListTable, PageSize: 1}, "out of range"},
		{&qrs.ListOptions{Listing: qrs.ListTable, PageSize: 100_001}, "out of range"},
		{&qrs.ListOptions{Listing: qrs.ListTable, OrderBy: "name asc"}, "OrderBy cannot be used with ListTable"},
		{&qrs.ListOptions{Listing: 7}, "neither ListFull nor ListTable"},
	}
	for _, tt := range tests {
		_, err := collect(c.Visualizations(t.Context(), tt.opts))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: err = %v, want %q", tt.opts, err, tt.want)
		}
	}
	if _, err := c.ListSheets(t.Context(), &qrs.ListOptions{Listing: qrs.ListTable}); err == nil || !strings.Contains(err.Error(), "Sheets does not take ListOptions.Listing") {
		t.Errorf("Sheets with ListTable: %v", err)
	}
}
