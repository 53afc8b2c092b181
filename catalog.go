package qrs

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"slices"
	"strings"
)

// EntryKind is the kind of a catalog entry.
type EntryKind string

// The kinds of catalog entries, in the order [Client.Catalog] yields them.
const (
	EntrySite           EntryKind = "site"           // the connection: its code and address
	EntryStream         EntryKind = "stream"         // a stream
	EntryApp            EntryKind = "app"            // an app
	EntryDataConnection EntryKind = "dataconnection" // a data connection, its credentials scrubbed
	EntryReloadTask     EntryKind = "reloadtask"     // a reload task, with its last run and triggers
	EntryVisualization  EntryKind = "visualization"  // a sheet, as Visualizations yields it
	EntryMasterItem     EntryKind = "masteritem"     // a master visualization, dimension or measure
	EntryTable          EntryKind = "table"          // a table of an app's data model
	EntryField          EntryKind = "field"          // a field of an app's data model

	// The kinds read through the Engine, with CatalogOptions.Engine.
	EntryChart            EntryKind = "chart"            // a chart or other object of a sheet
	EntryMasterDefinition EntryKind = "masterdefinition" // what a master item is made of: fields, expression, hypercube
	EntrySource           EntryKind = "source"           // a database, connector or extension that apps load from
	EntryFile             EntryKind = "file"             // a file (a QVD, a spreadsheet, a web file) that apps load or store
	EntryLineage          EntryKind = "lineage"          // an edge: a source or file feeds an app, or an app stores a file
)

// EntryKinds returns every kind of entry, in the order the catalog yields
// them (the Engine's kinds come together, app by app).
func EntryKinds() []EntryKind {
	return []EntryKind{EntrySite, EntryStream, EntryApp, EntryDataConnection, EntryReloadTask,
		EntryVisualization, EntryMasterItem, EntryTable, EntryField,
		EntryChart, EntryMasterDefinition, EntrySource, EntryFile, EntryLineage}
}

// An Entry is one item of a catalog: its kind, its key (unique in the
// catalog, stable while the item exists; see the package documentation),
// its name, its relations to other entries by key, and its content, in
// the one field of its kind (Stream for a stream, and so on); the others
// are nil. Entries are plain data: nothing in them is shared with the
// Client or with other entries, and the same site gives the same entries.
type Entry struct {
	Kind      EntryKind
	Key       string
	Name      string
	Relations []Relation

	Site           *Site
	Stream         *Stream
	App            *App
	DataConnection *DataConnection
	ReloadTask     *ReloadTask
	Visualization  *Visualization
	MasterItem     *AppObject
	Table          *ModelTable
	Field          *ModelField

	Chart            *Chart
	MasterDefinition *MasterDefinition
	Source           *LineageSource
	File             *LineageFile
	Lineage          *LineageEdge
}

// A Relation links an entry to another one, by the other's kind and key:
// an app to its stream, a visualization, a master item, a table or a
// reload task to its app, a field to its tables and its app, a chart to
// its visualization (its sheet), its container, the master items it uses
// and its app, a master item's definition to the master item and its app,
// a file or source to its data connection, a lineage edge to its two ends.
type Relation struct {
	Kind EntryKind
	Key  string
}

// Site is the content of the site entry: the connection a catalog was
// made through.
type Site struct {
	Code string // the connection code, the first segment of every key
	URL  string // the base URL: scheme, host, port and virtual proxy prefix
}

// CatalogOptions are the settings of one [Client.Catalog] call. A nil
// *CatalogOptions is every kind of the whole site, with the defaults
// below.
type CatalogOptions struct {
	// Kinds are the kinds of entries to yield. Default (empty): all.
	Kinds []EntryKind
	// Scope selects the part of the site. Default: the whole site.
	Scope Scope
	// ContactEmails fills the email of visualizations' contacts, as
	// ListOptions.ContactEmails does for Visualizations. Default: false.
	ContactEmails bool
	// Partitions fetches the sheets of visualizations in batches of apps,
	// as for Visualizations. Default: off, one request for all sheets.
	Partitions Partitions
	// Listing chooses how the sheets of visualizations are listed:
	// ListFull, or ListTable (the paged /table listing, read through /full
	// on a site without it), as for Visualizations; the other kinds are
	// listed through /full. Default: ListFull.
	Listing ListMode
	// PageSize is how many rows one request of ListTable asks for:
	// 2 to 100,000. Default (0): 10,000.
	PageSize int
	// DataModelConcurrency is how many data models are fetched, or wait
	// to be yielded, at once: 1 to 16. Default (0): 4.
	DataModelConcurrency int
	// Engine reads the inside of each app in scope through the Engine:
	// charts, master item definitions and lineage ([EngineOptions]).
	// Default: nil, nothing through the Engine.
	Engine *EngineOptions
}

func (o *CatalogOptions) check() error {
	if o == nil {
		return nil
	}
	for _, k := range o.Kinds {
		if _, ok := keyIDs[k]; !ok {
			names := make([]string, 0, len(keyIDs))
			for _, k := range EntryKinds() {
				names = append(names, string(k))
			}
			return fmt.Errorf("qrs: CatalogOptions.Kinds: unknown kind %q (the kinds are %s)", truncate(string(k), 40), strings.Join(names, ", "))
		}
	}
	if o.DataModelConcurrency < 0 || o.DataModelConcurrency > 16 {
		return fmt.Errorf("qrs: CatalogOptions.DataModelConcurrency: %d is out of range 1..16", o.DataModelConcurrency)
	}
	if err := o.checkEngine(); err != nil {
		return err
	}
	if err := o.sheetOptions(Scope{}).check(callCatalog); err != nil {
		return errors.New(strings.Replace(err.Error(), "ListOptions.", "CatalogOptions.", 1))
	}
	return o.Scope.check()
}

// wants reports whether the options ask for entries of kind k.
func (o *CatalogOptions) wants(k EntryKind) bool {
	return o == nil || len(o.Kinds) == 0 || slices.Contains(o.Kinds, k)
}

func (o *CatalogOptions) scope() Scope {
	if o == nil {
		return Scope{}
	}
	return o.Scope
}

// An EntryError is an error that concerns one entry's content, after
// which the catalog goes on: an app whose data model is not recorded
// ([ErrNoDataModel]), that the user may not read ([ErrForbidden]), or that
// failed for good (after the retries: a server error, a timeout, a body
// that does not decode), an app whose Engine part cannot be read (no
// lineage, [ErrNoLineage]; an [*EngineError]; a socket that fell silent or
// was lost), or an item that cannot have a key. Kind and Key name the
// entry whose content is missing (for a data model or an Engine part, the
// app: its tables and fields, or its charts, definitions and lineage, are
// left out). Match it with [errors.As]; Err is the cause.
type EntryError struct {
	Kind EntryKind
	Key  string
	Err  error
}

// Error returns the cause's message and the entry it concerns.
func (e *EntryError) Error() string {
	return fmt.Sprintf("%v (the catalog goes on without the content of %s %s)", e.Err, e.Kind, e.Key)
}

// Unwrap returns the cause.
func (e *EntryError) Unwrap() error { return e.Err }

// Catalog returns the whole site as a catalog sees it: one entry for the
// site, then its streams, apps, data connections, reload tasks,
// visualizations and master items, then each app's data model tables and
// fields, app by app, in the order of the app listing, and, with
// CatalogOptions.Engine, each app's charts, master item definitions and
// lineage, app by app (see the package documentation for the keys,
// relations and requests). Entries come as they are read, so that a
// consumer can write each as it arrives: memory grows with the apps (an
// index of their names and streams), the triggers of reload tasks and the
// lineage graph's distinct files and sources, never with sheets, objects,
// fields or rows. Data models are fetched
// CatalogOptions.DataModelConcurrency at a time, apps through the Engine
// EngineOptions.Concurrency at a time.
//
// An error that concerns one entry's content is an [*EntryError]: it is
// yielded and the catalog goes on (the caller may stop with break). Any
// other error ends the sequence. Nothing is sent until the loop starts;
// breaking out of the loop stops all requests, and no goroutine outlives
// it. The Client must have a connection code (WithConnectionCode).
func (c *Client) Catalog(ctx context.Context, opts *CatalogOptions) iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		if c.cfg.code == "" {
			yield(Entry{}, errors.New("qrs: Catalog needs a connection code for its keys: use WithConnectionCode (the connection file's code)"))
			return
		}
		if err := opts.check(); err != nil {
			yield(Entry{}, err)
			return
		}
		r := &catalogRun{c: c, ctx: ctx, opts: opts, scope: opts.scope(), code: c.cfg.code, yield: yield}
		r.run()
	}
}

// callCatalog is the sheet listing of a catalog, with the settings of
// CatalogOptions that it takes.
var callCatalog = call{"Catalog", settingPartitions | settingEmails | settingListing}

// A catalogRun is one loop over a catalog.
type catalogRun struct {
	c     *Client
	ctx   context.Context
	opts  *CatalogOptions
	scope Scope
	code  string
	yield func(Entry, error) bool

	index map[string]appInfo // the apps in scope, for the join and the scoping
	order []string           // their ids, in listing order
	conns connIndex          // the data connections by name, for lineage
	// siteDue is true until the site's entry has been yielded: it comes
	// first, once the first step has answered, so that a site that
	// refuses the Client yields nothing but the error.
	siteDue bool
}

// emit yields an entry, after the site's if it is due; it reports whether
// the loop goes on.
func (r *catalogRun) emit(e Entry) bool {
	if r.siteDue && !r.site() {
		return false
	}
	return r.yield(e, nil)
}

// fail yields the error that ends the catalog.
func (r *catalogRun) fail(err error) bool {
	r.yield(Entry{}, err)
	return false
}

// skip yields an entry-level error; it reports whether the loop goes on.
func (r *catalogRun) skip(kind EntryKind, key string, err error) bool {
	return r.yield(Entry{}, &EntryError{Kind: kind, Key: key, Err: err})
}

func (r *catalogRun) appKey(id string) string { return entryKey(r.code, EntryApp, id) }

func (r *catalogRun) appRelation(id string) []Relation {
	if id == "" {
		return nil
	}
	return []Relation{{Kind: EntryApp, Key: r.appKey(id)}}
}

// inScope reports whether the app belongs to the catalog: always when the
// scope is the whole site (an object of an app created since the apps
// were listed still comes, as in Visualizations).
func (r *catalogRun) inScope(appID string) bool {
	if r.scope.IsZero() {
		return true
	}
	_, ok := r.index[appID]
	return ok
}

func (r *catalogRun) run() {
	o := r.opts
	r.siteDue = o.wants(EntrySite)
	steps := []func() bool{}
	if o.wants(EntryStream) {
		steps = append(steps, r.streams)
	}
	eng := o.engineParts()
	needApps := o.wants(EntryApp) || o.wants(EntryVisualization) || o.wants(EntryMasterItem) ||
		o.wants(EntryTable) || o.wants(EntryField) || (o.wants(EntryReloadTask) && !r.scope.IsZero()) || eng.any()
	if needApps {
		steps = append(steps, r.apps)
	}
	if o.wants(EntryDataConnection) || eng.lineage {
		steps = append(steps, r.dataConnections)
	}
	if o.wants(EntryReloadTask) {
		steps = append(steps, r.reloadTasks)
	}
	if o.wants(EntryVisualization) {
		steps = append(steps, r.visualizations)
	}
	if o.wants(EntryMasterItem) {
		steps = append(steps, r.masterItems)
	}
	if o.wants(EntryTable) || o.wants(EntryField) {
		steps = append(steps, r.dataModels)
	}
	if eng.any() {
		steps = append(steps, func() bool { return r.engine(eng) })
	}
	for _, step := range steps {
		if !step() || r.siteDue && !r.site() {
			return
		}
	}
	if r.siteDue {
		r.site() // the site alone: nothing to ask the server
	}
}

func (r *catalogRun) site() bool {
	r.siteDue = false
	return r.yield(Entry{Kind: EntrySite, Key: escapeSegment(r.code), Name: r.code,
		Site: &Site{Code: r.code, URL: r.c.baseStr}}, nil)
}

// noKey is the error of an item without the id its key needs.
func noKey(what, name string) error {
	return fmt.Errorf("qrs: the %s %q has no id: it cannot have a key", what, truncate(name, 60))
}

func (r *catalogRun) streams() bool {
	for s, err := range r.c.Streams(r.ctx, &ListOptions{Filter: r.scope.streamFilter()}) {
		if err != nil {
			return r.fail(err)
		}
		if !r.scope.keepsStream(&s) {
			continue
		}
		if s.ID == "" {
			return r.fail(noKey("stream", s.Name))
		}
		if !r.emit(Entry{Kind: EntryStream, Key: entryKey(r.code, EntryStream, s.ID), Name: s.Name, Stream: &s}) {
			return false
		}
	}
	return true
}

func (r *catalogRun) apps() bool {
	r.index = map[string]appInfo{}
	emit := r.opts.wants(EntryApp)
	for a, err := range r.c.Apps(r.ctx, &ListOptions{Filter: r.scope.appFilter()}) {
		if err != nil {
			return r.fail(err)
		}
		if !r.scope.keepsApp(&a) {
			continue
		}
		if a.ID == "" {
			return r.fail(noKey("app", a.Name))
		}
		if _, dup := r.index[a.ID]; dup {
			continue // sent twice: one entry
		}
		info := appInfo{name: a.Name}
		var rel []Relation
		if a.Stream != nil {
			info.stream = a.Stream.Name
			if a.Stream.ID != "" {
				rel = []Relation{{Kind: EntryStream, Key: entryKey(r.code, EntryStream, a.Stream.ID)}}
			}
		}
		r.index[a.ID] = info
		r.order = append(r.order, a.ID)
		if emit && !r.emit(Entry{Kind: EntryApp, Key: r.appKey(a.ID), Name: a.Name, Relations: rel, App: &a}) {
			return false
		}
	}
	return true
}

// dataConnections yields the data connections, when the catalog wants
// them, and indexes them by name for lineage, when it wants that.
func (r *catalogRun) dataConnections() bool {
	emit := r.opts.wants(EntryDataConnection)
	if r.opts.engineParts().lineage {
		r.conns = connIndex{}
	}
	for d, err := range r.c.DataConnections(r.ctx, nil) {
		if err != nil {
			return r.fail(err)
		}
		if d.ID == "" {
			return r.fail(noKey("data connection", d.Name))
		}
		r.conns.add(&d)
		if emit && !r.emit(Entry{Kind: EntryDataConnection, Key: entryKey(r.code, EntryDataConnection, d.ID), Name: d.Name, DataConnection: &d}) {
			return false
		}
	}
	return true
}

func (r *catalogRun) reloadTasks() bool {
	for t, err := range r.c.ReloadTasks(r.ctx, &ListOptions{Filter: r.scope.objectFilter()}) {
		if err != nil {
			return r.fail(err)
		}
		if !r.inScope(t.App.ID) {
			continue
		}
		if t.ID == "" {
			return r.fail(noKey("reload task", t.Name))
		}
		e := Entry{Kind: EntryReloadTask, Key: entryKey(r.code, EntryReloadTask, t.ID), Name: t.Name,
			Relations: r.appRelation(t.App.ID), ReloadTask: &t}
		if !r.emit(e) {
			return false
		}
	}
	return true
}

// sheetOptions are the options of a catalog's sheet listing, with the
// server's part of scope.
func (o *CatalogOptions) sheetOptions(scope Scope) *ListOptions {
	lo := &ListOptions{Filter: scope.objectFilter()}
	if o != nil {
		lo.Partitions, lo.ContactEmails, lo.Listing, lo.PageSize = o.Partitions, o.ContactEmails, o.Listing, o.PageSize
	}
	return lo
}

func (r *catalogRun) visualizations() bool {
	lo := r.opts.sheetOptions(r.scope)
	var keep func(string) bool
	if !r.scope.IsZero() {
		keep = r.inScope
	}
	paged := lo.listing() == ListTable && !r.c.noTable.Load()
	for {
		ok, yielded, missing := true, false, false
		r.c.joinSheets(r.ctx, lo, callCatalog, r.index, r.order, paged, keep, func(v Visualization, err error) bool {
			switch {
			case err != nil && paged && !yielded && r.c.sheetTableMissing(lo, err):
				missing = true // nothing listed yet: through /full instead
				return false
			case err != nil:
				ok = r.fail(err)
				return false
			}
			yielded = true
			ok = r.emit(Entry{Kind: EntryVisualization, Key: v.Key.String(), Name: v.Name,
				Relations: r.appRelation(v.AppID), Visualization: &v})
			return ok
		})
		if !missing {
			return ok
		}
		paged = false
	}
}

// sheetTableMissing reports whether err, the first of a paged sheet
// listing, says that the site has no /table listing, as Visualizations
// finds out at its app listing (the catalog lists apps through /full).
func (c *Client) sheetTableMissing(lo *ListOptions, err error) bool {
	return c.tableMissing(newTable("/qrs/app/object/table", "App.Object", sheetColumns, "", lo.pageSize()), err)
}

func (r *catalogRun) masterItems() bool {
	n := 0
	for m, err := range r.c.AppObjects(r.ctx, &ListOptions{Filter: andFilter(masterItemFilter, r.scope.objectFilter())}) {
		if err != nil {
			return r.fail(err)
		}
		n++
		if !m.IsMasterItem() {
			return r.fail(fmt.Errorf("qrs: item %d of the master item listing is of type %q: the server ignored the filter %s",
				n, truncate(m.ObjectType, 40), masterItemFilter))
		}
		if !r.inScope(m.App.ID) {
			continue
		}
		id := m.EngineObjectID
		if id == "" {
			id = m.ID
		}
		if m.App.ID == "" || id == "" {
			return r.fail(noKey("master item", m.Name))
		}
		e := Entry{Kind: EntryMasterItem, Key: entryKey(r.code, EntryMasterItem, m.App.ID, id), Name: m.Name,
			Relations: r.appRelation(m.App.ID), MasterItem: &m}
		if !r.emit(e) {
			return false
		}
	}
	return true
}

// entryLevel reports whether err, from one app's data model, concerns that
// app only: no model recorded, no right to read it, a server error or a
// timeout that the retries did not mend, or a body that does not decode.
// Refused authentication, and everything else, ends the catalog.
func entryLevel(err error, badBody bool) bool {
	var ae *APIError
	switch {
	case errors.Is(err, ErrUnauthenticated):
		return false
	case badBody, errors.Is(err, ErrNoDataModel), errors.Is(err, ErrForbidden), errors.Is(err, context.DeadlineExceeded):
		return true
	case errors.As(err, &ae):
		return ae.StatusCode >= 500 || ae.StatusCode == http.StatusTooManyRequests
	}
	return false
}
