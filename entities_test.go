package qrs_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/testserver"
)

// Every field of every entity kind, against the demo site's files.

func TestStreams(t *testing.T) {
	srv, c := startDemo(t, testserver.Config{})
	got, err := c.ListStreams(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	raw := demoItems(t, testserver.StreamFile)
	if len(got) != len(raw) {
		t.Fatalf("%d streams, want %d", len(got), len(raw))
	}
	for i, s := range got {
		r := raw[i]
		same(t, fmt.Sprintf("stream %d", i), s, qrs.Stream{
			ID: str(r["id"]), Name: str(r["name"]), Created: wantTime(t, r["createdDate"]), Modified: wantTime(t, r["modifiedDate"]),
			ModifiedByUserName: str(r["modifiedByUserName"]), Owner: wantUser(r["owner"]), Tags: wantTags(r["tags"]),
			CustomProperties: wantCPs(r["customProperties"]), SchemaPath: str(r["schemaPath"]),
		})
	}
	if n := len(qrsRequests(srv)); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	fin, err := c.ListStreams(t.Context(), &qrs.ListOptions{Filter: "name eq 'Finance'"})
	if err != nil || len(fin) != 1 || fin[0].Name != "Finance" {
		t.Errorf("streams named Finance: %v, %v", fin, err)
	}
}

func TestAppObjects(t *testing.T) {
	_, c := startDemo(t, testserver.Config{})
	got, err := c.ListAppObjects(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	raw := demoItems(t, testserver.AppObjectFile)
	if len(got) != len(raw) {
		t.Fatalf("%d objects, want %d", len(got), len(raw))
	}
	types := map[string]int{}
	for i, o := range got {
		r := raw[i]
		same(t, fmt.Sprintf("object %d", i), o, qrs.AppObject{
			ID: str(r["id"]), Name: str(r["name"]), Description: str(r["description"]), ObjectType: str(r["objectType"]),
			EngineObjectID: str(r["engineObjectId"]), EngineObjectType: str(r["engineObjectType"]), App: wantAppCondensed(t, r["app"]),
			Owner: wantUser(r["owner"]), Published: boolean(r["published"]), Approved: boolean(r["approved"]),
			PublishTime: wantTime(t, r["publishTime"]), Created: wantTime(t, r["createdDate"]), Modified: wantTime(t, r["modifiedDate"]),
			ModifiedByUserName: str(r["modifiedByUserName"]), ContentHash: str(r["contentHash"]), Attributes: str(r["attributes"]),
			Size: int64(num(r["size"])), Tags: wantTags(r["tags"]), SourceObject: str(r["sourceObject"]), DraftObject: str(r["draftObject"]),
			SchemaPath: str(r["schemaPath"]),
		})
		types[o.ObjectType]++
		if want := o.ObjectType == "masterobject" || o.ObjectType == "dimension" || o.ObjectType == "measure"; o.IsMasterItem() != want {
			t.Errorf("object %d of type %s: IsMasterItem %v", i, o.ObjectType, o.IsMasterItem())
		}
	}
	for _, typ := range []string{qrs.ObjectSheet, qrs.ObjectStory, qrs.ObjectMasterVisualization, qrs.ObjectDimension, qrs.ObjectMeasure, qrs.ObjectBookmark} {
		if types[typ] == 0 {
			t.Errorf("no demo object of type %s: %v", typ, types)
		}
	}
	// A Sheet is an AppObject of type sheet.
	sheets, err := c.ListSheets(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	masters, err := c.ListAppObjects(t.Context(), &qrs.ListOptions{Filter: "objectType eq 'sheet'"})
	if err != nil || len(masters) != len(sheets) {
		t.Fatalf("%d sheets by AppObjects (%v), %d by Sheets", len(masters), err, len(sheets))
	}
	for i := range sheets {
		same(t, "sheet as an object", qrs.AppObject(sheets[i]), masters[i])
	}
}

func TestDataConnections(t *testing.T) {
	var logs syncBuffer
	_, c := startDemo(t, testserver.Config{}, qrs.WithLogger(slogTo(&logs)))
	got, err := c.ListDataConnections(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	raw := demoItems(t, testserver.DataConnectionFile)
	if len(got) != len(raw) {
		t.Fatalf("%d connections, want %d", len(got), len(raw))
	}
	byName := map[string]qrs.DataConnection{}
	for i, d := range got {
		r := raw[i]
		want := qrs.DataConnection{
			ID: str(r["id"]), Name: str(r["name"]), Type: str(r["type"]), ConnectionString: d.ConnectionString, Target: d.Target,
			EngineObjectID: str(r["engineObjectId"]), Username: str(r["username"]), LogOn: qrs.LogOnType(num(r["logOn"])),
			Architecture: int(num(r["architecture"])), Owner: wantUser(r["owner"]), Tags: wantTags(r["tags"]),
			CustomProperties: wantCPs(r["customProperties"]), Created: wantTime(t, r["createdDate"]), Modified: wantTime(t, r["modifiedDate"]),
			ModifiedByUserName: str(r["modifiedByUserName"]), SchemaPath: str(r["schemaPath"]),
		}
		same(t, "connection "+d.Name, d, want)
		// The scrubbed string is the raw one where it holds no secret.
		holds := false
		for _, s := range testserver.FixtureSecrets() {
			holds = holds || strings.Contains(str(r["connectionstring"]), s)
		}
		if unchanged := d.ConnectionString == str(r["connectionstring"]); unchanged == holds {
			t.Errorf("%s: connection string %q, from %q: changed %v, holds a secret %v", d.Name, d.ConnectionString, r["connectionstring"], !unchanged, holds)
		}
		byName[d.Name] = d
	}
	if _, ok := reflect.TypeFor[qrs.DataConnection]().FieldByName("Password"); ok {
		t.Error("DataConnection has a Password field")
	}
	for name, want := range map[string]qrs.ConnectionTarget{
		"Data":                {Host: "fs01.corp.example.com", Path: `\\fs01.corp.example.com\qlik\data\`},
		"Finance QVDs":        {Path: `C:\Data\Sales`},
		"DWH (SQL Server)":    {Host: "sql01.corp.example.com", Port: 1433, Database: "Sales", Driver: "sqlserver"},
		"Finance DB (OLE DB)": {Host: "sql02.corp.example.com", Database: "Finance", Driver: "SQLOLEDB.1"},
		"DWH Prod (DSN)":      {DSN: "DWH_PROD"},
		"SalesDB":             {DSN: "SalesDB"},
		"CRM REST":            {Host: "crm.example.com", URL: "https://crm.example.com/api/v2/customers"},
		"Tickets API (REST)":  {Host: "tickets.example.com", URL: "https://tickets.example.com/api/search"},
		"Partner files (web)": {Host: "files.corp.example.com", URL: "https://files.corp.example.com/exports/daily_sales.csv"},
		"S3 landing zone":     {URL: "s3://qlik-landing-sales"},
		"Ops (JDBC)": {Host: "sql04.corp.example.com", Port: 1433, Database: "Ops", Driver: "com.microsoft.sqlserver.jdbc.SQLServerDriver",
			URL: "jdbc:sqlserver://sql04.corp.example.com:1433"},
	} {
		if d, ok := byName[name]; !ok || d.Target != want {
			t.Errorf("%s: target %+v, want %+v", name, d.Target, want)
		}
	}
	if d := byName["HR (ODBC)"]; d.LogOn != qrs.LogOnCurrentUser || d.LogOn.String() != "CurrentUser" || d.Architecture != 2 {
		t.Errorf("HR (ODBC): logOn %v, architecture %d", d.LogOn, d.Architecture)
	}
	checkNoSecret(t, "the data connections", fmt.Sprintf("%v %+v %#v", got, got, got)+logs.String(), testserver.FixtureSecrets()...)
}

func TestReloadTasks(t *testing.T) {
	srv, c := startDemo(t, testserver.Config{})
	got, err := c.ListReloadTasks(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, r := range qrsRequests(srv) {
		paths = append(paths, r.Path)
	}
	if want := []string{"/qrs/schemaevent/full", "/qrs/compositeevent/full", "/qrs/reloadtask/full"}; strings.Join(paths, " ") != strings.Join(want, " ") {
		t.Errorf("requests %v, want %v", paths, want)
	}
	raw := demoItems(t, testserver.ReloadTaskFile)
	if len(got) != len(raw) {
		t.Fatalf("%d tasks, want %d", len(got), len(raw))
	}
	// The triggers of each task, joined here by the task's id.
	triggers := map[string][]qrs.Trigger{}
	for _, e := range demoItems(t, testserver.SchemaEventFile) {
		op := obj(e["operational"])
		var filter []string
		for _, f := range arr(e["schemaFilterDescription"]) {
			filter = append(filter, str(f))
		}
		id := str(obj(e["reloadTask"])["id"])
		triggers[id] = append(triggers[id], qrs.Trigger{
			ID: str(e["id"]), Name: str(e["name"]), Type: qrs.TriggerSchedule, Enabled: boolean(e["enabled"]),
			Created: wantTime(t, e["createdDate"]), Modified: wantTime(t, e["modifiedDate"]), TimesTriggered: int(num(op["timesTriggered"])),
			Increment: qrs.ScheduleIncrement(num(e["incrementOption"])), IncrementDescription: str(e["incrementDescription"]),
			FilterDescription: filter, TimeZone: str(e["timeZone"]), DaylightSavingTime: int(num(e["daylightSavingTime"])),
			Start: wantLocal(t, e["startDate"]), Expiration: wantLocal(t, e["expirationDate"]),
			LastEvent: wantTime(t, op["lastEventDate"]), NextExecution: wantTime(t, op["nextExecution"]),
		})
	}
	for _, e := range demoItems(t, testserver.CompositeEventFile) {
		tc := obj(e["timeConstraint"])
		tr := qrs.Trigger{
			ID: str(e["id"]), Name: str(e["name"]), Type: qrs.TriggerTaskEvent, Enabled: boolean(e["enabled"]),
			Created: wantTime(t, e["createdDate"]), Modified: wantTime(t, e["modifiedDate"]),
			TimesTriggered: int(num(obj(e["operational"])["timesTriggered"])),
			TimeConstraint: time.Duration(num(tc["days"])*86400+num(tc["hours"])*3600+num(tc["minutes"])*60+num(tc["seconds"])) * time.Second,
		}
		for _, r := range arr(e["compositeRules"]) {
			rt := obj(obj(r)["reloadTask"])
			tr.Rules = append(tr.Rules, qrs.TriggerRule{TaskID: str(rt["id"]), TaskName: str(rt["name"]), State: qrs.RuleState(num(obj(r)["ruleState"]))})
		}
		id := str(obj(e["reloadTask"])["id"])
		triggers[id] = append(triggers[id], tr)
	}
	for i, task := range got {
		r := raw[i]
		last := obj(obj(r["operational"])["lastExecutionResult"])
		var details []qrs.TaskDetail
		for _, d := range arr(last["details"]) {
			details = append(details, qrs.TaskDetail{Type: int(num(obj(d)["detailsType"])), Message: str(obj(d)["message"]), Created: wantTime(t, obj(d)["detailCreatedDate"])})
		}
		want := qrs.ReloadTask{
			ID: str(r["id"]), Name: str(r["name"]), TaskType: int(num(r["taskType"])), Enabled: boolean(r["enabled"]),
			App: wantAppCondensed(t, r["app"]), IsManuallyTriggered: boolean(r["isManuallyTriggered"]), IsPartialReload: boolean(r["isPartialReload"]),
			MaxRetries: int(num(r["maxRetries"])), SessionTimeout: int(num(r["taskSessionTimeout"])), Tags: wantTags(r["tags"]),
			CustomProperties: wantCPs(r["customProperties"]), Created: wantTime(t, r["createdDate"]), Modified: wantTime(t, r["modifiedDate"]),
			ModifiedByUserName: str(r["modifiedByUserName"]), SchemaPath: str(r["schemaPath"]),
			NextExecution: wantTime(t, obj(r["operational"])["nextExecution"]),
			LastExecution: qrs.TaskExecution{
				Status: qrs.TaskStatus(num(last["status"])), Start: wantTime(t, last["startTime"]), Stop: wantTime(t, last["stopTime"]),
				Duration: time.Duration(num(last["duration"])) * time.Millisecond, Node: str(last["executingNodeName"]),
				Message: task.LastExecution.Message, Details: details, ScriptLogAvailable: boolean(last["scriptLogAvailable"]),
				ScriptLogLocation: str(last["scriptLogLocation"]), ScriptLogSize: int64(num(last["scriptLogSize"])),
			},
			Triggers: triggers[str(r["id"])],
		}
		same(t, "task "+task.Name, task, want)
	}
	// The failure messages, the never-run task, the names of statuses.
	byName := map[string]qrs.ReloadTask{}
	for _, task := range got {
		byName[task.Name] = task
	}
	for name, want := range map[string]string{
		"Sales Overview 2024 - intraday":     "Message from ReloadProvider: Error: Field 'OrderDate' not found",
		"Reload task of Operations KPIs":     "Message from ReloadProvider: Error: Connector reply error: SQL##f - SqlState: 28000",
		"Reload Kundenübersicht (Entwurf)":   "Abort requested by user EMEA\\sofia.rossi",
		"Reload task of Sales Overview 2024": "",
		"Customer 360 - nightly reload":      "",
	} {
		if m := byName[name].LastExecution.Message; !strings.HasPrefix(m, want) || (want == "") != (m == "") {
			t.Errorf("%s: message %q, want %q", name, m, want)
		}
	}
	never := byName["Reload task of Director's Cockpit"].LastExecution
	if never.Status != qrs.TaskStatusNeverStarted || !never.Start.IsZero() || !never.Stop.IsZero() || never.Duration != 0 ||
		!byName["Reload task of Director's Cockpit"].NextExecution.IsZero() {
		t.Errorf("never-run task: %+v", never)
	}
	for s, name := range map[qrs.TaskStatus]string{qrs.TaskStatusNeverStarted: "NeverStarted", qrs.TaskStatusFinishedSuccess: "FinishedSuccess",
		qrs.TaskStatusFinishedFail: "FinishedFail", qrs.TaskStatusDistributionRunning: "DistributionRunning", 15: "TaskStatus(15)"} {
		if s.String() != name {
			t.Errorf("TaskStatus(%d).String() = %q, want %q", int(s), s.String(), name)
		}
	}
	if len(byName["Reload task of Sales Overview 2024"].Triggers) == 0 || len(byName["Reload task of Finance – Budget vs Actual"].Triggers) == 0 {
		t.Error("demo tasks without their triggers")
	}
}

// TestReloadTaskStatuses reads every status QRS has, from a generated
// site, where each occurs.
func TestReloadTaskStatuses(t *testing.T) {
	g := testserver.Generate(testserver.GenConfig{Seed: 3, Apps: 600, Sheets: 600})
	_, c := startSite(t, testserver.Config{Site: g})
	seen := map[qrs.TaskStatus]int{}
	for task, err := range c.ReloadTasks(t.Context(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		last := task.LastExecution
		seen[last.Status]++
		if last.Status == qrs.TaskStatusNeverStarted && (!last.Start.IsZero() || !last.Stop.IsZero() || last.Duration != 0) {
			t.Errorf("%s never started, yet ran %v to %v (%v)", task.Name, last.Start, last.Stop, last.Duration)
		}
		if last.Status == qrs.TaskStatusFinishedFail && last.Message == "" {
			t.Errorf("%s failed without a message: %+v", task.Name, last.Details)
		}
	}
	for s := qrs.TaskStatusNeverStarted; s <= qrs.TaskStatusDistributionRunning; s++ {
		if seen[s] == 0 {
			t.Errorf("no task with status %v: %v", s, seen)
		}
	}
}

func TestDataModel(t *testing.T) {
	srv, c := startDemo(t, testserver.Config{})
	for _, a := range demoItems(t, testserver.AppFile) {
		id := str(a["id"])
		m, err := c.DataModel(t.Context(), id)
		raw, ok := demoModel(t, id)
		if !ok || len(arr(raw["tables"])) == 0 && len(arr(raw["fields"])) == 0 {
			if !errors.Is(err, qrs.ErrNoDataModel) || errors.Is(err, qrs.ErrNotFound) || errors.Is(err, qrs.ErrUnauthenticated) || m != nil {
				t.Errorf("%s (no data model on file: %v): %v, %v; want ErrNoDataModel alone", a["name"], ok, m, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", a["name"], err)
		}
		rm := obj(raw["reload_meta"])
		want := qrs.DataModel{
			ReloadMeta: qrs.ReloadMeta{CPUTimeMS: int64(num(rm["cpu_time_spent_ms"])), PeakMemoryBytes: int64(num(rm["peak_memory_bytes"])),
				Hardware: qrs.Hardware{LogicalCores: int(num(obj(rm["hardware"])["logical_cores"])), TotalMemory: int64(num(obj(rm["hardware"])["total_memory"]))}},
			StaticByteSize: int64(num(raw["static_byte_size"])), HasSectionAccess: boolean(raw["has_section_access"]),
			IsDirectQueryMode: boolean(raw["is_direct_query_mode"]), Usage: str(raw["usage"]),
		}
		for _, v := range arr(raw["tables"]) {
			r := obj(v)
			want.Tables = append(want.Tables, qrs.ModelTable{Name: str(r["name"]), IsSystem: boolean(r["is_system"]), IsSemantic: boolean(r["is_semantic"]),
				IsLoose: boolean(r["is_loose"]), Rows: int64(num(r["no_of_rows"])), Fields: int(num(r["no_of_fields"])),
				KeyFields: int(num(r["no_of_key_fields"])), Comment: str(r["comment"]), ByteSize: int64(num(r["byte_size"]))})
		}
		for _, v := range arr(raw["fields"]) {
			r := obj(v)
			f := qrs.ModelField{Name: str(r["name"]), IsSystem: boolean(r["is_system"]), IsHidden: boolean(r["is_hidden"]),
				IsSemantic: boolean(r["is_semantic"]), DistinctOnly: boolean(r["distinct_only"]), Cardinal: int64(num(r["cardinal"])),
				TotalCount: int64(num(r["total_count"])), IsLocked: boolean(r["is_locked"]), AlwaysOneSelected: boolean(r["always_one_selected"]),
				IsNumeric: boolean(r["is_numeric"]), Comment: str(r["comment"]), ByteSize: int64(num(r["byte_size"])), Hash: str(r["hash"])}
			for _, s := range arr(r["src_tables"]) {
				f.SourceTables = append(f.SourceTables, str(s))
			}
			for _, s := range arr(r["tags"]) {
				f.Tags = append(f.Tags, str(s))
			}
			want.Fields = append(want.Fields, f)
		}
		same(t, "data model of "+str(a["name"]), *m, want)
		for _, tb := range m.Tables {
			if strings.HasPrefix(tb.Name, "$$SysTable") && !tb.IsSystem {
				t.Errorf("%s: %s is not marked a system table", a["name"], tb.Name)
			}
		}
	}
	// The endpoint's path under the virtual proxy prefix, with the session.
	var n int
	for _, r := range srv.Requests() {
		if strings.HasPrefix(r.Path, "/api/v1/apps/") && strings.HasSuffix(r.Path, "/data/metadata") && !r.OutsidePrefix {
			n++
		}
	}
	if want := len(demoItems(t, testserver.AppFile)); n != want {
		t.Errorf("%d metadata requests under the prefix, want %d", n, want)
	}
	for _, bad := range []string{"", "a/b", "a b", "x?y", "%41"} {
		if _, err := c.DataModel(t.Context(), bad); err == nil || !strings.HasPrefix(err.Error(), "qrs: DataModel: ") {
			t.Errorf("DataModel(%q) error = %v", bad, err)
		}
	}
}

func TestDataModelForbidden(t *testing.T) {
	const app = "08e587a1-fb60-4bb7-84dc-34d775320e0b"
	_, c := startDemo(t, testserver.Config{DenyDataModel: func(_, appID string) bool { return strings.EqualFold(appID, app) }})
	_, err := c.DataModel(t.Context(), app)
	if !errors.Is(err, qrs.ErrForbidden) || errors.Is(err, qrs.ErrNoDataModel) || !qrs.IsErrorStatus(err, 403) {
		t.Errorf("error = %v, want ErrForbidden", err)
	}
}
