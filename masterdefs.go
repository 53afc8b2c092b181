package qrs

import (
	"context"
	"errors"

	"github.com/qrskit/qrs/internal/engine"
)

// The definitions of an app's master items, as the Engine holds them: the
// app's list of objects names its master dimensions, measures and
// visualizations; the layout of each gives its definition (a master
// visualization's properties its fields and expressions).
//
// A definition is an entry of its own (kind masterdefinition, with the ids
// of the master item's key), related to the master item's entry, rather
// than a part of that entry: master items come from one QRS listing of the
// whole site, definitions from each app's Engine, app by app, and joining
// them in one entry would hold the site's master items in memory, or open
// each app while the listing waits.

// A MasterDefinition is what a master item is made of, as the Engine
// defines it: a master dimension's fields and labels, a master measure's
// expression and label, a master visualization's type, dimensions and
// measures (with their fields and expressions).
type MasterDefinition struct {
	ID    string // the master item's engine object id
	AppID string // the app's id
	// Type is dimension, measure or masterobject (a master
	// visualization), as the master item's ObjectType.
	Type        string
	Title       string
	Description string

	// Grouping is a dimension's: N for a single field, H for a drill-down
	// (Fields from the top), C for a cyclic group.
	Grouping string
	// Fields are a dimension's field names or expressions.
	Fields []string
	// Labels are a dimension's labels of its fields, where set.
	Labels []string

	// Expression is a measure's expression (qDef).
	Expression string
	// Label is a measure's label.
	Label string
	// LabelExpression is the expression of a dimension's or a measure's
	// label, if it has one.
	LabelExpression string

	// Visualization is a master visualization's type, e.g. barchart.
	Visualization string
	// Dimensions and Measures are a master visualization's, with their
	// fields and expressions.
	Dimensions []ChartDimension
	Measures   []ChartMeasure
}

// Master item types, as GetAllInfos and QRS name them.
const (
	masterDimension     = "dimension"
	masterMeasure       = "measure"
	masterVisualization = "masterobject"
)

// definitions reads the definition of every master item of the app.
func (a *engineApp) definitions(ctx context.Context) ([]MasterDefinition, error) {
	infos, err := a.conn.GetAllInfos(ctx, a.doc)
	if err != nil {
		return nil, a.err(err)
	}
	var out []MasterDefinition
	seen := map[string]bool{}
	for _, info := range infos {
		if info.ID == "" || seen[info.Type+"\x00"+info.ID] {
			continue
		}
		var d *MasterDefinition
		switch info.Type {
		case masterDimension:
			d, err = a.dimension(ctx, info.ID)
		case masterMeasure:
			d, err = a.measure(ctx, info.ID)
		case masterVisualization:
			d, err = a.masterObject(ctx, info.ID)
		default:
			continue
		}
		seen[info.Type+"\x00"+info.ID] = true
		if errors.Is(err, engine.ErrObjectNotFound) {
			continue // deleted since it was listed
		}
		if err != nil {
			return nil, a.err(err)
		}
		out = append(out, *d)
	}
	return out, nil
}

func (a *engineApp) dimension(ctx context.Context, id string) (*MasterDefinition, error) {
	l, err := a.libraryLayout(ctx, id, a.conn.GetDimension)
	if err != nil {
		return nil, err
	}
	d := &MasterDefinition{ID: id, AppID: a.id, Type: masterDimension, Title: string(l.Meta.Title), Description: string(l.Meta.Description)}
	if dim := l.Dim; dim != nil {
		d.Grouping, d.Fields, d.LabelExpression = dim.Grouping, dim.FieldDefs, dim.LabelExpression
		for _, lb := range dim.FieldLabels {
			if lb != "" {
				d.Labels = dim.FieldLabels
				break
			}
		}
	}
	return d, nil
}

func (a *engineApp) measure(ctx context.Context, id string) (*MasterDefinition, error) {
	l, err := a.libraryLayout(ctx, id, a.conn.GetMeasure)
	if err != nil {
		return nil, err
	}
	d := &MasterDefinition{ID: id, AppID: a.id, Type: masterMeasure, Title: string(l.Meta.Title), Description: string(l.Meta.Description)}
	if m := l.Measure; m != nil {
		d.Expression, d.Label, d.LabelExpression = m.Def, m.Label, m.LabelExpression
	}
	return d, nil
}

// libraryLayout opens a master dimension or measure with get and returns
// its layout.
func (a *engineApp) libraryLayout(ctx context.Context, id string, get func(context.Context, int, string) (int, error)) (*engine.Layout, error) {
	h, err := get(ctx, a.doc, id)
	if err != nil {
		return nil, err
	}
	return a.conn.GetLayout(ctx, h)
}

// masterObject reads a master visualization: its layout for its type and
// titles, its properties for its fields and expressions.
func (a *engineApp) masterObject(ctx context.Context, id string) (*MasterDefinition, error) {
	h, err := a.conn.GetObject(ctx, a.doc, id)
	if err != nil {
		return nil, err
	}
	l, err := a.conn.GetLayout(ctx, h)
	if err != nil {
		return nil, err
	}
	p, err := a.conn.GetProperties(ctx, h)
	if err != nil {
		return nil, err
	}
	d := &MasterDefinition{ID: id, AppID: a.id, Type: masterVisualization, Title: string(l.Meta.Title),
		Description: string(l.Meta.Description), Visualization: l.Visualization}
	if d.Title == "" {
		d.Title = string(l.Title)
	}
	if d.Visualization == "" {
		d.Visualization = p.Visualization
	}
	if l.HyperCube != nil {
		d.Dimensions, d.Measures = cubeColumns(l.HyperCube, p.HyperCubeDef, true)
	}
	return d, nil
}

// definitionEntry makes the catalog entry of a master item's definition:
// the ids of the master item's key under its own kind, related to the
// master item, the master items it uses (a master visualization's) and
// the app.
func (r *catalogRun) definitionEntry(d *MasterDefinition) Entry {
	rels := []Relation{{Kind: EntryMasterItem, Key: entryKey(r.code, EntryMasterItem, d.AppID, d.ID)}}
	rels = r.masterRelations(rels, d.AppID, "", d.Dimensions, d.Measures)
	return Entry{Kind: EntryMasterDefinition, Key: entryKey(r.code, EntryMasterDefinition, d.AppID, d.ID), Name: d.Title,
		Relations: append(rels, Relation{Kind: EntryApp, Key: r.appKey(d.AppID)}), MasterDefinition: d}
}
