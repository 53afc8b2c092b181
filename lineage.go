package qrs

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/qrskit/qrs/internal/engine"
)

// Lineage: each app's GetLineage (the LOAD and STORE statements of its
// last reload), classified by lineageparse.go, becomes the nodes of a
// site-wide graph (a file, a source) and the app's edges to and from them.
// An app that stores x.qvd and another that loads it are linked through
// the file's node: A → x.qvd → B. A node is yielded the first time any app
// names it, and each app's edges right after its new nodes, so that a
// consumer meets a node before the edges that use it. Data from inside the
// script (INLINE, RESIDENT, AUTOGENERATE) makes no node: it comes from no
// source outside the app.

// A LineageSource is where apps load data from, other than a file: a data
// connection named by LIB CONNECT TO (a database, the REST connector or
// another connector), a connection written in the script (ODBC, OLEDB or
// CUSTOM CONNECT TO, its credentials scrubbed), a server-side extension,
// or a lineage row of a form the library does not know.
type LineageSource struct {
	// Type is connection (LIB CONNECT TO), odbc, oledb, custom (a
	// connection in the script), extension, or other.
	Type string
	// Name is the data connection's name, the extension's, what a
	// connection in the script points at, or the row itself (other).
	Name string
	// ConnectionID and ConnectionType are the data connection's (QRS id
	// and type) when the catalog found the name among the site's data
	// connections.
	ConnectionID   string
	ConnectionType string
	// Target is what the source points at: the data connection's target,
	// or the one the connection in the script names.
	Target ConnectionTarget
	// ConnectString is a connection written in the script, scrubbed.
	ConnectString string
}

// A LineageFile is a file that apps load or store: a QVD, a spreadsheet,
// a text file, a web file.
type LineageFile struct {
	// Path is the file's location as the script names it (the first app
	// that names it), credentials scrubbed.
	Path string
	// Location is Path normalized as Windows compares paths (case folded,
	// / and \ alike, . and .. resolved; a URL's scheme and host folded):
	// the id in the file's key, and what two apps' paths are compared by.
	Location string
	// Scheme is lib (lib://Connection/...), path (UNC or drive), relative
	// or web (http, https, ftp).
	Scheme string
	// Format is the file's format as the statement says it (qvd, ooxml,
	// txt, ...), else its extension.
	Format string
	// Connection is the data connection a lib:// path names;
	// ConnectionID its QRS id when the catalog found it.
	Connection   string
	ConnectionID string
	// Resolved is the file's address outside Qlik: the path of the folder
	// connection (or the URL of the web connection) of a lib:// path
	// joined with the rest, or a UNC, drive or web location as it is; ""
	// when the connection is not known or is of another type.
	Resolved string
}

// A LineageEdge is one link of the lineage graph: a source or file feeds
// an app (From the node, To the app), or an app stores a file (From the
// app, To the file), with the statements that make it, as evidence.
type LineageEdge struct {
	From, To Relation
	AppID    string // the app's id
	Store    bool   // the app writes To; false: From feeds the app
	// Statements are the lineage rows behind the edge, scrubbed of
	// credentials: at most 16, More says how many more there were.
	Statements []LineageStatement
	More       int
}

// A LineageStatement is one row of an app's lineage, scrubbed of
// credentials and bounded in length.
type LineageStatement struct {
	Discriminator string // where the data came from or went to
	Statement     string // the LOAD, SELECT or STORE statement
}

// maxEdgeStatements bounds the evidence of one edge.
const maxEdgeStatements = 16

// noLineageError is ErrNoLineage for one app, with its cause: the
// Engine's refusal, or none for an app whose last reload left no lineage.
type noLineageError struct {
	appID string
	cause error
}

func (e *noLineageError) Error() string {
	if e.cause == nil {
		return "qrs: app " + e.appID + " has no lineage: GetLineage lists nothing (the app was never reloaded, or not since the Engine records lineage)"
	}
	return "qrs: app " + e.appID + " has no lineage: " + strings.TrimPrefix(e.cause.Error(), "qrs: app "+e.appID+": ")
}

func (e *noLineageError) Is(target error) bool { return target == ErrNoLineage }
func (e *noLineageError) Unwrap() error        { return e.cause }

// lineage reads and classifies the app's lineage. An app without any, or
// whose lineage the user may not read, is a *noLineageError. Its size is
// bounded by the Engine's message bound (engine.Options.MaxMessageBytes).
func (a *engineApp) lineage(ctx context.Context) ([]lineageRow, error) {
	raw, err := a.conn.GetLineage(ctx, a.doc)
	var ee *engine.Error
	if errors.As(err, &ee) && ee.Code == engine.CodeAccessDenied {
		return nil, &noLineageError{appID: a.id, cause: a.err(err)}
	}
	if err != nil {
		return nil, a.err(err)
	}
	if len(raw) == 0 {
		return nil, &noLineageError{appID: a.id}
	}
	rows := make([]lineageRow, 0, len(raw))
	for _, l := range raw {
		rows = append(rows, classifyLineage(l.Discriminator, l.Statement))
	}
	return rows, nil
}

// connIndex finds the site's data connections by name, as lib:// paths
// and LIB CONNECT TO name them (without regard to case). It grows with
// the data connections.
type connIndex map[string]connRef

type connRef struct {
	id, typ string
	target  ConnectionTarget
}

func (ix connIndex) add(d *DataConnection) {
	if ix == nil {
		return
	}
	k := strings.ToLower(strings.TrimSpace(d.Name))
	if _, dup := ix[k]; !dup {
		ix[k] = connRef{id: d.ID, typ: d.Type, target: d.Target}
	}
}

func (ix connIndex) find(name string) (connRef, bool) {
	ref, ok := ix[strings.ToLower(strings.TrimSpace(name))]
	return ref, ok
}

// A lineageGraph yields the lineage of a catalog's apps, app by app: the
// nodes (sources and files) the first time an app names them, then the
// app's edges. It holds the keys of the nodes yielded: its memory grows
// with the site's distinct files and sources, never with apps, rows or
// edges.
type lineageGraph struct {
	r    *catalogRun
	seen map[string]bool
}

// edgeDraft is an edge of one app being gathered.
type edgeDraft struct {
	key, name string
	edge      LineageEdge
}

// app yields the nodes and edges of one app's lineage; it reports whether
// the loop goes on.
func (g *lineageGraph) app(appID string, rows []lineageRow) bool {
	r := g.r
	app := Relation{Kind: EntryApp, Key: r.appKey(appID)}
	appName := r.index[appID].name
	var drafts []*edgeDraft
	byKey := map[string]*edgeDraft{}
	for i := range rows {
		row := &rows[i]
		if row.class == lineageInternal {
			continue
		}
		node, err := g.node(row)
		if err != nil {
			if !r.skip(EntryApp, app.Key, fmt.Errorf("qrs: row %d of the lineage of app %s: %w", i+1, appID, err)) {
				return false
			}
			continue
		}
		if !g.seen[node.Key] {
			g.seen[node.Key] = true
			if r.opts.wants(node.Kind) && !r.emit(node) {
				return false
			}
		}
		end := Relation{Kind: node.Kind, Key: node.Key}
		from, to, fromName, toName := end, app, node.Name, appName
		if row.class == lineageStore {
			from, to, fromName, toName = app, end, appName, node.Name
		}
		key := entryKey(r.code, EntryLineage, from.Key, to.Key)
		d := byKey[key]
		if d == nil {
			d = &edgeDraft{key: key, name: fromName + " -> " + toName,
				edge: LineageEdge{From: from, To: to, AppID: appID, Store: row.class == lineageStore}}
			byKey[key] = d
			drafts = append(drafts, d)
		}
		if len(d.edge.Statements) < maxEdgeStatements {
			d.edge.Statements = append(d.edge.Statements, LineageStatement{Discriminator: row.discriminator, Statement: row.statement})
		} else {
			d.edge.More++
		}
	}
	if !r.opts.wants(EntryLineage) {
		return true
	}
	for _, d := range drafts {
		e := Entry{Kind: EntryLineage, Key: d.key, Name: d.name, Relations: []Relation{d.edge.From, d.edge.To}, Lineage: &d.edge}
		if !r.emit(e) {
			return false
		}
	}
	return true
}

// node makes the entry of the file or source a row names.
func (g *lineageGraph) node(row *lineageRow) (Entry, error) {
	r := g.r
	switch row.class {
	case lineageFile, lineageStore:
		if len(row.path) > maxLocation {
			return Entry{}, fmt.Errorf("a file location of %d bytes (over %d) cannot have a key: left out", len(row.path), maxLocation)
		}
		loc := parseLocation(row.path)
		if loc.key == "" || loc.key == "lib:///" {
			return Entry{}, fmt.Errorf("the file location %q is empty: left out", truncate(row.path, 80))
		}
		f := &LineageFile{Path: row.path, Location: loc.key, Scheme: loc.scheme, Format: row.format, Connection: loc.conn}
		var rels []Relation
		if loc.scheme == fileLib {
			if ref, ok := r.conns.find(loc.conn); ok {
				f.ConnectionID = ref.id
				f.Resolved = resolvedPath(loc, row.path, ref.target)
				rels = []Relation{{Kind: EntryDataConnection, Key: entryKey(r.code, EntryDataConnection, ref.id)}}
			}
		} else {
			f.Resolved = resolvedPath(loc, row.path, ConnectionTarget{})
		}
		return Entry{Kind: EntryFile, Key: entryKey(r.code, EntryFile, loc.key), Name: row.path, Relations: rels, File: f}, nil
	case lineageConnection:
		s := &LineageSource{Type: "connection", Name: row.name}
		var rels []Relation
		if ref, ok := r.conns.find(row.name); ok {
			s.ConnectionID, s.ConnectionType, s.Target = ref.id, ref.typ, ref.target
			rels = []Relation{{Kind: EntryDataConnection, Key: entryKey(r.code, EntryDataConnection, ref.id)}}
		}
		return g.source(s, strings.ToLower(row.name), rels)
	case lineageConnect:
		t := resolveTarget(row.name, row.connect)
		s := &LineageSource{Type: row.name, Name: t.String(), Target: t, ConnectString: truncate(row.connect, maxStatement)}
		if s.Name == "" {
			s.Name = s.ConnectString
		}
		return g.source(s, targetLocator(t, row.connect), nil)
	case lineageExtension:
		s := &LineageSource{Type: "extension", Name: row.name}
		id := strings.ToLower(row.name)
		if id == "" {
			s.Name, id = row.discriminator, "(unnamed)"
		}
		return g.source(s, id, nil)
	}
	s := &LineageSource{Type: "other", Name: row.discriminator}
	return g.source(s, strings.Join(strings.Fields(row.discriminator), " "), nil)
}

// source makes the entry of a source, whose key is
// code/source:type:locator.
func (g *lineageGraph) source(s *LineageSource, locator string, rels []Relation) (Entry, error) {
	switch {
	case locator == "":
		return Entry{}, fmt.Errorf("a %s source names nothing: left out", s.Type)
	case len(locator) > maxLocation:
		return Entry{}, fmt.Errorf("a %s source of %d bytes (over %d) cannot have a key: left out", s.Type, len(locator), maxLocation)
	}
	return Entry{Kind: EntrySource, Key: entryKey(g.r.code, EntrySource, s.Type, locator), Name: s.Name, Relations: rels, Source: s}, nil
}
