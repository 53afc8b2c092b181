package testserver

import (
	"strconv"
	"strings"
)

// Generated users (User of /qrs/user/full) and the UserCondensed owners
// that other entities carry.

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

func userCursor(g *GenSite) func(int) Item {
	var u genUser
	return func(i int) Item { g.fillUser(&u, i); return &u }
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
