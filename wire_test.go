package qrs

import (
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/qrskit/qrs/internal/testserver"
)

// TestWireAgreesWithJSONText mutates real listings at random (a fixed
// seed) and holds the wireReader to jsontext: whatever the sheet record
// accepts is valid JSON for jsontext (duplicate names refused), and
// decodes as the reflective Sheet does where both accept.
func TestWireAgreesWithJSONText(t *testing.T) {
	var seeds [][]byte
	for _, name := range []string{"app_full.json", "app_object_full.json", "user_full.json"} {
		data, err := os.ReadFile(filepath.Join("testdata/qrs", name))
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, data)
	}
	site := testserver.Generate(testserver.GenConfig{Seed: 2, Apps: 3, Sheets: 20})
	gen := []byte{'['}
	for i := range site.Len(testserver.KindAppObject) {
		if i > 0 {
			gen = append(gen, ',')
		}
		gen = site.Item(testserver.KindAppObject, i).AppendJSON(gen)
	}
	seeds = append(seeds, append(gen, ']'))
	r := rand.New(rand.NewSource(7))
	tokens := []string{`"`, `\`, `\u00`, `{`, `}`, `[`, `]`, `,`, `:`, `null`, `1e`, `-`, "\x01", "\xff", `"id":"x",`, `"name":1,`, ` `}
	n := 20000
	if testing.Short() {
		n = 2000
	}
	accepted := 0
	for i := 0; i < n; i++ {
		seed := seeds[r.Intn(len(seeds))]
		b := append([]byte(nil), seed...)
		for k := 0; k < 1+r.Intn(3); k++ {
			at := r.Intn(len(b) + 1)
			switch r.Intn(3) {
			case 0:
				b = append(b[:at], append([]byte(tokens[r.Intn(len(tokens))]), b[at:]...)...)
			case 1:
				if at < len(b) {
					b = append(b[:at], b[min(len(b), at+1+r.Intn(8)):]...)
				}
			default:
				if at < len(b) {
					b[at] = byte(r.Intn(256))
				}
			}
		}
		recs, errRecs := decodeAll[sheetRecord](b)
		if errRecs != nil {
			continue
		}
		accepted++
		if !jsontext.Value(b).IsValid(jsontext.AllowInvalidUTF8(true)) {
			t.Fatalf("the wireReader accepts what jsontext refuses: %q", truncate(string(b), 300))
		}
		sheets, errSheets := decodeAll[Sheet](b)
		if errSheets != nil {
			continue
		}
		if len(sheets) != len(recs) {
			t.Fatalf("%d sheets, %d records from %q", len(sheets), len(recs), truncate(string(b), 300))
		}
		for j := range recs {
			if diff := sameRecord(recs[j], sheets[j]); diff != "" {
				t.Fatalf("item %d: %s, from %q", j, diff, truncate(string(b), 300))
			}
		}
	}
	if accepted == 0 {
		t.Fatal("no mutation was accepted: the test tests nothing")
	}
	t.Logf("%d of %d mutations accepted", accepted, n)
}

func TestWireRefuses(t *testing.T) {
	for _, body := range []string{
		`[{"id":"a","id":"b"}]`,
		`[{"id":"a","\u0069d":"b"}]`,
		`[{"x":{"k":1,"k":2}}]`,
		`[{"x":[{"k":1,"k":2}]}]`,
		`[{"name":"a` + "\x01" + `"}]`,
		`[{"name":"\q"}]`,
		`[{"name":"\u12G4"}]`,
		`[{"size":01}]`,
		`[{"size":1.}]`,
		`[{"size":-}]`,
		`[{"size":1e}]`,
		`[{"x":tru}]`,
		`[{"x":truex}]`,
		`[{"x":nul}]`,
		`[{"x" 1}]`,
		`[{"x":1 "y":2}]`,
		`[{"x":[1 2]}]`,
		`[{"x":[1,]}]`,
		`[{,}]`,
		`[{"x":1}] [`,
		`[{"x":1}]]`,
		`[` + strings.Repeat(`{"x":[`, 6000) + strings.Repeat(`]}`, 6000) + `]`,
	} {
		if _, err := decodeAll[sheetRecord]([]byte(body)); err == nil {
			t.Errorf("%q accepted", truncate(body, 80))
		}
	}
	for _, body := range []string{
		`[]`, ` [ ] `, `[null]`, `[{}]`, `[{"x":{"id":1},"y":{"id":2}}]`, `[{"x":-0.5e+3,"y":[true,false,null,"\u00e9\"\\\/\b\f\n\r\t"]}]`,
	} {
		if _, err := decodeAll[sheetRecord]([]byte(body)); err != nil {
			t.Errorf("%q: %v", body, err)
		}
	}
}
