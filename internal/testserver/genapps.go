package testserver

import (
	"encoding/binary"
	"strings"
)

// Generated apps (App of /qrs/app/full) and the AppCondensed that app
// objects carry.

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
	cps                        cpSet
	version                    int
	migration                  [20]byte
	thumb                      bool
	color                      int // < 0: none
	avail                      int
	condensed                  []byte // AppCondensed JSON, cached while scanning objects
}

func appCursor(g *GenSite) func(int) Item {
	var a genApp
	return func(i int) Item { g.fillApp(&a, i); return &a }
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
	a.tags, a.ntags = drawTags(&r, 3)
	a.cps = drawCPs(&r, uint64(i))
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
	dst = append(dst, `,"customProperties":`...)
	dst = g.appendCPs(dst, &a.cps, a.created, a.owner)
	dst = append(dst, `,"owner":`...)
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
		return g.cpObjects(&a.cps), true
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
