package qrs

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/qrskit/qrs/internal/testserver"
)

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2019-01-04T19:40:06.191Z", time.Date(2019, 1, 4, 19, 40, 6, 191e6, time.UTC)},
		{"2019-01-04T19:40:06Z", time.Date(2019, 1, 4, 19, 40, 6, 0, time.UTC)},
		{"2019-01-04T19:40:06.1Z", time.Date(2019, 1, 4, 19, 40, 6, 1e8, time.UTC)},
		{"2019-01-04T19:40:06.123456789Z", time.Date(2019, 1, 4, 19, 40, 6, 123456789, time.UTC)},
		{"2019-01-04T19:40:06.191+01:00", time.Date(2019, 1, 4, 18, 40, 6, 191e6, time.UTC)},
		{"2019-01-04T19:40:06.191", time.Date(2019, 1, 4, 19, 40, 6, 191e6, time.UTC)},
		{"2024-02-29T00:00:00.000Z", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
		{"1753-01-01T00:00:00.000Z", time.Time{}},
		{"1753-01-01T00:00:00Z", time.Time{}},
		{"", time.Time{}},
	}
	for _, tt := range tests {
		got, err := parseTime([]byte(tt.in))
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("parseTime(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"yesterday", "2019-02-30T00:00:00Z", "2019-13-01T00:00:00Z", "2019-01-04T19:40:06.Z", "2019-01-04T25:40:06Z", "2019-01-04 19:40:06Z"} {
		if got, err := parseTime([]byte(bad)); err == nil {
			t.Errorf("parseTime(%q) = %v, want an error", bad, got)
		}
	}
}

func FuzzParseTime(f *testing.F) {
	f.Add("2019-01-04T19:40:06.191Z")
	f.Add("2019-01-04T19:40:06Z")
	f.Fuzz(func(t *testing.T, s string) {
		fast, ok := parseUTC([]byte(s))
		if !ok {
			return
		}
		// Whatever the fast path accepts, time.Parse reads the same way.
		slow, err := time.Parse(time.RFC3339Nano, s)
		if err != nil || !slow.Equal(fast) {
			t.Fatalf("parseUTC(%q) = %v; time.Parse = %v, %v", s, fast, slow, err)
		}
	})
}

// decodeAll decodes a JSON array into a slice of T, as the listings do.
func decodeAll[T any](data []byte) ([]T, error) {
	d := newArrayDecoder(bytes.NewReader(data), 1<<20, 0, false)
	var out []T
	for {
		var v T
		ok, err := d.next(&v)
		if err != nil || !ok {
			return out, err
		}
		out = append(out, v)
	}
}

// sameRecord reports how a sheetRecord differs from the Sheet decoded from
// the same JSON by reflection.
func sameRecord(r sheetRecord, s Sheet) string {
	var tags []string
	for _, t := range s.Tags {
		tags = append(tags, t.Name)
	}
	stream := ""
	if s.App.Stream != nil {
		stream = s.App.Stream.Name
	}
	switch {
	case r.ID != s.ID || r.Name != s.Name || r.Description != s.Description || r.EngineObjectID != s.EngineObjectID:
		return "ids, names or description"
	case r.App != appRef{ID: s.App.ID, Name: s.App.Name, Stream: named{stream}, Published: s.App.Published}:
		return fmt.Sprintf("app %+v vs %+v", r.App, s.App)
	case r.Owner.ID != s.Owner.ID || r.Owner.UserID != s.Owner.UserID || r.Owner.UserDirectory != s.Owner.UserDirectory || r.Owner.Name != s.Owner.Name:
		return "owner"
	case r.Published != s.Published || r.Approved != s.Approved:
		return "flags"
	case !r.PublishTime.Equal(s.PublishTime) || !r.Created.Equal(s.Created) || !r.Modified.Equal(s.Modified):
		return "times"
	case !slices.Equal(r.Tags, tags):
		return fmt.Sprintf("tags %q vs %q", r.Tags, tags)
	}
	return ""
}

func TestSheetRecordMatchesSheet(t *testing.T) {
	for _, name := range []string{"app_object_full.json", "app_object_full_bom.json"} {
		data, err := os.ReadFile(filepath.Join("testdata/qrs", name))
		if err != nil {
			t.Fatal(err)
		}
		data = bytes.TrimPrefix(data, []byte("\ufeff"))
		recs, err := decodeAll[sheetRecord](data)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeAll[Sheet](data)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != len(got) || len(recs) == 0 {
			t.Fatalf("%s: %d records, %d got", name, len(recs), len(got))
		}
		for i := range recs {
			if diff := sameRecord(recs[i], got[i]); diff != "" {
				t.Errorf("%s item %d: %s", name, i, diff)
			}
		}
	}
}

func TestDecodeWrongShapes(t *testing.T) {
	tests := []struct {
		body, want string
	}{
		{`{"id":"x"}`, "expected a JSON array, got an object"},
		{`"x"`, "expected a JSON array, got a string"},
		{`[{"id":"a","name":7}]`, "item 1"},
		{`[{"id":"a"},{"published":"yes"}]`, "item 2"},
		{`[{"id":"a","createdDate":"yesterday"}]`, "cannot read time"},
		{`[{"id":"a"},{"id":`, "truncated"},
		{`[{"id":"a"}`, "truncated"},
		{`[{"id":"a"},]`, "item 2"},
		{`<html>`, "not JSON"},
		{`[{"owner":[1]}]`, "item 1"},
	}
	for _, tt := range tests {
		for _, kind := range []string{"Sheet", "sheetRecord", "App"} {
			var err error
			switch kind {
			case "Sheet":
				_, err = decodeAll[Sheet]([]byte(tt.body))
			case "sheetRecord":
				_, err = decodeAll[sheetRecord]([]byte(tt.body))
			case "App":
				_, err = decodeAll[App]([]byte(tt.body))
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s from %s: err = %v, want it to contain %q", kind, tt.body, err, tt.want)
			}
		}
	}
}

func TestDecodeItemTooLarge(t *testing.T) {
	huge := `[{"id":"a"},{"id":"b","description":"` + strings.Repeat("x", 5<<20) + `"},{"id":"c"}]`
	d := newArrayDecoder(strings.NewReader(huge), 1<<20, 0, false)
	var s Sheet
	if ok, err := d.next(&s); !ok || err != nil {
		t.Fatalf("first item: %v %v", ok, err)
	}
	_, err := d.next(&s)
	if err == nil || !strings.Contains(err.Error(), "item 2 is larger than") {
		t.Errorf("err = %v, want item 2 too large", err)
	}
}

func FuzzDecodeListing(f *testing.F) {
	for _, name := range []string{"app_full.json", "app_full_12x.json", "app_object_full.json", "user_full.json"} {
		data, err := os.ReadFile(filepath.Join("testdata/qrs", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`[{"tags":null,"app":{"stream":null},"owner":null}]`))
	f.Add([]byte(`[{"name":"\u00e9\ud83d\ude00","createdDate":"2019-01-04T19:40:06.191Z"}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		apps, errApps := decodeAll[App](data)
		_, _ = apps, errApps
		whole, errSheets := decodeAll[Sheet](data)
		recs, errRecs := decodeAll[sheetRecord](data)
		if errSheets == nil && errRecs == nil {
			// Both readers accept it: they must agree.
			if len(whole) != len(recs) {
				t.Fatalf("%d whole, %d records", len(whole), len(recs))
			}
			for i := range recs {
				if diff := sameRecord(recs[i], whole[i]); diff != "" {
					t.Fatalf("item %d: %s", i, diff)
				}
			}
		}
	})
}

// BenchmarkDecodeSheets decodes one generated sheet listing from memory
// three ways: whole Sheets by reflection, the join's sheetRecord by hand,
// and a bare token scan (the floor).
func BenchmarkDecodeSheets(b *testing.B) {
	site := testserver.Generate(testserver.GenConfig{Seed: 1, Apps: 100, Sheets: 10000, NonSheetRatio: -1})
	var data []byte
	data = append(data, '[')
	for i := range site.Len(testserver.KindAppObject) {
		if i > 0 {
			data = append(data, ',')
		}
		data = site.Item(testserver.KindAppObject, i).AppendJSON(data)
	}
	data = append(data, ']')
	run := func(name string, f func() error) {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for range b.N {
				if err := f(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	run("Sheet", func() error { _, err := decodeAll[Sheet](data); return err })
	run("sheetRecord", func() error { _, err := decodeAll[sheetRecord](data); return err })
	run("tokens", func() error {
		dec := jsontext.NewDecoder(bytes.NewReader(data))
		for {
			if _, err := dec.ReadToken(); err == io.EOF {
				return nil
			} else if err != nil {
				return err
			}
		}
	})
}
