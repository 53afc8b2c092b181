package testserver

import "sort"

// Generated reload tasks (ReloadTask of /qrs/reloadtask/full), about one per
// app (some apps none, some two), each with its last execution as QRS keeps
// it: every status from 0 to 14 occurs, results agree with the app's
// lastReloadTime (a task's success ends at it; an app never reloaded has
// only failed or never-run tasks), failures carry the scheduler's message.
// Their triggers are in gentriggers.go.

// Task execution statuses, as QRS numbers them.
const (
	stNeverStarted = iota
	stTriggered
	stStarted
	stQueued
	stAbortInitiated
	stAborting
	stAborted
	stFinishedSuccess
	stFinishedFail
	stSkipped
	stRetry
	stError
	stReset
	stDistributionQueue
	stDistributionRunning
	numStatuses
)

var statusNames = [numStatuses]string{"NeverStarted", "Triggered", "Started", "Queued", "AbortInitiated", "Aborting",
	"Aborted", "FinishedSuccess", "FinishedFail", "Skipped", "Retry", "Error", "Reset", "DistributionQueue", "DistributionRunning"}

// statusWeights is how often each status ends a task's last run.
var statusWeights = [numStatuses]int{2, 1, 2, 2, 1, 1, 2, 70, 10, 2, 2, 2, 1, 1, 1}

// Details types of execution results (*unverified* numbering: the
// scheduler's state changes are 2, errors 1).
const (
	detailError = 1
	detailInfo  = 2
)

// taskPlan is what the layout needs of task t: its triggers.
type taskPlan struct {
	manual  bool // isManuallyTriggered: no trigger at all
	sched   int  // schema events (schedules)
	chained bool // one composite event (runs after other tasks)
}

func (g *GenSite) taskPlan(t int) taskPlan {
	r := g.rng(dTaskPlan, uint64(t))
	if r.chance(0.08) {
		return taskPlan{manual: true}
	}
	if t > 0 && r.chance(0.15) {
		p := taskPlan{chained: true}
		if r.chance(0.3) {
			p.sched = 1
		}
		return p
	}
	switch n := r.intn(100); {
	case n < 5:
		return taskPlan{}
	case n < 85:
		return taskPlan{sched: 1}
	}
	return taskPlan{sched: 2}
}

// appTasks is the number of reload tasks of app a.
func (g *GenSite) appTasks(a int) uint32 {
	r := g.rng(dTaskCount, uint64(a))
	if r.chance(g.cfg.TasklessAppRatio) {
		return 0
	}
	if r.chance(0.08) {
		return 2
	}
	return 1
}

// layoutTasks places the tasks over the apps and the triggers over the
// tasks.
func (g *GenSite) layoutTasks() {
	n := g.cfg.Apps
	g.taskOff = make([]uint32, n+1)
	for a := 0; a < n; a++ {
		g.taskOff[a+1] = g.taskOff[a] + g.appTasks(a)
	}
	tasks := int(g.taskOff[n])
	g.schedOff = make([]uint32, tasks+1)
	g.chainOff = make([]uint32, tasks+1)
	for t := 0; t < tasks; t++ {
		p := g.taskPlan(t)
		g.schedOff[t+1] = g.schedOff[t] + uint32(p.sched)
		g.chainOff[t+1] = g.chainOff[t]
		if p.chained {
			g.chainOff[t+1]++
		}
	}
}

func (g *GenSite) tasks() int { return int(g.taskOff[g.cfg.Apps]) }

// taskApp returns the app of task t.
func (g *GenSite) taskApp(t int) int {
	return sort.Search(g.cfg.Apps, func(a int) bool { return g.taskOff[a+1] > uint32(t) })
}

var tasksOfApps = genParent{
	path:   "app.id",
	domain: dApp,
	len:    func(g *GenSite) int { return g.cfg.Apps },
	span:   func(g *GenSite, a int) (int, int) { return int(g.taskOff[a]), int(g.taskOff[a+1]) },
}

// taskRun is the last execution of a task. Times are Unix milliseconds,
// neverMillis for "not yet".
type taskRun struct {
	status            int
	start, stop, next int64
	node              int // < 0: none
	failure           int // < 0: none; else an index in failureMessages
	logSize           int64
	aborter           int // the user who aborted
}

type genTask struct {
	g                 *GenSite
	index             int
	id                guidText
	app               genApp
	slot              int // 0 or 1 among the app's tasks
	plan              taskPlan
	variant           int
	enabled, partial  bool
	timeout, retries  int
	created, modified int64
	modifier          int // < 0: INTERNAL\sa_repository
	tags              [3]int
	ntags             int
	cps               cpSet
	run               taskRun
}

func taskCursor(g *GenSite) func(int) Item {
	var t genTask
	return func(i int) Item { g.fillTask(&t, i); return &t }
}

func (g *GenSite) fillTask(t *genTask, i int) {
	cond := t.app.condensed
	*t = genTask{g: g, index: i, id: g.itemGUID(dTask, i)}
	a := g.taskApp(i)
	t.app.condensed = cond
	g.fillApp(&t.app, a)
	t.slot = i - int(g.taskOff[a])
	t.plan = g.taskPlan(i)
	r := g.rng(dTask, uint64(i))
	t.variant = r.intn(4)
	t.enabled = !r.chance(0.1)
	t.partial = t.slot == 1 && r.chance(0.5)
	t.timeout = []int{1440, 1440, 1440, 720, 180, 60}[r.intn(6)]
	t.retries = []int{0, 0, 0, 1, 2, 3}[r.intn(6)]
	t.created = t.app.created + int64(r.intn(30))*dayMillis + int64(r.intn(dayMillis))
	t.modified = t.created + int64(r.intn(200))*dayMillis + int64(r.intn(dayMillis))
	t.modifier = t.app.owner
	if r.chance(0.3) {
		t.modifier = -1
	}
	t.tags, t.ntags = drawTags(&r, 1)
	t.cps = drawCPs(&r, cpKey(KindReloadTask, i))
	t.run = g.taskRun(t)
}

// taskRun makes the last execution of task t, consistent with its app's
// lastReloadTime L: the app's main task (slot 0) succeeded at L or ran
// since; a second task succeeded before L; an app never reloaded has no
// success. Tasks 0 to 14 take the status of their index where it fits, so
// that a site of a few dozen apps shows every status.
func (g *GenSite) taskRun(t *genTask) taskRun {
	r := g.rng(dTaskRun, uint64(t.index))
	last := t.app.reload
	reloaded := last > neverMillis
	run := taskRun{node: -1, failure: -1, start: neverMillis, stop: neverMillis, next: neverMillis}
	run.status = drawStatus(&r)
	if t.index < numStatuses {
		run.status = t.index
	}
	if run.status == stFinishedSuccess && !reloaded {
		run.status = stFinishedFail // never reloaded: no success to report
	}
	if t.plan.manual && run.status == stNeverStarted && reloaded && t.slot == 0 && t.index >= numStatuses {
		run.status = stFinishedSuccess // the app's owner starts it by hand
	}
	// Minutes to hours, growing with the app's size.
	duration := 3000 + t.app.fileSize/(4<<20)*1000 + int64(r.intn(120_000))
	duration = min(duration, 4*3600_000)
	base := last // when the run began or ended
	switch {
	case !reloaded:
		base = t.app.modified + int64(1+r.intn(20))*dayMillis + int64(r.intn(dayMillis))
	case run.status == stFinishedSuccess && t.slot == 1:
		base = last - int64(1+r.intn(12))*3600_000 - int64(r.intn(3600_000)) // an earlier partial or intraday run
	case run.status != stFinishedSuccess:
		base = last + int64(1+r.intn(3))*dayMillis + int64(r.intn(dayMillis)) // failed or running since
	}
	if run.status != stNeverStarted && run.status != stTriggered && run.status != stQueued {
		run.node = r.intn(len(nodeNames))
	}
	switch run.status {
	case stNeverStarted, stTriggered, stQueued:
		// Not started on any node yet: no times.
	case stFinishedSuccess:
		run.stop, run.start = base, base-duration
	case stAborted, stFinishedFail, stError, stReset:
		run.start = base
		run.stop = base + duration/int64(1+r.intn(4))
		if run.status == stError {
			run.stop = base + 800 + int64(r.intn(2000))
		}
	case stSkipped:
		run.start, run.stop = base, base
	default: // running: Started, AbortInitiated, Aborting, Retry, DistributionQueue, DistributionRunning
		run.start = base
	}
	switch run.status {
	case stFinishedFail, stRetry:
		run.failure = r.intn(len(failureMessages))
	case stAbortInitiated, stAborting, stAborted:
		run.aborter = r.intn(t.g.cfg.Users)
	}
	if run.logAvailable() {
		run.logSize = int64(2_000 + r.intn(3_000_000))
	}
	if run.status != stNeverStarted && t.enabled && t.plan.sched > 0 {
		from := max(run.stop, run.start, base)
		run.next = from + dayMillis - from%dayMillis + 2*3600_000 // 02:00 the next day
	}
	return run
}

func drawStatus(r *rng) int {
	sum := 0
	for _, w := range statusWeights {
		sum += w
	}
	n := r.intn(sum)
	for s, w := range statusWeights {
		if n < w {
			return s
		}
		n -= w
	}
	return stFinishedSuccess
}

func (run *taskRun) logAvailable() bool {
	switch run.status {
	case stAborted, stFinishedSuccess, stFinishedFail, stError, stReset:
		return true
	}
	return false
}

func (run *taskRun) duration() int64 {
	if run.start <= neverMillis || run.stop <= neverMillis {
		return 0
	}
	return run.stop - run.start
}

func (t *genTask) name() string {
	p1, p2, p3 := t.app.name()
	app := p1 + p2 + p3
	if t.slot == 1 {
		if t.partial {
			return app + " - partial reload"
		}
		return app + " - intraday"
	}
	switch t.variant {
	case 0, 1:
		return "Reload task of " + app // the QMC's default name
	case 2:
		return app + " - nightly reload"
	}
	return "Reload " + app
}

func (t *genTask) modifierString() string {
	if t.modifier < 0 {
		return `INTERNAL\sa_repository`
	}
	return t.g.userName(t.modifier)
}

// detail is one line of an execution result's details.
type detail struct {
	typ  int
	msg  string
	at   int64
	slot int // keeps the detail ids apart
}

// details are the scheduler's messages of the run, oldest first.
func (t *genTask) details() []detail {
	run := &t.run
	if run.status == stNeverStarted {
		return nil
	}
	at := run.start
	if at <= neverMillis {
		at = t.app.modified + dayMillis
	}
	var out []detail
	add := func(typ int, msg string, dt int64) {
		out = append(out, detail{typ: typ, msg: msg, at: at + dt, slot: len(out)})
	}
	add(detailInfo, "Changing task state from NeverStarted to Triggered", -1500)
	switch run.status {
	case stTriggered:
		return out
	case stQueued:
		add(detailInfo, "Changing task state from Triggered to Queued", -900)
		return out
	case stSkipped:
		add(detailInfo, "Task skipped: a previous execution of the task is still running", -200)
		add(detailInfo, "Changing task state from Triggered to Skipped", 0)
		return out
	case stError:
		add(detailError, "Task could not be started: no node with a running scheduler service accepted it", 300)
		add(detailInfo, "Changing task state from Triggered to Error", run.stop-at)
		return out
	}
	add(detailInfo, "Trying to start task. Sending task to slave scheduler "+nodeNames[max(run.node, 0)], -800)
	add(detailInfo, "Changing task state from Triggered to Started", 0)
	end := run.stop - at
	if run.stop <= neverMillis {
		end = 60_000
	}
	abort := "Abort requested by user " + t.g.userName(run.aborter)
	switch run.status {
	case stStarted:
	case stAbortInitiated:
		add(detailInfo, abort, end)
		add(detailInfo, "Changing task state from Started to AbortInitiated", end+100)
	case stAborting:
		add(detailInfo, abort, end)
		add(detailInfo, "Changing task state from AbortInitiated to Aborting", end+200)
	case stAborted:
		add(detailInfo, abort, end/2)
		add(detailInfo, "Changing task state from Aborting to Aborted", end)
	case stFinishedSuccess:
		add(detailInfo, "Changing task state from Started to FinishedSuccess", end)
	case stFinishedFail:
		add(detailError, failureMessages[run.failure], end-300)
		add(detailInfo, "Changing task state from Started to FinishedFail", end)
	case stRetry:
		add(detailError, failureMessages[run.failure], end)
		add(detailInfo, "Changing task state from Started to Retry", end+100)
	case stReset:
		add(detailInfo, "Task was reset after the scheduler service restarted", end)
		add(detailInfo, "Changing task state from Started to Reset", end+100)
	case stDistributionQueue, stDistributionRunning:
		add(detailInfo, "Changing task state from Started to FinishedSuccess", end)
		add(detailInfo, "Changing task state from FinishedSuccess to "+statusNames[run.status], end+500)
	}
	return out
}

// scriptLogLocation is the file name of the run's script log, as the
// scheduler archives it.
func (t *genTask) scriptLogLocation() string {
	if !t.run.logAvailable() {
		return ""
	}
	ts := timeString(t.run.start) // 2024-02-05T02:00:13.771Z
	h := t.g.hashGUID(dTaskRun, uint64(t.index)<<8|0xff)
	return string(t.app.id[:]) + "." + ts[0:4] + ts[5:7] + ts[8:10] + "T" + ts[11:13] + ts[14:16] + ts[17:19] + "." +
		ts[20:23] + "+0000." + string(h[0:8]) + ".log"
}

func (t *genTask) operationalID() guidText { return t.g.hashGUID(dTaskRun, uint64(t.index)) }

func (t *genTask) resultID() guidText { return t.g.hashGUID(dTaskRun, uint64(t.index)|1<<40) }

func (t *genTask) fileReferenceID() string {
	if !t.run.logAvailable() {
		return zeroGUID
	}
	id := t.g.hashGUID(dTaskRun, uint64(t.index)|2<<40)
	return string(id[:])
}

func (t *genTask) detailID(slot int) guidText {
	return t.g.hashGUID(dTaskRun, uint64(t.index)<<8|uint64(slot)|3<<40)
}

func (t *genTask) nodeName() string {
	if t.run.node < 0 {
		return ""
	}
	return nodeNames[t.run.node]
}

// operational is the task's operational block as the filter sees it.
func (t *genTask) operational() map[string]any {
	opID, resID := t.operationalID(), t.resultID()
	var details []any
	for _, d := range t.details() {
		id := t.detailID(d.slot)
		details = append(details, map[string]any{
			"id": string(id[:]), "detailsType": int64(d.typ), "message": d.msg, "detailCreatedDate": timeString(d.at),
		})
	}
	return map[string]any{
		"id":            string(opID[:]),
		"nextExecution": timeString(t.run.next),
		"lastExecutionResult": map[string]any{
			"id":                 string(resID[:]),
			"executingNodeName":  t.nodeName(),
			"status":             int64(t.run.status),
			"startTime":          timeString(t.run.start),
			"stopTime":           timeString(t.run.stop),
			"duration":           t.run.duration(),
			"fileReferenceID":    t.fileReferenceID(),
			"scriptLogAvailable": t.run.logAvailable(),
			"details":            details,
			"scriptLogLocation":  t.scriptLogLocation(),
			"scriptLogSize":      t.run.logSize,
		},
	}
}

// Field implements Object, for ReloadTask properties.
func (t *genTask) Field(name string) (any, bool) {
	switch name {
	case "id":
		return string(t.id[:]), true
	case "name":
		return t.name(), true
	case "tasktype":
		return int64(0), true
	case "enabled":
		return t.enabled, true
	case "tasksessiontimeout":
		return int64(t.timeout), true
	case "maxretries":
		return int64(t.retries), true
	case "ismanuallytriggered":
		return t.plan.manual, true
	case "ispartialreload":
		return t.partial, true
	case "app":
		return &t.app, true
	case "operational":
		return t.operational(), true
	case "createddate":
		return timeString(t.created), true
	case "modifieddate":
		return timeString(t.modified), true
	case "modifiedbyusername":
		return t.modifierString(), true
	case "tags":
		return t.g.tagObjects(t.tags[:t.ntags]), true
	case "customproperties":
		return t.g.cpObjects(&t.cps), true
	}
	return nil, false
}

// AppendJSON implements Item: the ReloadTask entity of /qrs/reloadtask/full.
func (t *genTask) AppendJSON(dst []byte) []byte {
	g := t.g
	dst = append(dst, `{"id":`...)
	dst = appendGUID(dst, &t.id)
	dst = append(dst, `,"createdDate":`...)
	dst = appendTime(dst, t.created)
	dst = append(dst, `,"modifiedDate":`...)
	dst = appendTime(dst, t.modified)
	dst = append(dst, `,"modifiedByUserName":`...)
	dst = appendString(dst, t.modifierString())
	dst = append(dst, `,"customProperties":`...)
	dst = g.appendCPs(dst, &t.cps, t.created, t.app.owner)
	dst = append(dst, `,"app":`...)
	if len(t.app.condensed) == 0 {
		t.app.condensed = t.app.appendCondensed(t.app.condensed)
	}
	dst = append(dst, t.app.condensed...)
	dst = append(dst, `,"isManuallyTriggered":`...)
	dst = appendBool(dst, t.plan.manual)
	dst = append(dst, `,"operational":{"id":`...)
	opID := t.operationalID()
	dst = appendGUID(dst, &opID)
	dst = append(dst, `,"lastExecutionResult":{"id":`...)
	resID := t.resultID()
	dst = appendGUID(dst, &resID)
	dst = append(dst, `,"executingNodeName":`...)
	dst = appendString(dst, t.nodeName())
	dst = append(dst, `,"status":`...)
	dst = appendInt(dst, int64(t.run.status))
	dst = append(dst, `,"startTime":`...)
	dst = appendTime(dst, t.run.start)
	dst = append(dst, `,"stopTime":`...)
	dst = appendTime(dst, t.run.stop)
	dst = append(dst, `,"duration":`...)
	dst = appendInt(dst, t.run.duration())
	dst = append(dst, `,"fileReferenceID":"`...)
	dst = append(dst, t.fileReferenceID()...)
	dst = append(dst, `","scriptLogAvailable":`...)
	dst = appendBool(dst, t.run.logAvailable())
	dst = append(dst, `,"details":[`...)
	for i, d := range t.details() {
		if i > 0 {
			dst = append(dst, ',')
		}
		id := t.detailID(d.slot)
		dst = append(dst, `{"id":`...)
		dst = appendGUID(dst, &id)
		dst = append(dst, `,"detailsType":`...)
		dst = appendInt(dst, int64(d.typ))
		dst = append(dst, `,"message":`...)
		dst = appendString(dst, d.msg)
		dst = append(dst, `,"detailCreatedDate":`...)
		dst = appendTime(dst, d.at)
		dst = append(dst, `,"privileges":null}`...)
	}
	dst = append(dst, `],"scriptLogLocation":`...)
	dst = appendString(dst, t.scriptLogLocation())
	dst = append(dst, `,"scriptLogSize":`...)
	dst = appendInt(dst, t.run.logSize)
	dst = append(dst, `,"privileges":null},"nextExecution":`...)
	dst = appendTime(dst, t.run.next)
	dst = append(dst, `,"privileges":null},"name":`...)
	dst = appendString(dst, t.name())
	dst = append(dst, `,"taskType":0,"enabled":`...)
	dst = appendBool(dst, t.enabled)
	dst = append(dst, `,"taskSessionTimeout":`...)
	dst = appendInt(dst, int64(t.timeout))
	dst = append(dst, `,"maxRetries":`...)
	dst = appendInt(dst, int64(t.retries))
	dst = append(dst, `,"isPartialReload":`...)
	dst = appendBool(dst, t.partial)
	dst = append(dst, `,"tags":`...)
	dst = g.appendTags(dst, t.tags[:t.ntags])
	return append(dst, `,"privileges":null,"schemaPath":"ReloadTask"}`...)
}

// appendCondensedTask writes the ReloadTaskCondensed that triggers carry.
func (t *genTask) appendCondensed(dst []byte) []byte {
	dst = append(dst, `{"id":`...)
	dst = appendGUID(dst, &t.id)
	dst = append(dst, `,"operational":{"id":`...)
	opID := t.operationalID()
	dst = appendGUID(dst, &opID)
	dst = append(dst, `},"name":`...)
	dst = appendString(dst, t.name())
	dst = append(dst, `,"taskType":0,"enabled":`...)
	dst = appendBool(dst, t.enabled)
	dst = append(dst, `,"taskSessionTimeout":`...)
	dst = appendInt(dst, int64(t.timeout))
	dst = append(dst, `,"maxRetries":`...)
	dst = appendInt(dst, int64(t.retries))
	return append(dst, `,"privileges":null}`...)
}

// condensed is the ReloadTaskCondensed as the filter sees it.
func (t *genTask) condensed() map[string]any {
	opID := t.operationalID()
	return map[string]any{
		"id": string(t.id[:]), "name": t.name(), "taskType": int64(0), "enabled": t.enabled,
		"taskSessionTimeout": int64(t.timeout), "maxRetries": int64(t.retries),
		"operational": map[string]any{"id": string(opID[:])},
	}
}
