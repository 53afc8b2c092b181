package testserver

import (
	"math"
	"math/bits"
	"sort"
	"strings"
)

// GenConfig describes a generated site. Zero values take the defaults
// noted on each field.
type GenConfig struct {
	// Seed selects the site: the same configuration gives the same bytes.
	Seed int64
	// Apps is the number of apps. Default: 0.
	Apps int
	// Sheets is the number of sheets over all apps (0 when Apps is 0).
	// Some apps have none, a few have many. Default: 0.
	Sheets int
	// NonSheetRatio is the number of other app objects (master items,
	// stories, bookmarks, ...) per sheet. Default (0): 0.3; negative: none.
	NonSheetRatio float64
	// Users is the size of the pool of owners, served at /qrs/user/full.
	// Default: 50.
	Users int
	// Streams is the number of streams. Default (0): 6; negative: none,
	// so that every app is unpublished.
	Streams int
	// UnpublishedRatio is the share of apps not published to a stream.
	// Default (0): 0.2; negative: none.
	UnpublishedRatio float64
	// EmptyAppRatio is the share of apps without sheets. Default (0): 0.1;
	// negative: none.
	EmptyAppRatio float64
	// DataConnections is the number of data connections. Default (0): 5
	// plus one per 20 apps; negative: none.
	DataConnections int
	// TasklessAppRatio is the share of apps without a reload task; of the
	// others, about one in twelve has two. Default (0): 0.1; negative: none;
	// 1 or more: no tasks at all.
	TasklessAppRatio float64
	// EmptyDataModelRatio is the share of reloaded apps whose data model is
	// an empty structure, as a server may answer (*unverified*) for an app
	// last reloaded before its release recorded data models. Apps never
	// reloaded answer 404. Default (0): 0.02; negative: none.
	EmptyDataModelRatio float64
}

// GenSite is a generated Site. Item i of each kind is a pure function of
// the configuration and i: nothing but offset tables (28 bytes per app,
// most of them to place objects and tasks) is held in memory, whatever the
// size; data models are made on request. It is safe for concurrent use.
type GenSite struct {
	cfg      GenConfig
	seed     uint64
	sheetOff []int64  // sheetOff[a]: sheets before app a; len Apps+1
	objOff   []int64  // objOff[a]: objects before app a; len Apps+1
	taskOff  []uint32 // taskOff[a]: reload tasks before app a; len Apps+1
	schedOff []uint32 // schedOff[t]: schema events before task t; len tasks+1
	chainOff []uint32 // chainOff[t]: composite events before task t; len tasks+1
}

// Hash domains: each kind of derived value draws from its own stream.
const (
	dApp uint64 = iota + 1
	dObject
	dUser
	dStream
	dTag
	dCPDef
	dCPValue
	dBlob
	dObjType
	dAppWeight
	dAppNonSheets
	dAttr
	dSource
	dConn
	dTask
	dTaskPlan
	dTaskCount
	dTaskRun
	dSchemaEvent
	dCompositeEvent
	dModel
	dStreamProps
)

// maxIndex bounds the index of any item: GUIDs carry it in 32 bits.
const maxIndex = math.MaxUint32

// Generate returns the site described by cfg. Negative counts count as
// zero; counts beyond 2^32-1 items are capped.
func Generate(cfg GenConfig) *GenSite {
	cfg.Apps = clampCount(cfg.Apps)
	cfg.Sheets = clampCount(cfg.Sheets)
	if cfg.Apps == 0 {
		cfg.Sheets = 0
	}
	cfg.NonSheetRatio = ratioOr(cfg.NonSheetRatio, 0.3)
	cfg.UnpublishedRatio = ratioOr(cfg.UnpublishedRatio, 0.2)
	cfg.EmptyAppRatio = ratioOr(cfg.EmptyAppRatio, 0.1)
	if cfg.Users <= 0 {
		cfg.Users = 50
	}
	switch {
	case cfg.Streams == 0:
		cfg.Streams = 6
	case cfg.Streams < 0:
		cfg.Streams = 0
	}
	switch {
	case cfg.DataConnections == 0:
		cfg.DataConnections = 5 + cfg.Apps/20
	case cfg.DataConnections < 0:
		cfg.DataConnections = 0
	}
	cfg.DataConnections = clampCount(cfg.DataConnections)
	cfg.TasklessAppRatio = ratioOr(cfg.TasklessAppRatio, 0.1)
	cfg.EmptyDataModelRatio = ratioOr(cfg.EmptyDataModelRatio, 0.02)
	g := &GenSite{cfg: cfg, seed: mix64(uint64(cfg.Seed) ^ 0x51a7e0c0ffee)}
	g.layout()
	return g
}

func clampCount(n int) int {
	if n < 0 {
		return 0
	}
	if uint64(n) > maxIndex/2 {
		return maxIndex / 2
	}
	return n
}

func ratioOr(r, def float64) float64 {
	switch {
	case r == 0 || math.IsNaN(r):
		return def
	case r < 0:
		return 0
	}
	return r
}

// Config returns the configuration with defaults filled in.
func (g *GenSite) Config() GenConfig { return g.cfg }

// layout spreads the sheets over the apps (skewed weights, some apps
// empty) and places the other objects beside them.
func (g *GenSite) layout() {
	n := g.cfg.Apps
	var total uint64
	for a := 0; a < n; a++ {
		total += g.appWeight(a)
	}
	forceFirst := total == 0 && n > 0
	if forceFirst {
		total = 1
	}
	g.sheetOff = make([]int64, n+1)
	g.objOff = make([]int64, n+1)
	var cum uint64
	sheets := uint64(g.cfg.Sheets)
	for a := 0; a < n; a++ {
		hi, lo := bits.Mul64(sheets, cum)
		q, _ := bits.Div64(hi, lo, total)
		g.sheetOff[a] = int64(q)
		w := g.appWeight(a)
		if forceFirst && a == 0 {
			w = 1
		}
		cum += w
	}
	g.sheetOff[n] = int64(sheets)
	for a := 0; a < n; a++ {
		s := g.sheetOff[a+1] - g.sheetOff[a]
		g.objOff[a+1] = g.objOff[a] + s + g.nonSheets(a, s)
		if g.objOff[a+1] > maxIndex {
			g.objOff[a+1] = maxIndex
		}
	}
	g.layoutTasks()
}

// appWeight is app a's share of the sheets: 0 for empty apps, otherwise
// 1 to 16, times 8 for one app in ten and times 40 for one in a hundred: most
// apps have a few sheets, some have hundreds. Integer arithmetic only, so
// that every architecture computes the same site.
func (g *GenSite) appWeight(a int) uint64 {
	r := g.rng(dAppWeight, uint64(a))
	if r.chance(g.cfg.EmptyAppRatio) {
		return 0
	}
	w := 1 + r.next()%16
	switch n := r.next() % 100; {
	case n == 0:
		w *= 40
	case n < 10:
		w *= 8
	}
	return w
}

// nonSheets is the number of non-sheet objects of app a, which has s sheets.
func (g *GenSite) nonSheets(a int, s int64) int64 {
	if g.cfg.NonSheetRatio == 0 {
		return 0
	}
	r := g.rng(dAppNonSheets, uint64(a))
	if s == 0 {
		if r.chance(0.3) {
			return 1 + int64(r.intn(3))
		}
		return 0
	}
	// An explicit conversion keeps the compiler from fusing the
	// multiply-add, so that every architecture computes the same count.
	return int64(math.Floor(float64(g.cfg.NonSheetRatio*float64(s)) + r.float()))
}

// The generator's calendar: items are dated from 2019 on.
const (
	epochMillis = 1546300800000 // 2019-01-01T00:00:00Z
	dayMillis   = 86400000
)

// genKind is how the generator makes the items of one kind (app objects
// have a scan of their own, scanObjects).
type genKind struct {
	domain uint64 // the domain of the kind's GUIDs
	len    func(g *GenSite) int
	// cursor returns a function giving item i, valid until its next call:
	// a scan reuses one item's storage.
	cursor func(g *GenSite) func(i int) Item
	// parent, if set, places the items under a parent kind, so that a
	// filter on the parent's id visits only that parent's items.
	parent *genParent
}

// genParent says where the items of a kind hang in a parent kind.
type genParent struct {
	path   string // the filter path of the parent's id, e.g. "app.id"
	domain uint64
	len    func(g *GenSite) int
	span   func(g *GenSite, p int) (first, end int) // the items of parent p
}

var genKinds = [numKinds]genKind{
	KindApp:            {domain: dApp, len: func(g *GenSite) int { return g.cfg.Apps }, cursor: appCursor},
	KindUser:           {domain: dUser, len: func(g *GenSite) int { return g.cfg.Users }, cursor: userCursor},
	KindStream:         {domain: dStream, len: func(g *GenSite) int { return g.cfg.Streams }, cursor: streamCursor},
	KindDataConnection: {domain: dConn, len: func(g *GenSite) int { return g.cfg.DataConnections }, cursor: connCursor},
	KindReloadTask:     {domain: dTask, len: (*GenSite).tasks, cursor: taskCursor, parent: &tasksOfApps},
	KindSchemaEvent:    {domain: dSchemaEvent, len: (*GenSite).schemaEvents, cursor: schemaEventCursor, parent: &schemaEventsOfTasks},
	KindCompositeEvent: {domain: dCompositeEvent, len: (*GenSite).compositeEvents, cursor: compositeEventCursor, parent: &compositeEventsOfTasks},
}

// Len implements Site.
func (g *GenSite) Len(k Kind) int {
	if k == KindAppObject {
		return int(g.objOff[g.cfg.Apps])
	}
	if k < 0 || k >= numKinds || genKinds[k].len == nil {
		return 0
	}
	return genKinds[k].len(g)
}

// Count implements Counter: it knows the total of each kind and the number
// of sheets.
func (g *GenSite) Count(k Kind, filter *Expr) (int, bool) {
	if filter == nil {
		return g.Len(k), true
	}
	if k == KindAppObject && filter.Kind == ExprCmp && filter.Op == OpEq && filter.Val.Kind == LitString &&
		samePath(filter.Path, []string{"objecttype"}) && strings.EqualFold(filter.Val.Str, "sheet") {
		return g.cfg.Sheets, true
	}
	return 0, false
}

// Item implements Site.
func (g *GenSite) Item(k Kind, index int) Item {
	if index < 0 || index >= g.Len(k) {
		return nil
	}
	if k == KindAppObject {
		a := g.objectApp(index)
		app := &genApp{}
		g.fillApp(app, a)
		o := &genObject{}
		g.fillObject(o, app, index)
		return o
	}
	return genKinds[k].cursor(g)(index)
}

// AppID returns the GUID of app a (0 <= a < Apps).
func (g *GenSite) AppID(a int) string {
	t := g.itemGUID(dApp, a)
	return string(t[:])
}

// AppSheets returns the number of sheets of app a.
func (g *GenSite) AppSheets(a int) int { return int(g.sheetOff[a+1] - g.sheetOff[a]) }

// Scan implements Site. It uses the filter's constraints on id, on the
// parent's id (app.id for objects and tasks, reloadTask.id for triggers)
// and on objectType to visit only the items that can match.
func (g *GenSite) Scan(k Kind, filter *Expr, yield func(int, Item) bool) {
	if k == KindAppObject {
		g.scanObjects(filter, yield)
		return
	}
	if k < 0 || k >= numKinds || genKinds[k].cursor == nil {
		return
	}
	spec := &genKinds[k]
	item := spec.cursor(g)
	n := spec.len(g)
	if ids, ok := g.indexesOf(filter, "id", spec.domain, n); ok {
		for _, i := range ids {
			if !yield(i, item(i)) {
				return
			}
		}
		return
	}
	if p := spec.parent; p != nil {
		if parents, ok := g.indexesOf(filter, p.path, p.domain, p.len(g)); ok {
			for _, pi := range parents {
				first, end := p.span(g, pi)
				for i := first; i < end; i++ {
					if !yield(i, item(i)) {
						return
					}
				}
			}
			return
		}
	}
	for i := 0; i < n; i++ {
		if !yield(i, item(i)) {
			return
		}
	}
}

// indexesOf resolves a filter's constraint on path to sorted item indexes.
func (g *GenSite) indexesOf(filter *Expr, path string, domain uint64, n int) ([]int, bool) {
	if filter == nil {
		return nil, false
	}
	values, ok := filter.Constraint(path)
	if !ok {
		return nil, false
	}
	var idx []int
	for _, v := range values {
		if i, found := g.findGUID(domain, v, n); found {
			idx = append(idx, i)
		}
	}
	sort.Ints(idx)
	return idx, true
}
