package testserver

import (
	"encoding/base64"
	"encoding/binary"
	"math"
	"math/bits"
	"sort"
	"strconv"
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
}

// GenSite is a generated Site. Item i of each kind is a pure function of
// the configuration and i: nothing but two offset tables (16 bytes per app)
// is held in memory, whatever the size. It is safe for concurrent use.
type GenSite struct {
	cfg      GenConfig
	seed     uint64
	sheetOff []int64 // sheetOff[a]: sheets before app a; len Apps+1
	objOff   []int64 // objOff[a]: objects before app a; len Apps+1
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

// ---- hashing ----

func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// rng is a splitmix64 stream.
type rng uint64

func (g *GenSite) rng(domain, i uint64) rng { return rng(mix64(g.seed ^ domain<<56 ^ mix64(i))) }

func (r *rng) next() uint64 {
	*r += 0x9e3779b97f4a7c15
	return mix64(uint64(*r))
}

func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

func (r *rng) chance(p float64) bool { return r.float() < p }

// permute is a 4-round Feistel permutation of 32-bit indexes, keyed by the
// seed and domain: GUIDs carry permute(i) in their first 8 hex digits so
// that a GUID in a filter leads back to its item without any index.
func (g *GenSite) permute(domain uint64, i uint32) uint32 {
	l, r := uint16(i>>16), uint16(i)
	for round := uint64(0); round < 4; round++ {
		l, r = r, l^g.feistel(domain, round, r)
	}
	return uint32(l)<<16 | uint32(r)
}

func (g *GenSite) unpermute(domain uint64, v uint32) uint32 {
	l, r := uint16(v>>16), uint16(v)
	for round := uint64(4); round > 0; round-- {
		l, r = r^g.feistel(domain, round-1, l), l
	}
	return uint32(l)<<16 | uint32(r)
}

func (g *GenSite) feistel(domain, round uint64, half uint16) uint16 {
	return uint16(mix64(g.seed ^ domain<<56 ^ round<<48 ^ uint64(half)))
}

// itemGUID is the GUID of item i of a domain: version 4 form, decodable
// through findGUID.
func (g *GenSite) itemGUID(domain uint64, i int) guidText {
	var b [16]byte
	binary.BigEndian.PutUint32(b[0:4], g.permute(domain, uint32(i)))
	h := mix64(g.seed ^ domain<<56 ^ uint64(i) ^ 0x6a09e667f3bcc908)
	binary.BigEndian.PutUint64(b[4:12], h)
	binary.BigEndian.PutUint32(b[12:16], uint32(mix64(h)))
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return formatGUID(b)
}

// findGUID returns the index of the item of a domain whose GUID is s.
func (g *GenSite) findGUID(domain uint64, s string, n int) (int, bool) {
	if !IsGUID(s) {
		return 0, false
	}
	v, err := strconv.ParseUint(s[:8], 16, 32)
	if err != nil {
		return 0, false
	}
	i := g.unpermute(domain, uint32(v))
	if uint64(i) >= uint64(n) {
		return 0, false
	}
	t := g.itemGUID(domain, int(i))
	if !strings.EqualFold(string(t[:]), s) {
		return 0, false
	}
	return int(i), true
}

// hashGUID is a GUID for values that are never looked up (tags, blob ids).
func (g *GenSite) hashGUID(domain, i uint64) guidText {
	var b [16]byte
	h := mix64(g.seed ^ domain<<56 ^ mix64(i^0xbb67ae8584caa73b))
	binary.BigEndian.PutUint64(b[0:8], h)
	binary.BigEndian.PutUint64(b[8:16], mix64(h))
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return formatGUID(b)
}

// ---- time ----

const (
	epochMillis = 1546300800000 // 2019-01-01T00:00:00Z
	dayMillis   = 86400000
)

// ---- Site ----

// Len implements Site.
func (g *GenSite) Len(k Kind) int {
	switch k {
	case KindApp:
		return g.cfg.Apps
	case KindAppObject:
		return int(g.objOff[g.cfg.Apps])
	case KindUser:
		return g.cfg.Users
	case KindStream:
		return g.cfg.Streams
	}
	return 0
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
	switch k {
	case KindApp:
		a := &genApp{}
		g.fillApp(a, index)
		return a
	case KindAppObject:
		a := sort.Search(g.cfg.Apps, func(a int) bool { return g.objOff[a+1] > int64(index) })
		app := &genApp{}
		g.fillApp(app, a)
		o := &genObject{}
		g.fillObject(o, app, index)
		return o
	case KindUser:
		u := &genUser{}
		g.fillUser(u, index)
		return u
	case KindStream:
		s := &genStream{}
		g.fillStream(s, index)
		return s
	}
	return nil
}

// AppID returns the GUID of app a (0 <= a < Apps).
func (g *GenSite) AppID(a int) string {
	t := g.itemGUID(dApp, a)
	return string(t[:])
}

// AppSheets returns the number of sheets of app a.
func (g *GenSite) AppSheets(a int) int { return int(g.sheetOff[a+1] - g.sheetOff[a]) }

// Scan implements Site. It uses the filter's constraints on id, app.id and
// objectType to visit only the items that can match.
func (g *GenSite) Scan(k Kind, filter *Expr, yield func(int, Item) bool) {
	domain, n := uint64(0), g.Len(k)
	switch k {
	case KindApp:
		domain = dApp
	case KindAppObject:
		g.scanObjects(filter, yield)
		return
	case KindUser:
		domain = dUser
	case KindStream:
		domain = dStream
	default:
		return
	}
	var app genApp
	var user genUser
	var stream genStream
	visit := func(i int) bool {
		switch k {
		case KindApp:
			g.fillApp(&app, i)
			return yield(i, &app)
		case KindUser:
			g.fillUser(&user, i)
			return yield(i, &user)
		default:
			g.fillStream(&stream, i)
			return yield(i, &stream)
		}
	}
	if ids, ok := g.indexesOf(filter, "id", domain, n); ok {
		for _, i := range ids {
			if !visit(i) {
				return
			}
		}
		return
	}
	for i := 0; i < n; i++ {
		if !visit(i) {
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

func (g *GenSite) scanObjects(filter *Expr, yield func(int, Item) bool) {
	wantSheet, wantType := true, func(string) bool { return true }
	if filter != nil {
		if types, ok := filter.Constraint("objectType"); ok {
			set := map[string]bool{}
			for _, t := range types {
				set[t] = true
			}
			wantSheet = set["sheet"]
			wantType = func(t string) bool { return set[t] }
		}
	}
	var app genApp
	var obj genObject
	appFilled := -1
	visit := func(a int, j int64) bool {
		if appFilled != a {
			g.fillApp(&app, a)
			app.condensed = app.appendCondensed(app.condensed[:0])
			appFilled = a
		}
		g.fillObject(&obj, &app, int(j))
		return yield(int(j), &obj)
	}
	if ids, ok := g.indexesOf(filter, "id", dObject, g.Len(KindAppObject)); ok {
		for _, j := range ids {
			a := sort.Search(g.cfg.Apps, func(a int) bool { return g.objOff[a+1] > int64(j) })
			if !visit(a, int64(j)) {
				return
			}
		}
		return
	}
	apps, constrained := g.indexesOf(filter, "app.id", dApp, g.cfg.Apps)
	next := func(i int) (int, bool) {
		if constrained {
			if i < len(apps) {
				return apps[i], true
			}
			return 0, false
		}
		return i, i < g.cfg.Apps
	}
	for i := 0; ; i++ {
		a, ok := next(i)
		if !ok {
			return
		}
		first, end := g.objOff[a], g.objOff[a+1]
		s := g.sheetOff[a+1] - g.sheetOff[a]
		total := end - first
		for k := int64(0); k < total; k++ {
			if g.isNonSheet(k, s, total) {
				if !wantType(nonSheetTypes[g.nonSheetType(first+k)]) {
					continue
				}
			} else if !wantSheet {
				continue
			}
			if !visit(a, first+k) {
				return
			}
		}
	}
}

// isNonSheet spreads the non-sheets evenly among an app's objects:
// position k of total is a non-sheet when the running share steps up.
func (g *GenSite) isNonSheet(k, sheets, total int64) bool {
	ns := total - sheets
	if ns <= 0 {
		return false
	}
	return (k+1)*ns/total > k*ns/total
}

func (g *GenSite) nonSheetType(j int64) int {
	return int(mix64(g.seed^dObjType<<56^uint64(j)) % uint64(len(nonSheetTypes)))
}

// ---- apps ----

type genApp struct {
	g                          *GenSite
	index                      int
	id                         guidText
	dept, subject, suffix      int // dept < 0: none
	desc                       [2]int
	ndesc                      int
	owner, modifier            int // modifier < 0: INTERNAL\sa_scheduler
	published                  bool
	stream                     int
	created, modified, publish int64
	reload                     int64
	fileSize, staticSize       int64
	tags                       [3]int
	ntags                      int
	cps                        [2][2]int // definition, choice
	ncps                       int
	version                    int
	migration                  [20]byte
	thumb                      bool
	color                      int // < 0: none
	avail                      int
	condensed                  []byte // AppCondensed JSON, cached while scanning objects
}

func (g *GenSite) fillApp(a *genApp, i int) {
	cond := a.condensed
	*a = genApp{g: g, index: i, condensed: cond[:0]}
	r := g.rng(dApp, uint64(i))
	a.id = g.itemGUID(dApp, i)
	a.dept = -1
	if r.chance(0.6) {
		a.dept = r.intn(len(departments))
	}
	a.subject = r.intn(len(appSubjects))
	a.suffix = r.intn(len(appSuffixes))
	if r.chance(0.55) {
		a.ndesc = 1 + r.intn(2)
		a.desc[0], a.desc[1] = r.intn(len(descriptionSentences)), r.intn(len(descriptionSentences))
	}
	a.owner = r.intn(g.cfg.Users)
	a.modifier = a.owner
	if r.chance(0.4) {
		a.modifier = -1
	}
	a.published = g.cfg.Streams > 0 && !r.chance(g.cfg.UnpublishedRatio)
	if a.published {
		a.stream = r.intn(g.cfg.Streams)
	}
	a.created = epochMillis + int64(r.intn(4*365))*dayMillis + int64(r.intn(dayMillis))
	a.modified = a.created + int64(r.intn(300))*dayMillis + int64(r.intn(dayMillis))
	a.publish = neverMillis
	if a.published {
		a.publish = a.created + int64(r.intn(60))*dayMillis + int64(r.intn(dayMillis))
	}
	a.reload = neverMillis
	if !r.chance(0.05) {
		a.reload = a.modified + int64(r.intn(20))*dayMillis + int64(r.intn(dayMillis))
	}
	// Sizes up to 8 GB: beyond 2^31 for some apps.
	a.fileSize = int64(50_000 + r.next()%(1<<(23+r.intn(11))))
	a.staticSize = a.fileSize/3 + int64(r.intn(1_000_000))
	a.ntags = r.intn(4)
	for t := 0; t < a.ntags; t++ {
		a.tags[t] = r.intn(len(tagNames))
	}
	a.ncps = r.intn(3)
	for c := 0; c < a.ncps; c++ {
		d := (r.intn(len(customPropertyDefs)) + c) % len(customPropertyDefs)
		a.cps[c] = [2]int{d, r.intn(len(customPropertyDefs[d].choices))}
	}
	if a.ncps == 2 && a.cps[0][0] == a.cps[1][0] {
		a.ncps = 1
	}
	a.version = r.intn(len(productVersions))
	binary.BigEndian.PutUint64(a.migration[0:8], r.next())
	binary.BigEndian.PutUint64(a.migration[8:16], r.next())
	binary.BigEndian.PutUint32(a.migration[16:20], uint32(r.next()))
	a.thumb = r.chance(0.3)
	a.color = -1
	if r.chance(0.1) {
		a.color = r.intn(len(visualizations))
	}
	if r.chance(0.15) {
		a.avail = 1
	}
}

func (a *genApp) name() (string, string, string) {
	dept := ""
	if a.dept >= 0 {
		dept = departments[a.dept] + " "
	}
	return dept, appSubjects[a.subject], appSuffixes[a.suffix]
}

func (a *genApp) appendName(dst []byte) []byte {
	p1, p2, p3 := a.name()
	dst = append(dst, '"')
	dst = appendEscaped(dst, p1)
	dst = appendEscaped(dst, p2)
	dst = appendEscaped(dst, p3)
	return append(dst, '"')
}

func appendDescription(dst []byte, n int, d [2]int) []byte {
	dst = append(dst, '"')
	for i := 0; i < n; i++ {
		if i > 0 {
			dst = append(dst, ' ')
		}
		dst = appendEscaped(dst, descriptionSentences[d[i]])
	}
	return append(dst, '"')
}

func descriptionString(n int, d [2]int) string {
	var parts []string
	for i := 0; i < n; i++ {
		parts = append(parts, descriptionSentences[d[i]])
	}
	return strings.Join(parts, " ")
}

const zeroGUID = "00000000-0000-0000-0000-000000000000"

func (a *genApp) appendModifier(dst []byte) []byte {
	if a.modifier < 0 {
		return append(dst, `"INTERNAL\\sa_scheduler"`...)
	}
	return a.g.appendUserName(dst, a.modifier)
}

func (a *genApp) modifierString() string {
	if a.modifier < 0 {
		return `INTERNAL\sa_scheduler`
	}
	return a.g.userName(a.modifier)
}

func (a *genApp) appendStreamRef(dst []byte) []byte {
	if !a.published {
		return append(dst, "null"...)
	}
	dst = append(dst, `{"id":`...)
	id := a.g.itemGUID(dStream, a.stream)
	dst = appendGUID(dst, &id)
	dst = append(dst, `,"name":`...)
	dst = appendString(dst, a.g.streamName(a.stream))
	return append(dst, `,"privileges":null}`...)
}

func (a *genApp) appendMigration(dst []byte) []byte {
	dst = append(dst, '"')
	for _, c := range a.migration {
		dst = append(dst, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return append(dst, '"')
}

// AppendJSON implements Item: the App entity of /qrs/app/full.
func (a *genApp) AppendJSON(dst []byte) []byte {
	g := a.g
	dst = append(dst, `{"id":`...)
	dst = appendGUID(dst, &a.id)
	dst = append(dst, `,"createdDate":`...)
	dst = appendTime(dst, a.created)
	dst = append(dst, `,"modifiedDate":`...)
	dst = appendTime(dst, a.modified)
	dst = append(dst, `,"modifiedByUserName":`...)
	dst = a.appendModifier(dst)
	dst = append(dst, `,"customProperties":[`...)
	for c := 0; c < a.ncps; c++ {
		if c > 0 {
			dst = append(dst, ',')
		}
		dst = g.appendCustomProperty(dst, a, c)
	}
	dst = append(dst, `],"owner":`...)
	dst = g.appendOwner(dst, a.owner)
	dst = append(dst, `,"name":`...)
	dst = a.appendName(dst)
	dst = append(dst, `,"appId":"","sourceAppId":"`+zeroGUID+`","targetAppId":"`+zeroGUID+`","publishTime":`...)
	dst = appendTime(dst, a.publish)
	dst = append(dst, `,"published":`...)
	dst = appendBool(dst, a.published)
	dst = append(dst, `,"tags":`...)
	dst = g.appendTags(dst, a.tags[:a.ntags])
	dst = append(dst, `,"description":`...)
	dst = appendDescription(dst, a.ndesc, a.desc)
	dst = append(dst, `,"stream":`...)
	dst = a.appendStreamRef(dst)
	dst = append(dst, `,"fileSize":`...)
	dst = appendInt(dst, a.fileSize)
	dst = append(dst, `,"lastReloadTime":`...)
	dst = appendTime(dst, a.reload)
	dst = append(dst, `,"thumbnail":"`...)
	if a.thumb {
		dst = append(dst, "/appcontent/"...)
		dst = append(dst, a.id[:]...)
		dst = append(dst, "/thumbnail.png"...)
	}
	dst = append(dst, `","savedInProductVersion":`...)
	dst = appendString(dst, productVersions[a.version])
	dst = append(dst, `,"migrationHash":`...)
	dst = a.appendMigration(dst)
	dst = append(dst, `,"dynamicColor":`...)
	dst = appendString(dst, a.dynamicColor())
	dst = append(dst, `,"availabilityStatus":`...)
	dst = appendInt(dst, int64(a.avail))
	dst = append(dst, `,"lastDataDistribution":"`+neverTime+`","staticByteSize":`...)
	dst = appendInt(dst, a.staticSize)
	return append(dst, `,"privileges":null,"schemaPath":"App"}`...)
}

func (a *genApp) dynamicColor() string {
	if a.color < 0 {
		return ""
	}
	return []string{"#2e8b57", "#1f77b4", "#d62728", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"}[a.color%10]
}

// appendCondensed writes the AppCondensed that every app object carries.
func (a *genApp) appendCondensed(dst []byte) []byte {
	dst = append(dst, `{"id":`...)
	dst = appendGUID(dst, &a.id)
	dst = append(dst, `,"name":`...)
	dst = a.appendName(dst)
	dst = append(dst, `,"appId":"","publishTime":`...)
	dst = appendTime(dst, a.publish)
	dst = append(dst, `,"published":`...)
	dst = appendBool(dst, a.published)
	dst = append(dst, `,"stream":`...)
	dst = a.appendStreamRef(dst)
	dst = append(dst, `,"savedInProductVersion":`...)
	dst = appendString(dst, productVersions[a.version])
	dst = append(dst, `,"migrationHash":`...)
	dst = a.appendMigration(dst)
	dst = append(dst, `,"availabilityStatus":`...)
	dst = appendInt(dst, int64(a.avail))
	return append(dst, `,"privileges":null}`...)
}

// Field implements Object, for App and AppCondensed properties.
func (a *genApp) Field(name string) (any, bool) {
	g := a.g
	switch name {
	case "id":
		return string(a.id[:]), true
	case "name":
		p1, p2, p3 := a.name()
		return p1 + p2 + p3, true
	case "appid":
		return "", true
	case "description":
		return descriptionString(a.ndesc, a.desc), true
	case "createddate":
		return timeString(a.created), true
	case "modifieddate":
		return timeString(a.modified), true
	case "modifiedbyusername":
		return a.modifierString(), true
	case "publishtime":
		return timeString(a.publish), true
	case "published":
		return a.published, true
	case "stream":
		if !a.published {
			return nil, true
		}
		s := &genStream{}
		g.fillStream(s, a.stream)
		return s, true
	case "owner":
		u := &genUser{}
		g.fillUser(u, a.owner)
		return u, true
	case "tags":
		return g.tagObjects(a.tags[:a.ntags]), true
	case "customproperties":
		var out []Object
		for c := 0; c < a.ncps; c++ {
			out = append(out, &genCPValue{g: g, app: a.index, slot: c, def: a.cps[c][0], choice: a.cps[c][1]})
		}
		return out, true
	case "filesize":
		return a.fileSize, true
	case "lastreloadtime":
		return timeString(a.reload), true
	case "thumbnail":
		if !a.thumb {
			return "", true
		}
		return "/appcontent/" + string(a.id[:]) + "/thumbnail.png", true
	case "savedinproductversion":
		return productVersions[a.version], true
	case "migrationhash":
		return strings.Trim(string(a.appendMigration(nil)), `"`), true
	case "dynamiccolor":
		return a.dynamicColor(), true
	case "availabilitystatus":
		return int64(a.avail), true
	case "sourceappid", "targetappid":
		return zeroGUID, true
	case "lastdatadistribution":
		return neverTime, true
	case "staticbytesize":
		return a.staticSize, true
	}
	return nil, false
}

// ---- custom properties and tags ----

type genCPValue struct {
	g                      *GenSite
	app, slot, def, choice int
}

func (c *genCPValue) Field(name string) (any, bool) {
	switch name {
	case "id":
		t := c.g.hashGUID(dCPValue, uint64(c.app)*4+uint64(c.slot))
		return string(t[:]), true
	case "value":
		return customPropertyDefs[c.def].choices[c.choice], true
	case "definition":
		return &genCPDef{g: c.g, def: c.def}, true
	}
	return nil, false
}

type genCPDef struct {
	g   *GenSite
	def int
}

func (d *genCPDef) Field(name string) (any, bool) {
	switch name {
	case "id":
		t := d.g.hashGUID(dCPDef, uint64(d.def))
		return string(t[:]), true
	case "name":
		return customPropertyDefs[d.def].name, true
	case "valuetype":
		return "Text", true
	}
	return nil, false
}

func (g *GenSite) appendCustomProperty(dst []byte, a *genApp, slot int) []byte {
	def, choice := a.cps[slot][0], a.cps[slot][1]
	id := g.hashGUID(dCPValue, uint64(a.index)*4+uint64(slot))
	dst = append(dst, `{"id":`...)
	dst = appendGUID(dst, &id)
	dst = append(dst, `,"createdDate":`...)
	dst = appendTime(dst, a.created)
	dst = append(dst, `,"modifiedDate":`...)
	dst = appendTime(dst, a.created)
	dst = append(dst, `,"modifiedByUserName":`...)
	dst = g.appendUserName(dst, a.owner)
	dst = append(dst, `,"value":`...)
	dst = appendString(dst, customPropertyDefs[def].choices[choice])
	dst = append(dst, `,"definition":{"id":`...)
	did := g.hashGUID(dCPDef, uint64(def))
	dst = appendGUID(dst, &did)
	dst = append(dst, `,"name":`...)
	dst = appendString(dst, customPropertyDefs[def].name)
	dst = append(dst, `,"valueType":"Text","choiceValues":[`...)
	for i, c := range customPropertyDefs[def].choices {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, c)
	}
	return append(dst, `],"privileges":null},"schemaPath":"CustomPropertyValue"}`...)
}

type genTag struct {
	g *GenSite
	t int
}

func (t *genTag) Field(name string) (any, bool) {
	switch name {
	case "id":
		id := t.g.hashGUID(dTag, uint64(t.t))
		return string(id[:]), true
	case "name":
		return tagNames[t.t], true
	}
	return nil, false
}

func (g *GenSite) tagObjects(tags []int) []Object {
	out := make([]Object, len(tags))
	for i, t := range tags {
		out[i] = &genTag{g: g, t: t}
	}
	return out
}

func (g *GenSite) appendTags(dst []byte, tags []int) []byte {
	dst = append(dst, '[')
	for i, t := range tags {
		if i > 0 {
			dst = append(dst, ',')
		}
		id := g.hashGUID(dTag, uint64(t))
		dst = append(dst, `{"id":`...)
		dst = appendGUID(dst, &id)
		dst = append(dst, `,"name":`...)
		dst = appendString(dst, tagNames[t])
		dst = append(dst, `,"privileges":null}`...)
	}
	return append(dst, ']')
}

// ---- users ----

type genUser struct {
	g                 *GenSite
	index             int
	id                guidText
	first, last, gen  int
	dir               int
	created, modified int64
	email, admin      bool
	extra             int // < 0: no extra attribute
}

func (g *GenSite) fillUser(u *genUser, i int) {
	*u = genUser{g: g, index: i}
	u.id = g.itemGUID(dUser, i)
	u.first = i % len(firstNames)
	u.last = i / len(firstNames) % len(lastNames)
	u.gen = i / (len(firstNames) * len(lastNames))
	r := g.rng(dUser, uint64(i))
	u.dir = r.intn(len(userDirectories))
	u.created = epochMillis - int64(r.intn(700))*dayMillis + int64(r.intn(dayMillis))
	u.modified = u.created + int64(r.intn(1500))*dayMillis + int64(r.intn(dayMillis))
	u.email = !r.chance(0.1)
	u.admin = r.chance(0.05)
	u.extra = -1
	if r.chance(0.5) {
		u.extra = r.intn(len(departments))
	}
}

func (u *genUser) userID() string {
	id := firstNames[u.first].slug + "." + lastNames[u.last].slug
	if u.gen > 0 {
		id += strconv.Itoa(u.gen + 1)
	}
	return id
}

func (u *genUser) appendUserID(dst []byte) []byte {
	dst = append(dst, firstNames[u.first].slug...)
	dst = append(dst, '.')
	dst = append(dst, lastNames[u.last].slug...)
	if u.gen > 0 {
		dst = strconv.AppendInt(dst, int64(u.gen+1), 10)
	}
	return dst
}

func (u *genUser) displayName() string {
	return firstNames[u.first].display + " " + lastNames[u.last].display
}

func (u *genUser) emailAddress() string {
	return u.userID() + "@" + strings.ToLower(userDirectories[u.dir]) + ".example.com"
}

// userName returns DIR\userid of user i.
func (g *GenSite) userName(i int) string {
	var u genUser
	g.fillUser(&u, i)
	return userDirectories[u.dir] + `\` + u.userID()
}

func (g *GenSite) appendUserName(dst []byte, i int) []byte {
	var u genUser
	g.fillUser(&u, i)
	return u.appendUserName(dst)
}

// appendUserName writes "DIR\\userid", quoted.
func (u *genUser) appendUserName(dst []byte) []byte {
	dst = append(dst, '"')
	dst = append(dst, userDirectories[u.dir]...)
	dst = append(dst, '\\', '\\')
	dst = u.appendUserID(dst)
	return append(dst, '"')
}

// appendOwner writes the UserCondensed of user i.
func (g *GenSite) appendOwner(dst []byte, i int) []byte {
	var u genUser
	g.fillUser(&u, i)
	return u.appendOwner(dst)
}

// appendOwner writes the UserCondensed of the user.
func (u *genUser) appendOwner(dst []byte) []byte {
	dst = append(dst, `{"id":`...)
	dst = appendGUID(dst, &u.id)
	dst = append(dst, `,"userId":"`...)
	dst = u.appendUserID(dst)
	dst = append(dst, `","userDirectory":"`...)
	dst = append(dst, userDirectories[u.dir]...)
	dst = append(dst, `","userDirectoryConnectorName":"`...)
	dst = append(dst, userDirectories[u.dir]...)
	dst = append(dst, `","name":"`...)
	dst = appendEscaped(dst, firstNames[u.first].display)
	dst = append(dst, ' ')
	dst = appendEscaped(dst, lastNames[u.last].display)
	return append(dst, `","privileges":null}`...)
}

// Field implements Object, for User and UserCondensed properties.
func (u *genUser) Field(name string) (any, bool) {
	switch name {
	case "id":
		return string(u.id[:]), true
	case "userid":
		return u.userID(), true
	case "userdirectory", "userdirectoryconnectorname":
		return userDirectories[u.dir], true
	case "name":
		return u.displayName(), true
	case "createddate":
		return timeString(u.created), true
	case "modifieddate":
		return timeString(u.modified), true
	case "modifiedbyusername":
		return `INTERNAL\sa_repository`, true
	case "inactive", "removedexternally", "blacklisted":
		return false, true
	case "deleteprohibited":
		return u.admin, true
	case "tags", "customproperties":
		return []any{}, true
	case "attributes":
		var out []any
		if u.email {
			out = append(out, map[string]any{"attributeType": "email", "attributeValue": u.emailAddress(), "externalId": u.userID()})
		}
		if u.extra >= 0 {
			out = append(out, map[string]any{"attributeType": "group", "attributeValue": departments[u.extra], "externalId": departments[u.extra]})
		}
		return out, true
	}
	return nil, false
}

// AppendJSON implements Item: the User entity of /qrs/user/full.
func (u *genUser) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"id":`...)
	dst = appendGUID(dst, &u.id)
	dst = append(dst, `,"createdDate":`...)
	dst = appendTime(dst, u.created)
	dst = append(dst, `,"modifiedDate":`...)
	dst = appendTime(dst, u.modified)
	dst = append(dst, `,"modifiedByUserName":"INTERNAL\\sa_repository","customProperties":[],"userId":"`...)
	dst = u.appendUserID(dst)
	dst = append(dst, `","userDirectory":"`...)
	dst = append(dst, userDirectories[u.dir]...)
	dst = append(dst, `","userDirectoryConnectorName":"`...)
	dst = append(dst, userDirectories[u.dir]...)
	dst = append(dst, `","name":`...)
	dst = appendString(dst, u.displayName())
	dst = append(dst, `,"roles":[`...)
	if u.admin {
		dst = append(dst, `"RootAdmin"`...)
	}
	dst = append(dst, `],"attributes":[`...)
	n := 0
	attr := func(dst []byte, slot int, typ, value, external string) []byte {
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
		id := u.g.hashGUID(dUser, uint64(u.index)*4+uint64(slot))
		dst = append(dst, `{"id":`...)
		dst = appendGUID(dst, &id)
		dst = append(dst, `,"createdDate":`...)
		dst = appendTime(dst, u.modified)
		dst = append(dst, `,"modifiedDate":`...)
		dst = appendTime(dst, u.modified)
		dst = append(dst, `,"modifiedByUserName":"INTERNAL\\sa_repository","attributeType":`...)
		dst = appendString(dst, typ)
		dst = append(dst, `,"attributeValue":`...)
		dst = appendString(dst, value)
		dst = append(dst, `,"externalId":`...)
		dst = appendString(dst, external)
		return append(dst, `,"schemaPath":"UserAttribute"}`...)
	}
	if u.email {
		dst = attr(dst, 0, "email", u.emailAddress(), u.userID())
	}
	if u.extra >= 0 {
		dst = attr(dst, 1, "group", departments[u.extra], departments[u.extra])
	}
	dst = append(dst, `],"inactive":false,"removedExternally":false,"blacklisted":false,"deleteProhibited":`...)
	dst = appendBool(dst, u.admin)
	return append(dst, `,"tags":[],"privileges":null,"schemaPath":"User"}`...)
}

// ---- streams ----

type genStream struct {
	g                 *GenSite
	index             int
	id                guidText
	owner             int
	created, modified int64
}

func (g *GenSite) fillStream(s *genStream, i int) {
	*s = genStream{g: g, index: i, id: g.itemGUID(dStream, i)}
	r := g.rng(dStream, uint64(i))
	s.owner = r.intn(g.cfg.Users)
	s.created = epochMillis - int64(r.intn(365))*dayMillis + int64(r.intn(dayMillis))
	s.modified = s.created + int64(r.intn(900))*dayMillis + int64(r.intn(dayMillis))
}

func (g *GenSite) streamName(i int) string {
	name := streamNames[i%len(streamNames)]
	if i >= len(streamNames) {
		name += " " + strconv.Itoa(i/len(streamNames)+1)
	}
	return name
}

// Field implements Object, for Stream and StreamCondensed properties.
func (s *genStream) Field(name string) (any, bool) {
	switch name {
	case "id":
		return string(s.id[:]), true
	case "name":
		return s.g.streamName(s.index), true
	case "createddate":
		return timeString(s.created), true
	case "modifieddate":
		return timeString(s.modified), true
	case "modifiedbyusername":
		return s.g.userName(s.owner), true
	case "owner":
		u := &genUser{}
		s.g.fillUser(u, s.owner)
		return u, true
	case "tags", "customproperties":
		return []any{}, true
	}
	return nil, false
}

// AppendJSON implements Item: the Stream entity of /qrs/stream/full.
func (s *genStream) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"id":`...)
	dst = appendGUID(dst, &s.id)
	dst = append(dst, `,"createdDate":`...)
	dst = appendTime(dst, s.created)
	dst = append(dst, `,"modifiedDate":`...)
	dst = appendTime(dst, s.modified)
	dst = append(dst, `,"modifiedByUserName":`...)
	dst = s.g.appendUserName(dst, s.owner)
	dst = append(dst, `,"customProperties":[],"owner":`...)
	dst = s.g.appendOwner(dst, s.owner)
	dst = append(dst, `,"name":`...)
	dst = appendString(dst, s.g.streamName(s.index))
	return append(dst, `,"tags":[],"privileges":null,"schemaPath":"Stream"}`...)
}

// ---- app objects ----

type genObject struct {
	g                           *GenSite
	app                         *genApp
	index                       int
	typ                         int // < 0: sheet
	id                          guidText
	engine                      [36]byte
	engineLen                   int
	subject, view, suffix       int
	myNewSheet                  int // > 0: named "My new sheet", n > 1 adds " (n)"
	desc                        [2]int
	ndesc                       int
	owner                       int
	approved, published         bool
	created, modified, publish  int64
	size                        int64
	tag                         int // < 0: none
	source, draft               bool
	hash                        uint64 // seeds contentHash and attributes
	rank, columns, rows, charts int
}

const engineAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func (g *GenSite) fillObject(o *genObject, app *genApp, j int) {
	*o = genObject{g: g, app: app, index: j, typ: -1}
	a := app.index
	first := g.objOff[a]
	s := g.sheetOff[a+1] - g.sheetOff[a]
	if g.isNonSheet(int64(j)-first, s, g.objOff[a+1]-first) {
		o.typ = g.nonSheetType(int64(j))
	}
	r := g.rng(dObject, uint64(j))
	o.id = g.itemGUID(dObject, j)
	if r.chance(0.7) {
		o.engineLen = 5 + r.intn(4)
		for i := 0; i < o.engineLen; i++ {
			o.engine[i] = engineAlphabet[r.intn(len(engineAlphabet))]
		}
	} else {
		t := g.hashGUID(dObject, uint64(j))
		o.engineLen = copy(o.engine[:], t[:])
	}
	o.subject = r.intn(len(sheetSubjects))
	o.view = r.intn(len(sheetViews))
	o.suffix = r.intn(len(sheetSuffixes))
	if r.chance(0.5) {
		o.ndesc = 1 + r.intn(2)
		o.desc[0], o.desc[1] = r.intn(len(descriptionSentences)), r.intn(len(descriptionSentences))
	}
	// Status: base (approved and published), community (published only)
	// or private; in an unpublished app, public sheets show published only.
	p := r.float()
	if app.published {
		switch {
		case p < 0.55:
			o.approved, o.published = true, true
		case p < 0.75:
			o.published = true
		}
	} else if p < 0.3 {
		o.published = true
	}
	o.owner = app.owner
	if !o.approved && r.chance(0.8) {
		o.owner = r.intn(g.cfg.Users)
	}
	if o.typ < 0 && !o.published && r.chance(0.35) {
		o.myNewSheet = 1 + r.intn(4)
	}
	o.created = app.created + int64(r.intn(400))*dayMillis + int64(r.intn(dayMillis))
	o.modified = o.created + int64(r.intn(200))*dayMillis + int64(r.intn(dayMillis))
	o.publish = neverMillis
	if o.published {
		o.publish = o.modified + int64(r.intn(30))*dayMillis + int64(r.intn(dayMillis))
	}
	o.size = -1
	if o.typ >= 0 && r.chance(0.3) {
		o.size = int64(200 + r.intn(20000))
	}
	o.tag = -1
	if r.chance(0.05) {
		o.tag = r.intn(len(tagNames))
	}
	o.source = o.published && r.chance(0.05)
	o.draft = o.approved && r.chance(0.03)
	o.hash = r.next()
	o.rank = r.intn(40)
	o.columns = []int{24, 24, 24, 12, 48}[r.intn(5)]
	o.rows = []int{12, 12, 8, 16, 24}[r.intn(5)]
	o.charts = r.intn(12)
}

func (o *genObject) objectType() string {
	if o.typ < 0 {
		return "sheet"
	}
	return nonSheetTypes[o.typ]
}

func (o *genObject) name() (string, string, string) {
	if o.myNewSheet == 1 {
		return "My new sheet", "", ""
	}
	if o.myNewSheet > 1 {
		return "My new sheet (", strconv.Itoa(o.myNewSheet), ")"
	}
	switch o.objectType() {
	case "dimension":
		return sheetSubjects[o.subject], "", ""
	case "measure":
		return "Total ", sheetSubjects[o.subject], ""
	case "app_appscript":
		return "", "", ""
	}
	return sheetSubjects[o.subject], " " + sheetViews[o.view], sheetSuffixes[o.suffix]
}

func (o *genObject) engineObjectType() string {
	if o.typ >= 0 && nonSheetTypes[o.typ] == "masterobject" {
		return visualizations[o.subject%len(visualizations)]
	}
	return o.objectType()
}

// contentHash is opaque punctuation, as QRS stores it.
func (o *genObject) appendContentHash(dst []byte) []byte {
	h := o.hash
	for i := 0; i < 40; i++ {
		if i%8 == 0 {
			h = mix64(h + uint64(i))
		}
		c := byte(33 + (h>>(8*(i%8)))%94)
		if c == '"' || c == '\\' {
			dst = append(dst, '\\')
		}
		dst = append(dst, c)
	}
	return dst
}

// attributes is the base64 of a small JSON document, as QRS sends it.
func (o *genObject) appendAttributes(dst []byte) []byte {
	var raw [512]byte
	doc := raw[:0]
	doc = append(doc, `{"rank":`...)
	doc = strconv.AppendInt(doc, int64(o.rank), 10)
	doc = append(doc, `,"columns":`...)
	doc = strconv.AppendInt(doc, int64(o.columns), 10)
	doc = append(doc, `,"rows":`...)
	doc = strconv.AppendInt(doc, int64(o.rows), 10)
	doc = append(doc, `,"gridResolution":"small","layoutOptions":{"extendable":false,"mobileLayout":"LIST"},"cells":[`...)
	h := o.hash
	for c := 0; c < o.charts%6; c++ {
		if c > 0 {
			doc = append(doc, ',')
		}
		h = mix64(h + uint64(c))
		doc = append(doc, `{"name":"`...)
		for i := 0; i < 7; i++ {
			doc = append(doc, engineAlphabet[(h>>(6*i))%uint64(len(engineAlphabet))])
		}
		doc = append(doc, `","type":"`...)
		doc = append(doc, visualizations[h%uint64(len(visualizations))]...)
		doc = append(doc, `"}`...)
	}
	doc = append(doc, "]}"...)
	return base64.StdEncoding.AppendEncode(dst, doc)
}

// AppendJSON implements Item: the AppObject entity of /qrs/app/object/full.
func (o *genObject) AppendJSON(dst []byte) []byte {
	g := o.g
	dst = append(dst, `{"id":`...)
	dst = appendGUID(dst, &o.id)
	dst = append(dst, `,"createdDate":`...)
	dst = appendTime(dst, o.created)
	dst = append(dst, `,"modifiedDate":`...)
	dst = appendTime(dst, o.modified)
	var owner genUser
	g.fillUser(&owner, o.owner)
	dst = append(dst, `,"modifiedByUserName":`...)
	dst = owner.appendUserName(dst)
	dst = append(dst, `,"owner":`...)
	dst = owner.appendOwner(dst)
	dst = append(dst, `,"name":"`...)
	p1, p2, p3 := o.name()
	dst = appendEscaped(dst, p1)
	dst = appendEscaped(dst, p2)
	dst = appendEscaped(dst, p3)
	dst = append(dst, `","engineObjectType":`...)
	dst = appendString(dst, o.engineObjectType())
	dst = append(dst, `,"description":`...)
	dst = appendDescription(dst, o.ndesc, o.desc)
	dst = append(dst, `,"objectType":`...)
	dst = appendString(dst, o.objectType())
	dst = append(dst, `,"publishTime":`...)
	dst = appendTime(dst, o.publish)
	dst = append(dst, `,"published":`...)
	dst = appendBool(dst, o.published)
	dst = append(dst, `,"approved":`...)
	dst = appendBool(dst, o.approved)
	dst = append(dst, `,"tags":`...)
	if o.tag >= 0 {
		dst = g.appendTags(dst, []int{o.tag})
	} else {
		dst = append(dst, "[]"...)
	}
	dst = append(dst, `,"app":`...)
	if len(o.app.condensed) > 0 {
		dst = append(dst, o.app.condensed...)
	} else {
		dst = o.app.appendCondensed(dst)
	}
	dst = append(dst, `,"engineObjectId":"`...)
	dst = append(dst, o.engine[:o.engineLen]...)
	dst = append(dst, `","contentHash":"`...)
	dst = o.appendContentHash(dst)
	dst = append(dst, `","attributes":"`...)
	dst = o.appendAttributes(dst)
	dst = append(dst, `","size":`...)
	dst = appendInt(dst, o.size)
	dst = append(dst, `,"sourceObject":"`...)
	if o.source {
		t := g.hashGUID(dSource, uint64(o.index))
		dst = append(dst, t[:]...)
	}
	dst = append(dst, `","draftObject":"`...)
	if o.draft {
		t := g.hashGUID(dSource, uint64(o.index)^1<<40)
		dst = append(dst, t[:]...)
	}
	dst = append(dst, `","appObjectBlobId":`...)
	blob := g.hashGUID(dBlob, uint64(o.index))
	dst = appendGUID(dst, &blob)
	return append(dst, `,"privileges":null,"schemaPath":"App.Object"}`...)
}

// Field implements Object, for AppObject properties.
func (o *genObject) Field(name string) (any, bool) {
	g := o.g
	switch name {
	case "id":
		return string(o.id[:]), true
	case "name":
		p1, p2, p3 := o.name()
		return p1 + p2 + p3, true
	case "description":
		return descriptionString(o.ndesc, o.desc), true
	case "objecttype":
		return o.objectType(), true
	case "engineobjectid":
		return string(o.engine[:o.engineLen]), true
	case "engineobjecttype":
		return o.engineObjectType(), true
	case "app":
		return o.app, true
	case "owner":
		u := &genUser{}
		g.fillUser(u, o.owner)
		return u, true
	case "published":
		return o.published, true
	case "approved":
		return o.approved, true
	case "publishtime":
		return timeString(o.publish), true
	case "createddate":
		return timeString(o.created), true
	case "modifieddate":
		return timeString(o.modified), true
	case "modifiedbyusername":
		return g.userName(o.owner), true
	case "contenthash":
		var b []byte
		h := o.appendContentHash(nil)
		for i := 0; i < len(h); i++ {
			if h[i] == '\\' {
				i++
			}
			b = append(b, h[i])
		}
		return string(b), true
	case "attributes":
		return string(o.appendAttributes(nil)), true
	case "size":
		return o.size, true
	case "tags":
		if o.tag < 0 {
			return []any{}, true
		}
		return g.tagObjects([]int{o.tag}), true
	case "sourceobject", "draftobject":
		s := ""
		if name == "sourceobject" && o.source {
			t := g.hashGUID(dSource, uint64(o.index))
			s = string(t[:])
		}
		if name == "draftobject" && o.draft {
			t := g.hashGUID(dSource, uint64(o.index)^1<<40)
			s = string(t[:])
		}
		return s, true
	case "appobjectblobid":
		t := g.hashGUID(dBlob, uint64(o.index))
		return string(t[:]), true
	}
	return nil, false
}
