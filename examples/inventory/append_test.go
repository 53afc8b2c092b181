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
