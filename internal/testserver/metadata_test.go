package testserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func newJar() http.CookieJar {
	j, _ := cookiejar.New(nil)
	return j
}

func metadataPath(appID string) string { return "/api/v1/apps/" + appID + "/data/metadata" }

var (
	metadataTopKeys = []string{"reload_meta", "static_byte_size", "fields", "tables", "has_section_access"}
	metadataField   = []string{"name", "src_tables", "is_system", "is_hidden", "is_semantic", "distinct_only", "cardinal",
		"total_count", "is_locked", "always_one_selected", "is_numeric", "comment", "tags", "byte_size"}
	metadataTable = []string{"name", "is_system", "is_semantic", "is_loose", "no_of_rows", "no_of_fields", "no_of_key_fields",
		"comment", "byte_size"}
	snakeCase   = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	systemNames = []string{"$Field", "$Table", "$Rows", "$Fields", "$FieldNo", "$Info"}
)

// checkSnakeCase fails on any key, at any depth, that is not snake_case.
func checkSnakeCase(t *testing.T, where string, v any) {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		for k, el := range x {
			if !snakeCase.MatchString(k) {
				t.Errorf("%s: key %q is not snake_case", where, k)
			}
			checkSnakeCase(t, where+"."+k, el)
		}
	case []any:
		for _, el := range x {
			checkSnakeCase(t, where, el)
		}
	}
}

// checkDataModel checks a metadata document against QRS.md and against
// itself: system fields and tables flagged, key fields tagged $key and in
// two tables or more, each table's field and key counts those of the
// fields, cardinalities within the counts. It reports whether the document
// is an empty structure and whether it has the newer keys.
func checkDataModel(t *testing.T, where string, body []byte) (empty, newer bool) {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	requireKeys(t, where, doc, metadataTopKeys...)
	meta := requireKeys(t, where+".reload_meta", doc["reload_meta"], "cpu_time_spent_ms", "hardware")
	requireKeys(t, where+".reload_meta.hardware", meta["hardware"], "logical_cores", "total_memory")
	checkSnakeCase(t, where, doc)
	fields, _ := doc["fields"].([]any)
	tables, _ := doc["tables"].([]any)
	if len(fields) == 0 && len(tables) == 0 {
		return true, false
	}
	_, newer = doc["tables_profiling_data"]
	for _, k := range []string{"is_direct_query_mode", "usage"} {
		if _, ok := doc[k]; ok != newer {
			t.Errorf("%s: %s present %v, tables_profiling_data present %v", where, k, ok, newer)
		}
	}
	type counts struct{ fields, keys int }
	inTable := map[string]*counts{}
	system := map[string]bool{}
	for i, f := range fields {
		m := requireKeys(t, fmt.Sprintf("%s.fields[%d]", where, i), f, metadataField...)
		name := m["name"].(string)
		var tags []string
		for _, tg := range m["tags"].([]any) {
			tags = append(tags, tg.(string))
		}
		src := m["src_tables"].([]any)
		key := strings.Contains(strings.Join(tags, " "), "$key")
		if key != (len(src) > 1) {
			t.Errorf("%s: field %s in %d tables has tags %v", where, name, len(src), tags)
		}
		for _, s := range src {
			c := inTable[s.(string)]
			if c == nil {
				c = &counts{}
				inTable[s.(string)] = c
			}
			c.fields++
			if key {
				c.keys++
			}
		}
		if strings.HasPrefix(name, "$") {
			system[name] = true
			if m["is_system"] != true || m["is_hidden"] != true {
				t.Errorf("%s: system field %s: is_system %v, is_hidden %v", where, name, m["is_system"], m["is_hidden"])
			}
		} else if m["is_system"] != false {
			t.Errorf("%s: field %s is_system", where, name)
		}
		if card, total := m["cardinal"].(float64), m["total_count"].(float64); card > total || card < 0 {
			t.Errorf("%s: field %s has %v distinct of %v values", where, name, card, total)
		}
		if _, ok := m["hash"]; ok != newer {
			t.Errorf("%s: field %s has a hash: %v, newer keys: %v", where, name, ok, newer)
		}
	}
	for _, n := range systemNames {
		if !system[n] {
			t.Errorf("%s: no system field %s", where, n)
		}
	}
	sysTables := 0
	for i, tb := range tables {
		m := requireKeys(t, fmt.Sprintf("%s.tables[%d]", where, i), tb, metadataTable...)
		name := m["name"].(string)
		if sys := strings.HasPrefix(name, "$$SysTable "); sys != (m["is_system"] == true) {
			t.Errorf("%s: table %s is_system %v", where, name, m["is_system"])
		} else if sys {
			sysTables++
		}
		c := inTable[name]
		if c == nil {
			c = &counts{}
		}
		if m["no_of_fields"] != float64(c.fields) || m["no_of_key_fields"] != float64(c.keys) {
			t.Errorf("%s: table %s says %v fields, %v keys; the fields say %d, %d", where, name, m["no_of_fields"], m["no_of_key_fields"], c.fields, c.keys)
		}
		delete(inTable, name)
	}
	if sysTables == 0 {
		t.Errorf("%s: no $$SysTable", where)
	}
	for name := range inTable {
		t.Errorf("%s: fields name the table %s, which is not listed", where, name)
	}
	return false, newer
}

func TestDemoDataModels(t *testing.T) {
	st := startSite(t, DemoSite(), Config{})
	full, empty, missing, newer := 0, 0, 0, 0
	for _, a := range st.list(KindApp, "") {
		id := a["id"].(string)
		r := st.c("GET", metadataPath(id))
		never := a["lastReloadTime"] == neverTime
		switch {
		case never:
			if r.status != 404 {
				t.Errorf("app %s never reloaded: %d, want 404", a["name"], r.status)
			}
			missing++
			continue
		case r.status != 200:
			t.Errorf("app %s: %d %q", a["name"], r.status, r.body)
			continue
		}
		if r.header.Get("Content-Type") != jsonContentType {
			t.Errorf("Content-Type %q", r.header.Get("Content-Type"))
		}
		e, n := checkDataModel(t, "demo "+a["name"].(string), []byte(r.body))
		switch {
		case e:
			empty++
		case n:
			newer++
			full++
		default:
			full++
		}
		// The body is the file, compacted.
		raw, err := os.ReadFile(filepath.Join("demo", DataModelDir, id+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if c, _ := compactJSON(raw); string(c) != r.body {
			t.Errorf("app %s: the body is not the demo file", a["name"])
		}
		if e {
			continue
		}
		var doc struct {
			StaticByteSize float64 `json:"static_byte_size"`
		}
		_ = json.Unmarshal([]byte(r.body), &doc)
		if doc.StaticByteSize != a["staticByteSize"] {
			t.Errorf("app %s: static_byte_size %v, the app says %v", a["name"], doc.StaticByteSize, a["staticByteSize"])
		}
	}
	if full < 3 || empty != 1 || missing != 2 || newer == 0 || newer == full {
		t.Errorf("%d full (%d with newer keys), %d empty, %d never reloaded", full, newer, empty, missing)
	}
}

func TestDataModelEndpoint(t *testing.T) {
	const reloaded = "08e587a1-fb60-4bb7-84dc-34d775320e0b" // Sales Overview 2024
	path := metadataPath(reloaded)
	denied := strings.ToUpper(reloaded)
	s := start(t, Config{Prefix: "hdr", Header: "hdr-usr", Site: DemoSite(), DenyDataModel: func(user, appID string) bool {
		return user == `CORP\bob` && strings.EqualFold(appID, denied)
	}})
	c := client(s)
	root := strings.TrimSuffix(s.URL(), "/hdr")
	for _, tt := range []struct {
		name, method, url string
		headers           []string
		want              int
	}{
		{"ok", "GET", qrsURL(s, path), []string{`hdr-usr: CORP\anna`, xrfHeader}, 200},
		{"denied to bob", "GET", qrsURL(s, path), []string{`hdr-usr: CORP\bob`, xrfHeader}, 403},
		{"no xrfkey", "GET", s.URL() + path, []string{`hdr-usr: CORP\anna`}, 403},
		{"no authentication", "GET", qrsURL(s, path), []string{xrfHeader}, 302},
		{"outside the prefix", "GET", root + path + "?xrfkey=" + testKey, []string{`hdr-usr: CORP\anna`, xrfHeader}, 404},
		{"POST", "POST", qrsURL(s, path), []string{`hdr-usr: CORP\anna`, xrfHeader}, 405},
		{"path in other case", "GET", qrsURL(s, strings.ToUpper(path)), []string{`hdr-usr: CORP\anna`, xrfHeader}, 200},
	} {
		r := call(t, c, tt.method, tt.url, tt.headers...)
		if r.status != tt.want {
			t.Errorf("%s: %d, want %d (%.100q)", tt.name, r.status, tt.want, r.body)
		}
		if tt.name == "no xrfkey" && r.body != xsrfBody {
			t.Errorf("no xrfkey: body %q", r.body)
		}
	}
	// The session cookie of the first answer carries the next requests.
	c.Jar = newJar()
	for range 3 {
		if r := call(t, c, "GET", qrsURL(s, path), `hdr-usr: CORP\anna`, xrfHeader); r.status != 200 {
			t.Fatalf("%d", r.status)
		}
	}
	if n := s.Count(path); n != 8 {
		t.Errorf("Count(%s) = %d, want 8", path, n)
	}
	// A broken site answers 500, as for the listings.
	b := start(t, Config{Site: brokenSite{err: fmt.Errorf("bad demo")}})
	if r := call(t, client(b), "GET", qrsURL(b, path), xrfHeader); r.status != 500 {
		t.Errorf("broken site: %d", r.status)
	}
	// A Site without data models answers 404.
	j := start(t, Config{Site: &jsonSite{}})
	if r := call(t, client(j), "GET", qrsURL(j, path), xrfHeader); r.status != 404 {
		t.Errorf("site without models: %d", r.status)
	}
}

func TestLoadSiteDataModels(t *testing.T) {
	dir := t.TempDir()
	id := "9f4b5c2e-0b4a-4f39-9d1e-2a9c7d9e1a11"
	write := func(name, body string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(DataModelDir, strings.ToUpper(id)+".json"), "\xef\xbb\xbf{ \"fields\": [],\n \"tables\": [] }")
	write(filepath.Join(DataModelDir, "README.txt"), "ignored")
	site, err := LoadSite(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := site.(DataModelSite)
	if b, ok := m.AppendDataModel(nil, id); !ok || string(b) != `{"fields":[],"tables":[]}` {
		t.Errorf("AppendDataModel = %s, %v", b, ok)
	}
	if _, ok := m.AppendDataModel(nil, "0b4a5c2e-0b4a-4f39-9d1e-2a9c7d9e1a11"); ok {
		t.Errorf("a model for an app without a file")
	}
	for name, body := range map[string]string{
		"not-an-id.json": "{}",
		id + ".json":     "[1,2]",
	} {
		bad := t.TempDir()
		dir = bad
		write(filepath.Join(DataModelDir, name), body)
		if _, err := LoadSite(bad); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s holding %s: error %v, want one naming the file", name, body, err)
		}
	}
}
