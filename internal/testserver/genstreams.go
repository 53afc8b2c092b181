package testserver

import "strconv"

// Generated streams (Stream of /qrs/stream/full).

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
