package qrs

import (
	"strings"
	"testing"
)

// The parts of reading lineage rows that the end-to-end table
// (enginelineage_test.go) reaches only in their common forms.

func TestCleanPath(t *testing.T) {
	for _, tt := range []struct {
		in, sep  string
		absolute bool
		want     string
	}{
		{`\\Srv\Share\A\..\B.qvd`, `\`, true, `\\srv\share\b.qvd`},
		{`//srv/share/../../x.qvd`, `\`, true, `\\srv\x.qvd`}, // never above the server
		{`C:\..\..\x.qvd`, `\`, true, `c:\x.qvd`},
		{`C:\a\\b\.\c.QVD`, `\`, true, `c:\a\b\c.qvd`},
		{`..\..\x.qvd`, `\`, false, `..\..\x.qvd`},
		{`a\..\..\x.qvd`, `\`, false, `..\x.qvd`},
		{`Sales/./2024//Q1.xlsx`, "/", false, "sales/2024/q1.xlsx"},
		{` Übersicht/Ä.csv `, "/", false, "übersicht/ä.csv"},
		{"", "/", false, ""},
	} {
		if got := cleanPath(tt.in, tt.sep, tt.absolute); got != tt.want {
			t.Errorf("cleanPath(%q, %q, %v) = %q, want %q", tt.in, tt.sep, tt.absolute, got, tt.want)
		}
	}
}

func TestClassifyLineageOddities(t *testing.T) {
	for _, tt := range []struct {
		d, s  string
		class lineageClass
		path  string
		name  string
	}{
		{"[lib://Data/never closed.qvd", "", lineageFile, "lib://Data/never closed.qvd", ""},
		{"[](qvd)", "", lineageOther, "", ""},
		{"STORE - ", "", lineageOther, "", ""},
		{"store - [x.qvd] (QVD)", "", lineageStore, "x.qvd", ""},
		{"LIB CONNECT TO ;", "", lineageOther, "", ""},
		{"lib connect to \"Quoted DB\";", "", lineageConnection, "", "Quoted DB"},
		{"LIB CONNECT TO [Bracketed];", "", lineageConnection, "", "Bracketed"},
		{"LIB CONNECT TO 'never closed", "", lineageConnection, "", "never closed"},
		{"ODBC CONNECTION TO [x]", "", lineageOther, "", ""},
		{"ODBC CONNECT64 TO [DSN=X]", "", lineageConnect, "", "odbc"},
		{"EXTENSION", "LOAD * FROM x;", lineageExtension, "", ""},
		{"EXTENSIONS", "", lineageOther, "", ""},
		{"INLINEX", "", lineageOther, "", ""},
		{"Resident T;", "", lineageInternal, "", "resident"},
		{"lib://Data/x.qvd (qvd)", "", lineageFile, "lib://Data/x.qvd", ""},
		{`"lib://Data/q.qvd"`, "", lineageOther, "", ""},
		{"", "", lineageOther, "", ""},
	} {
		row := classifyLineage(tt.d, tt.s)
		if row.class != tt.class || row.path != tt.path || row.name != tt.name {
			t.Errorf("classifyLineage(%q, %q) = class %d, path %q, name %q; want %d, %q, %q", tt.d, tt.s, row.class, row.path, row.name, tt.class, tt.path, tt.name)
		}
	}
}

func TestLineageRowBounds(t *testing.T) {
	long := "LOAD * FROM [lib://Data/x.qvd] (qvd) WHERE " + strings.Repeat("a = 1 AND ", 2000) + "1;"
	row := classifyLineage("[lib://Data/x.qvd](qvd)", long)
	if len(row.statement) > maxStatement+3 || !strings.HasSuffix(row.statement, "...") {
		t.Errorf("a statement of %d bytes kept as %d", len(long), len(row.statement))
	}
	// Scrubbed before it is cut: a secret across the cut leaks no half.
	secret := strings.Repeat("s", 100) + "-tail-secret"
	st := strings.Repeat("x", maxStatement-40) + ";Password=" + secret + ";"
	if row := classifyLineage("INLINE;", st); strings.Contains(row.statement, "sss") {
		t.Errorf("a secret across the cut: %q", row.statement[len(row.statement)-80:])
	}
}

// FuzzClassifyLineage checks that any row reads without a panic, and
// that what it names can have a key that reads back.
func FuzzClassifyLineage(f *testing.F) {
	for _, s := range []string{"[lib://Data/Sales/orders.qvd](qvd)", "STORE - [lib://x/y.qvd] (qvd)", "LIB CONNECT TO 'a''b';",
		"ODBC CONNECT32 TO [DSN=x;PWD=y];", `[\\srv\share\..\x.csv](txt)`, "[https://u:p@h/x?token=t](txt)", "EXTENSION", "AUTOGENERATE(1);"} {
		f.Add(s, "LOAD * FROM x;")
	}
	f.Fuzz(func(t *testing.T, d, s string) {
		row := classifyLineage(d, s)
		if len(row.discriminator) > maxStatement+3 || len(row.statement) > maxStatement+3 {
			t.Fatalf("texts of %d and %d bytes kept", len(row.discriminator), len(row.statement))
		}
		if row.path == "" {
			return
		}
		loc := parseLocation(row.path)
		if loc.key == "" {
			return
		}
		key := entryKey("c", EntryFile, loc.key)
		k, err := ParseEntryKey(key)
		if err != nil || k.IDs[0] != loc.key || k.String() != key {
			t.Fatalf("file key %q of %q reads back as %+v, %v", key, row.path, k, err)
		}
		if again := parseLocation(loc.key); again.key != loc.key && loc.scheme != fileWeb {
			t.Fatalf("location %q normalizes again to %q", loc.key, again.key)
		}
	})
}
