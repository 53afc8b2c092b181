package testserver

import "sort"

// Generated triggers of reload tasks. QRS keeps them beside the tasks, not
// in /qrs/reloadtask/full: schedules are SchemaEvent items of
// /qrs/schemaevent/full, task chains ("start after task X succeeded") are
// CompositeEvent items of /qrs/compositeevent/full, each naming its task in
// reloadTask (a ReloadTaskCondensed) and, for chains, the upstream tasks in
// compositeRules.

// Schema event increment options, as QRS numbers them.
const (
	incOnce = iota
	incHourly
	incDaily
	incWeekly
)

func (g *GenSite) schemaEvents() int { return int(g.schedOff[g.tasks()]) }

func (g *GenSite) compositeEvents() int { return int(g.chainOff[g.tasks()]) }

var schemaEventsOfTasks = genParent{
	path:   "reloadtask.id",
	domain: dTask,
	len:    (*GenSite).tasks,
	span:   func(g *GenSite, t int) (int, int) { return int(g.schedOff[t]), int(g.schedOff[t+1]) },
}

var compositeEventsOfTasks = genParent{
	path:   "reloadtask.id",
	domain: dTask,
	len:    (*GenSite).tasks,
	span:   func(g *GenSite, t int) (int, int) { return int(g.chainOff[t]), int(g.chainOff[t+1]) },
}

type genSchemaEvent struct {
	g                 *GenSite
	index             int
	id                guidText
	task              genTask
	option            int
	name              string
	increment, filter string
	enabled           bool
	timeZone, dst     int
	start             int64 // local time of the first run
	created, modified int64
	triggered         int
}

func schemaEventCursor(g *GenSite) func(int) Item {
	var e genSchemaEvent
	return func(i int) Item { g.fillSchemaEvent(&e, i); return &e }
}

func (g *GenSite) fillSchemaEvent(e *genSchemaEvent, i int) {
	cond := e.task.app.condensed
	*e = genSchemaEvent{g: g, index: i, id: g.itemGUID(dSchemaEvent, i)}
	t := sort.Search(g.tasks(), func(t int) bool { return g.schedOff[t+1] > uint32(i) })
	e.task.app.condensed = cond
	g.fillTask(&e.task, t)
	second := i > int(g.schedOff[t])
	r := g.rng(dSchemaEvent, uint64(i))
	// A task's first schedule is mostly daily; a second one hourly or
	// weekly.
	switch n := r.intn(100); {
	case second && n < 60:
		e.option = incHourly
	case second:
		e.option = incWeekly
	case n < 60:
		e.option = incDaily
	case n < 80:
		e.option = incHourly
	case n < 95:
		e.option = incWeekly
	default:
		e.option = incOnce
	}
	e.increment, e.filter = "0 0 1 0", "* * - * * * * *"
	switch e.option {
	case incOnce:
		e.name, e.increment = "Once", "0 0 0 0"
	case incHourly:
		e.name, e.increment = "Hourly", []string{"0 1 0 0", "30 0 0 0", "0 4 0 0"}[r.intn(3)]
	case incDaily:
		e.name = []string{"Daily", "Daily", "Nightly 02:00", "Täglich"}[r.intn(4)]
	case incWeekly:
		e.name = "Weekly"
		e.filter = "* * - " + string(rune('1'+r.intn(7))) + " 1 * * *"
	}
	e.enabled = e.task.enabled && !r.chance(0.05)
	e.timeZone = r.intn(len(timeZones))
	e.dst = []int{0, 0, 0, 0, 1, 2}[r.intn(6)]
	e.created = e.task.created + int64(r.intn(dayMillis))
	e.modified = e.created + int64(r.intn(100))*dayMillis
	e.start = e.created - e.created%dayMillis + dayMillis + int64(r.intn(24))*3600_000 + int64(r.intn(60))*60_000
	if e.task.run.status != stNeverStarted {
		e.triggered = 1 + r.intn(900)
	}
}

// appendLocalTime writes a time the way schema events give startDate and
// expirationDate: local to the event's time zone, without a zone.
func appendLocalTime(dst []byte, ms int64) []byte {
	t := appendTimeRaw(nil, ms)
	dst = append(dst, '"')
	dst = append(dst, t[:len(t)-1]...)
	return append(dst, '"')
}

const schemaNoExpiry = "9999-01-01T00:00:00.000"

func (e *genSchemaEvent) operationalID() guidText {
	return e.g.hashGUID(dSchemaEvent, uint64(e.index))
}

func (e *genSchemaEvent) lastEvent() int64 {
	if e.triggered == 0 {
		return neverMillis
	}
	return max(e.task.run.start, e.task.run.stop)
}

// Field implements Object, for SchemaEvent properties.
func (e *genSchemaEvent) Field(name string) (any, bool) {
	switch name {
	case "id":
		return string(e.id[:]), true
	case "name":
		return e.name, true
	case "enabled":
		return e.enabled, true
	case "eventtype":
		return int64(0), true
	case "timezone":
		return timeZones[e.timeZone], true
	case "daylightsavingtime":
		return int64(e.dst), true
	case "startdate":
		t := appendLocalTime(nil, e.start)
		return string(t[1 : len(t)-1]), true
	case "expirationdate":
		return schemaNoExpiry, true
	case "incrementdescription":
		return e.increment, true
	case "incrementoption":
		return int64(e.option), true
	case "createddate":
		return timeString(e.created), true
	case "modifieddate":
		return timeString(e.modified), true
	case "modifiedbyusername":
		return e.task.modifierString(), true
	case "operational":
		id := e.operationalID()
		return map[string]any{
			"id": string(id[:]), "lastEventDate": timeString(e.lastEvent()), "nextExecution": timeString(e.task.run.next),
			"timesTriggered": int64(e.triggered),
		}, true
	case "reloadtask":
		return e.task.condensed(), true
	case "externalprogramtask", "usersynctask":
		return nil, true
	}
	return nil, false
}

// AppendJSON implements Item: the SchemaEvent entity of
// /qrs/schemaevent/full.
func (e *genSchemaEvent) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"id":`...)
	dst = appendGUID(dst, &e.id)
	dst = append(dst, `,"createdDate":`...)
	dst = appendTime(dst, e.created)
	dst = append(dst, `,"modifiedDate":`...)
	dst = appendTime(dst, e.modified)
	dst = append(dst, `,"modifiedByUserName":`...)
	dst = appendString(dst, e.task.modifierString())
	dst = append(dst, `,"timeZone":`...)
	dst = appendString(dst, timeZones[e.timeZone])
	dst = append(dst, `,"daylightSavingTime":`...)
	dst = appendInt(dst, int64(e.dst))
	dst = append(dst, `,"startDate":`...)
	dst = appendLocalTime(dst, e.start)
	dst = append(dst, `,"expirationDate":"`+schemaNoExpiry+`","schemaFilterDescription":[`...)
	dst = appendString(dst, e.filter)
	dst = append(dst, `],"incrementDescription":`...)
	dst = appendString(dst, e.increment)
	dst = append(dst, `,"incrementOption":`...)
	dst = appendInt(dst, int64(e.option))
	dst = append(dst, `,"operational":{"id":`...)
	id := e.operationalID()
	dst = appendGUID(dst, &id)
	dst = append(dst, `,"createdDate":`...)
	dst = appendTime(dst, e.created)
	dst = append(dst, `,"modifiedDate":`...)
	dst = appendTime(dst, max(e.modified, e.lastEvent()))
	dst = append(dst, `,"modifiedByUserName":"INTERNAL\\sa_repository","lastEventDate":`...)
	dst = appendTime(dst, e.lastEvent())
	dst = append(dst, `,"nextExecution":`...)
	dst = appendTime(dst, e.task.run.next)
	dst = append(dst, `,"timesTriggered":`...)
	dst = appendInt(dst, int64(e.triggered))
	dst = append(dst, `,"privileges":null,"schemaPath":"SchemaEventOperational"},"name":`...)
	dst = appendString(dst, e.name)
	dst = append(dst, `,"enabled":`...)
	dst = appendBool(dst, e.enabled)
	dst = append(dst, `,"eventType":0,"externalProgramTask":null,"userSyncTask":null,"reloadTask":`...)
	dst = e.task.appendCondensed(dst)
	return append(dst, `,"privileges":null,"schemaPath":"SchemaEvent"}`...)
}

type genCompositeEvent struct {
	g                 *GenSite
	index             int
	id                guidText
	task              genTask
	name              int
	enabled           bool
	minutes           int
	rules             [2]struct{ task, state int } // state: 1 TaskSuccessful, 2 TaskFail
	nrules            int
	created, modified int64
	triggered         int
}

func compositeEventCursor(g *GenSite) func(int) Item {
	var e genCompositeEvent
	return func(i int) Item { g.fillCompositeEvent(&e, i); return &e }
}

func (g *GenSite) fillCompositeEvent(e *genCompositeEvent, i int) {
	cond := e.task.app.condensed
	*e = genCompositeEvent{g: g, index: i, id: g.itemGUID(dCompositeEvent, i)}
	t := sort.Search(g.tasks(), func(t int) bool { return g.chainOff[t+1] > uint32(i) })
	e.task.app.condensed = cond
	g.fillTask(&e.task, t)
	r := g.rng(dCompositeEvent, uint64(i))
	e.name = r.intn(len(compositeEventNames))
	e.enabled = e.task.enabled && !r.chance(0.05)
	e.minutes = []int{360, 360, 360, 60, 720}[r.intn(5)]
	// Upstream tasks come before t (taskPlan chains only t > 0).
	e.nrules = 1
	if t > 1 && r.chance(0.25) {
		e.nrules = 2
	}
	for k := 0; k < e.nrules; k++ {
		up := t - 1 - r.intn(min(t, 5))
		if k == 1 && up == e.rules[0].task {
			up = (up + 1) % t // another of the tasks before t
		}
		state := 1
		if r.chance(0.1) {
			state = 2
		}
		e.rules[k] = struct{ task, state int }{up, state}
	}
	e.created = e.task.created + int64(r.intn(dayMillis))
	e.modified = e.created + int64(r.intn(100))*dayMillis
	if e.task.run.status != stNeverStarted {
		e.triggered = 1 + r.intn(400)
	}
}

func (e *genCompositeEvent) ruleID(k int) guidText {
	return e.g.hashGUID(dCompositeEvent, uint64(e.index)<<2|uint64(k)|1<<40)
}

// Field implements Object, for CompositeEvent properties.
func (e *genCompositeEvent) Field(name string) (any, bool) {
	switch name {
	case "id":
		return string(e.id[:]), true
	case "name":
		return compositeEventNames[e.name], true
	case "enabled":
		return e.enabled, true
	case "eventtype":
		return int64(1), true
	case "createddate":
		return timeString(e.created), true
	case "modifieddate":
		return timeString(e.modified), true
	case "modifiedbyusername":
		return e.task.modifierString(), true
	case "timeconstraint":
		id := e.g.hashGUID(dCompositeEvent, uint64(e.index)|2<<40)
		return map[string]any{"id": string(id[:]), "days": int64(0), "hours": int64(0), "minutes": int64(e.minutes), "seconds": int64(0)}, true
	case "compositerules":
		var out []any
		var up genTask
		for k := 0; k < e.nrules; k++ {
			e.g.fillTask(&up, e.rules[k].task)
			id := e.ruleID(k)
			out = append(out, map[string]any{
				"id": string(id[:]), "ruleState": int64(e.rules[k].state), "reloadTask": up.condensed(),
				"externalProgramTask": nil, "userSyncTask": nil,
			})
		}
		return out, true
	case "operational":
		id := e.g.hashGUID(dCompositeEvent, uint64(e.index)|3<<40)
		return map[string]any{"id": string(id[:]), "timesTriggered": int64(e.triggered)}, true
	case "reloadtask":
		return e.task.condensed(), true
	case "externalprogramtask", "usersynctask":
		return nil, true
	}
	return nil, false
}

// AppendJSON implements Item: the CompositeEvent entity of
// /qrs/compositeevent/full.
func (e *genCompositeEvent) AppendJSON(dst []byte) []byte {
	g := e.g
	modifier := e.task.modifierString()
	head := func(dst []byte, id guidText) []byte {
		dst = append(dst, `{"id":`...)
		dst = appendGUID(dst, &id)
		dst = append(dst, `,"createdDate":`...)
		dst = appendTime(dst, e.created)
		dst = append(dst, `,"modifiedDate":`...)
		dst = appendTime(dst, e.modified)
		dst = append(dst, `,"modifiedByUserName":`...)
		return appendString(dst, modifier)
	}
	dst = head(dst, e.id)
	dst = append(dst, `,"timeConstraint":`...)
	dst = head(dst, g.hashGUID(dCompositeEvent, uint64(e.index)|2<<40))
	dst = append(dst, `,"days":0,"hours":0,"minutes":`...)
	dst = appendInt(dst, int64(e.minutes))
	dst = append(dst, `,"seconds":0,"privileges":null,"schemaPath":"CompositeEvent.TimeConstraint"},"compositeRules":[`...)
	var up genTask
	for k := 0; k < e.nrules; k++ {
		if k > 0 {
			dst = append(dst, ',')
		}
		dst = head(dst, e.ruleID(k))
		dst = append(dst, `,"ruleState":`...)
		dst = appendInt(dst, int64(e.rules[k].state))
		dst = append(dst, `,"reloadTask":`...)
		g.fillTask(&up, e.rules[k].task)
		dst = up.appendCondensed(dst)
		dst = append(dst, `,"externalProgramTask":null,"userSyncTask":null,"privileges":null,"schemaPath":"CompositeEvent.Rule"}`...)
	}
	dst = append(dst, `],"operational":`...)
	dst = head(dst, g.hashGUID(dCompositeEvent, uint64(e.index)|3<<40))
	dst = append(dst, `,"timesTriggered":`...)
	dst = appendInt(dst, int64(e.triggered))
	dst = append(dst, `,"privileges":null,"schemaPath":"CompositeEventOperational"},"name":`...)
	dst = appendString(dst, compositeEventNames[e.name])
	dst = append(dst, `,"enabled":`...)
	dst = appendBool(dst, e.enabled)
	dst = append(dst, `,"eventType":1,"reloadTask":`...)
	dst = e.task.appendCondensed(dst)
	return append(dst, `,"externalProgramTask":null,"userSyncTask":null,"privileges":null,"schemaPath":"CompositeEvent"}`...)
}
