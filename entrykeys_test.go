package qrs

import (
	"slices"
	"strings"
	"testing"
)

func TestEntryKeyString(t *testing.T) {
	const app = "9f4b6a1e-0c1d-4c55-9a8e-6b0f3f1f7a21"
	tests := []struct {
		key  EntryKey
		want string
	}{
		{EntryKey{Code: "qlik-prod", Kind: EntrySite}, "qlik-prod"},
		{EntryKey{Code: "a/b:c%", Kind: EntrySite}, "a%2Fb:c%25"},
		{EntryKey{Code: "qlik-prod", Kind: EntryStream, IDs: []string{"7e2406b7-2c2d-4b23-9a60-55724a1f6af7"}}, "qlik-prod/stream:7e2406b7-2c2d-4b23-9a60-55724a1f6af7"},
		{EntryKey{Code: "p", Kind: EntryApp, IDs: []string{app}}, "p/app:" + app},
		{EntryKey{Code: "p", Kind: EntryDataConnection, IDs: []string{"d"}}, "p/dataconnection:d"},
		{EntryKey{Code: "p", Kind: EntryReloadTask, IDs: []string{"t"}}, "p/reloadtask:t"},
		{EntryKey{Code: "p", Kind: EntryMasterItem, IDs: []string{app, "xdoOjno"}}, "p/masteritem:" + app + ":xdoOjno"},
		{EntryKey{Code: "p", Kind: EntryTable, IDs: []string{app, "$$SysTable 1"}}, "p/table:" + app + ":$$SysTable 1"},
		{EntryKey{Code: "p", Kind: EntryField, IDs: []string{app, "a:b/c%d"}}, "p/field:" + app + ":a%3Ab%2Fc%25d"},
		{EntryKey{Code: "c:1", Kind: EntryField, IDs: []string{"a", "Umsatz €"}}, "c:1/field:a:Umsatz €"},
		{EntryKey{Code: "p", Kind: EntryVisualization, IDs: []string{app, "DgZcrtM"}}, "p/" + app + "/DgZcrtM"},
		{EntryKey{Code: "p/q", Kind: EntryVisualization, IDs: []string{"a:1", "s/2"}}, "p%2Fq/a:1/s%2F2"},
		{EntryKey{Code: "p", Kind: EntryChart, IDs: []string{app, "DgZcrtM", "GARDzcx"}}, "p/" + app + "/DgZcrtM/GARDzcx"},
		{EntryKey{Code: "p:q", Kind: EntryChart, IDs: []string{"a/1", "s%2", "c:3"}}, "p:q/a%2F1/s%252/c:3"},
		{EntryKey{Code: "p", Kind: EntryMasterDefinition, IDs: []string{app, "xdoOjno"}}, "p/masterdefinition:" + app + ":xdoOjno"},
		{EntryKey{Code: "p", Kind: EntrySource, IDs: []string{"connection", "salesdb"}}, "p/source:connection:salesdb"},
		{EntryKey{Code: "p", Kind: EntrySource, IDs: []string{"oledb", "sql02:1433/supply"}}, "p/source:oledb:sql02%3A1433%2Fsupply"},
		{EntryKey{Code: "p", Kind: EntryFile, IDs: []string{"lib://data/sales/orders.qvd"}}, "p/file:lib%3A%2F%2Fdata%2Fsales%2Forders.qvd"},
		{EntryKey{Code: "p", Kind: EntryFile, IDs: []string{`\\fs01\share\x.qvd`}}, `p/file:\\fs01\share\x.qvd`},
		{EntryKey{Code: "p", Kind: EntryLineage, IDs: []string{"p/app:" + app, "p/file:lib%3A%2F%2Fdata%2Fx.qvd"}},
			"p/lineage:p%2Fapp%3A" + app + ":p%2Ffile%3Alib%253A%252F%252Fdata%252Fx.qvd"},
	}
	for _, tt := range tests {
		if got := tt.key.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.key, got, tt.want)
		}
		back, err := ParseEntryKey(tt.want)
		if err != nil {
			t.Errorf("ParseEntryKey(%q): %v", tt.want, err)
			continue
		}
		if back.Code != tt.key.Code || back.Kind != tt.key.Kind || !slices.Equal(back.IDs, tt.key.IDs) {
			t.Errorf("ParseEntryKey(%q) = %+v, want %+v", tt.want, back, tt.key)
		}
		if tt.key.Kind == EntryLineage {
			// An edge's ids are its ends' keys, which read back as such.
			for _, id := range back.IDs {
				if _, err := ParseEntryKey(id); err != nil {
					t.Errorf("edge %q: end %q: %v", tt.want, id, err)
				}
			}
		}
		// A visualization's entry key is its Key; no other key is one.
		_, err = ParseKey(tt.want)
		if isViz := tt.key.Kind == EntryVisualization; (err == nil) != isViz {
			t.Errorf("ParseKey(%q) error %v, for a %s key", tt.want, err, tt.key.Kind)
		}
	}
}

func TestParseEntryKeyErrors(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", "the code is empty"},
		{"/app:x", "the code is empty"},
		{"c%", "the code: '%' must be followed"},
		{"c/", "unknown kind \"\""},
		{"c/app", "0 ids, where a key of kind app has 1"},
		{"c/app:", "id 1 is empty"},
		{"c/app:a:b", "2 ids, where a key of kind app has 1"},
		{"c/table:a", "1 ids, where a key of kind table has 2"},
		{"c/table:a:", "id 2 is empty"},
		{"c/field:a:b%3a", "id 2: '%' must be followed by 25, 2F or 3A"},
		{"c/field:a:b%2", "id 2: '%' must be followed"},
		{"c/sheet:a", "unknown kind \"sheet\""},
		{"c/site:a", "unknown kind \"site\""},
		{"c/visualization:a:b", "unknown kind \"visualization\""},
		{"c/a/b/d/e", "has 5 segments"},
		{"c/a//d", "segment 3 is empty"},
		{"c/a/b/%2", "segment 4: '%' must be followed"},
		{"c/chart:a:b:c", "unknown kind \"chart\""},
		{"c/file:a:b", "2 ids, where a key of kind file has 1"},
		{"c/lineage:a", "1 ids, where a key of kind lineage has 2"},
		{"c//s", "segment 2 is empty"},
	} {
		_, err := ParseEntryKey(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "qrs: ") {
			t.Errorf("ParseEntryKey(%q) error = %v, want one containing %q", tt.in, err, tt.want)
		}
	}
}

// FuzzParseEntryKey checks that every key reads back as written, that a
// key written reads back the same, and that no string is both a
// visualization's Key and another kind's key (a chart's included).
func FuzzParseEntryKey(f *testing.F) {
	for _, s := range []string{"c", "c/app:a", "c/table:a:b", "c/field:a:x%3Ay", "c/a/b", "c%2F/stream:%25", "c:x/masteritem:a:b",
		"c/a/b/d", "c/a%2F/b/d%25", "c/file:lib%3A%2F%2Fd%2Fx.qvd", "c/lineage:c%2Fapp%3Aa:c%2Ffile%3Ax", "c/source:odbc:dsn=x"} {
		f.Add(s, "c", uint8(0), "a", "b", "d")
	}
	kinds := EntryKinds()
	f.Fuzz(func(t *testing.T, s, code string, kind uint8, id1, id2, id3 string) {
		if k, err := ParseEntryKey(s); err == nil {
			if back := k.String(); back != s {
				t.Fatalf("ParseEntryKey(%q) = %+v, which writes %q", s, k, back)
			}
			if _, verr := ParseKey(s); (verr == nil) != (k.Kind == EntryVisualization) {
				t.Fatalf("%q: a %s key, and ParseKey says %v", s, k.Kind, verr)
			}
		} else if _, verr := ParseKey(s); verr == nil {
			t.Fatalf("%q is a visualization key, and ParseEntryKey says %v", s, err)
		}
		k := EntryKey{Code: code, Kind: kinds[int(kind)%len(kinds)]}
		k.IDs = []string{id1, id2, id3}[:keyIDs[k.Kind]]
		back, err := ParseEntryKey(k.String())
		if code == "" || slices.Contains(k.IDs, "") {
			if err == nil {
				t.Fatalf("ParseEntryKey(%q) accepted a key with an empty part", k.String())
			}
			return
		}
		if err != nil || back.Code != k.Code || back.Kind != k.Kind || !slices.Equal(back.IDs, k.IDs) {
			t.Fatalf("ParseEntryKey(%q) = %+v, %v; want %+v", k.String(), back, err, k)
		}
	})
}
