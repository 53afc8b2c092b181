package qrs

import (
	"fmt"
	"slices"
	"strings"
)

// A Scope selects the part of a site that a catalog covers: apps by their
// streams, names or ids, and tags, and whether they are published. The
// zero Scope is the whole site. The apps in scope decide every kind that
// belongs to apps: an app left out has no visualization, master item,
// table, field or reload task in the catalog. Streams are selected by
// Streams alone; data connections belong to the site, not to apps, and
// every one is listed.
//
// Each entry of a list is a name or an id, compared without regard to case
// as QRS compares; a list left empty selects everything. Include keeps the
// items it names; Exclude then leaves out those it names. The catalog asks
// the server to filter where QRS can (stream, name, id and publication of
// apps, and the same of the app of objects and tasks; included tags of
// apps) and checks every item itself too, which is how excluded tags and
// the kinds QRS cannot filter by app tags are scoped.
type Scope struct {
	// Streams selects the apps published to these streams, and the
	// streams listed. Including a stream leaves unpublished apps out;
	// excluding one keeps them.
	Streams Selection
	// Apps selects apps by name or id.
	Apps Selection
	// Tags selects the apps with one of these tags (Include), and leaves
	// out those with one of them (Exclude).
	Tags Selection
	// PublishedOnly leaves out the apps not published to a stream.
	PublishedOnly bool
	// AppFilter is QRS filter text over apps, such as
	// customProperties.value eq 'Certified', applied by the server when it
	// lists apps: the apps it selects are the apps in scope. Use Quote for
	// string literals.
	AppFilter string
}

// A Selection names items to include and to exclude.
type Selection struct {
	Include []string
	Exclude []string
}

// Bounds of a Scope's lists.
const (
	maxScopeNames   = 10_000
	maxScopeNameLen = 1024
)

// IsZero reports whether the scope is the whole site.
func (s Scope) IsZero() bool {
	return s.Streams.isZero() && s.Apps.isZero() && s.Tags.isZero() && !s.PublishedOnly && s.AppFilter == ""
}

func (s Selection) isZero() bool { return len(s.Include) == 0 && len(s.Exclude) == 0 }

// check refuses empty names, lists beyond the bounds and a filter whose
// literals or parentheses do not close.
func (s Scope) check() error {
	for _, l := range []struct {
		name  string
		names []string
	}{
		{"Streams.Include", s.Streams.Include}, {"Streams.Exclude", s.Streams.Exclude},
		{"Apps.Include", s.Apps.Include}, {"Apps.Exclude", s.Apps.Exclude},
		{"Tags.Include", s.Tags.Include}, {"Tags.Exclude", s.Tags.Exclude},
	} {
		if len(l.names) > maxScopeNames {
			return fmt.Errorf("qrs: Scope.%s has %d names, more than %d", l.name, len(l.names), maxScopeNames)
		}
		for i, n := range l.names {
			switch {
			case strings.TrimSpace(n) == "":
				return fmt.Errorf("qrs: Scope.%s: name %d is empty", l.name, i+1)
			case len(n) > maxScopeNameLen:
				return fmt.Errorf("qrs: Scope.%s: name %d is longer than %d bytes", l.name, i+1, maxScopeNameLen)
			}
		}
	}
	if err := checkFilter(s.AppFilter); err != nil {
		return fmt.Errorf("qrs: Scope.AppFilter: %s", strings.TrimPrefix(err.Error(), "qrs: "))
	}
	return nil
}

// names reports whether one of names is the item's name or id.
func names(list []string, name, id string) bool {
	return slices.ContainsFunc(list, func(n string) bool {
		return strings.EqualFold(n, name) || id != "" && strings.EqualFold(n, id)
	})
}

// selects reports whether the selection keeps an item, matches telling
// whether a list names the item (or, for tags, one of its tags).
func (s Selection) selects(matches func(entry []string) bool) bool {
	if len(s.Include) > 0 && !matches(s.Include) {
		return false
	}
	return len(s.Exclude) == 0 || !matches(s.Exclude)
}

// keepsStream reports whether the scope lists the stream.
func (s Scope) keepsStream(st *Stream) bool {
	return s.Streams.selects(func(l []string) bool { return names(l, st.Name, st.ID) })
}

// keepsApp reports whether the app is in scope. (AppFilter was the
// server's to apply.)
func (s Scope) keepsApp(a *App) bool {
	if s.PublishedOnly && !a.Published {
		return false
	}
	if !s.Streams.isZero() {
		in := func(l []string) bool { return a.Stream != nil && names(l, a.Stream.Name, a.Stream.ID) }
		if !s.Streams.selects(in) {
			return false
		}
	}
	if !s.Apps.selects(func(l []string) bool { return names(l, a.Name, a.ID) }) {
		return false
	}
	return s.Tags.selects(func(l []string) bool {
		return slices.ContainsFunc(a.Tags, func(t Tag) bool { return names(l, t.Name, t.ID) })
	})
}

// streamFilter is the server's part of selecting streams.
func (s Scope) streamFilter() string {
	return fitFilter(andAll(includeTerms("", s.Streams.Include), excludeTerms("", s.Streams.Exclude, "")))
}

// appFilter is the server's part of selecting apps: the lists (when their
// filter is short enough for a URL; the client checks them anyway), then
// publication and the caller's AppFilter.
func (s Scope) appFilter() string {
	lists := fitFilter(andAll(
		includeTerms("stream.", s.Streams.Include), excludeTerms("stream.", s.Streams.Exclude, "stream"),
		includeTerms("", s.Apps.Include), excludeTerms("", s.Apps.Exclude, ""),
		includeTerms("tags.", s.Tags.Include)))
	var published, own string
	if s.PublishedOnly {
		published = "published eq true"
	}
	if s.AppFilter != "" {
		own = "(" + s.AppFilter + ")"
	}
	return andAll(lists, published, own)
}

// objectFilter is the server's part of selecting what belongs to apps
// (app objects, reload tasks), by the condensed app they hold: it has no
// tags, and AppFilter is over apps, so the client keeps only the objects
// of the apps in scope.
func (s Scope) objectFilter() string {
	lists := fitFilter(andAll(
		includeTerms("app.stream.", s.Streams.Include), excludeTerms("app.stream.", s.Streams.Exclude, "app.stream"),
		includeTerms("app.", s.Apps.Include), excludeTerms("app.", s.Apps.Exclude, "")))
	if s.PublishedOnly {
		return andAll(lists, "app.published eq true")
	}
	return lists
}

// includeTerms is (prefix.name eq 'a' or prefix.id eq <guid> or ...), the
// id compared only for names that are GUIDs.
func includeTerms(prefix string, list []string) string {
	if len(list) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteByte('(')
	for i, n := range list {
		if i > 0 {
			b.WriteString(" or ")
		}
		b.WriteString(prefix + "name eq " + Quote(n))
		if isGUID(n) {
			b.WriteString(" or " + prefix + "id eq " + n)
		}
	}
	b.WriteByte(')')
	return b.String()
}

// excludeTerms is (prefix.name ne 'a' and prefix.id ne <guid> and ...);
// with nullable, the path of a reference that may be null (an unpublished
// app's stream), whose items the exclusion keeps: (nullable eq null or
// (...)).
func excludeTerms(prefix string, list []string, nullable string) string {
	if len(list) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteByte('(')
	for i, n := range list {
		if i > 0 {
			b.WriteString(" and ")
		}
		b.WriteString(prefix + "name ne " + Quote(n))
		if isGUID(n) {
			b.WriteString(" and " + prefix + "id ne " + n)
		}
	}
	b.WriteByte(')')
	if nullable != "" {
		return "(" + nullable + " eq null or " + b.String() + ")"
	}
	return b.String()
}

// andAll joins the non-empty filters with and.
func andAll(filters ...string) string {
	var parts []string
	for _, f := range filters {
		if f != "" {
			parts = append(parts, f)
		}
	}
	return strings.Join(parts, " and ")
}

// fitFilter returns f, or nothing when it is too long for a URL: the
// client then selects alone.
func fitFilter(f string) string {
	if len(f) > maxFilterBytes {
		return ""
	}
	return f
}
