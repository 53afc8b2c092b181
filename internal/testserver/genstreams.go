package testserver

import "strconv"

// Generated streams (Stream of /qrs/stream/full).

type genStream struct {
	g                 *GenSite
	index             int
	id                guidText
	owner             int
	created, modified int64
	tags              [3]int
	ntags             int
	cps               cpSet
}

func streamCursor(g *GenSite) func(int) Item {
	var s genStream
	return func(i int) Item { g.fillStream(&s, i); return &s }
}

func (g *GenSite) fillStream(s *genStream, i int) {
	*s = genStream{g: g, index: i, id: g.itemGUID(dStream, i)}
	r := g.rng(dStream, uint64(i))
	s.owner = r.intn(g.cfg.Users)
	s.created = epochMillis - int64(r.intn(365))*dayMillis + int64(r.intn(dayMillis))
	s.modified = s.created + int64(r.intn(900))*dayMillis + int64(r.intn(dayMillis))
	// Tags and custom properties (which security rules often read) come
	// from a stream of their own, so that the fields above stay as they were.
	p := g.rng(dStreamProps, uint64(i))
	s.tags, s.ntags = drawTags(&p, 2)
	s.cps = drawCPs(&p, cpKey(KindStream, i))
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
	case "tags":
		return s.g.tagObjects(s.tags[:s.ntags]), true
	case "customproperties":
		return s.g.cpObjects(&s.cps), true
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
	dst = append(dst, `,"customProperties":`...)
	dst = s.g.appendCPs(dst, &s.cps, s.created, s.owner)
	dst = append(dst, `,"owner":`...)
	dst = s.g.appendOwner(dst, s.owner)
	dst = append(dst, `,"name":`...)
	dst = appendString(dst, s.g.streamName(s.index))
	dst = append(dst, `,"tags":`...)
	dst = s.g.appendTags(dst, s.tags[:s.ntags])
	return append(dst, `,"privileges":null,"schemaPath":"Stream"}`...)
}
