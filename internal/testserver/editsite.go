package testserver

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
)

// EditSite is a Site whose items a test adds and removes while it is
// served, as users create and delete sheets during a long listing. It
// holds every item in memory: it is for small sites. Each change makes a
// new snapshot; a request that is being answered keeps reading the one it
// started with, except that an index resolved after a change (Item) reads
// the new one. It is safe for concurrent use.
type EditSite struct {
	mu      sync.Mutex // serialises changes
	snap    atomic.Pointer[jsonSite]
	version atomic.Uint64
}

// NewEditSite returns an EditSite holding a copy of every item of base.
func NewEditSite(base Site) (*EditSite, error) {
	s := &jsonSite{}
	if a, ok := base.(AboutSite); ok {
		s.about = a.About()
	}
	for k := Kind(0); k < numKinds; k++ {
		var err error
		base.Scan(k, nil, func(_ int, it Item) bool {
			var item *jsonItem
			item, err = newJSONItem(it.AppendJSON(nil))
			if err != nil {
				return false
			}
			s.items[k] = append(s.items[k], item)
			return true
		})
		if err != nil {
			return nil, fmt.Errorf("testserver: copying the site: %s: %w", k, err)
		}
	}
	e := &EditSite{}
	e.snap.Store(s)
	return e, nil
}

// newJSONItem reads one item's JSON object.
func newJSONItem(raw []byte) (*jsonItem, error) {
	items, err := decodeItems(append(append([]byte{'['}, raw...), ']'))
	if err != nil {
		return nil, err
	}
	if len(items) != 1 {
		return nil, fmt.Errorf("%d items where one belongs", len(items))
	}
	return items[0], nil
}

// Add appends an item of kind k, given as its JSON object, at the end of
// the site's order.
func (e *EditSite) Add(k Kind, obj []byte) error {
	if k < 0 || k >= numKinds {
		return fmt.Errorf("testserver: no kind %d", k)
	}
	item, err := newJSONItem(obj)
	if err != nil {
		return fmt.Errorf("testserver: Add: %w", err)
	}
	e.change(func(s *jsonSite) { s.items[k] = append(s.items[k], item) })
	return nil
}

// Remove removes the items of kind k whose id is id (any case), and
// reports whether there was one.
func (e *EditSite) Remove(k Kind, id string) bool {
	if k < 0 || k >= numKinds {
		return false
	}
	found := false
	e.change(func(s *jsonSite) {
		kept := s.items[k][:0:0]
		for _, it := range s.items[k] {
			v, _ := it.Field("id")
			if sv, _ := v.(string); strings.EqualFold(sv, id) {
				found = true
				continue
			}
			kept = append(kept, it)
		}
		s.items[k] = kept
	})
	return found
}

// change applies f to a copy of the current snapshot and publishes it.
func (e *EditSite) change(f func(*jsonSite)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	old := e.snap.Load()
	next := &jsonSite{about: old.about}
	for k := range old.items {
		next.items[k] = old.items[k][:len(old.items[k]):len(old.items[k])]
	}
	f(next)
	e.snap.Store(next)
	e.version.Add(1)
}

// Version implements Versioned.
func (e *EditSite) Version() uint64 { return e.version.Load() }

// Len implements Site.
func (e *EditSite) Len(k Kind) int { return e.snap.Load().Len(k) }

// Scan implements Site, over the snapshot of the moment it is called.
func (e *EditSite) Scan(k Kind, filter *Expr, yield func(int, Item) bool) {
	e.snap.Load().Scan(k, filter, yield)
}

// Item implements Site.
func (e *EditSite) Item(k Kind, index int) Item { return e.snap.Load().Item(k, index) }

// About implements AboutSite.
func (e *EditSite) About() []byte { return e.snap.Load().about }
