package qrs

// The optional filter block of a connection file (connfile.go): the part
// of the site that a catalog of the connection covers (Scope).

import (
	"strings"

	"github.com/qrskit/qrs/internal/hocon"
)

// readScope reads filter.streams, filter.apps and filter.tags (each with
// include and exclude, arrays of names or ids) and filter.published_only.
func (r *connReader) readScope(c *Connection) {
	for _, l := range []struct {
		block string
		sel   *Selection
	}{
		{"filter.streams", &c.Scope.Streams},
		{"filter.apps", &c.Scope.Apps},
		{"filter.tags", &c.Scope.Tags},
	} {
		l.sel.Include = r.names(l.block + ".include")
		l.sel.Exclude = r.names(l.block + ".exclude")
	}
	c.Scope.PublishedOnly, _ = r.boolean("filter.published_only")
}

// names reads an array of names at path: strings (or numbers, as text),
// none empty, at most maxScopeNames of at most maxScopeNameLen bytes.
func (r *connReader) names(path string) []string {
	v := r.value(path)
	if v == nil {
		return nil
	}
	if v.Kind() != hocon.KindArray {
		r.errorf(v, "expected an array of names, such as [\"Finance\", \"Sales\"], found %s", kindArticle(v.Kind()))
		return nil
	}
	elems, _ := v.AsArray()
	if len(elems) > maxScopeNames {
		r.errorf(v, "has %d names, more than %d", len(elems), maxScopeNames)
		return nil
	}
	out := make([]string, 0, len(elems))
	for _, e := range elems {
		s, err := e.AsString()
		switch {
		case err != nil:
			r.add(path, err)
		case strings.TrimSpace(s) == "":
			r.errorf(e, "is empty: give a name or an id")
		case len(s) > maxScopeNameLen:
			r.errorf(e, "is longer than %d bytes", maxScopeNameLen)
		default:
			out = append(out, s)
			continue
		}
		return nil
	}
	return out
}

// kindArticle names a kind of value with its article, for messages.
func kindArticle(k hocon.Kind) string {
	switch k {
	case hocon.KindObject:
		return "an object"
	case hocon.KindNull:
		return "null"
	}
	return "a " + k.String()
}
