package qrs

import (
	"context"
	"errors"

	"github.com/qrskit/qrs/internal/engine"
)

// The charts inside an app's sheets, as the Engine lays them out: each
// sheet's layout places its objects in cells and lists them as children;
// each child's layout has its type, titles and hypercube; with
// EngineOptions.ChartFields, one property tree per sheet adds the field
// names and expressions of every chart on it.

// A Chart is an object of a sheet, as the Engine lays it out: a chart
// (bar chart, table, KPI, map, an extension, ...) or an object without a
// hypercube (a text, a filter pane, a container), kept with its type. A
// container's objects are charts too, each naming its container.
type Chart struct {
	ID      string // the object's id in the app (qInfo.qId)
	AppID   string // the app's id
	SheetID string // the engine object id of the sheet it is on
	// Container is the id of the container the object is in; "" for an
	// object placed on the sheet itself.
	Container string
	// Type is the object's type (qInfo.qType): barchart, table, kpi,
	// filterpane, text-image, container, or an extension's name.
	Type string
	// Visualization is the layout's visualization, usually Type.
	Visualization string
	Title         string
	Subtitle      string
	// MasterItem is the id of the master visualization the object is
	// linked to (qExtendsId), if any.
	MasterItem string
	// HyperCube is false for objects without one (texts, filter panes,
	// containers), whose Dimensions and Measures are then empty.
	HyperCube  bool
	Dimensions []ChartDimension
	Measures   []ChartMeasure
}

// A ChartDimension is a dimension of a chart or a master visualization.
type ChartDimension struct {
	// Title is the dimension's title as the chart shows it
	// (qFallbackTitle): its label, its master dimension's title, or its
	// field.
	Title string
	// MasterItem is the id of the master dimension it is, if it is one
	// (qLibraryId).
	MasterItem string
	// Fields are the field names or expressions (qFieldDefs; a master
	// dimension's own fields): filled with EngineOptions.ChartFields,
	// and in master item definitions.
	Fields []string
}

// A ChartMeasure is a measure of a chart or a master visualization.
type ChartMeasure struct {
	// Title is the measure's title as the chart shows it
	// (qFallbackTitle): its label, its master measure's title, or its
	// expression.
	Title string
	// MasterItem is the id of the master measure it is, if it is one
	// (qLibraryId).
	MasterItem string
	// Expression is the measure's expression (qDef), filled with
	// EngineOptions.ChartFields and in master item definitions; "" for a
	// master measure, whose expression is its definition's.
	Expression string
}

// maxContainerDepth bounds the nesting of containers that is read: an
// object that contains itself must not loop.
const maxContainerDepth = 8

// charts reads the charts of every sheet of the app. fields adds their
// field names and expressions.
func (a *engineApp) charts(ctx context.Context, fields bool) ([]Chart, error) {
	sheets, err := a.conn.GetObjects(ctx, a.doc, "sheet")
	if err != nil {
		return nil, a.err(err)
	}
	var out []Chart
	seenSheet := make(map[string]bool, len(sheets))
	for _, sh := range sheets {
		id := sh.Info.ID
		if id == "" || seenSheet[id] {
			continue
		}
		seenSheet[id] = true
		if out, err = a.sheetCharts(ctx, id, fields, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// sheetCharts appends the charts of one sheet to out.
func (a *engineApp) sheetCharts(ctx context.Context, sheetID string, fields bool, out []Chart) ([]Chart, error) {
	h, err := a.conn.GetObject(ctx, a.doc, sheetID)
	if errors.Is(err, engine.ErrObjectNotFound) {
		return out, nil // deleted since it was listed
	}
	if err != nil {
		return nil, a.err(err)
	}
	layout, err := a.conn.GetLayout(ctx, h)
	if err != nil {
		return nil, a.err(err)
	}
	var props map[string]*engine.Properties
	if fields {
		tree, err := a.conn.GetFullPropertyTree(ctx, h)
		if err != nil {
			return nil, a.err(err)
		}
		props = map[string]*engine.Properties{}
		flattenTree(tree.Children, props, 0)
	}
	w := chartWalk{a: a, sheetID: sheetID, props: props, seen: map[string]bool{}, out: out}
	if err := w.children(ctx, h, "", childIDs(layout), 0); err != nil {
		return nil, err
	}
	return w.out, nil
}

// childIDs are the ids of the objects of a sheet or container: its cells'
// in order, then any child the cells do not place.
func childIDs(l *engine.Layout) []string {
	ids := make([]string, 0, len(l.Cells))
	placed := make(map[string]bool, len(l.Cells))
	for _, c := range l.Cells {
		if c.Name != "" && !placed[c.Name] {
			placed[c.Name] = true
			ids = append(ids, c.Name)
		}
	}
	if l.ChildList != nil {
		for _, it := range l.ChildList.Items {
			if id := it.Info.ID; id != "" && !placed[id] {
				placed[id] = true
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// flattenTree indexes the properties of a property tree's objects by id.
func flattenTree(children []engine.PropertyTree, into map[string]*engine.Properties, depth int) {
	if depth > maxContainerDepth {
		return
	}
	for i := range children {
		p := &children[i].Property
		if id := p.Info.ID; id != "" {
			if _, dup := into[id]; !dup {
				into[id] = p
			}
		}
		flattenTree(children[i].Children, into, depth+1)
	}
}

// chartWalk reads the objects of one sheet, containers included.
type chartWalk struct {
	a       *engineApp
	sheetID string
	props   map[string]*engine.Properties // with ChartFields
	seen    map[string]bool               // each object once per sheet
	out     []Chart
}

// children reads the objects ids of the object with handle parent (the
// sheet, or the container container).
func (w *chartWalk) children(ctx context.Context, parent int, container string, ids []string, depth int) error {
	for _, id := range ids {
		if w.seen[id] {
			continue
		}
		w.seen[id] = true
		h, err := w.a.conn.GetChild(ctx, parent, id)
		if errors.Is(err, engine.ErrObjectNotFound) {
			continue // a cell that places nothing
		}
		if err != nil {
			return w.a.err(err)
		}
		l, err := w.a.conn.GetLayout(ctx, h)
		if err != nil {
			return w.a.err(err)
		}
		ch := newChart(w.a.id, w.sheetID, container, id, l, w.props[id])
		w.out = append(w.out, ch)
		if inner := childIDs(l); len(inner) > 0 && depth < maxContainerDepth {
			if err := w.children(ctx, h, id, inner, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// newChart reads a chart from its layout, and its fields and expressions
// from its properties when it has them.
func newChart(appID, sheetID, container, id string, l *engine.Layout, p *engine.Properties) Chart {
	ch := Chart{ID: id, AppID: appID, SheetID: sheetID, Container: container, Type: l.Info.Type,
		Visualization: l.Visualization, Title: string(l.Title), Subtitle: string(l.Subtitle), MasterItem: l.ExtendsID}
	if ch.Type == "" {
		ch.Type = ch.Visualization
	}
	if ch.Visualization == "" {
		ch.Visualization = ch.Type
	}
	if l.HyperCube == nil {
		return ch
	}
	ch.HyperCube = true
	var def *engine.HyperCubeDef
	if p != nil {
		def = p.HyperCubeDef
	}
	ch.Dimensions, ch.Measures = cubeColumns(l.HyperCube, def, p != nil)
	return ch
}

// cubeColumns reads a hypercube's dimensions and measures from a layout's
// column infos, with their fields and expressions from the definition
// when fields is set (the definition lists the columns in the same
// order).
func cubeColumns(cube *engine.HyperCube, def *engine.HyperCubeDef, fields bool) ([]ChartDimension, []ChartMeasure) {
	dims := make([]ChartDimension, 0, len(cube.DimensionInfo))
	for i, d := range cube.DimensionInfo {
		cd := ChartDimension{Title: d.FallbackTitle, MasterItem: d.LibraryID}
		if fields {
			if def != nil && i < len(def.Dimensions) && len(def.Dimensions[i].Def.FieldDefs) > 0 {
				cd.Fields = def.Dimensions[i].Def.FieldDefs
			} else {
				cd.Fields = d.GroupFieldDefs // a master dimension's, as the layout resolves them
			}
		}
		dims = append(dims, cd)
	}
	meas := make([]ChartMeasure, 0, len(cube.MeasureInfo))
	for i, m := range cube.MeasureInfo {
		cm := ChartMeasure{Title: m.FallbackTitle, MasterItem: m.LibraryID}
		if fields && def != nil && i < len(def.Measures) {
			cm.Expression = def.Measures[i].Def.Def
		}
		meas = append(meas, cm)
	}
	return dims, meas
}

// chartEntry makes the catalog entry of a chart: its key is its sheet's
// visualization key and its id; it relates to the sheet's visualization,
// its container, the master items it uses and its app.
func (r *catalogRun) chartEntry(ch *Chart) Entry {
	rels := []Relation{{Kind: EntryVisualization, Key: Key{Code: r.code, AppID: ch.AppID, SheetID: ch.SheetID}.String()}}
	if ch.Container != "" {
		rels = append(rels, Relation{Kind: EntryChart, Key: chartKey(r.code, ch.AppID, ch.SheetID, ch.Container)})
	}
	rels = r.masterRelations(rels, ch.AppID, ch.MasterItem, ch.Dimensions, ch.Measures)
	name := ch.Title
	if name == "" {
		name = ch.Visualization
	}
	return Entry{Kind: EntryChart, Key: chartKey(r.code, ch.AppID, ch.SheetID, ch.ID), Name: name,
		Relations: append(rels, Relation{Kind: EntryApp, Key: r.appKey(ch.AppID)}), Chart: ch}
}

// masterRelations appends the relations to the master items that an
// object uses: the master visualization it extends, its master dimensions
// and measures, each once.
func (r *catalogRun) masterRelations(rels []Relation, appID, extends string, dims []ChartDimension, meas []ChartMeasure) []Relation {
	seen := map[string]bool{}
	add := func(id string) {
		if id == "" || seen[id] {
			return
		}
		seen[id] = true
		rels = append(rels, Relation{Kind: EntryMasterItem, Key: entryKey(r.code, EntryMasterItem, appID, id)})
	}
	add(extends)
	for _, d := range dims {
		add(d.MasterItem)
	}
	for _, m := range meas {
		add(m.MasterItem)
	}
	return rels
}
