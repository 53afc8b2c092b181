package main

// The lines of the output: one per catalog entry, each with its "kind".
// A visualization's line is the one earlier versions wrote, every field as
// it was, with "kind" first; the other kinds have lines of their own.

import (
	"strconv"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/cli"
)

// record is one line of the output.
type record struct {
	kind qrs.EntryKind
	viz  *item // a visualization
	line any   // any other kind: one of the *...Line types below
}

// item is one visualization as the output writes it.
type item struct {
	Kind        string    `json:"kind"`
	Key         string    `json:"key"`
	Connection  string    `json:"connection"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	AppID       string    `json:"app_id"`
	App         string    `json:"app"`
	Stream      string    `json:"stream"`
	URL         string    `json:"url"`
	Status      string    `json:"status"`
	Created     time.Time `json:"created,omitzero"`
	Modified    time.Time `json:"modified,omitzero"`
	Published   time.Time `json:"published,omitzero"`
	Tags        []string  `json:"tags"`
	Contacts    []contact `json:"contacts"`
}

// contact is a person responsible for a visualization.
type contact struct {
	Name          string `json:"name"`
	UserID        string `json:"user_id"`
	UserDirectory string `json:"user_directory"`
	Email         string `json:"email,omitempty"`
	Role          string `json:"role"`
}

func newItem(v *qrs.Visualization) item {
	it := item{
		Kind:        string(qrs.EntryVisualization),
		Key:         v.Key.String(),
		Connection:  v.Key.Code,
		Name:        v.Name,
		Description: v.Description,
		AppID:       v.AppID,
		App:         v.AppName,
		Stream:      v.StreamName,
		URL:         v.SheetURL,
		Status:      string(v.Status),
		Created:     v.Created,
		Modified:    v.Modified,
		Published:   v.Published,
		Tags:        v.Tags,
		Contacts:    make([]contact, len(v.Contacts)),
	}
	if it.Tags == nil {
		it.Tags = []string{}
	}
	for i, c := range v.Contacts {
		it.Contacts[i] = contact(c)
	}
	return it
}

// AppendJSON appends the item as one JSON object, exactly as encoding it
// with its tags would (TestItemAppendJSON compares them), without
// reflection: this is the inventory's hot path.
func (it *item) AppendJSON(b []byte) []byte {
	str := func(b []byte, name, v string) []byte {
		b = append(b, name...)
		b, _ = jsontext.AppendQuote(b, v) // invalid UTF-8 is replaced, as encoding does
		return b
	}
	tm := func(b []byte, name string, t time.Time) []byte {
		if t.IsZero() {
			return b
		}
		b = append(append(b, name...), '"')
		return append(t.AppendFormat(b, time.RFC3339Nano), '"')
	}
	b = str(b, `{"kind":`, it.Kind)
	b = str(b, `,"key":`, it.Key)
	b = str(b, `,"connection":`, it.Connection)
	b = str(b, `,"name":`, it.Name)
	b = str(b, `,"description":`, it.Description)
	b = str(b, `,"app_id":`, it.AppID)
	b = str(b, `,"app":`, it.App)
	b = str(b, `,"stream":`, it.Stream)
	b = str(b, `,"url":`, it.URL)
	b = str(b, `,"status":`, it.Status)
	b = tm(b, `,"created":`, it.Created)
	b = tm(b, `,"modified":`, it.Modified)
	b = tm(b, `,"published":`, it.Published)
	b = append(b, `,"tags":[`...)
	for i, t := range it.Tags {
		if i > 0 {
			b = append(b, ',')
		}
		b, _ = jsontext.AppendQuote(b, t)
	}
	b = append(b, `],"contacts":[`...)
	for i, c := range it.Contacts {
		if i > 0 {
			b = append(b, ',')
		}
		b = str(b, `{"name":`, c.Name)
		b = str(b, `,"user_id":`, c.UserID)
		b = str(b, `,"user_directory":`, c.UserDirectory)
		if c.Email != "" {
			b = str(b, `,"email":`, c.Email)
		}
		b = str(b, `,"role":`, c.Role)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// owner returns the owner's DIRECTORY\user.
func (it *item) owner() string {
	for _, c := range it.Contacts {
		if c.Role == qrs.RoleOwner {
			return cli.UserName(c.UserDirectory, c.UserID)
		}
	}
	return ""
}

// head is what every line but a visualization's starts with.
type head struct {
	Kind       string     `json:"kind"`
	Key        string     `json:"key"`
	Connection string     `json:"connection"`
	Name       string     `json:"name"`
	Relations  []relation `json:"relations,omitzero"`
}

type relation struct {
	Kind string `json:"kind"`
	Key  string `json:"key"`
}

type property struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

func tagNames(tags []qrs.Tag) []string {
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = t.Name
	}
	return out
}

func properties(cps []qrs.CustomProperty) []property {
	out := make([]property, len(cps))
	for i, cp := range cps {
		out[i] = property{Name: cp.Definition.Name, Value: cp.Value}
	}
	return out
}

func userName(u qrs.User) string { return cli.UserName(u.UserDirectory, u.UserID) }

type siteLine struct {
	head
	URL string `json:"url"`
}

type streamLine struct {
	head
	ID               string     `json:"id"`
	Owner            string     `json:"owner"`
	Created          time.Time  `json:"created,omitzero"`
	Modified         time.Time  `json:"modified,omitzero"`
	Tags             []string   `json:"tags"`
	CustomProperties []property `json:"custom_properties"`
}

type appLine struct {
	head
	ID               string     `json:"id"`
	Description      string     `json:"description"`
	Stream           string     `json:"stream"`
	Owner            string     `json:"owner"`
	Published        time.Time  `json:"published,omitzero"`
	Modified         time.Time  `json:"modified,omitzero"`
	LastReload       time.Time  `json:"last_reload,omitzero"`
	FileSize         int64      `json:"file_size"`
	Availability     string     `json:"availability"`
	Tags             []string   `json:"tags"`
	CustomProperties []property `json:"custom_properties"`
}

type connectionLine struct {
	head
	ID               string               `json:"id"`
	Type             string               `json:"type"`
	ConnectionString string               `json:"connection_string"` // scrubbed of credentials
	Target           qrs.ConnectionTarget `json:"target"`
	Owner            string               `json:"owner"`
	Modified         time.Time            `json:"modified,omitzero"`
	Tags             []string             `json:"tags"`
	CustomProperties []property           `json:"custom_properties"`
}

type taskLine struct {
	head
	ID            string        `json:"id"`
	AppID         string        `json:"app_id"`
	App           string        `json:"app"`
	Enabled       bool          `json:"enabled"`
	Status        string        `json:"status"`
	Started       time.Time     `json:"started,omitzero"`
	Stopped       time.Time     `json:"stopped,omitzero"`
	DurationMS    int64         `json:"duration_ms"`
	Node          string        `json:"node"`
	Message       string        `json:"message,omitzero"`
	NextExecution time.Time     `json:"next_execution,omitzero"`
	Triggers      []triggerLine `json:"triggers"`
}

type triggerLine struct {
	Type      string   `json:"type"`
	Name      string   `json:"name"`
	Enabled   bool     `json:"enabled"`
	Increment string   `json:"increment,omitzero"` // schedules
	After     []string `json:"after,omitzero"`     // task events: the tasks it waits for
}

type masterItemLine struct {
	head
	ID             string    `json:"id"`
	EngineObjectID string    `json:"engine_object_id"`
	Type           string    `json:"type"`
	AppID          string    `json:"app_id"`
	App            string    `json:"app"`
	Description    string    `json:"description"`
	Owner          string    `json:"owner"`
	Status         string    `json:"status"`
	Modified       time.Time `json:"modified,omitzero"`
	Tags           []string  `json:"tags"`
}

type tableLine struct {
	head
	Rows      int64  `json:"rows"`
	Fields    int    `json:"fields"`
	KeyFields int    `json:"key_fields"`
	ByteSize  int64  `json:"byte_size"`
	System    bool   `json:"system"`
	Comment   string `json:"comment"`
}

type fieldLine struct {
	head
	Tables     []string `json:"tables"`
	Cardinal   int64    `json:"cardinal"`
	TotalCount int64    `json:"total_count"`
	Tags       []string `json:"tags"`
	ByteSize   int64    `json:"byte_size"`
	System     bool     `json:"system"`
	Hidden     bool     `json:"hidden"`
	Comment    string   `json:"comment"`
}

// newRecord makes the line of an entry of the connection code.
func newRecord(code string, e *qrs.Entry) record {
	if e.Kind == qrs.EntryVisualization {
		it := newItem(e.Visualization)
		return record{kind: e.Kind, viz: &it}
	}
	h := head{Kind: string(e.Kind), Key: e.Key, Connection: code, Name: e.Name}
	for _, r := range e.Relations {
		h.Relations = append(h.Relations, relation{Kind: string(r.Kind), Key: r.Key})
	}
	var line any
	switch e.Kind {
	case qrs.EntrySite:
		line = &siteLine{head: h, URL: e.Site.URL}
	case qrs.EntryStream:
		s := e.Stream
		line = &streamLine{head: h, ID: s.ID, Owner: userName(s.Owner), Created: s.Created, Modified: s.Modified,
			Tags: tagNames(s.Tags), CustomProperties: properties(s.CustomProperties)}
	case qrs.EntryApp:
		a := e.App
		l := &appLine{head: h, ID: a.ID, Description: a.Description, Owner: userName(a.Owner), Modified: a.Modified,
			LastReload: a.LastReloadTime, FileSize: a.FileSize, Availability: a.AvailabilityStatus.String(),
			Tags: tagNames(a.Tags), CustomProperties: properties(a.CustomProperties)}
		if a.Stream != nil {
			l.Stream = a.Stream.Name
		}
		if a.Published {
			l.Published = a.PublishTime
		}
		line = l
	case qrs.EntryDataConnection:
		d := e.DataConnection
		line = &connectionLine{head: h, ID: d.ID, Type: d.Type, ConnectionString: d.ConnectionString, Target: d.Target,
			Owner: userName(d.Owner), Modified: d.Modified, Tags: tagNames(d.Tags), CustomProperties: properties(d.CustomProperties)}
	case qrs.EntryReloadTask:
		t, last := e.ReloadTask, e.ReloadTask.LastExecution
		l := &taskLine{head: h, ID: t.ID, AppID: t.App.ID, App: t.App.Name, Enabled: t.Enabled, Status: last.Status.String(),
			Started: last.Start, Stopped: last.Stop, DurationMS: last.Duration.Milliseconds(), Node: last.Node, Message: last.Message,
			NextExecution: t.NextExecution, Triggers: []triggerLine{}}
		for _, tr := range t.Triggers {
			tl := triggerLine{Type: string(tr.Type), Name: tr.Name, Enabled: tr.Enabled}
			if tr.Type == qrs.TriggerSchedule {
				tl.Increment = tr.Increment.String()
			}
			for _, r := range tr.Rules {
				tl.After = append(tl.After, r.TaskName+" ("+r.State.String()+")")
			}
			l.Triggers = append(l.Triggers, tl)
		}
		line = l
	case qrs.EntryMasterItem:
		m := e.MasterItem
		line = &masterItemLine{head: h, ID: m.ID, EngineObjectID: m.EngineObjectID, Type: m.ObjectType, AppID: m.App.ID, App: m.App.Name,
			Description: m.Description, Owner: userName(m.Owner), Status: string(m.Status()), Modified: m.Modified, Tags: tagNames(m.Tags)}
	case qrs.EntryTable:
		t := e.Table
		line = &tableLine{head: h, Rows: t.Rows, Fields: t.Fields, KeyFields: t.KeyFields, ByteSize: t.ByteSize, System: t.IsSystem, Comment: t.Comment}
	case qrs.EntryField:
		f := e.Field
		tags := f.Tags
		if tags == nil {
			tags = []string{}
		}
		line = &fieldLine{head: h, Tables: f.SourceTables, Cardinal: f.Cardinal, TotalCount: f.TotalCount, Tags: tags,
			ByteSize: f.ByteSize, System: f.IsSystem, Hidden: f.IsHidden, Comment: f.Comment}
		if f.SourceTables == nil {
			line.(*fieldLine).Tables = []string{}
		}
	default:
		line = engineLine(h, e) // the head alone for a kind this program does not know
	}
	return record{kind: e.Kind, line: line}
}

// AppendJSON appends the record's line.
func (r *record) AppendJSON(b []byte) []byte {
	switch l := r.line.(type) {
	case nil:
		return r.viz.AppendJSON(b)
	case *tableLine:
		return l.AppendJSON(b)
	case *fieldLine:
		return l.AppendJSON(b)
	}
	out, err := json.Marshal(r.line, jsontext.AllowInvalidUTF8(true))
	if err != nil { // not for these types; a line all the same
		b, _ = jsontext.AppendQuote(append(b, `{"kind":`...), string(r.kind))
		return append(b, '}')
	}
	return append(b, out...)
}

// The hot paths beside visualizations: a site's fields and tables, each
// line written as encoding it would (TestLineAppendJSON compares them).

func appendStr(b []byte, name, v string) []byte {
	b = append(b, name...)
	b, _ = jsontext.AppendQuote(b, v)
	return b
}

func appendStrs(b []byte, name string, vs []string) []byte {
	b = append(append(b, name...), '[')
	for i, v := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b, _ = jsontext.AppendQuote(b, v)
	}
	return append(b, ']')
}

func appendInt(b []byte, name string, n int64) []byte {
	return strconv.AppendInt(append(b, name...), n, 10)
}

func appendBool(b []byte, name string, v bool) []byte {
	return strconv.AppendBool(append(b, name...), v)
}

func (h *head) appendJSON(b []byte) []byte {
	b = appendStr(b, `{"kind":`, h.Kind)
	b = appendStr(b, `,"key":`, h.Key)
	b = appendStr(b, `,"connection":`, h.Connection)
	b = appendStr(b, `,"name":`, h.Name)
	if len(h.Relations) > 0 {
		b = append(b, `,"relations":[`...)
		for i, r := range h.Relations {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendStr(b, `{"kind":`, r.Kind)
			b = appendStr(b, `,"key":`, r.Key)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return b
}

// AppendJSON appends the line as one JSON object.
func (l *tableLine) AppendJSON(b []byte) []byte {
	b = l.head.appendJSON(b)
	b = appendInt(b, `,"rows":`, l.Rows)
	b = appendInt(b, `,"fields":`, int64(l.Fields))
	b = appendInt(b, `,"key_fields":`, int64(l.KeyFields))
	b = appendInt(b, `,"byte_size":`, l.ByteSize)
	b = appendBool(b, `,"system":`, l.System)
	b = appendStr(b, `,"comment":`, l.Comment)
	return append(b, '}')
}

// AppendJSON appends the line as one JSON object.
func (l *fieldLine) AppendJSON(b []byte) []byte {
	b = l.head.appendJSON(b)
	b = appendStrs(b, `,"tables":`, l.Tables)
	b = appendInt(b, `,"cardinal":`, l.Cardinal)
	b = appendInt(b, `,"total_count":`, l.TotalCount)
	b = appendStrs(b, `,"tags":`, l.Tags)
	b = appendInt(b, `,"byte_size":`, l.ByteSize)
	b = appendBool(b, `,"system":`, l.System)
	b = appendBool(b, `,"hidden":`, l.Hidden)
	b = appendStr(b, `,"comment":`, l.Comment)
	return append(b, '}')
}

// columns are the columns of -table, for each kind: one table per kind.
func columns(kind qrs.EntryKind) []cli.Column[record] {
	col := func(title string, max int, v func(r *record) string) cli.Column[record] {
		return cli.Column[record]{Title: title, Max: max, Value: v}
	}
	key := func(r *record) string {
		if r.viz != nil {
			return r.viz.Key
		}
		return headOf(r).Key
	}
	name := func(r *record) string {
		if r.viz != nil {
			return r.viz.Name
		}
		return headOf(r).Name
	}
	switch kind {
	case qrs.EntryVisualization:
		return []cli.Column[record]{
			col("KEY", 0, key), col("NAME", 32, name),
			col("APP", 28, func(r *record) string { return r.viz.App }),
			col("STREAM", 20, func(r *record) string { return r.viz.Stream }),
			col("STATUS", 0, func(r *record) string { return r.viz.Status }),
			col("MODIFIED", 0, func(r *record) string { return cli.TableTime(r.viz.Modified) }),
			col("OWNER", 24, func(r *record) string { return r.viz.owner() }),
			col("URL", 0, func(r *record) string { return r.viz.URL }),
		}
	case qrs.EntrySite:
		return []cli.Column[record]{col("KEY", 0, key), col("URL", 0, func(r *record) string { return r.line.(*siteLine).URL })}
	case qrs.EntryStream:
		return []cli.Column[record]{col("KEY", 0, key), col("NAME", 32, name),
			col("OWNER", 24, func(r *record) string { return r.line.(*streamLine).Owner }),
			col("MODIFIED", 0, func(r *record) string { return cli.TableTime(r.line.(*streamLine).Modified) })}
	case qrs.EntryApp:
		return []cli.Column[record]{col("KEY", 0, key), col("NAME", 32, name),
			col("STREAM", 20, func(r *record) string { return r.line.(*appLine).Stream }),
			col("OWNER", 24, func(r *record) string { return r.line.(*appLine).Owner }),
			col("LAST_RELOAD", 0, func(r *record) string { return cli.TableTime(r.line.(*appLine).LastReload) })}
	case qrs.EntryDataConnection:
		return []cli.Column[record]{col("KEY", 0, key), col("NAME", 28, name),
			col("TYPE", 24, func(r *record) string { return r.line.(*connectionLine).Type }),
			col("TARGET", 48, func(r *record) string { return r.line.(*connectionLine).Target.String() })}
	case qrs.EntryReloadTask:
		return []cli.Column[record]{col("KEY", 0, key), col("NAME", 32, name),
			col("STATUS", 0, func(r *record) string { return r.line.(*taskLine).Status }),
			col("STOPPED", 0, func(r *record) string { return cli.TableTime(r.line.(*taskLine).Stopped) }),
			col("MESSAGE", 48, func(r *record) string { return r.line.(*taskLine).Message })}
	case qrs.EntryMasterItem:
		return []cli.Column[record]{col("KEY", 0, key), col("NAME", 32, name),
			col("TYPE", 0, func(r *record) string { return r.line.(*masterItemLine).Type }),
			col("APP", 28, func(r *record) string { return r.line.(*masterItemLine).App })}
	case qrs.EntryTable:
		return []cli.Column[record]{col("KEY", 0, key), col("NAME", 32, name),
			col("ROWS", 0, func(r *record) string { return itoa(r.line.(*tableLine).Rows) }),
			col("FIELDS", 0, func(r *record) string { return itoa(int64(r.line.(*tableLine).Fields)) })}
	case qrs.EntryField:
		return []cli.Column[record]{col("KEY", 0, key), col("NAME", 32, name),
			col("CARDINAL", 0, func(r *record) string { return itoa(r.line.(*fieldLine).Cardinal) }),
			col("TAGS", 40, func(r *record) string { return join(r.line.(*fieldLine).Tags) })}
	}
	if cols := engineColumns(kind, key, name); cols != nil {
		return cols
	}
	return []cli.Column[record]{col("KEY", 0, key), col("NAME", 32, name)}
}

// headOf returns the head of a line of a kind other than visualization.
func headOf(r *record) *head {
	switch l := r.line.(type) {
	case *siteLine:
		return &l.head
	case *streamLine:
		return &l.head
	case *appLine:
		return &l.head
	case *connectionLine:
		return &l.head
	case *taskLine:
		return &l.head
	case *masterItemLine:
		return &l.head
	case *tableLine:
		return &l.head
	case *fieldLine:
		return &l.head
	case *head:
		return l
	case headed:
		return l.headOf()
	}
	return &head{}
}
