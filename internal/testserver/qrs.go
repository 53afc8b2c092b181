package testserver

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// flushAt is the size at which the listing buffer is handed to the
// connection: big writes, few syscalls.
const flushAt = 64 << 10

const jsonContentType = "application/json; charset=utf-8"

// serveQRS serves the /qrs endpoints: /qrs/about, /qrs/{type}/table
// (table.go), and /qrs/{kind}/full and /qrs/{kind}/count for every kind.
func (s *Server) serveQRS(w http.ResponseWriter, r *http.Request, entry *Request) {
	if s.serveTable(w, r, entry) {
		return
	}
	p := strings.ToLower(entry.Path)
	if p == "/qrs/about" {
		if getOnly(w, r) {
			writeBody(w, http.StatusOK, jsonContentType, string(s.about))
		}
		return
	}
	kind, count, ok := listingAt(p)
	if !ok {
		writeText(w, http.StatusNotFound, "Not Found")
		return
	}
	if !getOnly(w, r) {
		return
	}
	if b, ok := s.site.(brokenSite); ok {
		writeText(w, http.StatusInternalServerError, b.Err().Error())
		return
	}
	var filter *Expr
	if text := strings.TrimSpace(param(entry, "filter")); text != "" {
		e, err := ParseFilter(text)
		if err == nil {
			err = checkFilter(e, kind)
		}
		if err != nil {
			writeText(w, http.StatusBadRequest, "Cannot parse the expression")
			return
		}
		filter = e
	}
	if count {
		n := s.count(kind, filter)
		writeBody(w, http.StatusOK, jsonContentType, `{"value":`+strconv.Itoa(n)+`}`)
		return
	}
	var keys []sortKey
	if text := strings.TrimSpace(param(entry, "orderby")); text != "" {
		var err error
		if keys, err = parseOrderBy(text, kind); err != nil {
			writeText(w, http.StatusBadRequest, "Cannot parse the expression")
			return
		}
	}
	// privileges=true is accepted; privileges stay null (not emulated).
	w.Header().Set("Content-Type", jsonContentType)
	w.WriteHeader(http.StatusOK)
	if keys != nil {
		s.listSorted(w, kind, filter, keys)
	} else {
		s.list(w, kind, filter)
	}
}

// listingAt parses /qrs/{kind}/full and /qrs/{kind}/count (lower case).
func listingAt(p string) (k Kind, count bool, ok bool) {
	rest := strings.TrimPrefix(p, "/qrs/")
	if name, found := strings.CutSuffix(rest, "/full"); found {
		k, ok = kindAt(name)
		return k, false, ok
	}
	if name, found := strings.CutSuffix(rest, "/count"); found {
		k, ok = kindAt(name)
		return k, true, ok
	}
	return 0, false, false
}

// getOnly answers anything but GET with 405, as ASP.NET Web API does.
func getOnly(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet {
		return true
	}
	w.Header().Set("Allow", "GET")
	writeBody(w, http.StatusMethodNotAllowed, jsonContentType,
		`{"Message":"The requested resource does not support http method '`+jsonEscapeASCII(r.Method)+`'."}`)
	return false
}

func jsonEscapeASCII(s string) string { return string(appendEscaped(nil, s)) }

// param returns the first value of a query parameter, its name matched
// without regard to case.
func param(entry *Request, name string) string {
	if vs, ok := entry.Query[name]; ok && len(vs) > 0 {
		return vs[0]
	}
	for k, vs := range entry.Query {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

func (s *Server) count(kind Kind, filter *Expr) int {
	if c, ok := s.site.(Counter); ok {
		if n, ok := c.Count(kind, filter); ok {
			return n
		}
	}
	if filter == nil {
		return s.site.Len(kind)
	}
	n := 0
	s.site.Scan(kind, filter, func(_ int, it Item) bool {
		if filter.Match(it) {
			n++
		}
		return true
	})
	return n
}

// arrayWriter streams items as one JSON array through a reused buffer,
// handed to the connection in flushAt-sized writes.
type arrayWriter struct {
	w     http.ResponseWriter
	buf   []byte
	items int
	err   error
}

func newArrayWriter(w http.ResponseWriter) *arrayWriter {
	a := &arrayWriter{w: w, buf: make([]byte, 0, flushAt+8<<10)}
	a.buf = append(a.buf, '[')
	return a
}

// add appends one item and reports whether the client is still there.
func (a *arrayWriter) add(it Item) bool {
	if a.items > 0 {
		a.buf = append(a.buf, ',')
	}
	a.items++
	a.buf = it.AppendJSON(a.buf)
	if len(a.buf) >= flushAt {
		_, a.err = a.w.Write(a.buf)
		a.buf = a.buf[:0]
	}
	return a.err == nil
}

// close ends the array, unless the connection has failed.
func (a *arrayWriter) close() {
	if a.err == nil {
		a.buf = append(a.buf, ']')
		_, _ = a.w.Write(a.buf)
	}
}

// list streams the matching items as a JSON array, in the site's order.
func (s *Server) list(w http.ResponseWriter, kind Kind, filter *Expr) {
	out := newArrayWriter(w)
	s.site.Scan(kind, filter, func(_ int, it Item) bool {
		if filter != nil && !filter.Match(it) {
			return true
		}
		return out.add(it)
	})
	out.close()
}

// listSorted collects the matching items' sort keys, sorts them (stable,
// as the repository's database would with ties in storage order) and
// streams the items in that order.
func (s *Server) listSorted(w http.ResponseWriter, kind Kind, filter *Expr, keys []sortKey) {
	type row struct {
		index int
		vals  []any
	}
	var rows []row
	s.site.Scan(kind, filter, func(i int, it Item) bool {
		if filter != nil && !filter.Match(it) {
			return true
		}
		vals := make([]any, len(keys))
		for k, key := range keys {
			vals[k] = firstValue(it, key.path)
		}
		rows = append(rows, row{index: i, vals: vals})
		return true
	})
	sort.SliceStable(rows, func(a, b int) bool {
		for k, key := range keys {
			c := compareValues(rows[a].vals[k], rows[b].vals[k])
			if key.desc {
				c = -c
			}
			if c != 0 {
				return c < 0
			}
		}
		return false
	})
	out := newArrayWriter(w)
	for _, row := range rows {
		it := s.site.Item(kind, row.index)
		if it == nil {
			continue // a Site breaking its contract; never the built-in ones
		}
		if !out.add(it) {
			return
		}
	}
	out.close()
}
