package testserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestParseFilterAccepts(t *testing.T) {
	tests := []struct {
		in, canonical string
	}{
		{"objectType eq 'sheet'", "objectType eq 'sheet'"},
		{"objectType eq 'sheet' and app.id eq 9f4b5c2e-0b4a-4f39-9d1e-2a9c7d9e1a11",
			"objectType eq 'sheet' and app.id eq 9f4b5c2e-0b4a-4f39-9d1e-2a9c7d9e1a11"},
		{`name eq 'Q1\'25'`, `name eq 'Q1\'25'`},
		{`name eq 'back\\slash'`, `name eq 'back\\slash'`},
		{"stream eq null", "stream eq null"},
		{"createdDate ge '2020-03-01T00:00:00.000Z'", "createdDate ge '2020-03-01T00:00:00.000Z'"},
		{"tags.name eq 'x' or owner.userId eq 'y'", "tags.name eq 'x' or owner.userId eq 'y'"},
		{"a eq 1 or b eq 2 and c eq 3", "a eq 1 or (b eq 2 and c eq 3)"},
		{"(a eq 1 or b eq 2) and c eq 3", "(a eq 1 or b eq 2) and c eq 3"},
		{"((a eq 1))", "a eq 1"},
		{"a eq 1 or (b eq 2 or c eq 3)", "a eq 1 or b eq 2 or c eq 3"},
		{"A EQ 1 AND b Ne -2.5", "A eq 1 and b ne -2.5"},
		{"published eq true and approved eq false", "published eq true and approved eq false"},
		{"fileSize gt 3000000000", "fileSize gt 3000000000"},
		{"size lt -0", "size lt 0"},
		{"size lt -0.0", "size lt 0"},
		{"size lt -0." + strings.Repeat("0", 400) + "1", "size lt 0"},
		{"name sw 'a' and name ew 'b' and name so 'c'", "name sw 'a' and name ew 'b' and name so 'c'"},
		{"name eq ''", "name eq ''"},
		{"  name   eq   'x'  ", "name eq 'x'"},
		{"name eq 'Übersicht 売上'", "name eq 'Übersicht 売上'"},
		{"name eq 'A&B#'", "name eq 'A&B#'"},
	}
	for _, tt := range tests {
		e, err := ParseFilter(tt.in)
		if err != nil {
			t.Errorf("ParseFilter(%q): %v", tt.in, err)
			continue
		}
		if got := e.String(); got != tt.canonical {
			t.Errorf("ParseFilter(%q).String() = %q, want %q", tt.in, got, tt.canonical)
		}
	}
}

func TestParseFilterRejects(t *testing.T) {
	for _, in := range []string{
		"", "   ", "()", "name eq 'x' and ()", "name", "name eq", "eq 'x'", "name 'x'",
		"name like 'x'", "name eq 'unterminated", `name eq 'ends in backslash\`, "name eq x",
		"name eq 'a' and", "name eq 'a' or or name eq 'b'", "(name eq 'a'", "name eq 'a')",
		"name eq \"x\"", "name eq 'a' 'b'", "not name eq 'a'", "eq eq 1", "1name eq 1",
		"app..id eq 1", ".name eq 1", "name eq 1e5", "name eq +1", "name eq 0x10", "name eq 1.",
		"name eq 9f4b5c2e-0b4a-4f39-9d1e-2a9c7d9e1a1", "name eq 'a' & name eq 'b'", "name eq 'a';",
		"and eq 1", "null eq 1", "name eq eq", strings.Repeat("(", 200) + "a eq 1" + strings.Repeat(")", 200),
	} {
		if e, err := ParseFilter(in); err == nil {
			t.Errorf("ParseFilter(%q) = %q, want an error", in, e)
		} else if !errors.Is(err, ErrParse) {
			t.Errorf("ParseFilter(%q): error %v does not wrap ErrParse", in, err)
		}
	}
}

func TestCheckFilter(t *testing.T) {
	tests := []struct {
		kind   Kind
		filter string
		ok     bool
	}{
		{KindAppObject, "objectType eq 'sheet' and app.id eq 9f4b5c2e-0b4a-4f39-9d1e-2a9c7d9e1a11", true},
		{KindAppObject, "app.id eq '9f4b5c2e-0b4a-4f39-9d1e-2a9c7d9e1a11'", true},
		{KindAppObject, "APP.ID eq 9F4B5C2E-0B4A-4F39-9D1E-2A9C7D9E1A11", true},
		{KindAppObject, "app.stream.name eq 'Everyone'", true},
		{KindApp, "stream eq null and stream.id ne null", true},
		{KindApp, "tags.name eq 'x' and customProperties.definition.name eq 'Department'", true},
		{KindApp, "fileSize gt 2147483648 and availabilityStatus eq 1", true},
		{KindApp, "lastReloadTime lt '2024-01-01'", true},
		{KindUser, "userId eq 'a' and userDirectory eq 'B'", true},
		{KindUser, "attributes.attributeType eq 'email'", true},
		{KindStream, "name sw 'Fin'", true},
		{KindAppObject, "customProperties.value eq 'x'", false}, // app objects have none
		{KindApp, "nosuch eq 'x'", false},
		{KindApp, "name.first eq 'x'", false},
		{KindApp, "name gt 'x'", false},
		{KindApp, "name eq 1", false},
		{KindApp, "name eq 9f4b5c2e-0b4a-4f39-9d1e-2a9c7d9e1a11", false},
		{KindApp, "id eq 'not a guid'", false},
		{KindApp, "id sw 9f4b5c2e-0b4a-4f39-9d1e-2a9c7d9e1a11", false},
		{KindApp, "published eq 'true'", false},
		{KindApp, "published gt false", false},
		{KindApp, "fileSize sw 1", false},
		{KindApp, "fileSize eq '1'", false},
		{KindApp, "createdDate ge 'yesterday'", false},
		{KindApp, "createdDate so '2020'", false},
		{KindApp, "stream eq 'x'", false},
		{KindApp, "tags eq 'x'", false},
		{KindApp, "name gt null", false},
	}
	for _, tt := range tests {
		e, err := ParseFilter(tt.filter)
		if err != nil {
			t.Fatalf("ParseFilter(%q): %v", tt.filter, err)
		}
		err = checkFilter(e, tt.kind)
		if (err == nil) != tt.ok {
			t.Errorf("checkFilter(%q, %s) = %v, want ok=%v", tt.filter, tt.kind, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrParse) {
			t.Errorf("error %v does not wrap ErrParse", err)
		}
	}
}

const sampleObject = `{
  "id": "0a1b2c3d-0000-4000-8000-000000000001",
  "Name": "Q1'25 Übersicht \\ Sales",
  "objectType": "sheet",
  "published": true,
  "approved": false,
  "size": -1,
  "fileSize": 3487562311,
  "createdDate": "2020-03-01T10:00:00.123Z",
  "modifiedDate": "2021-01-01T00:00:00Z",
  "stream": null,
  "app": {"id": "9F4B5C2E-0B4A-4F39-9D1E-2A9C7D9E1A11", "stream": {"id": "1a1b2c3d-0000-4000-8000-000000000001", "name": "Everyone"}},
  "owner": {"userId": "anna.schmidt", "userDirectory": "CORP"},
  "tags": [{"name": "Certified"}, {"name": "Gold"}],
  "empty": []
}`

func TestMatch(t *testing.T) {
	dec := json.NewDecoder(strings.NewReader(sampleObject))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		filter string
		want   bool
	}{
		{"objectType eq 'sheet'", true},
		{"objectType eq 'SHEET'", true},
		{"OBJECTTYPE eq 'sheet'", true},
		{"objectType ne 'sheet'", false},
		{"objectType eq 'story'", false},
		{`name eq 'Q1\'25 übersicht \\ sales'`, true},
		{"name sw 'q1'", true},
		{"name ew 'SALES'", true},
		{"name so 'übersicht'", true},
		{"name so 'overview'", false},
		{"app.id eq 9f4b5c2e-0b4a-4f39-9d1e-2a9c7d9e1a11", true},
		{"app.id eq 9f4b5c2e-0b4a-4f39-9d1e-2a9c7d9e1a12", false},
		{"app.id eq 1a1b2c3d-0000-4000-8000-000000000001 or app.id eq 9f4b5c2e-0b4a-4f39-9d1e-2a9c7d9e1a11", true},
		{"app.stream.name eq 'everyone'", true},
		{"stream eq null", true},
		{"stream ne null", false},
		{"stream.name eq null", true},
		{"app.stream eq null", false},
		{"app.stream ne null", true},
		{"missing eq null", true},
		{"tags.name eq 'gold'", true},
		{"tags.name eq 'silver'", false},
		{"tags.name ne 'gold'", false}, // ne negates the any-element eq
		{"empty.name eq 'x'", false},
		{"owner.userId eq 'anna.schmidt' and owner.userDirectory eq 'corp'", true},
		{"published eq true and approved eq false", true},
		{"published eq false", false},
		{"size eq -1", true},
		{"size lt 0", true},
		{"size ge 0", false},
		{"fileSize gt 3487562310 and fileSize lt 3487562312", true},
		{"fileSize eq 3487562311", true},
		{"fileSize gt 3487562311.5", false},
		{"createdDate ge '2020-03-01T00:00:00.000Z'", true},
		{"createdDate gt '2020-03-01T10:00:00.123Z'", false},
		{"createdDate eq '2020-03-01T10:00:00.123Z'", true},
		{"modifiedDate eq '2021-01-01T00:00:00.000Z'", true},
		{"modifiedDate lt '2021-01-01'", false},
		{"modifiedDate le '2021-01-01'", true},
		{"objectType eq 'story' or objectType eq 'sheet' and published eq true", true},
		{"(objectType eq 'story' or objectType eq 'sheet') and published eq false", false},
		{"objectType eq 'story' or published eq false", false},
		{"size eq 'x'", false},
		{"published eq 1", false},
	}
	for _, tt := range tests {
		e, err := ParseFilter(tt.filter)
		if err != nil {
			t.Fatalf("ParseFilter(%q): %v", tt.filter, err)
		}
		if got := e.Match(obj); got != tt.want {
			t.Errorf("Match(%q) = %v, want %v", tt.filter, got, tt.want)
		}
	}
}

func TestConstraint(t *testing.T) {
	const g1, g2, g3 = "9f4b5c2e-0b4a-4f39-9d1e-2a9c7d9e1a11", "1a1b2c3d-0000-4000-8000-000000000001", "2a1b2c3d-0000-4000-8000-000000000002"
	tests := []struct {
		filter, path string
		want         string // "" = unconstrained
	}{
		{"app.id eq " + g1, "app.id", "[" + g1 + "]"},
		{"App.Id eq " + strings.ToUpper(g1), "app.ID", "[" + g1 + "]"},
		{"app.id eq " + g1 + " or app.id eq " + g2, "app.id", "[" + g2 + " " + g1 + "]"},
		{"objectType eq 'sheet' and (app.id eq " + g1 + " or app.id eq " + g2 + ")", "app.id", "[" + g2 + " " + g1 + "]"},
		{"objectType eq 'sheet' and (app.id eq " + g1 + " or app.id eq " + g2 + ")", "objectType", "[sheet]"},
		{"(app.id eq " + g1 + " or app.id eq " + g2 + ") and (app.id eq " + g2 + " or app.id eq " + g3 + ")", "app.id", "[" + g2 + "]"},
		{"app.id eq " + g1 + " or name eq 'x'", "app.id", ""},
		{"app.id ne " + g1, "app.id", ""},
		{"name eq 'x'", "app.id", ""},
		{"app.name eq 'x'", "app.id", ""},
	}
	for _, tt := range tests {
		e, err := ParseFilter(tt.filter)
		if err != nil {
			t.Fatal(err)
		}
		vals, ok := e.Constraint(tt.path)
		got := ""
		if ok {
			got = fmt.Sprint(vals)
		}
		if got != tt.want {
			t.Errorf("Constraint(%q, %q) = %q, want %q", tt.filter, tt.path, got, tt.want)
		}
	}
}

// quote is how a client writes a QRS string literal.
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// FuzzParseFilter checks that no input panics or takes long, that what
// parses re-parses to the same canonical form, and that any string quoted
// the way clients quote it round-trips through a filter.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{
		"objectType eq 'sheet' and (app.id eq 9f4b5c2e-0b4a-4f39-9d1e-2a9c7d9e1a11 or app.id eq 9f4b5c2e-0b4a-4f39-9d1e-2a9c7d9e1a12)",
		`name eq 'Q1\'25' or name sw 'a\\b'`, "stream eq null", "size lt -1.5", "()", "((a eq 1)", "a eq 'x",
		"createdDate ge '2020-03-01T00:00:00.000Z'", "tags.name so 'Ü'",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		start := time.Now()
		e, err := ParseFilter(s)
		if d := time.Since(start); d > time.Second {
			t.Fatalf("ParseFilter took %v on %d bytes", d, len(s))
		}
		if err == nil {
			canon := e.String()
			again, err := ParseFilter(canon)
			if err != nil {
				t.Fatalf("canonical form %q of %q does not parse: %v", canon, s, err)
			}
			if again.String() != canon {
				t.Fatalf("canonical form is not stable: %q then %q", canon, again.String())
			}
			_ = e.Match(map[string]any{"name": s, "app": map[string]any{"id": s}, "tags": []any{map[string]any{"name": s}}})
		} else if !errors.Is(err, ErrParse) {
			t.Fatalf("error %v does not wrap ErrParse", err)
		}
		q, err := ParseFilter("name eq " + quote(s))
		if err != nil {
			t.Fatalf("quoted %q does not parse: %v", s, err)
		}
		if !q.Match(map[string]any{"name": s}) {
			t.Fatalf("quoted %q does not match itself", s)
		}
	})
}
