package qrs

import (
	"fmt"
	"slices"
	"strings"
)

// The keys of catalog entries. A visualization's key is its Key,
// code/appID/sheetID: three segments separated by '/'; a chart's has a
// fourth, its object id: code/appID/sheetID/chartID. Every other kind's
// key has one segment (the site: code) or two (code/kind:id[:id]), so that
// no other key can equal a visualization's or a chart's. The code segment,
// and each segment of a chart's key, is written as in a visualization key
// ('%' and '/' escaped as %25 and %2F); in the second segment of the
// others, the kind and the ids are separated by ':', and each id escapes
// '%', '/' and ':' (%25, %2F, %3A). A lineage edge's ids are the keys of
// its two ends, escaped as any id.

// An EntryKey is a catalog entry's key, read by [ParseEntryKey]: the
// connection's code, the entry's kind and the ids that the kind's scheme
// names, in order (see the package documentation's table). The site has
// no ids; a visualization has its app's and sheet's, as in its [Key]; a
// chart its app's, sheet's and its own.
type EntryKey struct {
	Code string
	Kind EntryKind
	IDs  []string
}

// keyIDs is how many ids the key of each kind holds.
var keyIDs = map[EntryKind]int{
	EntrySite:           0,
	EntryStream:         1,
	EntryApp:            1,
	EntryDataConnection: 1,
	EntryReloadTask:     1,
	EntryVisualization:  2, // app, sheet
	EntryMasterItem:     2, // app, engine object
	EntryTable:          2, // app, table name
	EntryField:          2, // app, field name
	// The Engine's kinds.
	EntryChart:            3, // app, sheet, chart: code/appID/sheetID/chartID
	EntryMasterDefinition: 2, // app, engine object, as the master item's key
	EntrySource:           2, // type, locator
	EntryFile:             1, // the normalized location
	EntryLineage:          2, // the keys of the edge's two ends
}

// String writes the key as the catalog does: code, code/kind:id[:id],
// code/appID/sheetID for a visualization, or code/appID/sheetID/chartID
// for a chart.
func (k EntryKey) String() string {
	switch k.Kind {
	case EntrySite:
		return escapeSegment(k.Code)
	case EntryVisualization:
		if len(k.IDs) == 2 {
			return Key{Code: k.Code, AppID: k.IDs[0], SheetID: k.IDs[1]}.String()
		}
	case EntryChart:
		if len(k.IDs) == 3 {
			return chartKey(k.Code, k.IDs[0], k.IDs[1], k.IDs[2])
		}
	}
	return entryKey(k.Code, k.Kind, k.IDs...)
}

// chartKey writes a chart's key: its sheet's visualization key and its
// object id.
func chartKey(code, appID, sheetID, chartID string) string {
	return Key{Code: code, AppID: appID, SheetID: sheetID}.String() + "/" + escapeSegment(chartID)
}

// entryKey writes the key of an entry of a kind other than the site and
// visualizations.
func entryKey(code string, kind EntryKind, ids ...string) string {
	var b strings.Builder
	b.WriteString(escapeSegment(code))
	b.WriteByte('/')
	b.WriteString(string(kind))
	for _, id := range ids {
		b.WriteByte(':')
		b.WriteString(escapePart(id))
	}
	return b.String()
}

// escapePart escapes an id inside a key's second segment.
func escapePart(s string) string {
	if !strings.ContainsAny(s, "%/:") {
		return s
	}
	return strings.NewReplacer("%", "%25", "/", "%2F", ":", "%3A").Replace(s)
}

// unescapePart reads an id escaped by escapePart: %25, %2F and %3A are the
// only escapes.
func unescapePart(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		switch {
		case strings.HasPrefix(s[i:], "%25"):
			b.WriteByte('%')
		case strings.HasPrefix(s[i:], "%2F"):
			b.WriteByte('/')
		case strings.HasPrefix(s[i:], "%3A"):
			b.WriteByte(':')
		default:
			return "", fmt.Errorf("'%%' must be followed by 25, 2F or 3A")
		}
		i += 2
	}
	return b.String(), nil
}

// ParseEntryKey reads the key of any catalog entry, as [EntryKey.String]
// and the catalog write it: one segment for the site, two for the kinds
// with a key of their own, three for a visualization (read as [ParseKey]
// reads it), four for a chart. Every id must be non-empty; only the
// escapes the scheme writes are read, so that each key has one spelling.
func ParseEntryKey(s string) (EntryKey, error) {
	segs := strings.Split(s, "/")
	bad := func(format string, args ...any) (EntryKey, error) {
		return EntryKey{}, fmt.Errorf("qrs: key %q: %s", truncate(s, 200), fmt.Sprintf(format, args...))
	}
	switch len(segs) {
	case 3:
		k, err := ParseKey(s)
		if err != nil {
			return EntryKey{}, err
		}
		return EntryKey{Code: k.Code, Kind: EntryVisualization, IDs: []string{k.AppID, k.SheetID}}, nil
	case 4:
		k := EntryKey{Kind: EntryChart, IDs: make([]string, 3)}
		for i, seg := range segs {
			v, err := unescapeSegment(seg)
			if err != nil {
				return bad("segment %d: %v", i+1, err)
			}
			if v == "" {
				return bad("segment %d is empty", i+1)
			}
			if i == 0 {
				k.Code = v
			} else {
				k.IDs[i-1] = v
			}
		}
		return k, nil
	case 1, 2:
	default:
		return bad("has %d segments: want code, code/kind:id, code/appID/sheetID or code/appID/sheetID/chartID", len(segs))
	}
	code, err := unescapeSegment(segs[0])
	if err != nil {
		return bad("the code: %v", err)
	}
	if code == "" {
		return bad("the code is empty")
	}
	if len(segs) == 1 {
		return EntryKey{Code: code, Kind: EntrySite}, nil
	}
	parts := strings.Split(segs[1], ":")
	kind := EntryKind(parts[0])
	want, known := keyIDs[kind]
	if !known || kind == EntrySite || kind == EntryVisualization || kind == EntryChart {
		return bad("unknown kind %q (want one of %s)", truncate(parts[0], 40), strings.Join(keyedKinds(), ", "))
	}
	if got := len(parts) - 1; got != want {
		return bad("%d ids, where a key of kind %s has %d", got, kind, want)
	}
	k := EntryKey{Code: code, Kind: kind, IDs: make([]string, want)}
	for i, p := range parts[1:] {
		id, err := unescapePart(p)
		if err != nil {
			return bad("id %d: %v", i+1, err)
		}
		if id == "" {
			return bad("id %d is empty", i+1)
		}
		k.IDs[i] = id
	}
	return k, nil
}

// keyedKinds lists the kinds whose keys have two segments, sorted.
func keyedKinds() []string {
	var out []string
	for k := range keyIDs {
		if k != EntrySite && k != EntryVisualization && k != EntryChart {
			out = append(out, string(k))
		}
	}
	slices.Sort(out)
	return out
}
