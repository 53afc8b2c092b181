package testserver

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"
)

// body renders what /full sends for kind k and filter, without HTTP.
func body(t testing.TB, site Site, k Kind, filter string) []byte {
	t.Helper()
	var e *Expr
	if filter != "" {
		var err error
		if e, err = ParseFilter(filter); err != nil {
			t.Fatalf("ParseFilter(%q): %v", filter, err)
		}
		if err := checkFilter(e, k); err != nil {
			t.Fatalf("checkFilter(%q): %v", filter, err)
		}
	}
	rec := httptest.NewRecorder()
	(&Server{site: site}).list(rec, k, e)
	return rec.Body.Bytes()
}

func decodeArray(t testing.TB, b []byte) []map[string]any {
	t.Helper()
	var items []map[string]any
	if err := json.Unmarshal(b, &items); err != nil {
		t.Fatalf("output is not a JSON array of objects: %v\n%.300s", err, b)
	}
	return items
}

func TestGenerateDeterministic(t *testing.T) {
	cfg := GenConfig{Seed: 42, Apps: 30, Sheets: 400}
	a, b := Generate(cfg), Generate(cfg)
	for k := Kind(0); k < numKinds; k++ {
		if got, want := body(t, a, k, ""), body(t, b, k, ""); !bytes.Equal(got, want) {
			t.Errorf("kind %s: two sites with the same config differ", k)
		}
	}
	other := Generate(GenConfig{Seed: 43, Apps: 30, Sheets: 400})
	if bytes.Equal(body(t, a, KindApp, ""), body(t, other, KindApp, "")) {
		t.Errorf("seeds 42 and 43 gave the same apps")
	}
	// Item i is a pure function of (config, i): random access equals the scan.
	for k := Kind(0); k < numKinds; k++ {
		if a.Len(k) == 0 {
			t.Errorf("kind %s: no items", k)
		}
		a.Scan(k, nil, func(i int, it Item) bool {
			if got, want := string(a.Item(k, i).AppendJSON(nil)), string(it.AppendJSON(nil)); got != want {
				t.Fatalf("kind %s item %d: Item gives\n%s\nscan gives\n%s", k, i, got, want)
			}
			return true
		})
	}
	for i := range 30 {
		ma, _ := a.AppendDataModel(nil, a.AppID(i))
		mb, _ := b.AppendDataModel(nil, b.AppID(i))
		if !bytes.Equal(ma, mb) {
			t.Errorf("app %d: two sites with the same config have different data models", i)
		}
	}
}

// TestGeneratedObjectTypes checks the app objects other than sheets: every
// type occurs, an app has one script at most, master items and scripts
// belong to the app (base items once it is published, its owner's own
// before), and names are set.
func TestGeneratedObjectTypes(t *testing.T) {
	if nonSheetTypes[appScriptType] != "app_appscript" {
		t.Fatalf("appScriptType names %q", nonSheetTypes[appScriptType])
	}
	g := Generate(GenConfig{Seed: 21, Apps: 300, Sheets: 3000})
	owners := map[string]string{}
	for _, a := range decodeArray(t, body(t, g, KindApp, "")) {
		owners[a["id"].(string)] = a["owner"].(map[string]any)["id"].(string)
	}
	types := map[string]int{}
	scripts := map[string]int{}
	for _, o := range decodeArray(t, body(t, g, KindAppObject, "objectType ne 'sheet'")) {
		typ := o["objectType"].(string)
		types[typ]++
		app := o["app"].(map[string]any)
		name := o["name"].(string)
		if (name == "") != (typ == "app_appscript") {
			t.Errorf("%s named %q", typ, name)
		}
		switch typ {
		case "app_appscript":
			scripts[app["id"].(string)]++
			fallthrough
		case "masterobject", "dimension", "measure":
			pub := app["published"].(bool)
			if o["approved"] != pub || o["published"] != pub {
				t.Errorf("%s %q in an app published=%v: approved %v, published %v", typ, name, pub, o["approved"], o["published"])
			}
			if o["owner"].(map[string]any)["id"] != owners[app["id"].(string)] {
				t.Errorf("%s %q is not owned by its app's owner", typ, name)
			}
		}
		if typ == "masterobject" && o["engineObjectType"] == "masterobject" {
			t.Errorf("master visualization %q without its chart type", name)
		}
	}
	for _, typ := range []string{"masterobject", "dimension", "measure", "story", "bookmark", "app_appscript", "embeddedsnapshot"} {
		if types[typ] == 0 {
			t.Errorf("no %s among %v", typ, types)
		}
	}
	for app, n := range scripts {
		if n > 1 {
			t.Errorf("app %s has %d scripts", app, n)
		}
	}
	if len(scripts) < 100 {
		t.Errorf("%d of 300 apps have a script object", len(scripts))
	}
}

// TestGenerateMemory generates the largest site the issue names (10,000
// apps, 1,000,000 sheets): what the site keeps is its offset tables, tens
// of bytes per app, whatever the number of sheets; one data model is made
// and dropped per request.
func TestGenerateMemory(t *testing.T) {
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before := heap()
	g := Generate(GenConfig{Seed: 1, Apps: 10_000, Sheets: 1_000_000})
	kept := int64(heap()) - int64(before)
	if kept > 1<<20 {
		t.Errorf("a 10,000-app site keeps %d KiB", kept>>10)
	}
	if n := g.Len(KindAppObject); n < 1_000_000 || n > 1_500_000 {
		t.Errorf("%d app objects", n)
	}
	// Reading every task, trigger and data model of 500 apps keeps nothing.
	before = heap()
	for k := KindDataConnection; k <= KindCompositeEvent; k++ {
		g.Scan(k, nil, func(i int, it Item) bool { _ = it.AppendJSON(nil); return i < 600 })
	}
	for a := range 500 {
		g.AppendDataModel(nil, g.AppID(a))
	}
	if grown := int64(heap()) - int64(before); grown > 256<<10 {
		t.Errorf("the heap grew by %d KiB while reading the site", grown>>10)
	}
	runtime.KeepAlive(g)
}

// TestGenerateGolden pins the bytes of a small site, kind by kind and with
// its data models: a change of the generator's output is a change of every
// recorded benchmark and test expectation downstream, so it must be
// deliberate, and show which kind it touches.
func TestGenerateGolden(t *testing.T) {
	g := Generate(GenConfig{Seed: 1, Apps: 20, Sheets: 200})
	for k, want := range map[Kind]string{
		KindApp:       "31b82f78994ffc2cd44506b3034230c54104b9c752dbe465da332850d18de216",
		KindAppObject: "21465e5d270f4a6faf2278f35131aa127d954128abd23892fb103e5a8145b5ec",
		KindUser:      "f2a28e5207506a45f25f04c470967d835dcee1b1178777b11d7ecbecfa5da6aa",
		KindStream:    "c875b0bafe01f425be759490af792242aaca568fa8b22e63adf3e7c279966462",
	} {
		if got := fmt.Sprintf("%x", sha256.Sum256(body(t, g, k, ""))); got != want {
			t.Errorf("sha256 of the seed-1 site's %s = %s, want %s", k, got, want)
		}
	}
	// Sheets alone have not changed since the first release.
	if got := fmt.Sprintf("%x", sha256.Sum256(body(t, g, KindAppObject, "objectType eq 'sheet'"))); got != "95b82dc2cb4a4e9f276fc60c48c873cc85004f08390ba996d2841eb8ee529351" {
		t.Errorf("sha256 of the seed-1 site's sheets = %s", got)
	}
	// The kinds added later, on a site big enough to have task chains.
	g = Generate(GenConfig{Seed: 1, Apps: 80, Sheets: 400})
	for k, want := range map[Kind]string{
		KindDataConnection: "f657f272503bea726994dd4f054b4d89a536d249b5143bee4e0351541fbc2d01",
		KindReloadTask:     "7d587c8bd2cd5a94580ef87927e6a586fcca7ebc3078da245f3ece4ddc9f4475",
		KindSchemaEvent:    "e4f1c690994b1608d17d33713e80b5b802e8a5a23c683c304cc87612867741b1",
		KindCompositeEvent: "431d9aa6661e15d43803824bee81cef497e2d021016b280e4dcb5a20fe352462",
	} {
		if got := fmt.Sprintf("%x", sha256.Sum256(body(t, g, k, ""))); got != want {
			t.Errorf("sha256 of the 80-app seed-1 site's %s = %s, want %s", k, got, want)
		}
	}
	h := sha256.New()
	for a := range 80 {
		m, _ := g.AppendDataModel(nil, g.AppID(a))
		h.Write(m)
		h.Write([]byte{'\n'})
	}
	if got, want := hex.EncodeToString(h.Sum(nil)), "51268bfeea9ab4a8ba9ebfbd77ffb1451ccc7dc833197a5fa16af41fc4fa5be1"; got != want {
		t.Errorf("sha256 of the 80-app seed-1 site's data models = %s, want %s", got, want)
	}
}

func TestGenerateValid(t *testing.T) {
	cfg := GenConfig{Seed: 7, Apps: 200, Sheets: 3000, Users: 40, Streams: 5}
	g := Generate(cfg)

	apps := decodeArray(t, body(t, g, KindApp, ""))
	if len(apps) != cfg.Apps || g.Len(KindApp) != cfg.Apps {
		t.Fatalf("got %d apps (Len %d), want %d", len(apps), g.Len(KindApp), cfg.Apps)
	}
	appIDs := map[string]bool{}
	unpublished := 0
	for _, a := range apps {
		appIDs[a["id"].(string)] = true
		if a["published"] == false {
			unpublished++
			if a["stream"] != nil || a["publishTime"] != neverTime {
				t.Errorf("unpublished app %v has stream %v, publishTime %v", a["id"], a["stream"], a["publishTime"])
			}
		}
		for _, field := range []string{"id", "name", "appId", "description", "createdDate", "modifiedDate",
			"modifiedByUserName", "publishTime", "published", "stream", "owner", "tags", "customProperties",
			"fileSize", "lastReloadTime", "thumbnail", "savedInProductVersion", "migrationHash", "dynamicColor",
			"availabilityStatus", "sourceAppId", "targetAppId", "lastDataDistribution", "staticByteSize",
			"privileges", "schemaPath"} {
			if _, ok := a[field]; !ok {
				t.Fatalf("app lacks %q: %v", field, a)
			}
		}
	}
	if len(appIDs) != cfg.Apps {
		t.Errorf("app ids are not unique: %d distinct of %d", len(appIDs), cfg.Apps)
	}
	if unpublished == 0 || unpublished == cfg.Apps {
		t.Errorf("%d of %d apps unpublished, want some but not all", unpublished, cfg.Apps)
	}

	objects := decodeArray(t, body(t, g, KindAppObject, ""))
	if len(objects) != g.Len(KindAppObject) {
		t.Errorf("got %d objects, Len says %d", len(objects), g.Len(KindAppObject))
	}
	sheets, types, statuses := 0, map[string]int{}, map[string]int{}
	sheetsPerApp := map[string]int{}
	objIDs := map[string]bool{}
	for _, o := range objects {
		objIDs[o["id"].(string)] = true
		typ := o["objectType"].(string)
		types[typ]++
		app := o["app"].(map[string]any)
		if !appIDs[app["id"].(string)] {
			t.Fatalf("object %v belongs to unknown app %v", o["id"], app["id"])
		}
		if o["schemaPath"] != "App.Object" {
			t.Fatalf("schemaPath = %v", o["schemaPath"])
		}
		if typ != "sheet" {
			continue
		}
		sheets++
		sheetsPerApp[app["id"].(string)]++
		approved, published := o["approved"].(bool), o["published"].(bool)
		switch {
		case approved && published:
			statuses["base"]++
		case published:
			statuses["community"]++
		case !approved:
			statuses["private"]++
			if o["publishTime"] != neverTime {
				t.Errorf("private sheet with publishTime %v", o["publishTime"])
			}
		}
		if _, err := time.Parse(time.RFC3339Nano, o["createdDate"].(string)); err != nil {
			t.Errorf("createdDate: %v", err)
		}
		if !strings.HasSuffix(o["createdDate"].(string), "Z") || len(o["createdDate"].(string)) != 24 {
			t.Errorf("createdDate %q is not yyyy-mm-ddThh:mm:ss.fffZ", o["createdDate"])
		}
		if o["engineObjectId"] == "" {
			t.Errorf("sheet %v without engineObjectId", o["id"])
		}
	}
	if len(objIDs) != len(objects) {
		t.Errorf("object ids are not unique")
	}
	if sheets != cfg.Sheets {
		t.Errorf("got %d sheets, want %d", sheets, cfg.Sheets)
	}
	if len(types) < 4 {
		t.Errorf("object types %v: want sheets and several other types", types)
	}
	for _, s := range []string{"base", "community", "private"} {
		if statuses[s] == 0 {
			t.Errorf("no %s sheets: %v", s, statuses)
		}
	}
	if len(sheetsPerApp) == cfg.Apps {
		t.Errorf("every app has sheets; want some without")
	}
	for a := 0; a < cfg.Apps; a++ {
		if got, want := sheetsPerApp[g.AppID(a)], g.AppSheets(a); got != want {
			t.Fatalf("app %d: %d sheets listed, AppSheets says %d", a, got, want)
		}
	}

	users := decodeArray(t, body(t, g, KindUser, ""))
	if len(users) != cfg.Users {
		t.Errorf("got %d users, want %d", len(users), cfg.Users)
	}
	emails := 0
	for _, u := range users {
		for _, at := range u["attributes"].([]any) {
			if at.(map[string]any)["attributeType"] == "email" {
				emails++
			}
		}
	}
	if emails == 0 || emails == len(users) {
		t.Errorf("%d of %d users have an e-mail; want most but not all", emails, len(users))
	}
	if streams := decodeArray(t, body(t, g, KindStream, "")); len(streams) != cfg.Streams {
		t.Errorf("got %d streams, want %d", len(streams), cfg.Streams)
	}
}

func TestGenerateSheetSize(t *testing.T) {
	g := Generate(GenConfig{Seed: 3, Apps: 50, Sheets: 2000})
	b := body(t, g, KindAppObject, "objectType eq 'sheet'")
	per := len(b) / 2000
	if per < 1000 || per > 2100 {
		t.Errorf("a sheet is %d bytes on average, want about 1-2 KB", per)
	}
}

// TestScanSkipsNothing checks that the indexes used by Scan (id, app.id,
// objectType) never drop an item the filter matches: the constrained scan
// must give what a full scan plus Match gives.
func TestScanSkipsNothing(t *testing.T) {
	g := Generate(GenConfig{Seed: 11, Apps: 60, Sheets: 700})
	var ids []string
	for a := 0; a < 60; a += 7 {
		ids = append(ids, "app.id eq "+g.AppID(a))
	}
	var objID string
	g.Scan(KindAppObject, nil, func(i int, it Item) bool {
		if i == 123 {
			v, _ := it.Field("id")
			objID = v.(string)
			return false
		}
		return true
	})
	filters := map[Kind][]string{
		KindAppObject: {
			"objectType eq 'sheet'",
			"objectType eq 'SHEET'",
			"objectType eq 'story' or objectType eq 'bookmark'",
			"objectType eq 'sheet' and (" + strings.Join(ids, " or ") + ")",
			strings.Join(ids, " or "),
			"app.id eq " + strings.ToUpper(g.AppID(5)) + " and published eq true",
			"id eq " + objID,
			"id eq " + objID + " or name so 'overview'",
			"objectType eq 'sheet' and app.id eq 00000000-0000-0000-0000-000000000000",
			"owner.userId sw 'anna' and approved eq false",
		},
		KindApp: {
			"id eq " + g.AppID(3) + " or id eq " + g.AppID(59),
			"stream eq null",
			"tags.name eq 'certified'",
		},
		KindUser: {"userId eq 'anna.schmidt'", "attributes.attributeType eq 'email' and userDirectory eq 'CORP'"},
		KindReloadTask: {
			strings.Join(ids, " or "),
			"app.id eq " + g.AppID(7) + " and enabled eq true",
			"id eq " + idOf(g, KindReloadTask, 9) + " or id eq " + idOf(g, KindReloadTask, 0),
		},
		KindSchemaEvent: {
			"reloadTask.id eq " + idOf(g, KindReloadTask, 3) + " or reloadTask.id eq " + idOf(g, KindReloadTask, 4),
			"id eq " + idOf(g, KindSchemaEvent, 2),
		},
		KindCompositeEvent: {"reloadTask.id ne " + idOf(g, KindReloadTask, 3), "id eq " + idOf(g, KindCompositeEvent, 0)},
		KindDataConnection: {"id eq " + idOf(g, KindDataConnection, 1), "type eq 'folder'"},
	}
	for k, fs := range filters {
		for _, f := range fs {
			e, err := ParseFilter(f)
			if err != nil {
				t.Fatalf("ParseFilter(%q): %v", f, err)
			}
			if err := checkFilter(e, k); err != nil {
				t.Fatalf("checkFilter(%q): %v", f, err)
			}
			var full []byte
			n := 0
			g.Scan(k, nil, func(_ int, it Item) bool {
				if e.Match(it) {
					full = it.AppendJSON(full)
					n++
				}
				return true
			})
			var fast []byte
			g.Scan(k, e, func(_ int, it Item) bool {
				if e.Match(it) {
					fast = it.AppendJSON(fast)
				}
				return true
			})
			if !bytes.Equal(fast, full) {
				t.Errorf("%s %q: constrained scan differs from full scan (%d matches)", k, f, n)
			}
			if n == 0 && !strings.Contains(f, "00000000") {
				t.Errorf("%s %q: no item matches; the test would prove nothing", k, f)
			}
		}
	}
}

// idOf returns the id of item i of kind k.
func idOf(g *GenSite, k Kind, i int) string {
	v, _ := g.Item(k, i).Field("id")
	return v.(string)
}

func TestGeneratedCountFastPath(t *testing.T) {
	g := Generate(GenConfig{Seed: 5, Apps: 40, Sheets: 321})
	e, _ := ParseFilter("objectType eq 'sheet'")
	n, ok := g.Count(KindAppObject, e)
	if !ok || n != 321 {
		t.Errorf("Count(sheets) = %d, %v; want 321, true", n, ok)
	}
	scanned := 0
	g.Scan(KindAppObject, nil, func(_ int, it Item) bool {
		if e.Match(it) {
			scanned++
		}
		return true
	})
	if scanned != 321 {
		t.Errorf("scan counts %d sheets, want 321", scanned)
	}
}

func TestFeistelRoundTrip(t *testing.T) {
	g := Generate(GenConfig{Seed: -9})
	r := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		i := r.Uint32()
		if got := g.unpermute(dApp, g.permute(dApp, i)); got != i {
			t.Fatalf("unpermute(permute(%d)) = %d", i, got)
		}
	}
	g = Generate(GenConfig{Seed: 2, Apps: 1000})
	for a := 0; a < 1000; a++ {
		if got, ok := g.findGUID(dApp, g.AppID(a), 1000); !ok || got != a {
			t.Fatalf("findGUID(AppID(%d)) = %d, %v", a, got, ok)
		}
	}
	if _, ok := g.findGUID(dApp, "9f4b5c2e-0b4a-4f39-9d1e-2a9c7d9e1a11", 1000); ok {
		t.Errorf("findGUID found a foreign GUID")
	}
}

func TestAppendTime(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		ms := epochMillis - 40*365*dayMillis + r.Int64N(80*365*dayMillis)
		got := timeString(ms)
		want := time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
		if got != want {
			t.Fatalf("timeString(%d) = %s, want %s", ms, got, want)
		}
	}
	if got := timeString(neverMillis); got != neverTime {
		t.Errorf("timeString(never) = %s", got)
	}
}

func TestAppendEscaped(t *testing.T) {
	for _, s := range []string{"plain", `q"uote`, `back\slash`, "tab\tnl\n\x01", "Übersicht 売上", "bad\xffutf8", ""} {
		got := appendString(nil, s)
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("appendString(%q) = %s: %v", s, got, err)
		}
		want := strings.ToValidUTF8(s, "\ufffd")
		if back != want {
			t.Errorf("round trip of %q gave %q", s, back)
		}
	}
}

// discard is a ResponseWriter that counts and drops the body.
type discard struct {
	h http.Header
	n int64
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) WriteHeader(int)             {}
func (d *discard) Write(p []byte) (int, error) { d.n += int64(len(p)); return len(p), nil }

// BenchmarkGenerateSheets measures how fast the server's listing code
// produces the body of /qrs/app/object/full?filter=objectType eq 'sheet'
// (no HTTP, one core): a 100,000-sheet site per iteration.
func BenchmarkGenerateSheets(b *testing.B) {
	s := &Server{site: Generate(GenConfig{Seed: 1, Apps: 1000, Sheets: 100000})}
	e, _ := ParseFilter("objectType eq 'sheet'")
	run := func() int64 {
		d := &discard{h: http.Header{}}
		s.list(d, KindAppObject, e)
		return d.n
	}
	per := run()
	b.SetBytes(per)
	for b.Loop() {
		run()
	}
	b.ReportMetric(float64(per)/100000, "B/sheet")
}

// BenchmarkServeSheets measures the whole server path over loopback HTTPS:
// GET /qrs/app/object/full?filter=objectType eq 'sheet' of a 20,000-sheet
// site, the body discarded by a plain net/http client (which shares the
// two cores with the server).
func BenchmarkServeSheets(b *testing.B) {
	s := start(b, Config{Site: Generate(GenConfig{Seed: 1, Apps: 200, Sheets: 20000})})
	c := client(s)
	get := func() int64 {
		req, _ := http.NewRequest("GET", qrsURL(s, "/qrs/app/object/full", "filter", "objectType eq 'sheet'"), nil)
		req.Header.Set("X-Qlik-Xrfkey", testKey)
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		n, err := io.Copy(io.Discard, resp.Body)
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("%d %v", resp.StatusCode, err)
		}
		return n
	}
	b.SetBytes(get())
	for b.Loop() {
		get()
	}
}

// BenchmarkGenerateListings measures how fast the server's listing code
// produces the bodies of the listings added for catalogs (no HTTP, one
// core) on a 10,000-app site.
func BenchmarkGenerateListings(b *testing.B) {
	s := &Server{site: Generate(GenConfig{Seed: 1, Apps: 10_000, Sheets: 1_000_000})}
	for _, k := range []Kind{KindStream, KindDataConnection, KindReloadTask, KindSchemaEvent, KindCompositeEvent} {
		b.Run(k.String(), func(b *testing.B) {
			run := func() int64 {
				d := &discard{h: http.Header{}}
				s.list(d, k, nil)
				return d.n
			}
			b.SetBytes(run())
			for b.Loop() {
				run()
			}
			b.ReportMetric(float64(s.site.Len(k)), "items")
		})
	}
}

// BenchmarkGenerateDataModels measures the data models of 1,000 apps, one
// request's body each.
func BenchmarkGenerateDataModels(b *testing.B) {
	g := Generate(GenConfig{Seed: 1, Apps: 1000, Sheets: 10_000})
	ids := make([]string, 1000)
	for a := range ids {
		ids[a] = g.AppID(a)
	}
	var buf []byte
	run := func() int64 {
		var n int64
		for _, id := range ids {
			buf, _ = g.AppendDataModel(buf[:0], id)
			n += int64(len(buf))
		}
		return n
	}
	b.SetBytes(run())
	for b.Loop() {
		run()
	}
}
