package main

import (
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

func TestItemAppendJSON(t *testing.T) {
	when := time.Date(2024, 2, 5, 6, 1, 2, 345e6, time.UTC)
	items := []item{
		{},
		{
			Key: "c/a/s", Connection: "c", Name: `Cost "Centres" \ Detail <&>`, Description: "line\nbreak\ttab é 中 🙂",
			AppID: "a", App: "P&L", Stream: "Finance", URL: "https://h/hdr/sense/app/a/sheet/s/state/analysis",
			Status: "base", Created: when, Modified: when.Add(time.Second), Published: time.Date(2019, 1, 4, 19, 40, 6, 0, time.FixedZone("", 3600)),
			Tags: []string{"Certified", "x\"y"},
			Contacts: []contact{
				{Name: "Kate Bell", UserID: "kate.bell", UserDirectory: "QTSEL", Email: "kate@example.com", Role: "owner"},
				{Name: "No Mail", UserID: "n", UserDirectory: "D", Role: "owner"},
			},
		},
		{Key: "bad\xffutf8", Name: "\x00\x1f\u2028", Tags: []string{}, Contacts: []contact{}},
	}
	for _, it := range items {
		want, err := json.Marshal(&it)
		if err != nil {
			// Invalid UTF-8 is an error for Marshal; the appender replaces it.
			want, err = json.Marshal(&it, jsontextAllowInvalid)
			if err != nil {
				t.Fatal(err)
			}
		}
		if got := it.AppendJSON(nil); string(got) != string(want) {
			t.Errorf("AppendJSON:\n got %s\nwant %s", got, want)
		}
	}
}

var jsontextAllowInvalid = jsontext.AllowInvalidUTF8(true)

func TestLineAppendJSON(t *testing.T) {
	h := head{Kind: "field", Key: "c/field:a:x%3Ay", Connection: "c", Name: "Umsatz \"€\" <&>\n",
		Relations: []relation{{Kind: "table", Key: "c/table:a:t"}, {Kind: "app", Key: "c/app:a"}}}
	for _, l := range []interface{ AppendJSON([]byte) []byte }{
		&tableLine{}, &fieldLine{}, &fieldLine{Tables: []string{}, Tags: []string{}},
		&tableLine{head: h, Rows: 1 << 40, Fields: 3, KeyFields: -1, ByteSize: 9, System: true, Comment: "bad\xffutf8"},
		&fieldLine{head: h, Tables: []string{"t", "$$SysTable 1"}, Cardinal: 5, TotalCount: 7, Tags: []string{"$key", "$numeric"},
			ByteSize: 12, System: true, Hidden: true, Comment: "\x00\u2028"},
	} {
		want, err := json.Marshal(l, jsontextAllowInvalid)
		if err != nil {
			t.Fatal(err)
		}
		if got := l.AppendJSON(nil); string(got) != string(want) {
			t.Errorf("AppendJSON:\n got %s\nwant %s", got, want)
		}
	}
}
