package testserver

// The JSON the Engine answers for an app's objects: lists, layouts,
// properties and property trees of sheets, charts and master items, shaped
// as the Engine API documents them (engine_rpc.go serves them).

func (a *EngineApp) sheet(id string) *EngineSheet {
	for i := range a.Sheets {
		if a.Sheets[i].ID == id {
			return &a.Sheets[i]
		}
	}
	return nil
}

func (a *EngineApp) object(id string) *EngineObject {
	for i := range a.Objects {
		if a.Objects[i].ID == id {
			return &a.Objects[i]
		}
	}
	return nil
}

// childIDs are the ids of an object's children: a sheet's cells, a
// container's children.
func (a *EngineApp) childIDs(h *handleObj) []string {
	if h.sheet != nil {
		ids := make([]string, 0, len(h.sheet.Cells))
		for _, c := range h.sheet.Cells {
			ids = append(ids, c.Name)
		}
		return ids
	}
	if h.obj != nil {
		return h.obj.Children
	}
	return nil
}

func meta(title, description string) map[string]any {
	return map[string]any{"title": title, "description": description, "tags": []string{}}
}

func objectList(app *EngineApp, types []string) []map[string]any {
	want := func(t string) bool {
		if len(types) == 0 {
			return true
		}
		for _, w := range types {
			if w == t {
				return true
			}
		}
		return false
	}
	out := []map[string]any{}
	if want("sheet") {
		for _, sh := range app.Sheets {
			out = append(out, map[string]any{
				"qInfo": map[string]any{"qId": sh.ID, "qType": "sheet"},
				"qMeta": meta(sh.Title, sh.Description),
				"qData": map[string]any{},
			})
		}
	}
	for _, o := range app.Objects {
		if want(o.Type) {
			out = append(out, map[string]any{
				"qInfo": map[string]any{"qId": o.ID, "qType": o.Type},
				"qMeta": meta(o.Title, o.Description),
				"qData": map[string]any{},
			})
		}
	}
	return out
}

func allInfos(app *EngineApp) []map[string]any {
	out := []map[string]any{}
	for _, sh := range app.Sheets {
		out = append(out, map[string]any{"qId": sh.ID, "qType": "sheet"})
	}
	for _, o := range app.Objects {
		out = append(out, map[string]any{"qId": o.ID, "qType": o.Type})
	}
	for _, d := range app.Dimensions {
		out = append(out, map[string]any{"qId": d.ID, "qType": "dimension"})
	}
	for _, m := range app.Measures {
		out = append(out, map[string]any{"qId": m.ID, "qType": "measure"})
	}
	return out
}

func cellsJSON(cells []EngineCell) []map[string]any {
	out := make([]map[string]any, 0, len(cells))
	for _, c := range cells {
		out = append(out, map[string]any{"name": c.Name, "type": c.Type, "col": c.Col, "row": c.Row, "colspan": c.Colspan, "rowspan": c.Rowspan, "bounds": map[string]any{}})
	}
	return out
}

func sheetLayout(app *EngineApp, sh *EngineSheet) map[string]any {
	items := []map[string]any{}
	for _, c := range sh.Cells {
		o := app.object(c.Name)
		if o == nil {
			continue
		}
		items = append(items, map[string]any{
			"qInfo": map[string]any{"qId": o.ID, "qType": o.Type},
			"qData": map[string]any{"title": o.Title},
		})
	}
	return map[string]any{
		"qInfo":          map[string]any{"qId": sh.ID, "qType": "sheet"},
		"qMeta":          meta(sh.Title, sh.Description),
		"qSelectionInfo": map[string]any{},
		"title":          sh.Title,
		"description":    sh.Description,
		"rank":           0,
		"columns":        24,
		"rows":           12,
		"cells":          cellsJSON(sh.Cells),
		"qChildList":     map[string]any{"qItems": items},
	}
}

func sheetProperties(sh *EngineSheet) map[string]any {
	return map[string]any{
		"qInfo":         map[string]any{"qId": sh.ID, "qType": "sheet"},
		"qMetaDef":      map[string]any{"title": sh.Title, "description": sh.Description},
		"title":         sh.Title,
		"description":   sh.Description,
		"cells":         cellsJSON(sh.Cells),
		"qChildListDef": map[string]any{"qData": map[string]any{"title": "/title"}},
	}
}

func (o *EngineObject) visualization() string {
	if o.Visualization != "" {
		return o.Visualization
	}
	return o.Type
}

func (o *EngineObject) hasCube() bool { return len(o.Dimensions) > 0 || len(o.Measures) > 0 }

// objectLayout is a chart's layout: the hypercube's column titles are the
// labels, else the master item's title, else the field or expression.
func (a *EngineApp) objectLayout(o *EngineObject) map[string]any {
	l := map[string]any{
		"qInfo":          map[string]any{"qId": o.ID, "qType": o.Type},
		"qMeta":          meta(o.Title, o.Description),
		"qSelectionInfo": map[string]any{},
		"title":          o.Title,
		"subtitle":       o.Subtitle,
		"footnote":       "",
		"visualization":  o.visualization(),
		"showTitles":     true,
	}
	if o.ExtendsID != "" {
		l["qExtendsId"] = o.ExtendsID
	}
	if o.hasCube() {
		dims := []map[string]any{}
		for _, d := range o.Dimensions {
			title, fields := d.Label, d.Fields
			if d.LibraryID != "" {
				if md := a.dimension(d.LibraryID); md != nil {
					fields = md.Fields
					if title == "" {
						title = md.Title
					}
				}
			}
			if title == "" && len(fields) > 0 {
				title = fields[0]
			}
			info := map[string]any{"qFallbackTitle": title, "qGroupFieldDefs": nonNil(fields), "qApprMaxGlyphCount": 12, "qCardinal": 0, "qSortIndicator": "A", "qMin": "NaN", "qMax": "NaN", "qTags": []string{}}
			if d.LibraryID != "" {
				info["qLibraryId"] = d.LibraryID
			}
			dims = append(dims, info)
		}
		meas := []map[string]any{}
		for _, m := range o.Measures {
			title, expr := m.Label, m.Expression
			if m.LibraryID != "" {
				if mm := a.measure(m.LibraryID); mm != nil {
					expr = mm.Expression
					if title == "" {
						title = mm.Title
					}
				}
			}
			if title == "" {
				title = expr
			}
			info := map[string]any{"qFallbackTitle": title, "qApprMaxGlyphCount": 8, "qCardinal": 0, "qSortIndicator": "D", "qMin": 0, "qMax": 0}
			if m.LibraryID != "" {
				info["qLibraryId"] = m.LibraryID
			}
			meas = append(meas, info)
		}
		l["qHyperCube"] = map[string]any{
			"qSize":          map[string]any{"qcx": len(dims) + len(meas), "qcy": 0},
			"qDimensionInfo": dims,
			"qMeasureInfo":   meas,
			"qDataPages":     []any{},
			"qMode":          "S",
		}
	}
	if len(o.Children) > 0 {
		items := []map[string]any{}
		for _, id := range o.Children {
			if c := a.object(id); c != nil {
				items = append(items, map[string]any{"qInfo": map[string]any{"qId": c.ID, "qType": c.Type}, "qData": map[string]any{"title": c.Title}})
			}
		}
		l["qChildList"] = map[string]any{"qItems": items}
	}
	return l
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (a *EngineApp) dimension(id string) *MasterDimension {
	for i := range a.Dimensions {
		if a.Dimensions[i].ID == id {
			return &a.Dimensions[i]
		}
	}
	return nil
}

func (a *EngineApp) measure(id string) *MasterMeasure {
	for i := range a.Measures {
		if a.Measures[i].ID == id {
			return &a.Measures[i]
		}
	}
	return nil
}

func objectProperties(o *EngineObject) map[string]any {
	p := map[string]any{
		"qInfo":         map[string]any{"qId": o.ID, "qType": o.Type},
		"qMetaDef":      map[string]any{"title": o.Title, "description": o.Description},
		"title":         o.Title,
		"subtitle":      o.Subtitle,
		"visualization": o.visualization(),
	}
	if o.ExtendsID != "" {
		p["qExtendsId"] = o.ExtendsID
	}
	if o.hasCube() {
		dims := []map[string]any{}
		for _, d := range o.Dimensions {
			def := map[string]any{"qGrouping": "N", "qFieldDefs": nonNil(d.Fields), "qFieldLabels": labels(d.Label, len(d.Fields)), "qSortCriterias": []any{}}
			dims = append(dims, map[string]any{"qLibraryId": d.LibraryID, "qDef": def, "qNullSuppression": false})
		}
		meas := []map[string]any{}
		for _, m := range o.Measures {
			meas = append(meas, map[string]any{"qLibraryId": m.LibraryID, "qDef": map[string]any{"qLabel": m.Label, "qDef": m.Expression, "qGrouping": "N"}})
		}
		p["qHyperCubeDef"] = map[string]any{"qDimensions": dims, "qMeasures": meas, "qInitialDataFetch": []any{}}
	}
	if len(o.Children) > 0 {
		p["qChildListDef"] = map[string]any{"qData": map[string]any{"title": "/title"}}
	}
	return p
}

func labels(label string, n int) []string {
	out := make([]string, max(n, 1))
	out[0] = label
	return out
}

// propertyTree is GetFullPropertyTree's qPropEntry: the object's
// properties and, depth first, its children's.
func (a *EngineApp) propertyTree(h *handleObj, depth int) map[string]any {
	var props map[string]any
	switch {
	case h.sheet != nil:
		props = sheetProperties(h.sheet)
	case h.obj != nil:
		props = objectProperties(h.obj)
	default:
		props = map[string]any{}
	}
	children := []map[string]any{}
	if depth < 8 { // containers nest; a cycle in the data must not loop
		for _, id := range a.childIDs(h) {
			if o := a.object(id); o != nil {
				children = append(children, a.propertyTree(&handleObj{obj: o}, depth+1))
			}
		}
	}
	return map[string]any{"qProperty": props, "qChildren": children, "qEmbeddedSnapshotRef": nil}
}

func grouping(g string) string {
	if g == "" {
		return "N"
	}
	return g
}

func dimensionDef(d *MasterDimension) map[string]any {
	lbls := d.Labels
	if len(lbls) == 0 {
		lbls = make([]string, len(d.Fields))
	}
	return map[string]any{"qGrouping": grouping(d.Grouping), "qFieldDefs": nonNil(d.Fields), "qFieldLabels": lbls, "title": d.Title}
}

func dimensionProperties(d *MasterDimension) map[string]any {
	return map[string]any{
		"qInfo":    map[string]any{"qId": d.ID, "qType": "dimension"},
		"qDim":     dimensionDef(d),
		"qMetaDef": map[string]any{"title": d.Title, "description": d.Description, "tags": []string{}},
	}
}

func dimensionLayout(d *MasterDimension) map[string]any {
	infos := []map[string]any{}
	for _, f := range d.Fields {
		infos = append(infos, map[string]any{"qFallbackTitle": f, "qGroupFieldDefs": []string{f}})
	}
	return map[string]any{
		"qInfo":     map[string]any{"qId": d.ID, "qType": "dimension"},
		"qMeta":     meta(d.Title, d.Description),
		"qDim":      dimensionDef(d),
		"qDimInfos": infos,
	}
}

func measureDef(m *MasterMeasure) map[string]any {
	return map[string]any{"qLabel": m.Label, "qDef": m.Expression, "qGrouping": "N", "qExpressions": []string{}, "qActiveExpression": 0}
}

func measureProperties(m *MasterMeasure) map[string]any {
	return map[string]any{
		"qInfo":    map[string]any{"qId": m.ID, "qType": "measure"},
		"qMeasure": measureDef(m),
		"qMetaDef": map[string]any{"title": m.Title, "description": m.Description, "tags": []string{}},
	}
}

func measureLayout(m *MasterMeasure) map[string]any {
	return map[string]any{
		"qInfo":    map[string]any{"qId": m.ID, "qType": "measure"},
		"qMeta":    meta(m.Title, m.Description),
		"qMeasure": measureDef(m),
	}
}
