package testserver

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
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
		a.Scan(k, nil, func(i int, it Item) bool {
			if got, want := string(a.Item(k, i).AppendJSON(nil)), string(it.AppendJSON(nil)); got != want {
				t.Fatalf("kind %s item %d: Item gives\n%s\nscan gives\n%s", k, i, got, want)
			}
			return true
		})
	}
}

// TestGenerateGolden pins the bytes of a small site: a change of the
// generator's output is a change of every recorded benchmark and test
// expectation downstream, so it must be deliberate.
func TestGenerateGolden(t *testing.T) {
	g := Generate(GenConfig{Seed: 1, Apps: 20, Sheets: 200})
	h := sha256.New()
	for k := KindApp; k <= KindStream; k++ {
		h.Write(body(t, g, k, ""))
	}
	got := hex.EncodeToString(h.Sum(nil))
	const want = "57681388e5b045fa94070cfd54343c6da65e9e027ec27e0a98883fc4c7507e85"
	if got != want {
		t.Errorf("sha256 of the seed-1 site = %s, want %s", got, want)
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
