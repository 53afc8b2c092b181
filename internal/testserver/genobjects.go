package testserver

import (
	"encoding/base64"
	"sort"
	"strconv"
)

// Generated app objects (AppObject of /qrs/app/object/full): sheets and the
// other object types, and the scan of the object listing. The layout of
// objects over apps is in gen.go.

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
	o.typ = g.objectTypeAt(a, int64(j))
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
	if o.isAppItem() {
		// Master items and the script belong to the app: part of the base
		// app once it is published, the owner's own before.
		o.approved, o.published = app.published, app.published
	}
	o.owner = app.owner
	if !o.approved && !o.isAppItem() && r.chance(0.8) {
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

// isAppItem is true for master items and the app's script.
func (o *genObject) isAppItem() bool {
	switch o.objectType() {
	case "masterobject", "dimension", "measure", "app_appscript":
		return true
	}
	return false
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
		return measurePrefixes[o.view%len(measurePrefixes)], sheetSubjects[o.subject], ""
	case "masterobject":
		return sheetSubjects[o.subject], " " + sheetViews[o.view], ""
	case "embeddedsnapshot":
		return sheetSubjects[o.subject], " " + sheetViews[o.view], " (snapshot)"
	case "story":
		return sheetSubjects[o.subject], " " + storyWords[o.view%len(storyWords)], ""
	case "bookmark":
		return bookmarkScopes[o.view%len(bookmarkScopes)], ", ", bookmarkPeriods[o.suffix%len(bookmarkPeriods)]
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
			if !visit(g.objectApp(j), int64(j)) {
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
		for j := g.objOff[a]; j < g.objOff[a+1]; j++ {
			if t := g.objectTypeAt(a, j); t >= 0 {
				if !wantType(nonSheetTypes[t]) {
					continue
				}
			} else if !wantSheet {
				continue
			}
			if !visit(a, j) {
				return
			}
		}
	}
}

// objectApp returns the app of object j.
func (g *GenSite) objectApp(j int) int {
	return sort.Search(g.cfg.Apps, func(a int) bool { return g.objOff[a+1] > int64(j) })
}

// objectTypeAt is the type of object j of app a: -1 for a sheet, else an
// index in nonSheetTypes. The non-sheets are spread evenly among an app's
// objects: position k of total is a non-sheet when the running share steps
// up. An app's first non-sheet is its script (app_appscript) in most apps;
// no app has two.
func (g *GenSite) objectTypeAt(a int, j int64) int {
	first := g.objOff[a]
	total := g.objOff[a+1] - first
	ns := total - (g.sheetOff[a+1] - g.sheetOff[a])
	k := j - first
	if ns <= 0 || (k+1)*ns/total == k*ns/total {
		return -1
	}
	h := mix64(g.seed ^ dObjType<<56 ^ uint64(j))
	if k == (total+ns-1)/ns-1 && h%10 < 7 {
		return appScriptType
	}
	return int((h >> 8) % appScriptType)
}
