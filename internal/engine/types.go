package engine

import (
	"math"
	"strconv"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// The results of the typed calls keep the few members a catalog reads,
// under the Engine's names; everything else in an answer is skipped.

// Info identifies an object (NxInfo).
type Info struct {
	ID   string `json:"qId"`
	Type string `json:"qType"`
}

// Meta is an object's descriptive data: qMeta in layouts, qMetaDef in
// properties.
type Meta struct {
	Title       Text `json:"title"`
	Description Text `json:"description"`
}

// ObjectEntry is one entry of Doc.GetObjects (NxContainerEntry).
type ObjectEntry struct {
	Info Info `json:"qInfo"`
	Meta Meta `json:"qMeta"`
}

// ObjectRef is what Get calls answer (qReturn): the handle of the object
// opened, nil when the Engine has no such object.
type ObjectRef struct {
	Type        string `json:"qType"`
	Handle      *int   `json:"qHandle"`
	GenericType string `json:"qGenericType"`
	GenericID   string `json:"qGenericId"`
}

// Cell is one entry of a sheet's cells: where a chart sits.
type Cell struct {
	// Name is the chart's object id; Type its visualization type.
	Name, Type                 string
	Col, Row, Colspan, Rowspan int
}

// UnmarshalJSONFrom reads a cell, taking its coordinates in any numeric
// form (older sheets have fractional ones).
func (c *Cell) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	var raw struct {
		Name    Text `json:"name"`
		Type    Text `json:"type"`
		Col     num  `json:"col"`
		Row     num  `json:"row"`
		Colspan num  `json:"colspan"`
		Rowspan num  `json:"rowspan"`
	}
	if err := json.UnmarshalDecode(dec, &raw); err != nil {
		return err
	}
	*c = Cell{Name: string(raw.Name), Type: string(raw.Type), Col: int(raw.Col), Row: int(raw.Row), Colspan: int(raw.Colspan), Rowspan: int(raw.Rowspan)}
	return nil
}

// ChildItem is one entry of a layout's qChildList.qItems.
type ChildItem struct {
	Info Info `json:"qInfo"`
	Data struct {
		Title Text `json:"title"`
	} `json:"qData"`
}

// ChildList is a layout's qChildList.
type ChildList struct {
	Items []ChildItem `json:"qItems"`
}

// FieldInfo is one entry of a hypercube's qDimensionInfo or qMeasureInfo.
type FieldInfo struct {
	FallbackTitle  string   `json:"qFallbackTitle"`
	GroupFieldDefs []string `json:"qGroupFieldDefs"`
	LibraryID      string   `json:"qLibraryId"`
}

// HyperCube is the part of a layout's qHyperCube that names its columns.
type HyperCube struct {
	DimensionInfo []FieldInfo `json:"qDimensionInfo"`
	MeasureInfo   []FieldInfo `json:"qMeasureInfo"`
}

// LibraryDimension is a master dimension's definition (qDim).
type LibraryDimension struct {
	Grouping        string   `json:"qGrouping"` // N single, H drill-down, C cyclic
	FieldDefs       []string `json:"qFieldDefs"`
	FieldLabels     []string `json:"qFieldLabels"`
	LabelExpression string   `json:"qLabelExpression"`
}

// LibraryMeasure is a master measure's definition (qMeasure).
type LibraryMeasure struct {
	Label           string   `json:"qLabel"`
	Def             string   `json:"qDef"`
	Grouping        string   `json:"qGrouping"`
	Expressions     []string `json:"qExpressions"`
	LabelExpression string   `json:"qLabelExpression"`
}

// Layout is the answer of GetLayout on a sheet, a chart, a master
// dimension or measure: each fills the members it has.
type Layout struct {
	Info          Info   `json:"qInfo"`
	Meta          Meta   `json:"qMeta"`
	Title         Text   `json:"title"`
	Subtitle      Text   `json:"subtitle"`
	Footnote      Text   `json:"footnote"`
	Visualization string `json:"visualization"`
	// ExtendsID is the master visualization the object is linked to.
	ExtendsID string     `json:"qExtendsId"`
	Cells     []Cell     `json:"cells"`
	ChildList *ChildList `json:"qChildList"`
	// HyperCube is nil for objects without one: text, filter panes,
	// containers.
	HyperCube *HyperCube        `json:"qHyperCube"`
	Dim       *LibraryDimension `json:"qDim"`
	Measure   *LibraryMeasure   `json:"qMeasure"`
}

// DimensionDef is one dimension of a hypercube definition: inline fields,
// or a master dimension by LibraryID.
type DimensionDef struct {
	LibraryID string `json:"qLibraryId"`
	Def       struct {
		FieldDefs   []string `json:"qFieldDefs"`
		FieldLabels []string `json:"qFieldLabels"`
	} `json:"qDef"`
}

// MeasureDef is one measure of a hypercube definition: an inline
// expression, or a master measure by LibraryID.
type MeasureDef struct {
	LibraryID string `json:"qLibraryId"`
	Def       struct {
		Def   string `json:"qDef"`
		Label string `json:"qLabel"`
	} `json:"qDef"`
}

// HyperCubeDef is the definition of a chart's hypercube.
type HyperCubeDef struct {
	Dimensions []DimensionDef `json:"qDimensions"`
	Measures   []MeasureDef   `json:"qMeasures"`
}

// Properties is the answer of GetProperties on a generic object, master
// dimension or measure: each fills the members it has.
type Properties struct {
	Info          Info              `json:"qInfo"`
	MetaDef       Meta              `json:"qMetaDef"`
	Title         Text              `json:"title"`
	Subtitle      Text              `json:"subtitle"`
	Visualization string            `json:"visualization"`
	ExtendsID     string            `json:"qExtendsId"`
	Cells         []Cell            `json:"cells"`
	HyperCubeDef  *HyperCubeDef     `json:"qHyperCubeDef"`
	Dim           *LibraryDimension `json:"qDim"`
	Measure       *LibraryMeasure   `json:"qMeasure"`
}

// PropertyTree is an object's properties with its children's, as
// GetFullPropertyTree answers (GenericObjectEntry).
type PropertyTree struct {
	Property Properties     `json:"qProperty"`
	Children []PropertyTree `json:"qChildren"`
}

// Lineage is one entry of Doc.GetLineage (LineageInfo): where some data
// came from, or went to (STORE).
type Lineage struct {
	Discriminator string `json:"qDiscriminator"`
	Statement     string `json:"qStatement"`
}

// Text is a string the Engine may send in other forms: a number or a
// boolean (its JSON text), null (""), or, in properties, a computed value
// {"qStringExpression": {"qExpr": "=..."}} (the expression).
type Text string

// UnmarshalJSONFrom implements json.UnmarshalerFrom.
func (t *Text) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	switch v.Kind() {
	case '"':
		var s string
		if err := json.Unmarshal(v, &s, readOptions); err != nil {
			return err
		}
		*t = Text(s)
	case '0', 't', 'f':
		*t = Text(v)
	case '{':
		var e struct {
			String jsontext.Value `json:"qStringExpression"`
			Value  jsontext.Value `json:"qValueExpression"`
		}
		if err := json.Unmarshal(v, &e, readOptions); err != nil {
			return err
		}
		x := e.String
		if len(x) == 0 {
			x = e.Value
		}
		*t = Text(exprText(x))
	default:
		*t = ""
	}
	return nil
}

// exprText reads an expression given as a string or as {"qExpr": "..."}.
func exprText(v jsontext.Value) string {
	switch v.Kind() {
	case '"':
		var s string
		if json.Unmarshal(v, &s, readOptions) == nil {
			return s
		}
	case '{':
		var e struct {
			Expr string `json:"qExpr"`
		}
		if json.Unmarshal(v, &e, readOptions) == nil {
			return e.Expr
		}
	}
	return ""
}

// num is an integer taken from any JSON number (rounded), a numeric
// string, or anything else (0).
type num int

func (n *num) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	s := string(v)
	if v.Kind() == '"' {
		var str string
		if json.Unmarshal(v, &str) != nil {
			return nil
		}
		s = str
	} else if v.Kind() != '0' {
		*n = 0
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || f > math.MaxInt32 || f < math.MinInt32 {
		*n = 0
		return nil
	}
	*n = num(math.Round(f))
	return nil
}
