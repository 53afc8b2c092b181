package testserver

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// The Engine's content of a generated site: each app's sheets are its QRS
// sheets (engine object ids and names as /qrs/app/object/full lists them),
// their charts those of the sheets' QRS attributes (cells), a filter pane
// or text added to some, master items those of its QRS dimension, measure
// and masterobject objects, and lineage that links apps through QVDs. All
// of it is a pure function of the seed, the app's index and the objects'
// positions, built when an app is opened: memory grows with one app, never
// with the site. Only GenSite's exported methods are used.

// EngineApp implements EngineData.
func (g *GenSite) EngineApp(appID string) (*EngineApp, bool) {
	if !IsGUID(appID) {
		return nil, false
	}
	f, err := ParseFilter("id eq " + appID)
	if err != nil {
		return nil, false
	}
	index, reloaded := -1, false
	g.Scan(KindApp, f, func(i int, it Item) bool {
		if id, _ := it.Field("id"); strings.EqualFold(fmt.Sprint(id), appID) {
			index = i
			t, _ := it.Field("lastreloadtime")
			reloaded = !strings.HasPrefix(fmt.Sprint(t), "1753")
			return false
		}
		return true
	})
	if index < 0 {
		return nil, false
	}
	of, err := ParseFilter("app.id eq " + appID)
	if err != nil {
		return nil, false
	}
	ge := genEngine{seed: uint64(g.Config().Seed), app: index}
	out := &EngineApp{}
	var masters []string // master dimension ids, for charts to reference
	sheet := 0
	g.Scan(KindAppObject, of, func(_ int, it Item) bool {
		typ := fieldString(it, "objecttype")
		id := fieldString(it, "engineobjectid")
		if id == "" {
			id = fieldString(it, "id")
		}
		name := fieldString(it, "name")
		switch typ {
		case "sheet":
			ge.addSheet(out, sheet, id, name, fieldString(it, "attributes"), masters)
			sheet++
		case "dimension":
			out.Dimensions = append(out.Dimensions, ge.dimension(len(out.Dimensions), id, name))
			masters = append(masters, id)
		case "measure":
			out.Measures = append(out.Measures, ge.measure(len(out.Measures), id, name))
		case "masterobject":
			out.Objects = append(out.Objects, ge.masterObject(len(out.Objects), id, name, fieldString(it, "engineobjecttype")))
		}
		return true
	})
	if reloaded {
		out.Lineage = ge.lineage(g)
	}
	out.NoReloadRight = ge.h(dLineageRight, 0)%25 == 0
	return out, true
}

func fieldString(it Item, name string) string {
	v, _ := it.Field(name)
	s, _ := v.(string)
	return s
}

// genEngine derives an app's Engine content from the seed and app index.
type genEngine struct {
	seed uint64
	app  int
}

// Hash domains of the Engine's generated content.
const (
	dChart uint64 = iota + 101
	dSheetExtra
	dMaster
	dLineage
	dLineageRight
	dQVD
)

// h is a hash of the seed, app, domain and i: the source of every choice.
func (ge genEngine) h(domain, i uint64) uint64 {
	return mix64(ge.seed ^ domain<<56 ^ mix64(uint64(ge.app)<<20^i))
}

var (
	genDimFields = []string{"Region", "Country", "Product", "ProductLine", "CustomerName", "Segment", "Channel", "OrderMonth", "Year", "Supplier", "Warehouse", "SalesRep", "Kostenstelle", "Catégorie"}
	genMeasures  = []struct{ expr, label string }{
		{"Sum(Sales)", "Sales"}, {"Sum(Quantity)", "Quantity"}, {"Count(distinct CustomerID)", "Customers"},
		{"Avg(Margin)", "Average margin"}, {"Sum(Sales) - Sum(Cost)", "Gross profit"},
		{"Sum({<Year={$(=Max(Year))}>} Sales)", "Sales this year"}, {"Count(OrderID)", ""},
		{"Sum(Sales)/Sum(TOTAL Sales)", "Share"},
	}
	genTitles = []string{"Sales by %s", "%s overview", "Top %s", "%s trend", "%s – details", "Umsatz nach %s", "%s (YoY)", ""}
	genExtras = []string{"filterpane", "text-image", "filterpane"}
)

// chartShape is how many dimensions and measures a visualization has.
func chartShape(viz string, r uint64) (dims, meas int) {
	switch viz {
	case "kpi":
		return 0, 1 + int(r%2)
	case "table", "pivot-table":
		return 2 + int(r%2), 1 + int(r%3)
	case "scatterplot":
		return 1, 2
	case "combochart":
		return 1, 2
	case "piechart", "treemap", "map":
		return 1, 1
	}
	return 1 + int(r%2), 1
}

func (ge genEngine) addSheet(out *EngineApp, sheet int, id, title, attributes string, masters []string) {
	sh := EngineSheet{ID: id, Title: title}
	var cells []struct {
		Name string `json:"name"`
		Type string `json:"type"`
	}
	if raw, err := base64.StdEncoding.DecodeString(attributes); err == nil {
		var a struct {
			Cells *[]struct {
				Name string `json:"name"`
				Type string `json:"type"`
			} `json:"cells"`
		}
		a.Cells = &cells
		_ = json.Unmarshal(raw, &a)
	}
	r := ge.h(dSheetExtra, uint64(sheet))
	if r%4 == 0 {
		extra := genExtras[(r>>8)%uint64(len(genExtras))]
		cells = append(cells, struct {
			Name string `json:"name"`
			Type string `json:"type"`
		}{Name: "x" + strconv.Itoa(sheet) + id, Type: extra})
	}
	for k, c := range cells {
		sh.Cells = append(sh.Cells, EngineCell{Name: c.Name, Type: c.Type, Col: (k % 2) * 12, Row: (k / 2) * 4, Colspan: 12, Rowspan: 4})
		out.Objects = append(out.Objects, ge.chart(uint64(sheet)<<8|uint64(k), c.Name, c.Type, masters))
	}
	out.Sheets = append(out.Sheets, sh)
}

func (ge genEngine) chart(i uint64, id, viz string, masters []string) EngineObject {
	r := ge.h(dChart, i)
	field := genDimFields[r%uint64(len(genDimFields))]
	o := EngineObject{ID: id, Type: viz}
	if t := genTitles[(r>>8)%uint64(len(genTitles))]; t != "" {
		o.Title = fmt.Sprintf(t, field)
	}
	if (r>>16)%5 == 0 {
		o.Subtitle = "Source: nightly reload"
	}
	if viz == "filterpane" || viz == "text-image" {
		if viz == "text-image" {
			o.Title = "Notes"
		}
		return o
	}
	nd, nm := chartShape(viz, r>>24)
	for d := 0; d < nd; d++ {
		rd := mix64(r + uint64(d))
		if d == 0 && len(masters) > 0 && rd%4 == 0 {
			o.Dimensions = append(o.Dimensions, ChartDimension{LibraryID: masters[rd%uint64(len(masters))]})
			continue
		}
		o.Dimensions = append(o.Dimensions, ChartDimension{Fields: []string{genDimFields[(rd>>8)%uint64(len(genDimFields))]}})
	}
	for m := 0; m < nm; m++ {
		rm := mix64(r ^ 0x9e37 + uint64(m))
		ms := genMeasures[rm%uint64(len(genMeasures))]
		o.Measures = append(o.Measures, ChartMeasure{Expression: ms.expr, Label: ms.label})
	}
	return o
}

func (ge genEngine) dimension(i int, id, title string) MasterDimension {
	r := ge.h(dMaster, uint64(i))
	d := MasterDimension{ID: id, Title: title, Fields: []string{genDimFields[r%uint64(len(genDimFields))]}}
	if (r>>8)%4 == 0 { // a drill-down
		d.Grouping = "H"
		d.Fields = append(d.Fields, genDimFields[(r>>16)%uint64(len(genDimFields))])
	}
	return d
}

func (ge genEngine) measure(i int, id, title string) MasterMeasure {
	r := ge.h(dMaster, uint64(i)|1<<32)
	ms := genMeasures[r%uint64(len(genMeasures))]
	return MasterMeasure{ID: id, Title: title, Expression: ms.expr, Label: ms.label}
}

func (ge genEngine) masterObject(i int, id, title, viz string) EngineObject {
	if viz == "" || viz == "masterobject" {
		viz = "barchart"
	}
	o := ge.chart(uint64(i)|1<<40, id, viz, nil)
	o.Type, o.Visualization, o.Title = "masterobject", viz, title
	return o
}

// GenQVD returns the QVD that app a of a generated site stores when it
// stores one (GenStoresQVD), as its lineage names it.
func GenQVD(a int) string { return "lib://Data/Gen/extract_" + strconv.Itoa(a) + ".qvd" }

// GenStoresQVD reports whether app a of the site stores GenQVD(a) in its
// lineage (when it has lineage: reloaded, with the reload right).
func (g *GenSite) GenStoresQVD(a int) bool {
	return genEngine{seed: uint64(g.Config().Seed), app: a}.h(dQVD, 0)%3 == 0
}

// GenLoadsQVD returns the apps whose QVDs app a loads in its lineage:
// earlier apps that store one.
func (g *GenSite) GenLoadsQVD(a int) []int {
	ge := genEngine{seed: uint64(g.Config().Seed), app: a}
	var out []int
	for k := uint64(0); k < 3; k++ {
		r := ge.h(dQVD, 1+k)
		j := a - 1 - int(r%(uint64(k)*6+3))
		if j < 0 || !g.GenStoresQVD(j) {
			continue
		}
		dup := false
		for _, x := range out {
			dup = dup || x == j
		}
		if !dup {
			out = append(out, j)
		}
	}
	return out
}

// lineage is the app's GetLineage: sources from the data connections Data
// (folder), SalesDB (ODBC) and CRM REST (REST), the other discriminator
// forms now and then, QVDs of earlier apps, and its own QVD.
func (ge genEngine) lineage(g *GenSite) []LineageRow {
	r := ge.h(dLineage, 0)
	sec := LineageSecrets()
	table := genDimFields[r%uint64(len(genDimFields))]
	rows := []LineageRow{
		{"LIB CONNECT TO 'SalesDB';", "SQL SELECT * FROM Sales.dbo.Fact" + strings.ReplaceAll(table, "é", "e") + " WHERE Year >= 2022;"},
		{"INLINE;", "LOAD * INLINE [\nCode, Label\nA, Active\nI, Inactive\n];"},
	}
	for _, j := range g.GenLoadsQVD(ge.app) {
		q := GenQVD(j)
		rows = append(rows, LineageRow{"[" + q + "](qvd)", "LOAD * FROM [" + q + "] (qvd);"})
	}
	add := func(every uint64, shift uint, row LineageRow) {
		if (r>>shift)%every == 0 {
			rows = append(rows, row)
		}
	}
	add(2, 4, LineageRow{"[lib://Data/Gen/Master/" + strings.ToLower(table) + ".xlsx](ooxml, embedded labels, table is Sheet1)", "LOAD * FROM [lib://Data/Gen/Master/" + strings.ToLower(table) + ".xlsx] (ooxml, embedded labels, table is Sheet1);"})
	add(3, 8, LineageRow{"RESIDENT Facts;", "LOAD Key, Sum(Amount) AS Total RESIDENT Facts GROUP BY Key;"})
	add(4, 12, LineageRow{"AUTOGENERATE(365);", "LOAD Date(Today() - RecNo()) AS Date AUTOGENERATE 365;"})
	add(5, 16, LineageRow{"LIB CONNECT TO 'CRM REST';", `RestConnectorMasterTable: SQL SELECT "id", "name" FROM JSON (wrap on) "root" WITH CONNECTION (URL "https://crm.example.com/api/v2/accounts?access_token=` + sec[3] + `", HTTPHEADER "Authorization" "Bearer ` + sec[4] + `");`})
	add(10, 20, LineageRow{"[https://data.example.org/fx/eurofxref.csv?apikey=" + sec[5] + "](txt, utf8, embedded labels, delimiter is ',')", "LOAD Currency, Rate FROM [https://data.example.org/fx/eurofxref.csv?apikey=" + sec[5] + "] (txt, utf8, embedded labels, delimiter is ',');"})
	add(15, 24, LineageRow{"OLEDB CONNECT32 TO [Provider=SQLOLEDB.1;Persist Security Info=True;User ID=qlik_etl;Password=" + sec[1] + ";Initial Catalog=Legacy;Data Source=sql02.corp.example.com];", "SQL SELECT * FROM dbo.LegacyOrders;"})
	add(12, 28, LineageRow{"ODBC CONNECT TO [DSN=Warehouse;UID=etl_reader;PWD=" + sec[0] + "];", "SQL SELECT * FROM dbo.Stock;"})
	add(20, 32, LineageRow{"EXTENSION", "LOAD Key, Score EXTENSION PythonSSE.Score(Facts{Key, Amount});"})
	add(9, 36, LineageRow{`[\\fileserver01\exports\` + strings.ToLower(table) + `.csv](txt, utf8, embedded labels, delimiter is ';')`, `LOAD * FROM [\\fileserver01\exports\` + strings.ToLower(table) + `.csv] (txt, utf8, embedded labels, delimiter is ';');`})
	if g.GenStoresQVD(ge.app) {
		q := GenQVD(ge.app)
		rows = append(rows, LineageRow{"STORE - [" + q + "] (qvd)", "STORE Facts INTO [" + q + "] (qvd);"})
	}
	return rows
}
