package testserver

// Generated custom property values and tags, as apps, objects, streams,
// data connections and tasks carry them.

// cpSet is the custom property values of one entity: at most two, of
// distinct definitions. Value slot s has the id hashGUID(dCPValue, key*4+s).
type cpSet struct {
	key uint64 // apps: the app index; other kinds: cpKey
	n   int
	v   [2][2]int // definition, choice
}

// cpKey keeps the value ids of kinds other than apps apart from the apps'.
func cpKey(kind Kind, i int) uint64 { return uint64(kind)<<32 | uint64(i) }

// drawCPs draws up to two values from r.
func drawCPs(r *rng, key uint64) cpSet {
	c := cpSet{key: key, n: r.intn(3)}
	for s := 0; s < c.n; s++ {
		d := (r.intn(len(customPropertyDefs)) + s) % len(customPropertyDefs)
		c.v[s] = [2]int{d, r.intn(len(customPropertyDefs[d].choices))}
	}
	if c.n == 2 && c.v[0][0] == c.v[1][0] {
		c.n = 1
	}
	return c
}

type genCPValue struct {
	g           *GenSite
	id          uint64
	def, choice int
}

func (c *genCPValue) Field(name string) (any, bool) {
	switch name {
	case "id":
		t := c.g.hashGUID(dCPValue, c.id)
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

// cpObjects is the values as the filter sees them.
func (g *GenSite) cpObjects(c *cpSet) []Object {
	out := []Object{}
	for s := 0; s < c.n; s++ {
		out = append(out, &genCPValue{g: g, id: c.key*4 + uint64(s), def: c.v[s][0], choice: c.v[s][1]})
	}
	return out
}

// appendCPs writes the customProperties array of an entity created at
// created by user owner.
func (g *GenSite) appendCPs(dst []byte, c *cpSet, created int64, owner int) []byte {
	dst = append(dst, '[')
	for s := 0; s < c.n; s++ {
		if s > 0 {
			dst = append(dst, ',')
		}
		dst = g.appendCustomProperty(dst, c.key*4+uint64(s), c.v[s][0], c.v[s][1], created, owner)
	}
	return append(dst, ']')
}

func (g *GenSite) appendCustomProperty(dst []byte, key uint64, def, choice int, created int64, owner int) []byte {
	id := g.hashGUID(dCPValue, key)
	dst = append(dst, `{"id":`...)
	dst = appendGUID(dst, &id)
	dst = append(dst, `,"createdDate":`...)
	dst = appendTime(dst, created)
	dst = append(dst, `,"modifiedDate":`...)
	dst = appendTime(dst, created)
	dst = append(dst, `,"modifiedByUserName":`...)
	dst = g.appendUserName(dst, owner)
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

// drawTags draws up to max tags from r.
func drawTags(r *rng, max int) ([3]int, int) {
	var t [3]int
	n := r.intn(max + 1)
	for i := 0; i < n; i++ {
		t[i] = r.intn(len(tagNames))
	}
	return t, n
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
