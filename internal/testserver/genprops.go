package testserver

// Generated custom property values and tags, as apps and objects carry
// them.

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
