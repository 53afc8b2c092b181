package testserver

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// TableConfig says how the server answers the paged listing
// POST /qrs/{type}/table (QRS.md, "Paged, lean listings"). The zero value
// serves it.
type TableConfig struct {
	// Missing, when 400, 404 or 405, answers every /table request with
	// that status, as a release or proxy without the endpoint might
	// (unverified which): 404 "Not Found", 405 with Allow: GET, 400 "Bad
	// Request".
	Missing int
	// Reject lists property definitions (dotted paths, any case) that the
	// server does not know, as an older release might not: a column that
	// names one gets 400 with a message naming the column.
	Reject []string
	// RowsFirst writes "rows" before "columnNames" in the answer, which
	// JSON allows and a client must cope with.
	RowsFirst bool
	// AfterPage, when set, runs once each /table answer has been written
	// and before the handler returns, so before the client can have read
	// the end of the body: page counts the /table answers so far, from 1.
	// Tests change the site there, between pages.
	AfterPage func(page int, r *Request)
}

// tableState is the Server's state for /table: the pages answered, and the
// sorted orders of recent requests (a repository's database has indexes;
// sorting a million items per page would make paging quadratic here).
type tableState struct {
	mu     sync.Mutex
	pages  int
	orders map[orderKey]*order
}

type orderKey struct {
	kind    Kind
	sortBy  string // the lower-cased property path
	desc    bool
	filter  string // the filter as given, or ""
	version uint64 // of a Versioned site
}

// order is the sorted item indexes of one request's items, built once.
type order struct {
	once sync.Once
	idx  []int32
}

// maxOrders bounds the sorted orders kept.
const maxOrders = 16

// Versioned is implemented by a Site whose items change while it is
// served (EditSite): Version changes with every change.
type Versioned interface {
	Version() uint64
}

// entityNames are the table definitions' entity (or type) names of each
// kind, as their schemaPath.
var entityNames = [numKinds]string{KindApp: "App", KindAppObject: "App.Object", KindUser: "User", KindStream: "Stream"}

// tableColumn is one column of a table definition.
type tableColumn struct {
	Name       string        `json:"name"`
	ColumnType string        `json:"columnType"`
	Definition string        `json:"definition"`
	List       []tableColumn `json:"list"`

	path []string // Property: the lower-cased definition; List: the property
	sub  schema   // the value's properties (references, list elements)
}

type tableDefinition struct {
	Entity  string        `json:"entity"`
	Type    string        `json:"type"`
	Columns []tableColumn `json:"columns"`
}

// maxTableBody bounds a table definition's bytes.
const maxTableBody = 1 << 20

// serveTable answers POST /qrs/{type}/table, reporting whether the path
// was one.
func (s *Server) serveTable(w http.ResponseWriter, r *http.Request, entry *Request) bool {
	var kind Kind
	switch strings.ToLower(entry.Path) {
	case "/qrs/app/table":
		kind = KindApp
	case "/qrs/app/object/table":
		kind = KindAppObject
	case "/qrs/user/table":
		kind = KindUser
	case "/qrs/stream/table":
		kind = KindStream
	default:
		return false
	}
	switch s.cfg.Table.Missing {
	case 0:
	case http.StatusMethodNotAllowed:
		w.Header().Set("Allow", "GET")
		writeBody(w, http.StatusMethodNotAllowed, jsonContentType,
			`{"Message":"The requested resource does not support http method '`+jsonEscapeASCII(r.Method)+`'."}`)
		return true
	case http.StatusBadRequest:
		writeText(w, http.StatusBadRequest, "Bad Request")
		return true
	default:
		writeText(w, http.StatusNotFound, "Not Found")
		return true
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writeBody(w, http.StatusMethodNotAllowed, jsonContentType,
			`{"Message":"The requested resource does not support http method '`+jsonEscapeASCII(r.Method)+`'."}`)
		return true
	}
	if b, ok := s.site.(brokenSite); ok {
		writeText(w, http.StatusInternalServerError, b.Err().Error())
		return true
	}
	req, msg := s.parseTableRequest(r, entry, kind)
	if msg != "" {
		writeText(w, http.StatusBadRequest, msg)
		return true
	}
	w.Header().Set("Content-Type", jsonContentType)
	w.WriteHeader(http.StatusCreated)
	s.writeTable(w, req)
	if hook := s.cfg.Table.AfterPage; hook != nil {
		s.table.mu.Lock()
		s.table.pages++
		n := s.table.pages
		s.table.mu.Unlock()
		s.mu.Lock()
		logged := *entry
		s.mu.Unlock()
		hook(n, &logged)
	}
	return true
}

// tableRequest is a checked /table request.
type tableRequest struct {
	kind       Kind
	columns    []tableColumn
	filter     *Expr
	filterText string
	skip, take int
	sortBy     []string // nil: the site's order
	desc       bool
}

// parseTableRequest checks the request, returning the message of a 400.
func (s *Server) parseTableRequest(r *http.Request, entry *Request, kind Kind) (*tableRequest, string) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxTableBody+1))
	if err != nil || len(body) > maxTableBody {
		return nil, "The table definition could not be read"
	}
	var def tableDefinition
	if err := json.Unmarshal(body, &def); err != nil {
		return nil, "The table definition is not valid JSON: " + err.Error()
	}
	entity := def.Entity
	if entity == "" {
		entity = def.Type
	}
	if !strings.EqualFold(entity, entityNames[kind]) {
		return nil, fmt.Sprintf("The table definition's entity %q does not match %s (want %q)", entity, entry.Path, entityNames[kind])
	}
	if len(def.Columns) == 0 {
		return nil, "The table definition has no columns"
	}
	if msg := s.checkColumns(def.Columns, schemas[kind], entityNames[kind]); msg != "" {
		return nil, msg
	}
	req := &tableRequest{kind: kind, columns: def.Columns}
	if text := strings.TrimSpace(param(entry, "filter")); text != "" {
		e, err := ParseFilter(text)
		if err == nil {
			err = checkFilter(e, kind)
		}
		if err != nil {
			return nil, "Cannot parse the expression"
		}
		req.filter, req.filterText = e, text
	}
	for _, p := range []struct {
		name string
		dst  *int
	}{{"skip", &req.skip}, {"take", &req.take}} {
		if v := param(entry, p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return nil, fmt.Sprintf("The value '%s' is not valid for %s", v, p.name)
			}
			*p.dst = n
		}
	}
	if v := param(entry, "orderAscending"); v != "" {
		asc, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Sprintf("The value '%s' is not valid for orderAscending", v)
		}
		req.desc = !asc
	}
	if v := param(entry, "sortColumn"); v != "" {
		path, ok := sortPath(v, def.Columns, kind)
		if !ok {
			return nil, fmt.Sprintf("Cannot sort by %q: it is not a property column of the table", v)
		}
		req.sortBy = path
	}
	return req, ""
}

// checkColumns resolves the columns against the properties of s, returning
// the message of a 400 that names the first bad column.
func (s *Server) checkColumns(cols []tableColumn, sch schema, entity string) string {
	seen := map[string]bool{}
	for i := range cols {
		c := &cols[i]
		bad := func(why string) string {
			return fmt.Sprintf("Column %q (definition %q): %s", c.Name, c.Definition, why)
		}
		if c.Name == "" || strings.ContainsAny(c.Name, " \t\r\n") {
			return bad("a column name must be non-empty, without spaces")
		}
		if seen[strings.ToLower(c.Name)] {
			return bad("the name is given twice")
		}
		seen[strings.ToLower(c.Name)] = true
		switch strings.ToLower(c.ColumnType) {
		case "property":
			path, ok := parsePropertyPath(c.Definition)
			if !ok || s.rejected(c.Definition) {
				return bad(fmt.Sprintf("%s has no property %q", entity, c.Definition))
			}
			f, ok := sch.lookupPath(path)
			if !ok {
				return bad(fmt.Sprintf("%s has no property %q", entity, c.Definition))
			}
			c.path, c.sub = path, f.sub
		case "list":
			// The list's property is named by the column (tags), its
			// element type by the definition (tag).
			path, ok := parsePropertyPath(c.Name)
			var f field
			if ok && !s.rejected(c.Name) {
				f, ok = sch.lookupPath(path)
			}
			if !ok || f.typ != fArray {
				return bad(fmt.Sprintf("%s has no list %q", entity, c.Name))
			}
			if len(c.List) == 0 {
				return bad("a List column needs the columns of its list")
			}
			if msg := s.checkColumns(c.List, f.sub, c.Definition); msg != "" {
				return msg
			}
			c.path, c.sub = path, f.sub
		case "privileges":
			// Privileges are not emulated: the cells are null, as in /full.
		case "function":
			return bad("Function columns are not emulated by the test server")
		default:
			return bad(fmt.Sprintf("unknown columnType %q", c.ColumnType))
		}
	}
	return ""
}

func (s *Server) rejected(def string) bool {
	for _, r := range s.cfg.Table.Reject {
		if strings.EqualFold(r, def) {
			return true
		}
	}
	return false
}

// sortPath resolves sortColumn: the name of a Property column of the
// table, or else a property of the entity.
func sortPath(v string, cols []tableColumn, kind Kind) ([]string, bool) {
	for _, c := range cols {
		if strings.EqualFold(c.Name, v) {
			if c.path == nil || c.List != nil || c.sub != nil {
				return nil, false
			}
			return c.path, true
		}
	}
	path, ok := parsePropertyPath(v)
	if !ok {
		return nil, false
	}
	f, ok := schemas[kind].lookupPath(path)
	if !ok || f.typ == fObject || f.typ == fArray {
		return nil, false
	}
	return path, true
}

// writeTable streams the answer: the rows from skip, at most take of them
// (0: all), in the sort order or the site's.
func (s *Server) writeTable(w http.ResponseWriter, req *tableRequest) {
	t := &tableWriter{w: w, buf: make([]byte, 0, flushAt+8<<10), cols: req.columns}
	t.buf = append(t.buf, `{"id":`...)
	t.buf = appendString(t.buf, newGUID())
	t.buf = append(t.buf, `,"type":`...)
	t.buf = appendString(t.buf, entityNames[req.kind])
	if !s.cfg.Table.RowsFirst {
		t.buf = t.appendColumnNames(t.buf)
	}
	t.buf = append(t.buf, `,"rows":[`...)
	emit := func(it Item) bool { return t.row(it) && (req.take == 0 || t.rows < req.take) }
	if req.sortBy == nil {
		n := 0
		s.site.Scan(req.kind, req.filter, func(_ int, it Item) bool {
			if req.filter != nil && !req.filter.Match(it) {
				return true
			}
			n++
			return n <= req.skip || emit(it)
		})
	} else {
		idx := s.sortedOrder(req)
		for _, i := range idx[min(req.skip, len(idx)):] {
			it := s.site.Item(req.kind, int(i))
			if it == nil {
				continue // an index the site has dropped since
			}
			if !emit(it) {
				break
			}
		}
	}
	if t.err != nil {
		return
	}
	t.buf = append(t.buf, ']')
	if s.cfg.Table.RowsFirst {
		t.buf = t.appendColumnNames(t.buf)
	}
	t.buf = append(t.buf, '}')
	_, _ = w.Write(t.buf)
}

// sortedOrder returns the indexes of the request's items in its order,
// from the cache or built once.
func (s *Server) sortedOrder(req *tableRequest) []int32 {
	key := orderKey{kind: req.kind, sortBy: strings.Join(req.sortBy, "."), desc: req.desc, filter: req.filterText}
	if v, ok := s.site.(Versioned); ok {
		key.version = v.Version()
	}
	st := &s.table
	st.mu.Lock()
	if st.orders == nil {
		st.orders = map[orderKey]*order{}
	}
	o := st.orders[key]
	if o == nil {
		if len(st.orders) >= maxOrders {
			for k := range st.orders {
				delete(st.orders, k)
				break
			}
		}
		o = &order{}
		st.orders[key] = o
	}
	st.mu.Unlock()
	o.once.Do(func() { o.idx = s.buildOrder(req) })
	return o.idx
}

// buildOrder sorts the request's items, stably (ties in the site's order,
// as a database with ties in storage order).
func (s *Server) buildOrder(req *tableRequest) []int32 {
	match := func(it Item) bool { return req.filter == nil || req.filter.Match(it) }
	if g, ok := s.site.(*GenSite); ok && len(req.sortBy) == 1 && req.sortBy[0] == "id" {
		return g.orderByID(req.kind, req.filter, match, req.desc)
	}
	type entry struct {
		index int32
		val   any
	}
	var items []entry
	s.site.Scan(req.kind, req.filter, func(i int, it Item) bool {
		if match(it) {
			items = append(items, entry{int32(i), firstValue(it, req.sortBy)})
		}
		return true
	})
	sort.SliceStable(items, func(a, b int) bool {
		c := compareValues(items[a].val, items[b].val)
		if req.desc {
			c = -c
		}
		return c < 0
	})
	idx := make([]int32, len(items))
	for i, e := range items {
		idx[i] = e.index
	}
	return idx
}

// orderByID sorts a generated site's items by id without reading them: an
// id's first eight hex digits are the permuted index, unique per item, so
// the ids sort as those numbers do.
func (g *GenSite) orderByID(k Kind, filter *Expr, match func(Item) bool, desc bool) []int32 {
	domain := map[Kind]uint64{KindApp: dApp, KindAppObject: dObject, KindUser: dUser, KindStream: dStream}[k]
	var keys []uint64
	g.Scan(k, filter, func(i int, it Item) bool {
		if match(it) {
			keys = append(keys, uint64(g.permute(domain, uint32(i)))<<32|uint64(uint32(i)))
		}
		return true
	})
	slices.Sort(keys)
	if desc {
		slices.Reverse(keys)
	}
	idx := make([]int32, len(keys))
	for i, key := range keys {
		idx[i] = int32(uint32(key))
	}
	return idx
}

// tableWriter streams rows through a reused buffer.
type tableWriter struct {
	w    http.ResponseWriter
	buf  []byte
	cols []tableColumn
	rows int
	err  error
}

func (t *tableWriter) appendColumnNames(dst []byte) []byte {
	dst = append(dst, `,"columnNames":[`...)
	for i, c := range t.cols {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, c.Name)
	}
	return append(dst, ']')
}

// row appends one item's row and reports whether the client is still
// there.
func (t *tableWriter) row(it Item) bool {
	if t.rows > 0 {
		t.buf = append(t.buf, ',')
	}
	t.rows++
	t.buf = appendRow(t.buf, it, t.cols)
	if len(t.buf) >= flushAt {
		_, t.err = t.w.Write(t.buf)
		t.buf = t.buf[:0]
	}
	return t.err == nil
}

// appendRow appends the cells of obj's row, in column order.
func appendRow(dst []byte, obj any, cols []tableColumn) []byte {
	dst = append(dst, '[')
	for i := range cols {
		if i > 0 {
			dst = append(dst, ',')
		}
		c := &cols[i]
		switch {
		case c.List != nil:
			dst = appendListCell(dst, firstValue(obj, c.path), c)
		case c.path == nil: // Privileges
			dst = append(dst, "null"...)
		default:
			dst = appendValue(dst, firstValue(obj, c.path), c.sub)
		}
	}
	return append(dst, ']')
}

// appendListCell writes a List column's cell: an object with its own
// columnNames and rows, one per element.
func appendListCell(dst []byte, v any, c *tableColumn) []byte {
	dst = append(dst, `{"columnNames":[`...)
	for i, sc := range c.List {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, sc.Name)
	}
	dst = append(dst, `],"rows":[`...)
	n := 0
	each := func(el any) {
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
		dst = appendRow(dst, el, c.List)
	}
	switch x := v.(type) {
	case []any:
		for _, el := range x {
			each(el)
		}
	case []Object:
		for _, el := range x {
			each(el)
		}
	}
	return append(dst, "]}"...)
}

// appendValue writes a cell's value: a scalar as it is, a reference as
// its condensed object (the properties of sub), a list as an array.
func appendValue(dst []byte, v any, sub schema) []byte {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...)
	case string:
		return appendString(dst, x)
	case bool:
		return appendBool(dst, x)
	case int64:
		return appendInt(dst, x)
	case int:
		return appendInt(dst, int64(x))
	case float64:
		return strconv.AppendFloat(dst, x, 'g', -1, 64)
	case json.Number:
		return append(dst, x...)
	case Object:
		return appendCondensed(dst, x, sub)
	case []Object:
		dst = append(dst, '[')
		for i, el := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendCondensed(dst, el, sub)
		}
		return append(dst, ']')
	}
	// Generic JSON (map[string]any, []any) from a site read from files:
	// the condensed form is what the file holds.
	b, err := json.Marshal(v)
	if err != nil {
		return append(dst, "null"...)
	}
	return append(dst, b...)
}

// appendCondensed writes the properties of sub that obj has, in name
// order, with their QRS spelling.
func appendCondensed(dst []byte, obj Object, sub schema) []byte {
	names := make([]string, 0, len(sub))
	for name := range sub {
		names = append(names, name)
	}
	sort.Strings(names)
	dst = append(dst, '{')
	n := 0
	for _, name := range names {
		v, ok := obj.Field(name)
		if !ok {
			continue
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
		dst = appendString(dst, memberName(name))
		dst = append(dst, ':')
		dst = appendValue(dst, v, sub[name].sub)
	}
	return append(dst, '}')
}

// memberNames spells the lower-cased properties of condensed objects as
// QRS does.
var memberNames = map[string]string{
	"createddate": "createdDate", "modifieddate": "modifiedDate", "modifiedbyusername": "modifiedByUserName",
	"userid": "userId", "userdirectory": "userDirectory", "userdirectoryconnectorname": "userDirectoryConnectorName",
	"appid": "appId", "publishtime": "publishTime", "savedinproductversion": "savedInProductVersion",
	"migrationhash": "migrationHash", "availabilitystatus": "availabilityStatus", "valuetype": "valueType",
}

func memberName(lower string) string {
	if n, ok := memberNames[lower]; ok {
		return n
	}
	return lower
}
