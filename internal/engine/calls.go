package engine

import (
	"context"
	"fmt"
)

// The typed calls a catalog makes, with named parameters as the Engine
// API documents them. Each returns what [Conn.Call] returns on failure.

// OpenDoc opens the app (Global.OpenDoc) and returns the handle of its
// Doc. noData opens it without loading its data: enough for objects,
// properties and lineage, and cheap for the server. An app the session
// already has open answers [CodeAppAlreadyOpen]; see [Conn.GetActiveDoc].
func (c *Conn) OpenDoc(ctx context.Context, appID string, noData bool) (int, error) {
	params := struct {
		DocName string `json:"qDocName"`
		NoData  bool   `json:"qNoData"`
	}{appID, noData}
	var r struct {
		Return ObjectRef `json:"qReturn"`
	}
	if err := c.Call(ctx, GlobalHandle, "OpenDoc", params, &r); err != nil {
		return 0, err
	}
	return r.Return.handle("OpenDoc", appID)
}

// GetActiveDoc returns the handle of the Doc the session has open.
func (c *Conn) GetActiveDoc(ctx context.Context) (int, error) {
	var r struct {
		Return ObjectRef `json:"qReturn"`
	}
	if err := c.Call(ctx, GlobalHandle, "GetActiveDoc", nil, &r); err != nil {
		return 0, err
	}
	return r.Return.handle("GetActiveDoc", "")
}

// GetObjects lists the app's objects of the given types (Doc.GetObjects),
// e.g. "sheet" or "masterobject".
func (c *Conn) GetObjects(ctx context.Context, doc int, types ...string) ([]ObjectEntry, error) {
	if types == nil {
		types = []string{}
	}
	type options struct {
		Types []string `json:"qTypes"`
	}
	params := struct {
		Options options `json:"qOptions"`
	}{options{types}}
	var r struct {
		List []ObjectEntry `json:"qList"`
	}
	err := c.Call(ctx, doc, "GetObjects", params, &r)
	return r.List, err
}

// GetAllInfos lists the id and type of every object of the app
// (Doc.GetAllInfos), master dimensions and measures included.
func (c *Conn) GetAllInfos(ctx context.Context, doc int) ([]Info, error) {
	var r struct {
		Infos []Info `json:"qInfos"`
	}
	err := c.Call(ctx, doc, "GetAllInfos", nil, &r)
	return r.Infos, err
}

// GetObject opens a generic object of the app by id (Doc.GetObject) and
// returns its handle; an id the app lacks is [ErrObjectNotFound].
func (c *Conn) GetObject(ctx context.Context, doc int, id string) (int, error) {
	return c.getHandle(ctx, doc, "GetObject", id)
}

// GetChild opens a child of a generic object (GenericObject.GetChild).
func (c *Conn) GetChild(ctx context.Context, parent int, id string) (int, error) {
	return c.getHandle(ctx, parent, "GetChild", id)
}

// GetDimension opens a master dimension (Doc.GetDimension).
func (c *Conn) GetDimension(ctx context.Context, doc int, id string) (int, error) {
	return c.getHandle(ctx, doc, "GetDimension", id)
}

// GetMeasure opens a master measure (Doc.GetMeasure).
func (c *Conn) GetMeasure(ctx context.Context, doc int, id string) (int, error) {
	return c.getHandle(ctx, doc, "GetMeasure", id)
}

func (c *Conn) getHandle(ctx context.Context, h int, method, id string) (int, error) {
	params := struct {
		ID string `json:"qId"`
	}{id}
	var r struct {
		Return ObjectRef `json:"qReturn"`
	}
	if err := c.Call(ctx, h, method, params, &r); err != nil {
		return 0, err
	}
	return r.Return.handle(method, id)
}

// GetLayout returns the layout of the object with handle h.
func (c *Conn) GetLayout(ctx context.Context, h int) (*Layout, error) {
	var r struct {
		Layout *Layout `json:"qLayout"`
	}
	if err := c.Call(ctx, h, "GetLayout", nil, &r); err != nil {
		return nil, err
	}
	if r.Layout == nil {
		return nil, errorf("GetLayout: the answer has no qLayout")
	}
	return r.Layout, nil
}

// GetProperties returns the properties of the object with handle h.
func (c *Conn) GetProperties(ctx context.Context, h int) (*Properties, error) {
	var r struct {
		Prop *Properties `json:"qProp"`
	}
	if err := c.Call(ctx, h, "GetProperties", nil, &r); err != nil {
		return nil, err
	}
	if r.Prop == nil {
		return nil, errorf("GetProperties: the answer has no qProp")
	}
	return r.Prop, nil
}

// GetFullPropertyTree returns the properties of the object with handle h
// and of all its children, in one call.
func (c *Conn) GetFullPropertyTree(ctx context.Context, h int) (*PropertyTree, error) {
	var r struct {
		Entry *PropertyTree `json:"qPropEntry"`
	}
	if err := c.Call(ctx, h, "GetFullPropertyTree", nil, &r); err != nil {
		return nil, err
	}
	if r.Entry == nil {
		return nil, errorf("GetFullPropertyTree: the answer has no qPropEntry")
	}
	return r.Entry, nil
}

// GetLineage returns the app's lineage from its last reload
// (Doc.GetLineage). Without the reload right on the app the Engine
// answers [CodeAccessDenied]; an app never reloaded has none.
func (c *Conn) GetLineage(ctx context.Context, doc int) ([]Lineage, error) {
	var r struct {
		Lineage []Lineage `json:"qLineage"`
	}
	err := c.Call(ctx, doc, "GetLineage", nil, &r)
	return r.Lineage, err
}

func (r ObjectRef) handle(method, id string) (int, error) {
	if r.Handle == nil {
		if id == "" {
			return 0, fmt.Errorf("%w: %s answered no handle", ErrObjectNotFound, method)
		}
		return 0, fmt.Errorf("%w: %s %q", ErrObjectNotFound, method, clean(id, 80))
	}
	return *r.Handle, nil
}
