package testserver

import (
	"encoding/json"
	"fmt"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"testing"
)

// The entities a catalog reads besides apps and sheets, as QRS.md lists
// their fields; checked against the demo site and a generated one through
// the server (TLS, prefix, header authentication, session).

// site is a running server with a logged-in client.
type site struct {
	t *testing.T
	s *Server
	c func(method, path string, query ...string) reply
}

func startSite(t *testing.T, data Site, cfg Config) *site {
	t.Helper()
	cfg.Prefix, cfg.Header, cfg.Site = "hdr", "hdr-usr", data
	s := start(t, cfg)
	c := client(s)
	c.Jar, _ = cookiejar.New(nil)
	return &site{t: t, s: s, c: func(method, path string, query ...string) reply {
		t.Helper()
		return call(t, c, method, qrsURL(s, path, query...), `hdr-usr: CORP\anna`, xrfHeader)
	}}
}

// list returns the items of /qrs/{kind}/full?filter=..., checking that
// /count agrees.
func (st *site) list(k Kind, filter string) []map[string]any {
	st.t.Helper()
	r := st.c("GET", "/qrs/"+k.String()+"/full", "filter", filter)
	if r.status != 200 {
		st.t.Fatalf("%s %q: %d %q", k, filter, r.status, r.body)
	}
	items := decodeArray(st.t, []byte(r.body))
	if n := st.count(k, filter); n != len(items) {
		st.t.Errorf("%s %q: /count says %d, /full has %d", k, filter, n, len(items))
	}
	return items
}

func (st *site) count(k Kind, filter string) int {
	st.t.Helper()
	r := st.c("GET", "/qrs/"+k.String()+"/count", "filter", filter)
	var v struct{ Value *int }
	if err := json.Unmarshal([]byte(r.body), &v); r.status != 200 || err != nil || v.Value == nil {
		st.t.Fatalf("%s count %q: %d %q", k, filter, r.status, r.body)
	}
	return *v.Value
}

// requireKeys fails unless obj has every key.
func requireKeys(t *testing.T, where string, obj any, keys ...string) map[string]any {
	t.Helper()
	m, ok := obj.(map[string]any)
	if !ok {
		t.Fatalf("%s: %T is not an object", where, obj)
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("%s lacks %q (has %v)", where, k, keysOf(m))
		}
	}
	return m
}

func keysOf(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

var qrsTime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$`)

// checkTimes checks that every named field holds a QRS time.
func checkTimes(t *testing.T, where string, m map[string]any, names ...string) {
	t.Helper()
	for _, n := range names {
		if s, _ := m[n].(string); !qrsTime.MatchString(s) {
			t.Errorf("%s.%s = %v, not a QRS time", where, n, m[n])
		}
	}
}

var (
	entityFields     = []string{"id", "createdDate", "modifiedDate", "modifiedByUserName"}
	ownerFields      = []string{"id", "userId", "userDirectory", "name", "privileges"}
	condensedFields  = []string{"id", "name", "appId", "publishTime", "published", "stream", "savedInProductVersion", "migrationHash", "availabilityStatus", "privileges"}
	taskRefFields    = []string{"id", "name", "taskType", "enabled", "privileges"}
	connectionFields = append([]string{"owner", "name", "connectionstring", "type", "engineObjectId", "username", "password",
		"logOn", "architecture", "tags", "customProperties", "privileges", "schemaPath"}, entityFields...)
)

// checkShapes checks every item of every new kind of a site against
// QRS.md, and returns them.
func checkShapes(t *testing.T, st *site) map[Kind][]map[string]any {
	all := map[Kind][]map[string]any{}
	for _, k := range []Kind{KindStream, KindDataConnection, KindReloadTask, KindSchemaEvent, KindCompositeEvent} {
		all[k] = st.list(k, "")
		if len(all[k]) == 0 {
			t.Fatalf("%s: no items", k)
		}
	}
	for i, s := range all[KindStream] {
		where := fmt.Sprintf("stream %d", i)
		m := requireKeys(t, where, s, append([]string{"owner", "name", "tags", "customProperties", "privileges", "schemaPath"}, entityFields...)...)
		requireKeys(t, where+".owner", m["owner"], ownerFields...)
		checkTimes(t, where, m, "createdDate", "modifiedDate")
		if m["schemaPath"] != "Stream" {
			t.Errorf("%s: schemaPath %v", where, m["schemaPath"])
		}
	}
	for i, c := range all[KindDataConnection] {
		where := fmt.Sprintf("data connection %d", i)
		m := requireKeys(t, where, c, connectionFields...)
		requireKeys(t, where+".owner", m["owner"], ownerFields...)
		checkTimes(t, where, m, "createdDate", "modifiedDate")
		if m["schemaPath"] != "DataConnection" || m["type"] == "" || m["connectionstring"] == "" {
			t.Errorf("%s: schemaPath %v, type %q, connection string %q", where, m["schemaPath"], m["type"], m["connectionstring"])
		}
		if lo, _ := m["logOn"].(float64); lo != 0 && lo != 1 {
			t.Errorf("%s: logOn %v", where, m["logOn"])
		}
	}
	for i, task := range all[KindReloadTask] {
		where := fmt.Sprintf("reload task %d", i)
		m := requireKeys(t, where, task, append([]string{"name", "taskType", "enabled", "app", "isManuallyTriggered", "maxRetries",
			"tags", "customProperties", "operational", "privileges", "schemaPath"}, entityFields...)...)
		requireKeys(t, where+".app", m["app"], condensedFields...)
		op := requireKeys(t, where+".operational", m["operational"], "id", "lastExecutionResult", "nextExecution")
		res := requireKeys(t, where+".lastExecutionResult", op["lastExecutionResult"], "id", "executingNodeName", "status",
			"startTime", "stopTime", "duration", "fileReferenceID", "scriptLogAvailable", "details", "scriptLogLocation", "scriptLogSize")
		checkTimes(t, where, res, "startTime", "stopTime")
		checkTimes(t, where, op, "nextExecution")
		for j, d := range res["details"].([]any) {
			dm := requireKeys(t, fmt.Sprintf("%s.details[%d]", where, j), d, "id", "detailsType", "message", "detailCreatedDate")
			checkTimes(t, where, dm, "detailCreatedDate")
		}
		if m["schemaPath"] != "ReloadTask" || m["taskType"] != 0.0 {
			t.Errorf("%s: schemaPath %v, taskType %v", where, m["schemaPath"], m["taskType"])
		}
		if s := res["status"].(float64); s < 0 || s > 14 {
			t.Errorf("%s: status %v", where, s)
		}
	}
	localTime := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$`)
	for i, e := range all[KindSchemaEvent] {
		where := fmt.Sprintf("schema event %d", i)
		m := requireKeys(t, where, e, append([]string{"name", "enabled", "eventType", "incrementDescription", "incrementOption",
			"startDate", "expirationDate", "timeZone", "daylightSavingTime", "schemaFilterDescription", "operational", "reloadTask",
			"privileges", "schemaPath"}, entityFields...)...)
		requireKeys(t, where+".reloadTask", m["reloadTask"], taskRefFields...)
		requireKeys(t, where+".operational", m["operational"], "id", "lastEventDate", "nextExecution", "timesTriggered")
		for _, f := range []string{"startDate", "expirationDate"} {
			if s, _ := m[f].(string); !localTime.MatchString(s) {
				t.Errorf("%s: %s %v is not a local time without zone", where, f, m[f])
			}
		}
		if m["eventType"] != 0.0 || m["schemaPath"] != "SchemaEvent" || len(strings.Fields(m["incrementDescription"].(string))) != 4 {
			t.Errorf("%s: eventType %v, schemaPath %v, incrementDescription %q", where, m["eventType"], m["schemaPath"], m["incrementDescription"])
		}
	}
	for i, e := range all[KindCompositeEvent] {
		where := fmt.Sprintf("composite event %d", i)
		m := requireKeys(t, where, e, append([]string{"name", "enabled", "eventType", "timeConstraint", "compositeRules", "operational",
			"reloadTask", "privileges", "schemaPath"}, entityFields...)...)
		requireKeys(t, where+".timeConstraint", m["timeConstraint"], "days", "hours", "minutes", "seconds")
		requireKeys(t, where+".reloadTask", m["reloadTask"], taskRefFields...)
		rules, _ := m["compositeRules"].([]any)
		if len(rules) == 0 {
			t.Errorf("%s: no rules", where)
		}
		for j, r := range rules {
			rm := requireKeys(t, fmt.Sprintf("%s.compositeRules[%d]", where, j), r, "id", "ruleState", "reloadTask")
			requireKeys(t, where+".rule.reloadTask", rm["reloadTask"], taskRefFields...)
			if s := rm["ruleState"]; s != 1.0 && s != 2.0 {
				t.Errorf("%s: ruleState %v", where, s)
			}
		}
		if m["eventType"] != 1.0 || m["schemaPath"] != "CompositeEvent" {
			t.Errorf("%s: eventType %v, schemaPath %v", where, m["eventType"], m["schemaPath"])
		}
	}
	return all
}

// checkReferences checks that tasks name real apps and triggers real
// tasks, by id and name.
func checkReferences(t *testing.T, st *site, all map[Kind][]map[string]any) {
	apps := map[string]string{}
	for _, a := range st.list(KindApp, "") {
		apps[a["id"].(string)] = a["name"].(string)
	}
	tasks := map[string]string{}
	for _, task := range all[KindReloadTask] {
		app := task["app"].(map[string]any)
		if name, ok := apps[app["id"].(string)]; !ok || name != app["name"] {
			t.Errorf("task %v: app %v %q is not a site app", task["name"], app["id"], app["name"])
		}
		tasks[task["id"].(string)] = task["name"].(string)
	}
	ref := func(where string, r any) {
		m := r.(map[string]any)
		if name, ok := tasks[m["id"].(string)]; !ok || name != m["name"] {
			t.Errorf("%s names task %v %q, not a site task", where, m["id"], m["name"])
		}
	}
	for _, e := range all[KindSchemaEvent] {
		ref("schema event "+e["name"].(string), e["reloadTask"])
	}
	for _, e := range all[KindCompositeEvent] {
		ref("composite event "+e["name"].(string), e["reloadTask"])
		for _, r := range e["compositeRules"].([]any) {
			ref("composite rule", r.(map[string]any)["reloadTask"])
		}
	}
}

func TestDemoEntities(t *testing.T) {
	st := startSite(t, DemoSite(), Config{})
	all := checkShapes(t, st)
	checkReferences(t, st, all)
	types := map[string]bool{}
	passwords := 0
	for _, c := range all[KindDataConnection] {
		types[c["type"].(string)] = true
		if c["password"] != "" {
			passwords++
		}
	}
	for _, typ := range []string{"folder", "ODBC", "OLEDB", "QvRestConnector.exe", "QvOdbcConnectorPackage.exe", "internet"} {
		if !types[typ] {
			t.Errorf("no demo data connection of type %s: %v", typ, types)
		}
	}
	if passwords == 0 || passwords == len(all[KindDataConnection]) {
		t.Errorf("%d of %d demo data connections with a password: want some", passwords, len(all[KindDataConnection]))
	}
	statuses := map[float64]int{}
	for _, task := range all[KindReloadTask] {
		statuses[task["operational"].(map[string]any)["lastExecutionResult"].(map[string]any)["status"].(float64)]++
	}
	for _, s := range []float64{0, 2, 6, 7, 8} { // never started, started, aborted, success, failure
		if statuses[s] == 0 {
			t.Errorf("no demo task with status %v: %v", s, statuses)
		}
	}
	// The demo site's own filters, on JSON items.
	salesTask := all[KindReloadTask][0]["id"].(string)
	for _, tt := range []struct {
		kind   Kind
		filter string
		want   int
	}{
		{KindDataConnection, "type eq 'folder'", 3},
		{KindDataConnection, "password ne ''", 2},
		{KindDataConnection, "connectionstring sw 'ODBC CONNECT'", 4},
		{KindDataConnection, "owner.userId eq 'anna.schmidt'", 4},
		{KindReloadTask, "operational.lastExecutionResult.status eq 8", 2},
		{KindReloadTask, "operational.lastExecutionResult.startTime eq '1753-01-01T00:00:00.000Z'", 1},
		{KindReloadTask, "app.name eq 'Sales Overview 2024'", 2},
		{KindReloadTask, "app.stream eq null", 3},
		{KindReloadTask, "isManuallyTriggered eq true", 1},
		{KindSchemaEvent, "reloadTask.id eq " + salesTask, 1},
		{KindSchemaEvent, "incrementOption eq 2 and enabled eq true", 3},
		{KindCompositeEvent, "compositeRules.reloadTask.name eq 'Reload task of Finance – Budget vs Actual'", 1},
		{KindStream, "name sw 'Fin'", 1},
	} {
		if got := len(st.list(tt.kind, tt.filter)); got != tt.want {
			t.Errorf("%s %q: %d items, want %d", tt.kind, tt.filter, got, tt.want)
		}
	}
}
