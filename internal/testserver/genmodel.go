package testserver

import "strconv"

// Generated app data models, the body of /api/v1/apps/{id}/data/metadata,
// made on request: a fact table and up to 29 others linked to it by key
// fields, a few to about 200 fields with row counts, cardinalities and
// sizes that fit together, the system fields ($Field, $Table, ...) and
// tables ($$SysTable N), reload statistics, and on apps saved by the newest
// release the keys newer servers add. An app never reloaded has none (404);
// EmptyDataModelRatio of the others have an empty structure.

// maxModelFields bounds the user fields of one app.
const maxModelFields = 200

type modelField struct {
	name            string
	tables          [2]int // src_tables, as indexes of the model's tables
	ntables         int
	kind            int // fk*; keys are fkInteger or fkText
	key, hidden     bool
	cardinal, total int64
	byteSize        int64
	comment         int // < 0: none
	oneSelected     bool
}

type modelTable struct {
	name                string
	rows                int64
	fields, keys        int
	byteSize            int64
	comment             int // < 0: none
	tableIdx, qualified int // the modelTables entry and its repeat
}

type genModel struct {
	app           *genApp
	tables        []modelTable
	fields        []modelField
	cores         int
	memory        int64
	cpuMillis     int64
	sectionAccess bool
	newer         bool // the keys of newer servers
}

// AppendDataModel implements DataModelSite.
func (g *GenSite) AppendDataModel(dst []byte, appID string) ([]byte, bool) {
	a, ok := g.findGUID(dApp, appID, g.cfg.Apps)
	if !ok {
		return dst, false
	}
	var app genApp
	g.fillApp(&app, a)
	switch g.dataModelState(&app) {
	case modelNone:
		return dst, false
	case modelEmpty:
		return append(dst, emptyDataModel...), true
	}
	m := g.dataModel(&app)
	return m.appendJSON(dst, g), true
}

// The data model states of an app.
const (
	modelNone  = iota // never reloaded: 404
	modelEmpty        // an empty structure
	modelFull
)

// emptyDataModel is the empty structure (*unverified*: the form servers
// send for an app without a recorded model may differ).
const emptyDataModel = `{"reload_meta":{"cpu_time_spent_ms":0,"hardware":{"logical_cores":0,"total_memory":0}},"static_byte_size":0,"fields":[],"tables":[],"has_section_access":false}`

func (g *GenSite) dataModelState(a *genApp) int {
	if a.reload <= neverMillis {
		return modelNone
	}
	r := g.rng(dModel, uint64(a.index)|1<<40)
	if r.chance(g.cfg.EmptyDataModelRatio) {
		return modelEmpty
	}
	return modelFull
}

// DataModelState reports what the metadata endpoint answers for app a:
// "none" (404: never reloaded), "empty" (an empty structure) or "full".
func (g *GenSite) DataModelState(a int) string {
	if a < 0 || a >= g.cfg.Apps {
		return "none"
	}
	var app genApp
	g.fillApp(&app, a)
	return [...]string{"none", "empty", "full"}[g.dataModelState(&app)]
}

// logUniform draws from [lo, hi] (lo > 0) with about as many values in
// each doubling: integer arithmetic only, so that every architecture draws
// the same.
func (r *rng) logUniform(lo, hi int64) int64 {
	doublings := 0
	for lo<<(doublings+1) <= hi {
		doublings++
	}
	base := lo << r.intn(doublings+1)
	return min(hi, base+int64(r.next()%uint64(base)))
}

func (g *GenSite) dataModel(a *genApp) *genModel {
	r := g.rng(dModel, uint64(a.index))
	m := &genModel{app: a, newer: productVersions[a.version] == "14.173.3"}
	nt := 1
	switch n := r.intn(100); {
	case n < 10:
	case n < 60:
		nt = 2 + r.intn(5)
	case n < 90:
		nt = 7 + r.intn(9)
	default:
		nt = 16 + r.intn(15)
	}
	first, step := r.intn(len(modelTables)), 1+2*r.intn(3)
	used := map[string]int{} // field name → 1 + the table that has it
	for t := 0; t < nt; t++ {
		ti := (first + t*step) % len(modelTables)
		tb := modelTable{tableIdx: ti, qualified: t / len(modelTables), comment: -1}
		tb.name = modelTables[ti].name
		if tb.qualified > 0 {
			tb.name += "_" + strconv.Itoa(tb.qualified+1)
		}
		if t == 0 {
			tb.rows = r.logUniform(10_000, 50_000_000) // the fact table
		} else {
			tb.rows = r.logUniform(10, 200_000)
		}
		if r.chance(0.1) {
			tb.comment = r.intn(len(modelComments))
		}
		m.tables = append(m.tables, tb)
	}
	addField := func(f modelField) {
		if len(m.fields) >= maxModelFields {
			return
		}
		// A name another table has already is qualified, as a script's
		// QUALIFY does; within one table, the attribute is not repeated.
		if t := used[f.name]; t == f.tables[0]+1 {
			return
		} else if t > 0 {
			f.name = m.tables[f.tables[0]].name + "." + f.name
		}
		if used[f.name] > 0 {
			return
		}
		used[f.name] = f.tables[0] + 1
		f.comment = -1
		if r.chance(0.1) {
			f.comment = r.intn(len(modelComments))
		}
		m.fields = append(m.fields, f)
	}
	// Each table but the fact hangs off an earlier table by its own key.
	for t := 1; t < nt; t++ {
		parent := r.intn(t)
		name := modelTables[m.tables[t].tableIdx].key
		if m.tables[t].qualified > 0 {
			name += strconv.Itoa(m.tables[t].qualified + 1)
		}
		kind := fkInteger
		if r.chance(0.3) {
			kind = fkText
		}
		rows := m.tables[t].rows
		f := modelField{name: name, tables: [2]int{parent, t}, ntables: 2, kind: kind, key: true,
			cardinal: rows, total: m.tables[parent].rows + rows, hidden: name[0] == '%'}
		addField(f)
	}
	for t := 0; t < nt; t++ {
		n := 2 + r.intn(10)
		if t == 0 {
			n = 6 + r.intn(20)
		}
		for k := 0; k < n; k++ {
			at := modelAttrs[r.intn(len(modelAttrs))]
			rows := m.tables[t].rows
			f := modelField{name: at.name, tables: [2]int{t}, ntables: 1, kind: at.kind, total: rows}
			switch at.kind {
			case fkFlag:
				f.cardinal = min(rows, 2)
			case fkDate:
				f.cardinal = min(rows, int64(365+r.intn(2500)))
			case fkTimestamp, fkAmount:
				f.cardinal = max(1, rows-rows/int64(2+r.intn(20)))
			case fkInteger:
				f.cardinal = min(rows, int64(1+r.intn(5000)))
			default:
				f.cardinal = min(rows, r.logUniform(3, 100_000))
			}
			f.oneSelected = at.name == "Currency" && r.chance(0.3)
			addField(f)
		}
	}
	var totalRows int64
	for i := range m.fields {
		f := &m.fields[i]
		f.byteSize = f.cardinal * fieldWidth(f.kind, f.name)
		for j := 0; j < f.ntables; j++ {
			tb := &m.tables[f.tables[j]]
			tb.fields++
			if f.key {
				tb.keys++
			}
		}
	}
	for t := range m.tables {
		tb := &m.tables[t]
		// Bit-stuffed pointers into the symbol tables: about
		// log2(cardinality) bits per field and row.
		tb.byteSize = tb.rows * int64(max(tb.fields, 1)) * 2
		totalRows += tb.rows
	}
	m.cores = []int{8, 16, 16, 32, 64}[r.intn(5)]
	m.memory = []int64{64 << 30, 128 << 30, 256 << 30, 512 << 30}[r.intn(4)]
	m.cpuMillis = 200 + totalRows/20_000 + int64(r.intn(5000))
	m.sectionAccess = r.chance(0.05)
	return m
}

// fieldWidth is the bytes a distinct value of a field takes.
func fieldWidth(kind int, name string) int64 {
	switch kind {
	case fkText:
		return int64(8 + 2*len(name))
	case fkFlag:
		return 1
	}
	return 8
}

func fieldTags(f *modelField) []string {
	var tags []string
	if f.key {
		tags = append(tags, "$key")
	}
	switch f.kind {
	case fkText:
		tags = append(tags, "$text")
		if isASCII(f.name) {
			tags = append(tags, "$ascii")
		}
	case fkAmount:
		tags = append(tags, "$numeric")
	case fkInteger, fkFlag:
		tags = append(tags, "$numeric", "$integer")
	case fkDate:
		tags = append(tags, "$numeric", "$integer", "$timestamp", "$date")
	case fkTimestamp:
		tags = append(tags, "$numeric", "$timestamp")
	}
	if f.hidden {
		tags = append(tags, "$hidden")
	}
	return tags
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// systemField is one of the fields every app has.
type systemField struct {
	name    string
	tables  []string
	numeric bool
}

var systemFields = []systemField{
	{"$Field", []string{"$$SysTable 1"}, false},
	{"$Table", []string{"$$SysTable 1", "$$SysTable 2"}, false},
	{"$Rows", []string{"$$SysTable 2"}, true},
	{"$Fields", []string{"$$SysTable 2"}, true},
	{"$FieldNo", []string{"$$SysTable 1"}, true},
	{"$Info", []string{"$$SysTable 3"}, false},
}

func appendBoolField(dst []byte, name string, v bool) []byte {
	dst = append(dst, `,"`...)
	dst = append(dst, name...)
	dst = append(dst, `":`...)
	return appendBool(dst, v)
}

func appendIntField(dst []byte, name string, v int64) []byte {
	dst = append(dst, `,"`...)
	dst = append(dst, name...)
	dst = append(dst, `":`...)
	return appendInt(dst, v)
}

func appendStrings(dst []byte, ss []string) []byte {
	dst = append(dst, '[')
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, s)
	}
	return append(dst, ']')
}

func (m *genModel) appendField(dst []byte, name string, tables []string, system, hidden, numeric bool,
	cardinal, total int64, comment string, tags []string, byteSize int64, hash string, oneSelected bool) []byte {
	dst = append(dst, `{"name":`...)
	dst = appendString(dst, name)
	dst = append(dst, `,"src_tables":`...)
	dst = appendStrings(dst, tables)
	dst = appendBoolField(dst, "is_system", system)
	dst = appendBoolField(dst, "is_hidden", hidden)
	dst = append(dst, `,"is_semantic":false,"distinct_only":false`...)
	dst = appendIntField(dst, "cardinal", cardinal)
	dst = appendIntField(dst, "total_count", total)
	dst = append(dst, `,"is_locked":false`...)
	dst = appendBoolField(dst, "always_one_selected", oneSelected)
	dst = appendBoolField(dst, "is_numeric", numeric)
	dst = append(dst, `,"comment":`...)
	dst = appendString(dst, comment)
	dst = append(dst, `,"tags":`...)
	dst = appendStrings(dst, tags)
	dst = appendIntField(dst, "byte_size", byteSize)
	if m.newer {
		dst = append(dst, `,"hash":`...)
		dst = appendString(dst, hash)
	}
	return append(dst, '}')
}

func (m *genModel) appendTable(dst []byte, name string, system bool, rows int64, fields, keys int, comment string, byteSize int64) []byte {
	dst = append(dst, `{"name":`...)
	dst = appendString(dst, name)
	dst = appendBoolField(dst, "is_system", system)
	dst = append(dst, `,"is_semantic":false,"is_loose":false`...)
	dst = appendIntField(dst, "no_of_rows", rows)
	dst = appendIntField(dst, "no_of_fields", int64(fields))
	dst = appendIntField(dst, "no_of_key_fields", int64(keys))
	dst = append(dst, `,"comment":`...)
	dst = appendString(dst, comment)
	dst = appendIntField(dst, "byte_size", byteSize)
	return append(dst, '}')
}

// fieldHash is an opaque value hash, as newer servers give one per field.
func fieldHash(g *GenSite, app, field int) string {
	h := mix64(g.seed ^ dModel<<56 ^ uint64(app)<<20 ^ uint64(field))
	b := make([]byte, 22)
	for i := range b {
		b[i] = engineAlphabet[h%uint64(len(engineAlphabet))]
		h = mix64(h + uint64(i))
	}
	return string(b)
}

func (m *genModel) appendJSON(dst []byte, g *GenSite) []byte {
	a := m.app
	dst = append(dst, `{"reload_meta":{"cpu_time_spent_ms":`...)
	dst = appendInt(dst, m.cpuMillis)
	dst = append(dst, `,"hardware":{"logical_cores":`...)
	dst = appendInt(dst, int64(m.cores))
	dst = append(dst, `,"total_memory":`...)
	dst = appendInt(dst, m.memory)
	dst = append(dst, '}')
	if m.newer {
		dst = appendIntField(dst, "peak_memory_bytes", a.staticSize*3+int64(len(m.fields))<<20)
	}
	dst = append(dst, `},"static_byte_size":`...)
	dst = appendInt(dst, a.staticSize)
	dst = append(dst, `,"fields":[`...)
	var tables [2]string
	for i := range m.fields {
		f := &m.fields[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		for j := 0; j < f.ntables; j++ {
			tables[j] = m.tables[f.tables[j]].name
		}
		comment := ""
		if f.comment >= 0 {
			comment = modelComments[f.comment]
		}
		dst = m.appendField(dst, f.name, tables[:f.ntables], false, f.hidden, f.kind != fkText,
			f.cardinal, f.total, comment, fieldTags(f), f.byteSize, fieldHash(g, a.index, i), f.oneSelected)
	}
	nf, nt := int64(len(m.fields)), int64(len(m.tables))
	for i, sf := range systemFields {
		var cardinal int64
		switch sf.name {
		case "$Field", "$FieldNo":
			cardinal = nf
		case "$Table", "$Rows", "$Fields":
			cardinal = nt
		}
		total := cardinal
		if sf.name == "$Table" {
			total = nf + nt
		}
		tags := []string{"$system"}
		if len(sf.tables) > 1 {
			tags = append(tags, "$key")
		}
		if sf.numeric {
			tags = append(tags, "$numeric", "$integer")
		} else {
			tags = append(tags, "$text")
		}
		dst = append(dst, ',')
		dst = m.appendField(dst, sf.name, sf.tables, true, true, sf.numeric, cardinal, total, "", tags,
			cardinal*8, fieldHash(g, a.index, maxModelFields+i), false)
	}
	dst = append(dst, `],"tables":[`...)
	for i := range m.tables {
		tb := &m.tables[i]
		comment := ""
		if tb.comment >= 0 {
			comment = modelComments[tb.comment]
		}
		dst = m.appendTable(dst, tb.name, false, tb.rows, tb.fields, tb.keys, comment, tb.byteSize)
		dst = append(dst, ',')
	}
	dst = m.appendTable(dst, "$$SysTable 1", true, nf, 3, 1, "", nf*3)
	dst = append(dst, ',')
	dst = m.appendTable(dst, "$$SysTable 2", true, nt, 3, 1, "", nt*3)
	dst = append(dst, ',')
	dst = m.appendTable(dst, "$$SysTable 3", true, 0, 1, 0, "", 0)
	dst = append(dst, `],"has_section_access":`...)
	dst = appendBool(dst, m.sectionAccess)
	if m.newer {
		dst = append(dst, `,"tables_profiling_data":[],"is_direct_query_mode":false,"usage":"ANALYTICS"`...)
	}
	return append(dst, '}')
}
