package engine_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/qrskit/qrs/internal/engine"
	"github.com/qrskit/qrs/internal/testserver"
)

func TestGetObjectsAndSheetLayout(t *testing.T) {
	t.Parallel()
	_, c, doc := openDemo(t, appSales, engine.Options{})
	ctx := testContext(t)
	sheets, err := c.GetObjects(ctx, doc, "sheet")
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, s := range sheets {
		if s.Info.Type != "sheet" {
			t.Errorf("GetObjects(sheet) listed a %q", s.Info.Type)
		}
		titles = append(titles, string(s.Meta.Title))
	}
	want := []string{"Overview", "Revenue by Region", "Margin Trends", "Top 10 Customers (José)", "Nordics deep dive", "My new sheet"}
	if !slices.Equal(titles, want) {
		t.Errorf("sheet titles %q, want %q", titles, want)
	}

	h, err := c.GetObject(ctx, doc, "DgZcrtM")
	if err != nil {
		t.Fatal(err)
	}
	l, err := c.GetLayout(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	if l.Info.ID != "DgZcrtM" || l.Info.Type != "sheet" || string(l.Meta.Title) != "Overview" {
		t.Errorf("sheet layout info %+v, meta %+v", l.Info, l.Meta)
	}
	wantCells := []engine.Cell{
		{Name: "GARDzcx", Type: "barchart", Col: 0, Row: 0, Colspan: 12, Rowspan: 6},
		{Name: "cAEYbQh", Type: "kpi", Col: 12, Row: 0, Colspan: 12, Rowspan: 6},
		{Name: "sAlFp01", Type: "filterpane", Col: 0, Row: 6, Colspan: 8, Rowspan: 6},
		{Name: "sAlTx01", Type: "text-image", Col: 8, Row: 6, Colspan: 8, Rowspan: 6},
		{Name: "sAlCn01", Type: "container", Col: 16, Row: 6, Colspan: 8, Rowspan: 6},
	}
	if !slices.Equal(l.Cells, wantCells) {
		t.Errorf("cells\n got %+v\nwant %+v", l.Cells, wantCells)
	}
	if l.ChildList == nil || len(l.ChildList.Items) != 5 {
		t.Fatalf("qChildList %+v", l.ChildList)
	}
	if it := l.ChildList.Items[0]; it.Info.ID != "GARDzcx" || it.Info.Type != "barchart" || it.Data.Title != "Revenue by Region" {
		t.Errorf("first child %+v", it)
	}
}

func TestChartLayoutAndProperties(t *testing.T) {
	t.Parallel()
	_, c, doc := openDemo(t, appSupply, engine.Options{})
	ctx := testContext(t)
	sheet, err := c.GetObject(ctx, doc, "bgjSsIe")
	if err != nil {
		t.Fatal(err)
	}
	h, err := c.GetChild(ctx, sheet, "sScTm01")
	if err != nil {
		t.Fatal(err)
	}
	l, err := c.GetLayout(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	if l.Visualization != "treemap" || l.Title != "Volume by supplier and carrier" || l.HyperCube == nil {
		t.Fatalf("layout %+v", l)
	}
	// A master dimension's column is titled by the master item.
	var dims, meas []string
	for _, d := range l.HyperCube.DimensionInfo {
		dims = append(dims, d.FallbackTitle)
	}
	for _, m := range l.HyperCube.MeasureInfo {
		meas = append(meas, m.FallbackTitle)
	}
	if !slices.Equal(dims, []string{"Supplier", "CarrierName"}) || !slices.Equal(meas, []string{"Volume"}) {
		t.Errorf("dimension titles %q, measure titles %q", dims, meas)
	}
	if got := l.HyperCube.DimensionInfo[0]; got.LibraryID != "xdoOjno" || !slices.Equal(got.GroupFieldDefs, []string{"SupplierName"}) {
		t.Errorf("master dimension column %+v", got)
	}

	p, err := c.GetProperties(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	if p.HyperCubeDef == nil || len(p.HyperCubeDef.Dimensions) != 2 || len(p.HyperCubeDef.Measures) != 1 {
		t.Fatalf("properties %+v", p)
	}
	if d := p.HyperCubeDef.Dimensions; d[0].LibraryID != "xdoOjno" || !slices.Equal(d[1].Def.FieldDefs, []string{"CarrierName"}) {
		t.Errorf("dimension defs %+v", d)
	}
	if m := p.HyperCubeDef.Measures[0]; m.Def.Def != "Sum(InboundQty)" || m.Def.Label != "Volume" {
		t.Errorf("measure def %+v", m)
	}

	// A chart of another sheet is not this sheet's child.
	if _, err := c.GetChild(ctx, sheet, "tlWTtwe"); !errors.Is(err, engine.ErrObjectNotFound) {
		t.Errorf("GetChild of another sheet's chart: %v", err)
	}
	if _, err := c.GetObject(ctx, doc, "noSuchId"); !errors.Is(err, engine.ErrObjectNotFound) {
		t.Errorf("GetObject of an unknown id: %v", err)
	}
}

func TestObjectsWithoutHypercube(t *testing.T) {
	t.Parallel()
	_, c, doc := openDemo(t, appSales, engine.Options{})
	ctx := testContext(t)
	for _, tc := range []struct {
		id, viz  string
		children []string
	}{
		{"sAlFp01", "filterpane", nil},
		{"sAlTx01", "text-image", nil},
		{"sAlCn01", "container", []string{"sAlLn01", "sAlTb01"}},
	} {
		h, err := c.GetObject(ctx, doc, tc.id)
		if err != nil {
			t.Fatal(err)
		}
		l, err := c.GetLayout(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		if l.Visualization != tc.viz || l.Info.Type != tc.viz || l.HyperCube != nil {
			t.Errorf("%s: visualization %q, type %q, hypercube %v", tc.id, l.Visualization, l.Info.Type, l.HyperCube)
		}
		var kids []string
		if l.ChildList != nil {
			for _, it := range l.ChildList.Items {
				kids = append(kids, it.Info.ID)
			}
		}
		if !slices.Equal(kids, tc.children) {
			t.Errorf("%s: children %q, want %q", tc.id, kids, tc.children)
		}
	}
	// The container's table has an empty title and two dimensions.
	cont, _ := c.GetObject(ctx, doc, "sAlCn01")
	tb, err := c.GetChild(ctx, cont, "sAlTb01")
	if err != nil {
		t.Fatal(err)
	}
	l, err := c.GetLayout(ctx, tb)
	if err != nil {
		t.Fatal(err)
	}
	if l.Title != "" || l.HyperCube == nil || len(l.HyperCube.DimensionInfo) != 2 {
		t.Errorf("container's table: %+v", l)
	}
}

func TestFullPropertyTree(t *testing.T) {
	t.Parallel()
	_, c, doc := openDemo(t, appSales, engine.Options{})
	ctx := testContext(t)
	h, err := c.GetObject(ctx, doc, "DgZcrtM")
	if err != nil {
		t.Fatal(err)
	}
	tree, err := c.GetFullPropertyTree(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	if tree.Property.Info.ID != "DgZcrtM" || len(tree.Children) != 5 {
		t.Fatalf("tree root %+v with %d children", tree.Property.Info, len(tree.Children))
	}
	kpi := tree.Children[1].Property
	if kpi.Visualization != "kpi" || kpi.HyperCubeDef == nil || len(kpi.HyperCubeDef.Measures) != 1 {
		t.Errorf("kpi properties %+v", kpi)
	}
	if got := kpi.HyperCubeDef.Measures[0].Def.Def; got != `Sum({<OrderDate={">=$(=YearStart(Today()))"}>} NetAmount)` {
		t.Errorf("kpi expression %q", got)
	}
	container := tree.Children[4]
	if container.Property.Visualization != "container" || len(container.Children) != 2 || container.Children[0].Property.Visualization != "linechart" {
		t.Errorf("container in the tree: %+v", container)
	}
}

func TestMasterItems(t *testing.T) {
	t.Parallel()
	_, c, doc := openDemo(t, appSupply, engine.Options{})
	ctx := testContext(t)
	infos, err := c.GetAllInfos(ctx, doc)
	if err != nil {
		t.Fatal(err)
	}
	var dims, meas []string
	for _, in := range infos {
		switch in.Type {
		case "dimension":
			dims = append(dims, in.ID)
		case "measure":
			meas = append(meas, in.ID)
		}
	}
	if !slices.Equal(dims, []string{"xdoOjno"}) || !slices.Equal(meas, []string{"GvjHIKT"}) {
		t.Fatalf("master dimensions %q, measures %q", dims, meas)
	}
	dh, err := c.GetDimension(ctx, doc, "xdoOjno")
	if err != nil {
		t.Fatal(err)
	}
	dp, err := c.GetProperties(ctx, dh)
	if err != nil {
		t.Fatal(err)
	}
	if dp.Dim == nil || !slices.Equal(dp.Dim.FieldDefs, []string{"SupplierName"}) || dp.Dim.Grouping != "N" || dp.MetaDef.Title != "Supplier" {
		t.Errorf("master dimension properties %+v / %+v", dp, dp.Dim)
	}
	mh, err := c.GetMeasure(ctx, doc, "GvjHIKT")
	if err != nil {
		t.Fatal(err)
	}
	ml, err := c.GetLayout(ctx, mh)
	if err != nil {
		t.Fatal(err)
	}
	if ml.Measure == nil || ml.Measure.Def != "Sum(InboundQty)" || ml.Measure.Label != "Inbound volume" || ml.Meta.Title != "Total Inbound Volume" {
		t.Errorf("master measure layout %+v / %+v", ml, ml.Measure)
	}
	if _, err := c.GetMeasure(ctx, doc, "xdoOjno"); !errors.Is(err, engine.ErrObjectNotFound) {
		t.Errorf("GetMeasure of a dimension's id: %v", err)
	}
}

func TestMasterVisualization(t *testing.T) {
	t.Parallel()
	_, c, doc := openDemo(t, appCustomer, engine.Options{})
	ctx := testContext(t)
	list, err := c.GetObjects(ctx, doc, "masterobject")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Info.ID != "iafbOtJ" || list[0].Meta.Title != "Revenue by segment" {
		t.Fatalf("master visualizations %+v", list)
	}
	h, err := c.GetObject(ctx, doc, "iafbOtJ")
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.GetProperties(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	if p.Info.Type != "masterobject" || p.Visualization != "barchart" || p.HyperCubeDef == nil || p.HyperCubeDef.Dimensions[0].Def.FieldDefs[0] != "Segment" {
		t.Errorf("master visualization properties %+v", p)
	}
	// The sheet's chart linked to it says so.
	sheet, _ := c.GetObject(ctx, doc, "a47479a8-19d8-412f-81e5-46f846a51f8a")
	ch, err := c.GetChild(ctx, sheet, "lOWHueB")
	if err != nil {
		t.Fatal(err)
	}
	cp, err := c.GetProperties(ctx, ch)
	if err != nil {
		t.Fatal(err)
	}
	if cp.ExtendsID != "iafbOtJ" {
		t.Errorf("linked chart's qExtendsId = %q", cp.ExtendsID)
	}
}

func TestLineage(t *testing.T) {
	t.Parallel()
	_, c, doc := openDemo(t, appFinance, engine.Options{})
	rows, err := c.GetLineage(testContext(t), doc)
	if err != nil {
		t.Fatal(err)
	}
	var discs []string
	for _, r := range rows {
		discs = append(discs, r.Discriminator)
	}
	want := []string{
		"LIB CONNECT TO 'SalesDB';",
		"ODBC CONNECT32 TO [SalesDB] (XUserId is QbdNcRNMBLYKXUIGTB, XPassword is XPass-Legacy-4410);",
		"[lib://Data/Budget/budget_2024.xlsx](ooxml, embedded labels, table is Budget)",
		"INLINE;",
		"RESIDENT GLJournal;",
		"STORE - [lib://Data/Finance/actuals.qvd] (qvd)",
	}
	if !slices.Equal(discs, want) {
		t.Errorf("discriminators\n got %q\nwant %q", discs, want)
	}
	if rows[0].Statement == "" || rows[5].Statement != "STORE Actuals INTO [lib://Data/Finance/actuals.qvd] (qvd);" {
		t.Errorf("statements %+v", rows)
	}
}

func TestEngineErrors(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testserver.Config{Engine: testserver.EngineConfig{DenyLineage: []string{appSales}}})
	hc := httpClient(t, roots(t), "")
	tok, h := session(t, srv, hc)
	ctx := testContext(t)

	code := func(err error) int {
		var e *engine.Error
		if !errors.As(err, &e) {
			return 0
		}
		return e.Code
	}

	// An app the Engine does not have.
	c := dial(t, srv, hc, "00000000-1111-4222-8333-444444444444", tok, h, engine.Options{})
	_, err := c.OpenDoc(ctx, "00000000-1111-4222-8333-444444444444", true)
	if code(err) != engine.CodeAppNotFound {
		t.Errorf("OpenDoc of an unknown app: %v, want code %d", err, engine.CodeAppNotFound)
	}
	var e *engine.Error
	if errors.As(err, &e) && (e.Method != "OpenDoc" || e.Parameter != "00000000-1111-4222-8333-444444444444") {
		t.Errorf("error %+v", e)
	}

	// No reload right: in the data (Pricing Study) or by configuration.
	for _, app := range []string{appPricing, appSales} {
		c := dial(t, srv, hc, app, tok, h, engine.Options{})
		doc, err := c.OpenDoc(ctx, app, true)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.GetLineage(ctx, doc); code(err) != engine.CodeAccessDenied {
			t.Errorf("GetLineage of %s: %v, want access denied", app, err)
		}
		// The socket goes on.
		if _, err := c.GetObjects(ctx, doc, "sheet"); err != nil {
			t.Errorf("after access denied: %v", err)
		}
		// A second OpenDoc in the session.
		if _, err := c.OpenDoc(ctx, app, true); code(err) != engine.CodeAppAlreadyOpen {
			t.Errorf("second OpenDoc: %v, want app already open", err)
		}
		if h, err := c.GetActiveDoc(ctx); err != nil || h != doc {
			t.Errorf("GetActiveDoc = %d, %v; want %d", h, err, doc)
		}
		if err := c.Call(ctx, doc, "NoSuchMethod", nil, nil); code(err) != engine.CodeMethodNotFound {
			t.Errorf("unknown method: %v", err)
		}
		if err := c.Call(ctx, 999, "GetLayout", nil, nil); code(err) != engine.CodeInvalidParams {
			t.Errorf("unknown handle: %v", err)
		}
	}

	// Apps never reloaded have no lineage.
	c = dial(t, srv, hc, appOps, tok, h, engine.Options{})
	doc, err := c.OpenDoc(ctx, appOps, true)
	if err != nil {
		t.Fatal(err)
	}
	if rows, err := c.GetLineage(ctx, doc); err != nil || len(rows) != 0 {
		t.Errorf("lineage of a never reloaded app: %v, %v", rows, err)
	}
}

// TestAttachedSession opens a second socket of the same user to an app
// the first has open: the Engine attaches it to the same session, where
// OpenDoc answers app already open.
func TestAttachedSession(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testserver.Config{})
	hc := httpClient(t, roots(t), "")
	tok, h := session(t, srv, hc)
	ctx := testContext(t)
	first := dial(t, srv, hc, appKunden, tok, h, engine.Options{})
	if _, err := first.OpenDoc(ctx, appKunden, true); err != nil {
		t.Fatal(err)
	}
	second := dial(t, srv, hc, appKunden, tok, h, engine.Options{})
	_, err := second.OpenDoc(ctx, appKunden, true)
	var e *engine.Error
	if !errors.As(err, &e) || e.Code != engine.CodeAppAlreadyOpen {
		t.Fatalf("OpenDoc on an attached session: %v", err)
	}
	if got := second.SessionState(); got != "SESSION_ATTACHED" {
		t.Errorf("SessionState = %q", got)
	}
	first.Close()
	eventually(t, "the first socket closed", func() bool { return srv.EngineStats().SocketsClosed == 1 })
	third := dial(t, srv, hc, appKunden, tok, h, engine.Options{})
	if _, err := third.OpenDoc(ctx, appKunden, true); err != nil {
		t.Errorf("OpenDoc once the first socket is gone: %v", err)
	}
}
