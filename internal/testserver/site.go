package testserver

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
)

// Item is one entity of a Site: something a filter can be evaluated
// against, and that can encode itself as QRS sends it.
type Item interface {
	Object
	// AppendJSON appends the item's compact JSON encoding to dst.
	AppendJSON(dst []byte) []byte
}

// Site is the data a Server lists. Implementations must be safe for
// concurrent use.
type Site interface {
	// Len returns the number of items of kind k.
	Len(k Kind) int
	// Scan calls yield in the site's order with the index and value of
	// every item of kind k that may satisfy filter (nil: every item) and
	// stops early when yield returns false. Scan may skip items that cannot
	// match, using filter.Constraint, never one that can: the caller applies
	// filter to each yielded item. The Item is valid only until yield
	// returns.
	Scan(k Kind, filter *Expr, yield func(index int, it Item) bool)
	// Item returns item index of kind k, or nil when index is not in
	// [0, Len(k)).
	Item(k Kind, index int) Item
}

// Counter is implemented by a Site that can count the items matching some
// filters without scanning them.
type Counter interface {
	// Count returns the number of items of kind k matching filter, and
	// whether it could tell without a scan.
	Count(k Kind, filter *Expr) (n int, ok bool)
}

// AboutSite is implemented by a Site that has its own /qrs/about answer.
type AboutSite interface {
	// About returns the JSON object served at /qrs/about.
	About() []byte
}

// jsonSite holds items decoded from QRS-shaped JSON: each item's compact
// original bytes (field order and unknown fields preserved) and its generic
// decoded form for filtering.
type jsonSite struct {
	items  [numKinds][]*jsonItem
	about  []byte
	models map[string][]byte // lower-case app id → compact metadata document
}

type jsonItem struct {
	raw []byte
	obj map[string]any
}

// Field implements Object.
func (it *jsonItem) Field(name string) (any, bool) { return lookupFold(it.obj, name) }

// AppendJSON implements Item.
func (it *jsonItem) AppendJSON(dst []byte) []byte { return append(dst, it.raw...) }

func (s *jsonSite) Len(k Kind) int {
	if k < 0 || k >= numKinds {
		return 0
	}
	return len(s.items[k])
}

func (s *jsonSite) Scan(k Kind, _ *Expr, yield func(int, Item) bool) {
	if k < 0 || k >= numKinds {
		return
	}
	for i, it := range s.items[k] {
		if !yield(i, it) {
			return
		}
	}
}

func (s *jsonSite) Item(k Kind, index int) Item {
	if index < 0 || index >= s.Len(k) {
		return nil
	}
	return s.items[k][index]
}

func (s *jsonSite) About() []byte { return s.about }

// AppendDataModel implements DataModelSite.
func (s *jsonSite) AppendDataModel(dst []byte, appID string) ([]byte, bool) {
	m, ok := s.models[strings.ToLower(appID)]
	if !ok {
		return dst, false
	}
	return append(dst, m...), true
}

// SiteFromJSON builds a Site from the bodies of /qrs/app/full,
// /qrs/app/object/full and /qrs/user/full (JSON arrays; nil or empty means
// none; a leading byte-order mark is skipped). Items are served as given,
// compacted, with unknown fields kept. Streams are derived from the apps'
// stream references.
func SiteFromJSON(apps, objects, users []byte) (Site, error) {
	return buildSite(map[Kind][]byte{KindApp: apps, KindAppObject: objects, KindUser: users}, nil)
}

// LoadSite reads a site from the directory dir: one file per kind
// (AppFile, AppObjectFile, UserFile, StreamFile, DataConnectionFile,
// ReloadTaskFile, SchemaEventFile, CompositeEventFile), AboutFile, and the
// app data models in DataModelDir. A missing file means no items of that
// kind, except that streams are derived from the apps when StreamFile is
// missing; a missing data model means a 404 for that app.
func LoadSite(dir string) (Site, error) {
	if st, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("testserver: load site: %w", err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("testserver: load site: %s is not a directory", dir)
	}
	return LoadSiteFS(os.DirFS(dir), ".")
}

// LoadSiteFS is LoadSite for a directory of a file system.
func LoadSiteFS(fsys fs.FS, dir string) (Site, error) {
	bodies := map[Kind][]byte{}
	read := func(name string) ([]byte, error) {
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("testserver: load site: %w", err)
		}
		return b, nil
	}
	for k := range numKinds {
		b, err := read(kinds[k].file)
		if err != nil {
			return nil, err
		}
		if b != nil {
			bodies[k] = b
		}
	}
	about, err := read(AboutFile)
	if err != nil {
		return nil, err
	}
	if about != nil {
		if about, err = compactJSON(about); err != nil {
			return nil, fmt.Errorf("testserver: load site: %s: %w", AboutFile, err)
		}
	}
	s, err := buildSite(bodies, about)
	if err != nil {
		return nil, err
	}
	if s.models, err = loadDataModels(fsys, path.Join(dir, DataModelDir)); err != nil {
		return nil, err
	}
	return s, nil
}

// loadDataModels reads {app id}.json files from dir (a missing dir means
// none), each a metadata document.
func loadDataModels(fsys fs.FS, dir string) (map[string][]byte, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("testserver: load site: %w", err)
	}
	models := map[string][]byte{}
	for _, e := range entries {
		id, isJSON := strings.CutSuffix(e.Name(), ".json")
		if e.IsDir() || !isJSON {
			continue
		}
		where := path.Join(DataModelDir, e.Name())
		if !IsGUID(id) {
			return nil, fmt.Errorf("testserver: load site: %s: the file name is not an app id", where)
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("testserver: load site: %w", err)
		}
		b, err = compactJSON(b)
		if err != nil || len(b) == 0 || b[0] != '{' {
			return nil, fmt.Errorf("testserver: load site: %s: not a JSON object", where)
		}
		models[strings.ToLower(id)] = b
	}
	return models, nil
}

// compactJSON strips a byte-order mark and compacts one JSON document.
func compactJSON(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, bytes.TrimPrefix(b, bom)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var bom = []byte("\xef\xbb\xbf")

func buildSite(bodies map[Kind][]byte, about []byte) (*jsonSite, error) {
	s := &jsonSite{about: about}
	for k, body := range bodies {
		items, err := decodeItems(body)
		if err != nil {
			return nil, fmt.Errorf("testserver: %s items: %w", k, err)
		}
		s.items[k] = items
	}
	if _, given := bodies[KindStream]; !given {
		s.items[KindStream] = deriveStreams(s.items[KindApp])
	}
	return s, nil
}

func decodeItems(body []byte) ([]*jsonItem, error) {
	body = bytes.TrimPrefix(body, bom)
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(body, &raws); err != nil {
		return nil, err
	}
	items := make([]*jsonItem, 0, len(raws))
	for i, raw := range raws {
		compact, err := compactJSON(raw)
		if err != nil {
			return nil, fmt.Errorf("item %d: %w", i, err)
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil || obj == nil {
			return nil, fmt.Errorf("item %d: not a JSON object", i)
		}
		items = append(items, &jsonItem{raw: compact, obj: obj})
	}
	return items, nil
}

// deriveStreams makes one Stream entity per distinct stream the apps are
// published to, with the fields the apps carry.
func deriveStreams(apps []*jsonItem) []*jsonItem {
	var out []*jsonItem
	seen := map[string]bool{}
	for _, app := range apps {
		st, _ := app.Field("stream")
		m, ok := st.(map[string]any)
		if !ok {
			continue
		}
		id, _ := lookupFold(m, "id")
		idStr, _ := id.(string)
		if idStr == "" || seen[strings.ToLower(idStr)] {
			continue
		}
		seen[strings.ToLower(idStr)] = true
		name, _ := lookupFold(m, "name")
		obj := map[string]any{"id": idStr, "name": name, "tags": []any{}, "customProperties": []any{}, "privileges": nil, "schemaPath": "Stream"}
		raw, err := json.Marshal(obj)
		if err != nil {
			continue // cannot happen for these value types
		}
		out = append(out, &jsonItem{raw: raw, obj: obj})
	}
	return out
}

//go:embed demo/*.json demo/metadata/*.json
var demoFS embed.FS

// DemoSite returns a small realistic site: a few streams, published and
// unpublished apps, base, community and private sheets with several owners,
// master items and other objects, users with e-mail addresses, data
// connections (some with credentials, all listed by FixtureSecrets), reload
// tasks with schedules and a chain, and data models (none for the two apps
// never reloaded, an empty one for another). Its data is in
// internal/testserver/demo.
func DemoSite() Site {
	s, err := LoadSiteFS(demoFS, "demo")
	if err != nil {
		// The embedded files are checked by the package tests; should they
		// ever be broken, every listing answers 500 with the reason.
		return brokenSite{err: err}
	}
	return s
}

// brokenSite is a Site that could not be loaded: the server answers every
// listing with 500 and the error.
type brokenSite struct{ err error }

func (brokenSite) Len(Kind) int                           { return 0 }
func (brokenSite) Scan(Kind, *Expr, func(int, Item) bool) {}
func (brokenSite) Item(Kind, int) Item                    { return nil }
func (b brokenSite) Err() error                           { return b.err }
