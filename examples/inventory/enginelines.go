package main

// The lines of the kinds read through the Engine (-charts,
// -master-definitions, -lineage): charts, master item definitions, and the
// lineage graph's sources, files and edges; and their -table columns.

import (
	"strings"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/cli"
)

type columnLine struct {
	Title      string   `json:"title"`
	MasterItem string   `json:"master_item,omitzero"`
	Fields     []string `json:"fields,omitzero"`
	Expression string   `json:"expression,omitzero"`
}

type chartLine struct {
	head
	ID            string       `json:"id"`
	AppID         string       `json:"app_id"`
	SheetID       string       `json:"sheet_id"`
	Container     string       `json:"container,omitzero"`
	Type          string       `json:"type"`
	Visualization string       `json:"visualization"`
	Title         string       `json:"title"`
	Subtitle      string       `json:"subtitle"`
	MasterItem    string       `json:"master_item,omitzero"`
	HyperCube     bool         `json:"hypercube"`
	Dimensions    []columnLine `json:"dimensions"`
	Measures      []columnLine `json:"measures"`
}

type definitionLine struct {
	head
	ID              string       `json:"id"`
	AppID           string       `json:"app_id"`
	Type            string       `json:"type"`
	Title           string       `json:"title"`
	Description     string       `json:"description"`
	Grouping        string       `json:"grouping,omitzero"`
	Fields          []string     `json:"fields,omitzero"`
	Labels          []string     `json:"labels,omitzero"`
	Expression      string       `json:"expression,omitzero"`
	Label           string       `json:"label,omitzero"`
	LabelExpression string       `json:"label_expression,omitzero"`
	Visualization   string       `json:"visualization,omitzero"`
	Dimensions      []columnLine `json:"dimensions,omitzero"`
	Measures        []columnLine `json:"measures,omitzero"`
}

type sourceLine struct {
	head
	Type           string               `json:"type"`
	ConnectionID   string               `json:"data_connection_id,omitzero"`
	ConnectionType string               `json:"data_connection_type,omitzero"`
	Target         qrs.ConnectionTarget `json:"target"`
	ConnectString  string               `json:"connect_string,omitzero"` // scrubbed of credentials
}

type fileLine struct {
	head
	Path         string `json:"path"`
	Location     string `json:"location"`
	Scheme       string `json:"scheme"`
	Format       string `json:"format"`
	Connection   string `json:"data_connection,omitzero"` // "connection" is the line's code
	ConnectionID string `json:"data_connection_id,omitzero"`
	Resolved     string `json:"resolved,omitzero"`
}

type statementLine struct {
	Discriminator string `json:"discriminator"`
	Statement     string `json:"statement"` // scrubbed of credentials
}

type lineageLine struct {
	head
	From       relation        `json:"from"`
	To         relation        `json:"to"`
	AppID      string          `json:"app_id"`
	Store      bool            `json:"store"`
	Statements []statementLine `json:"statements"`
	More       int             `json:"more_statements,omitzero"`
}

func (l *chartLine) headOf() *head      { return &l.head }
func (l *definitionLine) headOf() *head { return &l.head }
func (l *sourceLine) headOf() *head     { return &l.head }
func (l *fileLine) headOf() *head       { return &l.head }
func (l *lineageLine) headOf() *head    { return &l.head }

// headed is a line of the Engine's kinds.
type headed interface{ headOf() *head }

func dimensionLines(ds []qrs.ChartDimension) []columnLine {
	out := make([]columnLine, len(ds))
	for i, d := range ds {
		out[i] = columnLine{Title: d.Title, MasterItem: d.MasterItem, Fields: d.Fields}
	}
	return out
}

func measureLines(ms []qrs.ChartMeasure) []columnLine {
	out := make([]columnLine, len(ms))
	for i, m := range ms {
		out[i] = columnLine{Title: m.Title, MasterItem: m.MasterItem, Expression: m.Expression}
	}
	return out
}

// engineLine makes the line of an entry of the Engine's kinds, or returns
// the head alone for a kind this program does not know.
func engineLine(h head, e *qrs.Entry) any {
	switch {
	case e.Chart != nil:
		c := e.Chart
		return &chartLine{head: h, ID: c.ID, AppID: c.AppID, SheetID: c.SheetID, Container: c.Container, Type: c.Type,
			Visualization: c.Visualization, Title: c.Title, Subtitle: c.Subtitle, MasterItem: c.MasterItem, HyperCube: c.HyperCube,
			Dimensions: dimensionLines(c.Dimensions), Measures: measureLines(c.Measures)}
	case e.MasterDefinition != nil:
		d := e.MasterDefinition
		return &definitionLine{head: h, ID: d.ID, AppID: d.AppID, Type: d.Type, Title: d.Title, Description: d.Description,
			Grouping: d.Grouping, Fields: d.Fields, Labels: d.Labels, Expression: d.Expression, Label: d.Label,
			LabelExpression: d.LabelExpression, Visualization: d.Visualization,
			Dimensions: dimensionLines(d.Dimensions), Measures: measureLines(d.Measures)}
	case e.Source != nil:
		s := e.Source
		return &sourceLine{head: h, Type: s.Type, ConnectionID: s.ConnectionID, ConnectionType: s.ConnectionType,
			Target: s.Target, ConnectString: s.ConnectString}
	case e.File != nil:
		f := e.File
		return &fileLine{head: h, Path: f.Path, Location: f.Location, Scheme: f.Scheme, Format: f.Format,
			Connection: f.Connection, ConnectionID: f.ConnectionID, Resolved: f.Resolved}
	case e.Lineage != nil:
		l := e.Lineage
		out := &lineageLine{head: h, From: relation{Kind: string(l.From.Kind), Key: l.From.Key}, To: relation{Kind: string(l.To.Kind), Key: l.To.Key},
			AppID: l.AppID, Store: l.Store, Statements: make([]statementLine, len(l.Statements)), More: l.More}
		for i, s := range l.Statements {
			out.Statements[i] = statementLine(s)
		}
		return out
	}
	return &h
}

// engineColumns are the -table columns of the Engine's kinds; nil for
// another kind.
func engineColumns(kind qrs.EntryKind, key, name func(r *record) string) []cli.Column[record] {
	col := func(title string, max int, v func(r *record) string) cli.Column[record] {
		return cli.Column[record]{Title: title, Max: max, Value: v}
	}
	titles := func(cs []columnLine) string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Title)
		}
		return strings.Join(out, ", ")
	}
	switch kind {
	case qrs.EntryChart:
		l := func(r *record) *chartLine { return r.line.(*chartLine) }
		return []cli.Column[record]{col("KEY", 0, key), col("NAME", 32, name),
			col("TYPE", 0, func(r *record) string { return l(r).Type }),
			col("DIMENSIONS", 32, func(r *record) string { return titles(l(r).Dimensions) }),
			col("MEASURES", 32, func(r *record) string { return titles(l(r).Measures) })}
	case qrs.EntryMasterDefinition:
		l := func(r *record) *definitionLine { return r.line.(*definitionLine) }
		return []cli.Column[record]{col("KEY", 0, key), col("NAME", 32, name),
			col("TYPE", 0, func(r *record) string { return l(r).Type }),
			col("DEFINITION", 48, func(r *record) string {
				d := l(r)
				switch {
				case d.Expression != "":
					return d.Expression
				case len(d.Fields) > 0:
					return strings.Join(d.Fields, " > ")
				}
				return d.Visualization + ": " + titles(append(append([]columnLine{}, d.Dimensions...), d.Measures...))
			})}
	case qrs.EntrySource:
		l := func(r *record) *sourceLine { return r.line.(*sourceLine) }
		return []cli.Column[record]{col("KEY", 0, key), col("NAME", 32, name),
			col("TYPE", 0, func(r *record) string { return l(r).Type }),
			col("TARGET", 48, func(r *record) string { return l(r).Target.String() })}
	case qrs.EntryFile:
		l := func(r *record) *fileLine { return r.line.(*fileLine) }
		return []cli.Column[record]{col("KEY", 0, key), col("PATH", 48, name),
			col("FORMAT", 0, func(r *record) string { return l(r).Format }),
			col("RESOLVED", 48, func(r *record) string { return l(r).Resolved })}
	case qrs.EntryLineage:
		return []cli.Column[record]{col("EDGE", 80, name),
			col("STATEMENTS", 0, func(r *record) string { return itoa(int64(len(r.line.(*lineageLine).Statements))) })}
	}
	return nil
}
