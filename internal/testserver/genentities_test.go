package testserver

import (
	"strings"
	"testing"
)

func TestGeneratedEntities(t *testing.T) {
	g := Generate(GenConfig{Seed: 3, Apps: 150, Sheets: 1500})
	st := startSite(t, g, Config{})
	all := checkShapes(t, st)
	checkReferences(t, st, all)
	if got, want := len(all[KindDataConnection]), 5+150/20; got != want {
		t.Errorf("%d data connections, want %d", got, want)
	}
	if n := len(all[KindReloadTask]); n < 120 || n > 170 {
		t.Errorf("%d reload tasks for 150 apps: want about one per app", n)
	}
	names := map[string]bool{}
	types := map[string]bool{}
	for _, c := range all[KindDataConnection] {
		if names[c["name"].(string)] {
			t.Errorf("data connection name %q twice", c["name"])
		}
		names[c["name"].(string)] = true
		types[c["type"].(string)] = true
	}
	if len(types) < 5 {
		t.Errorf("data connection types %v: want folders, ODBC, OLE DB and connectors", types)
	}
	tagged := 0
	for _, s := range all[KindStream] {
		if len(s["tags"].([]any)) > 0 || len(s["customProperties"].([]any)) > 0 {
			tagged++
		}
	}
	if tagged == 0 {
		t.Errorf("no stream has tags or custom properties")
	}
}

// TestEntityFilters runs the filter language on each new kind over HTTP:
// /full and /count agree (site.list checks it), each filter matches some
// items but not all, and the generated site's constrained scans skip
// nothing (the result equals a full scan through Match).
func TestEntityFilters(t *testing.T) {
	g := Generate(GenConfig{Seed: 5, Apps: 200, Sheets: 2000, DataConnections: 60})
	st := startSite(t, g, Config{})
	first := func(k Kind) map[string]any { return st.list(k, "")[0] }
	// tagOf is the first tag of the kind's first tagged item.
	tagOf := func(k Kind) string {
		for _, it := range st.list(k, "") {
			if tags := it["tags"].([]any); len(tags) > 0 {
				return quote(tags[0].(map[string]any)["name"].(string))
			}
		}
		t.Fatalf("no %s has tags", k)
		return ""
	}
	task := first(KindReloadTask)
	appID := task["app"].(map[string]any)["id"].(string)
	conn := first(KindDataConnection)
	event := first(KindSchemaEvent)
	chain := first(KindCompositeEvent)
	stream := first(KindStream)
	filters := map[Kind][]string{
		KindStream: {
			"name eq " + quote(stream["name"].(string)), "id eq " + stream["id"].(string),
			"tags.name eq " + tagOf(KindStream), "customProperties.definition.name eq 'Department'",
			"owner.userId eq " + quote(stream["owner"].(map[string]any)["userId"].(string)),
			"modifiedDate ge '2019-01-01T00:00:00.000Z'",
		},
		KindDataConnection: {
			"type eq 'folder'", "type eq 'OLEDB' or type eq 'ODBC'", "connectionstring so 'CUSTOM CONNECT'",
			"id eq " + conn["id"].(string), "name sw " + quote(conn["name"].(string)[:4]), "password ne ''",
			"tags.name eq " + tagOf(KindDataConnection), "owner.userId eq " + quote(conn["owner"].(map[string]any)["userId"].(string)),
			"logOn eq 1", "architecture gt 0",
			"modifiedDate lt '2021-01-01T00:00:00.000Z'",
		},
		KindReloadTask: {
			"app.id eq " + appID, "id eq " + task["id"].(string), "enabled eq false", "isManuallyTriggered eq true",
			"operational.lastExecutionResult.status eq 8", "operational.lastExecutionResult.status ne 7",
			"operational.lastExecutionResult.startTime eq '1753-01-01T00:00:00.000Z'",
			"operational.lastExecutionResult.details.message so 'ReloadProvider'", "app.stream.name eq 'Everyone'",
			"app.published eq false", "tags.name eq " + tagOf(KindReloadTask), "name sw 'Reload task of'", "maxRetries ge 2",
			"operational.lastExecutionResult.duration gt 60000",
		},
		KindSchemaEvent: {
			"reloadTask.id eq " + event["reloadTask"].(map[string]any)["id"].(string), "incrementOption eq 1",
			"enabled eq false", "timeZone eq 'Europe/Paris'", "name eq 'Daily'", "id eq " + event["id"].(string),
			"operational.timesTriggered gt 100", "startDate ge '2021-01-01T00:00:00.000'",
		},
		KindCompositeEvent: {
			"reloadTask.id eq " + chain["reloadTask"].(map[string]any)["id"].(string),
			"compositeRules.ruleState eq 2", "compositeRules.reloadTask.name sw 'Reload task of'",
			"id eq " + chain["id"].(string), "timeConstraint.minutes eq 360", "enabled eq true",
		},
	}
	for k, fs := range filters {
		total := len(st.list(k, ""))
		for _, f := range fs {
			got := st.list(k, f)
			if len(got) == 0 || len(got) == total {
				t.Errorf("%s %q: %d of %d items match; the test would prove nothing", k, f, len(got), total)
			}
			e, err := ParseFilter(f)
			if err != nil {
				t.Fatalf("ParseFilter(%q): %v", f, err)
			}
			want := map[string]bool{}
			g.Scan(k, nil, func(_ int, it Item) bool {
				if e.Match(it) {
					id, _ := it.Field("id")
					want[id.(string)] = true
				}
				return true
			})
			for _, it := range got {
				if !want[it["id"].(string)] {
					t.Errorf("%s %q: the server lists %v, which does not match", k, f, it["id"])
				}
			}
			if len(want) != len(got) {
				t.Errorf("%s %q: the server lists %d items, a full scan finds %d", k, f, len(got), len(want))
			}
		}
	}
	for _, bad := range []string{"nosuch eq 1", "enabled eq 'yes'", "name gt 'x'", "operational.lastExecutionResult.status sw 1"} {
		if r := st.c("GET", "/qrs/reloadtask/full", "filter", bad); r.status != 400 || r.body != "Cannot parse the expression" {
			t.Errorf("filter %q: %d %q, want 400", bad, r.status, r.body)
		}
	}
	// orderby works on the new kinds too.
	names := func(items []map[string]any) []string {
		var out []string
		for _, it := range items {
			out = append(out, strings.ToLower(it["name"].(string)))
		}
		return out
	}
	r := st.c("GET", "/qrs/dataconnection/full", "orderby", "name desc")
	got := names(decodeArray(t, []byte(r.body)))
	for i := 1; i < len(got); i++ {
		if got[i-1] < got[i] {
			t.Fatalf("orderby name desc: %q before %q", got[i-1], got[i])
		}
	}
}
