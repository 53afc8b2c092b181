package testserver

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// postTable sends POST path with the table definition body and query.
func postTable(t *testing.T, s *Server, path, body string, query ...string) reply {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, qrsURL(s, path, query...), strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Qlik-Xrfkey", testKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client(s).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: string(b), err: err}
}

type tableAnswer struct {
	ID          string   `json:"id"`
	Type        string   `json:"type"`
	ColumnNames []string `json:"columnNames"`
	Rows        [][]any  `json:"rows"`
}

func decodeTable(t *testing.T, r reply) tableAnswer {
	t.Helper()
	if r.status != http.StatusCreated {
		t.Fatalf("status %d, want 201: %s", r.status, r.body)
	}
	var a tableAnswer
	if err := json.Unmarshal([]byte(r.body), &a); err != nil {
		t.Fatalf("answer is not JSON: %v\n%s", err, r.body)
	}
	return a
}

const sheetColumns = `[
	{"name":"id","columnType":"Property","definition":"id"},
	{"name":"name","columnType":"Property","definition":"name"},
	{"name":"appName","columnType":"Property","definition":"App.Name"},
	{"name":"stream","columnType":"Property","definition":"app.stream.name"},
	{"name":"owner","columnType":"Property","definition":"owner"},
	{"name":"published","columnType":"Property","definition":"published"},
	{"name":"tags","columnType":"List","definition":"tag","list":[{"name":"name","columnType":"Property","definition":"name"}]}
]`

func TestTableColumnsAndRows(t *testing.T) {
	site := Generate(GenConfig{Seed: 3, Apps: 5, Sheets: 60})
	s := start(t, Config{Site: site})
	for _, key := range []string{"entity", "type"} {
		body := `{"` + key + `":"App.Object","columns":` + sheetColumns + `}`
		a := decodeTable(t, postTable(t, s, "/qrs/app/object/table", body, "filter", "objectType eq 'sheet'"))
		if want := []string{"id", "name", "appName", "stream", "owner", "published", "tags"}; !slices.Equal(a.ColumnNames, want) {
			t.Fatalf("%s: columnNames %q, want %q", key, a.ColumnNames, want)
		}
		if a.Type != "App.Object" || !IsGUID(a.ID) {
			t.Errorf("%s: id %q type %q", key, a.ID, a.Type)
		}
		if len(a.Rows) != 60 {
			t.Fatalf("%s: %d rows, want 60 (take=0 and no take mean all)", key, len(a.Rows))
		}
		// Each row agrees with the item's /full form.
		byID := map[string]map[string]any{}
		full := call(t, client(s), "GET", qrsURL(s, "/qrs/app/object/full", "filter", "objectType eq 'sheet'"), xrfHeader)
		var items []map[string]any
		if err := json.Unmarshal([]byte(full.body), &items); err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			byID[it["id"].(string)] = it
		}
		for i, row := range a.Rows {
			if len(row) != 7 {
				t.Fatalf("row %d has %d cells", i, len(row))
			}
			it := byID[row[0].(string)]
			if it == nil {
				t.Fatalf("row %d: unknown id %v", i, row[0])
			}
			app := it["app"].(map[string]any)
			var stream any
			if st, ok := app["stream"].(map[string]any); ok {
				stream = st["name"]
			}
			owner := it["owner"].(map[string]any)
			gotOwner, _ := row[4].(map[string]any)
			if row[1] != it["name"] || row[2] != app["name"] || row[3] != stream || row[5] != it["published"] ||
				gotOwner["userId"] != owner["userId"] || gotOwner["id"] != owner["id"] || gotOwner["userDirectory"] != owner["userDirectory"] {
				t.Fatalf("row %d = %v; item %v", i, row, it)
			}
			cell, ok := row[6].(map[string]any)
			if !ok {
				t.Fatalf("row %d: tags cell %v is not an object", i, row[6])
			}
			var names []any
			for _, tg := range it["tags"].([]any) {
				names = append(names, tg.(map[string]any)["name"])
			}
			var got []any
			for _, r := range cell["rows"].([]any) {
				got = append(got, r.([]any)[0])
			}
			if !slices.Equal(got, names) || fmt.Sprint(cell["columnNames"]) != "[name]" {
				t.Fatalf("row %d: tags cell %v, want names %v", i, cell, names)
			}
		}
	}
}

func TestTablePagingAndSorting(t *testing.T) {
	site := Generate(GenConfig{Seed: 5, Apps: 4, Sheets: 50})
	edit, err := NewEditSite(site)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		site Site
	}{{"generated", site}, {"edited", edit}} {
		t.Run(tc.name, func(t *testing.T) {
			s := start(t, Config{Site: tc.site})
			body := `{"entity":"App.Object","columns":[{"name":"id","columnType":"Property","definition":"id"},{"name":"objectType","columnType":"Property","definition":"objectType"}]}`
			all := decodeTable(t, postTable(t, s, "/qrs/app/object/table", body, "sortColumn", "id", "orderAscending", "true", "take", "0"))
			var ids []string
			for _, r := range all.Rows {
				ids = append(ids, r[0].(string))
			}
			if !slices.IsSorted(ids) || len(ids) != site.Len(KindAppObject) {
				t.Fatalf("%d ids, sorted %v", len(ids), slices.IsSorted(ids))
			}
			var paged []string
			for skip := 0; ; skip += 7 {
				a := decodeTable(t, postTable(t, s, "/qrs/app/object/table", body, "sortColumn", "id", "skip", fmt.Sprint(skip), "take", "7"))
				for _, r := range a.Rows {
					paged = append(paged, r[0].(string))
				}
				if len(a.Rows) < 7 {
					break
				}
			}
			if !slices.Equal(paged, ids) {
				t.Fatalf("pages of 7 differ from the whole")
			}
			desc := decodeTable(t, postTable(t, s, "/qrs/app/object/table", body, "sortColumn", "id", "orderAscending", "false", "take", "3"))
			if len(desc.Rows) != 3 || desc.Rows[0][0] != ids[len(ids)-1] {
				t.Fatalf("descending: %v", desc.Rows)
			}
			sheets := decodeTable(t, postTable(t, s, "/qrs/app/object/table", body, "sortColumn", "id", "filter", "objectType eq 'sheet'"))
			for _, r := range sheets.Rows {
				if r[1] != "sheet" {
					t.Fatalf("filter ignored: %v", r)
				}
			}
			if len(sheets.Rows) != 50 {
				t.Fatalf("%d sheets, want 50", len(sheets.Rows))
			}
		})
	}
}

func TestTableErrors(t *testing.T) {
	s := start(t, Config{Site: DemoSite(), Table: TableConfig{Reject: []string{"app.stream.name"}}})
	const good = `{"entity":"App.Object","columns":[{"name":"id","columnType":"Property","definition":"id"}]}`
	tests := []struct {
		name, body string
		query      []string
		want       string
	}{
		{"unknown column", `{"entity":"App.Object","columns":[{"name":"x","columnType":"Property","definition":"nosuch"}]}`, nil, `Column "x" (definition "nosuch")`},
		{"rejected column", `{"entity":"App.Object","columns":[{"name":"appStream","columnType":"Property","definition":"app.stream.name"}]}`, nil, `Column "appStream"`},
		{"space in name", `{"entity":"App.Object","columns":[{"name":"a b","columnType":"Property","definition":"id"}]}`, nil, "without spaces"},
		{"wrong entity", `{"entity":"App","columns":[{"name":"id","columnType":"Property","definition":"id"}]}`, nil, "does not match"},
		{"no columns", `{"entity":"App.Object","columns":[]}`, nil, "no columns"},
		{"not JSON", `{`, nil, "not valid JSON"},
		{"bad list", `{"entity":"App.Object","columns":[{"name":"name","columnType":"List","definition":"tag","list":[{"name":"n","columnType":"Property","definition":"name"}]}]}`, nil, "no list"},
		{"bad filter", good, []string{"filter", "nosuch eq 1"}, "Cannot parse the expression"},
		{"bad take", good, []string{"take", "-1"}, "take"},
		{"bad sort", good, []string{"sortColumn", "nosuch"}, "Cannot sort by"},
	}
	for _, tt := range tests {
		r := postTable(t, s, "/qrs/app/object/table", tt.body, tt.query...)
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, tt.want) {
			t.Errorf("%s: %d %q, want 400 with %q", tt.name, r.status, r.body, tt.want)
		}
	}
	if r := call(t, client(s), "GET", qrsURL(s, "/qrs/app/object/table"), xrfHeader); r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != "POST" {
		t.Errorf("GET: %d, Allow %q", r.status, r.header.Get("Allow"))
	}
}

func TestTableMissing(t *testing.T) {
	for _, status := range []int{http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusBadRequest} {
		s := start(t, Config{Site: DemoSite(), Table: TableConfig{Missing: status}})
		r := postTable(t, s, "/qrs/app/object/table", `{"entity":"App.Object","columns":[{"name":"id","columnType":"Property","definition":"id"}]}`)
		if r.status != status {
			t.Errorf("Missing %d: got %d %q", status, r.status, r.body)
		}
		if full := call(t, client(s), "GET", qrsURL(s, "/qrs/app/object/full"), xrfHeader); full.status != http.StatusOK {
			t.Errorf("Missing %d: /full answers %d", status, full.status)
		}
	}
}

func TestTableRowsFirstAndAfterPage(t *testing.T) {
	edit, err := NewEditSite(DemoSite())
	if err != nil {
		t.Fatal(err)
	}
	var pages []int
	s := start(t, Config{Site: edit, Table: TableConfig{RowsFirst: true, AfterPage: func(n int, r *Request) {
		pages = append(pages, n)
		if n == 1 {
			var first string
			edit.Scan(KindApp, nil, func(_ int, it Item) bool { v, _ := it.Field("id"); first = v.(string); return false })
			edit.Remove(KindApp, first)
		}
	}}})
	body := `{"entity":"App","columns":[{"name":"id","columnType":"Property","definition":"id"}]}`
	r := postTable(t, s, "/qrs/app/table", body)
	if i, j := strings.Index(r.body, `"rows"`), strings.Index(r.body, `"columnNames"`); i < 0 || j < i {
		t.Fatalf("rows do not come first: %s", r.body)
	}
	n1 := len(decodeTable(t, r).Rows)
	n2 := len(decodeTable(t, postTable(t, s, "/qrs/app/table", body)).Rows)
	if n2 != n1-1 || !slices.Equal(pages, []int{1, 2}) {
		t.Errorf("rows %d then %d, pages %v: the hook did not remove an app between pages", n1, n2, pages)
	}
}
