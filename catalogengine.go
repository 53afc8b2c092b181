package qrs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/qrskit/qrs/internal/engine"
)

// The Engine's part of a catalog (catalog.go): each app in scope opened
// without its data on a WebSocket of its own (engine.go), a few apps at a
// time, its charts, master item definitions and lineage read, the socket
// closed, and the entries yielded app by app in the order of the apps.

// EngineOptions are the Engine's part of a catalog ([CatalogOptions].Engine):
// what is read from inside each app in scope, and how. Each app is opened
// without its data, on a WebSocket of its own that is closed once the
// app's part is read; all share the Client's session, truststore and
// proxies.
type EngineOptions struct {
	// Charts yields the charts of every sheet (kind chart): their type,
	// titles, and their dimensions' and measures' titles; objects without
	// a hypercube (texts, filter panes, containers, and a container's
	// objects) too. Default: false.
	Charts bool
	// ChartFields fills the charts' field names and expressions too: one
	// more call per sheet. It needs Charts. Default: false.
	ChartFields bool
	// MasterItemDefinitions yields the definition of every master
	// dimension, measure and visualization (kind masterdefinition).
	// Default: false.
	MasterItemDefinitions bool
	// Lineage yields each app's sources and files and the edges of the
	// site-wide lineage graph (kinds source, file and lineage). It needs
	// the reload right on the apps. Default: false.
	Lineage bool
	// Concurrency is how many apps are open at once (read, or waiting to
	// be yielded), each on its own WebSocket: 1 to 16. An app open without
	// its data costs the Engine little, but it serves users meanwhile.
	// Default (0): 2.
	Concurrency int
	// CallTimeout bounds each Engine call, and the WebSocket's upgrade:
	// the proxy does not pass pings to the Engine, so silence is the only
	// sign of a dead socket. A call that times out fails its app's part
	// (an entry-level error matching context.DeadlineExceeded) and the
	// catalog goes on. Default (0): 30s.
	CallTimeout time.Duration
}

const (
	defaultEngineConcurrency = 2
	maxEngineConcurrency     = 16
	defaultEngineCallTimeout = 30 * time.Second
)

// engineParts is what a catalog reads through the Engine: the options'
// parts, less the kinds the catalog does not want, with the defaults.
type engineParts struct {
	charts, fields, defs, lineage bool
	conc                          int
	timeout                       time.Duration
}

func (p engineParts) any() bool { return p.charts || p.defs || p.lineage }

func (o *CatalogOptions) engineParts() engineParts {
	if o == nil || o.Engine == nil {
		return engineParts{}
	}
	e := o.Engine
	p := engineParts{
		charts:  e.Charts && o.wants(EntryChart),
		defs:    e.MasterItemDefinitions && o.wants(EntryMasterDefinition),
		lineage: e.Lineage && (o.wants(EntrySource) || o.wants(EntryFile) || o.wants(EntryLineage)),
		conc:    e.Concurrency,
		timeout: e.CallTimeout,
	}
	p.fields = p.charts && e.ChartFields
	if p.conc == 0 {
		p.conc = defaultEngineConcurrency
	}
	if p.timeout == 0 {
		p.timeout = defaultEngineCallTimeout
	}
	return p
}

// engineKindParts names the option that yields each of the Engine's kinds.
var engineKindParts = map[EntryKind]string{
	EntryChart:            "Charts",
	EntryMasterDefinition: "MasterItemDefinitions",
	EntrySource:           "Lineage",
	EntryFile:             "Lineage",
	EntryLineage:          "Lineage",
}

func (o *CatalogOptions) checkEngine() error {
	e := o.Engine
	for _, k := range o.Kinds {
		part, ok := engineKindParts[k]
		if !ok {
			continue
		}
		on := e != nil && (part == "Charts" && e.Charts || part == "MasterItemDefinitions" && e.MasterItemDefinitions || part == "Lineage" && e.Lineage)
		if !on {
			return fmt.Errorf("qrs: CatalogOptions.Kinds: %s entries come through the Engine: set CatalogOptions.Engine.%s", k, part)
		}
	}
	if e == nil {
		return nil
	}
	switch {
	case !e.Charts && !e.MasterItemDefinitions && !e.Lineage:
		return errors.New("qrs: CatalogOptions.Engine asks for nothing: set Charts, MasterItemDefinitions or Lineage (or leave Engine nil)")
	case e.ChartFields && !e.Charts:
		return errors.New("qrs: CatalogOptions.Engine.ChartFields needs Charts")
	case e.Concurrency < 0 || e.Concurrency > maxEngineConcurrency:
		return fmt.Errorf("qrs: CatalogOptions.Engine.Concurrency: %d is out of range 1..%d", e.Concurrency, maxEngineConcurrency)
	case e.CallTimeout < 0:
		return fmt.Errorf("qrs: CatalogOptions.Engine.CallTimeout: negative duration %v", e.CallTimeout)
	}
	return nil
}

// engineResult is what one app's Engine part gave.
type engineResult struct {
	charts []Chart
	defs   []MasterDefinition
	rows   []lineageRow
	// noLineage is the app's lack of lineage (a *noLineageError): an
	// entry-level error after its charts and definitions.
	noLineage error
	// err is the failure of the app's part: nothing of it is yielded.
	err error
}

// engine reads the Engine's part of every app in scope, p.conc apps at
// once, and yields each app's charts, definitions and lineage in the
// order of the apps. Every socket is closed, and every goroutine has
// ended, when it returns.
func (r *catalogRun) engine(p engineParts) bool {
	g := &lineageGraph{r: r, seen: map[string]bool{}}
	fetch := func(ctx context.Context, id string) engineResult { return r.c.readApp(ctx, id, p) }
	return inOrder(r.ctx, r.order, p.conc, fetch, func(id string, res engineResult) bool { return r.engineApp(id, res, g) })
}

// readApp reads one app's part on a socket of its own, closed before it
// returns.
func (c *Client) readApp(ctx context.Context, appID string, p engineParts) engineResult {
	a, err := c.openEngineApp(ctx, appID, engine.Options{CallTimeout: p.timeout, DialTimeout: p.timeout})
	if err != nil {
		return engineResult{err: err}
	}
	defer a.close()
	var res engineResult
	if p.charts {
		if res.charts, err = a.charts(ctx, p.fields); err != nil {
			return engineResult{err: err}
		}
	}
	if p.defs {
		if res.defs, err = a.definitions(ctx); err != nil {
			return engineResult{err: err}
		}
	}
	if p.lineage {
		res.rows, err = a.lineage(ctx)
		var nl *noLineageError
		switch {
		case errors.As(err, &nl):
			res.noLineage = err
		case err != nil:
			return engineResult{err: err}
		}
	}
	return res
}

// engineApp yields one app's Engine part, or the entry-level error of its
// failure; it reports whether the loop goes on.
func (r *catalogRun) engineApp(appID string, res engineResult, g *lineageGraph) bool {
	if res.err != nil {
		if err := r.ctx.Err(); err != nil {
			return r.fail(err)
		}
		if engineEntryLevel(res.err) {
			return r.skip(EntryApp, r.appKey(appID), res.err)
		}
		return r.fail(res.err)
	}
	for i := range res.charts {
		if !r.emit(r.chartEntry(&res.charts[i])) {
			return false
		}
	}
	for i := range res.defs {
		if !r.emit(r.definitionEntry(&res.defs[i])) {
			return false
		}
	}
	if res.noLineage != nil {
		return r.skip(EntryApp, r.appKey(appID), res.noLineage)
	}
	return g.app(appID, res.rows)
}

// engineEntryLevel reports whether err, from one app's Engine part,
// concerns that app only: an error the Engine answered a call with, a
// socket that fell silent or was lost, an upgrade refused with a server
// error. A refused session, a proxy that refuses WebSockets (403, 404),
// and a socket that cannot be dialled at all (no route, TLS, a proxy's
// refusal) would fail every app the same way: they end the catalog.
func engineEntryLevel(err error) bool {
	var ee *EngineError
	switch {
	case errors.Is(err, ErrUnauthenticated):
		return false
	case errors.As(err, &ee):
		return ee.StatusCode == 0 || ee.StatusCode >= 500
	case lost(err), errors.Is(err, context.DeadlineExceeded):
		return true
	case isAPIError(err):
		return entryLevel(err, false) // opening the session, through REST
	}
	return false
}
