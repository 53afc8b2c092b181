package testserver

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// The Engine's JSON-RPC 2.0 over one WebSocket, as Qlik's Engine API
// documents it: requests {jsonrpc, id, handle, method, params} with named
// (object) or positional (array) params; answers {jsonrpc, id, result} or
// {jsonrpc, id, error: {code, parameter, message}}; notifications
// {jsonrpc, method, params}, first OnConnected. Handle -1 is Global; OpenDoc
// gives the Doc a handle, and each Get call gives the object a handle (the
// same one for the same object on a socket). Requests are served
// concurrently, so answers may come out of order.

// Engine error codes the emulator answers with (see internal/engine for
// their sources).
const (
	rpcMethodNotFound = -32601
	rpcInvalidParams  = -32602
	rpcParseError     = -32700
	rpcInvalidRequest = -32600
	engAccessDenied   = 5
	engAppAlreadyOpen = 1002
	engAppNotFound    = 1003
)

// maxRequestBytes bounds one request, as a server must.
const maxRequestBytes = 1 << 20

// maxConcurrentCalls bounds the calls served at once on one socket.
const maxConcurrentCalls = 8

type rpcError struct {
	Code      int    `json:"code"`
	Parameter string `json:"parameter"`
	Message   string `json:"message"`
}

// socket is one Engine session.
type socket struct {
	s      *Server
	e      *engineState
	ws     *websocket.Conn
	tw     *trackedWriter
	appURL string // the app id of the URL
	user   string
	key    string // user + app + identity: what makes an Engine session
	faults []*EngineFault
	done   chan struct{} // closed when the socket ends
	span   socketSpan    // when it was in use; under e.mu

	mu      sync.Mutex
	matched []int // calls that matched each fault so far
	silent  bool  // a Silent fault has struck: nothing is answered any more
	doc     *EngineApp
	docID   string
	docKey  string // key of e.docs held while the doc is open
	handles map[int]*handleObj
	byKey   map[string]int
	next    int
}

// handleObj is what a handle points to.
type handleObj struct {
	typ   string // Doc, GenericObject, GenericDimension, GenericMeasure
	sheet *EngineSheet
	obj   *EngineObject
	dim   *MasterDimension
	meas  *MasterMeasure
}

func (s *Server) runSocket(w http.ResponseWriter, r *http.Request, appID, user, identity string) {
	e := s.engine
	tw := &trackedWriter{ResponseWriter: w, s: s}
	ws, err := websocket.Accept(tw, r, &websocket.AcceptOptions{
		// The proxy does not pass pings to the Engine: no pong comes back.
		OnPingReceived: func(context.Context, []byte) bool { return false },
	})
	if err != nil {
		return // Accept has answered
	}
	ws.SetReadLimit(maxRequestBytes)
	sk := &socket{
		s: s, e: e, ws: ws, tw: tw, appURL: appID, user: user,
		key:     strings.ToLower(user) + "\x00" + strings.ToLower(appID) + "\x00" + identity,
		faults:  e.takeFaults(appID),
		done:    make(chan struct{}),
		handles: map[int]*handleObj{},
		byKey:   map[string]int{},
		next:    1,
	}
	sk.matched = make([]int, len(sk.faults))
	e.mu.Lock()
	e.stats.SocketsOpened++
	e.stats.Apps[appID]++
	e.seq++
	sk.span = socketSpan{e.seq, e.seq}
	e.mu.Unlock()
	defer func() {
		sk.closeDoc()
		_ = ws.CloseNow()
		if tw.conn != nil {
			s.release(tw.conn)
		}
		e.mu.Lock()
		e.stats.SocketsClosed++
		e.spans = append(e.spans, sk.span)
		e.mu.Unlock()
	}()
	state := "SESSION_CREATED"
	if e.sessionOpen(sk.key) {
		state = "SESSION_ATTACHED"
	}
	ctx := context.Background()
	sk.send(ctx, map[string]any{"jsonrpc": "2.0", "method": "OnConnected", "params": map[string]any{"qSessionState": state}})

	var wg sync.WaitGroup
	slots := make(chan struct{}, maxConcurrentCalls)
	for {
		typ, data, err := ws.Read(ctx)
		if err != nil {
			break
		}
		if typ != websocket.MessageText {
			sk.send(ctx, errorAnswer(nil, rpcParseError, "", "Parse error"))
			continue
		}
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			sk.serveCall(ctx, data)
		}()
	}
	// Calls held by a Delay fault end with the socket.
	close(sk.done)
	wg.Wait()
}

// sessionOpen reports whether another live socket of the same Engine
// session has an app open.
func (e *engineState) sessionOpen(key string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.docs[key] > 0
}

func (sk *socket) closeDoc() {
	sk.mu.Lock()
	key := sk.docKey
	sk.docKey = ""
	sk.mu.Unlock()
	if key != "" {
		sk.e.mu.Lock()
		if sk.e.docs[key]--; sk.e.docs[key] <= 0 {
			delete(sk.e.docs, key)
		}
		sk.e.mu.Unlock()
	}
}

func (sk *socket) send(ctx context.Context, msg any) {
	b, err := json.Marshal(msg)
	if err != nil {
		return
	}
	// Numbered before it is written: the client cannot have it earlier.
	sk.e.mu.Lock()
	sk.e.seq++
	sk.span.to = sk.e.seq
	sk.e.mu.Unlock()
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_ = sk.ws.Write(wctx, websocket.MessageText, b)
}

type rpcRequest struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Handle  *int            `json:"handle"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
}

func errorAnswer(id json.RawMessage, code int, param, msg string) map[string]any {
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	return map[string]any{"jsonrpc": "2.0", "id": id, "error": rpcError{Code: code, Parameter: param, Message: msg}}
}

func (sk *socket) serveCall(ctx context.Context, data []byte) {
	var req rpcRequest
	if err := json.Unmarshal(data, &req); err != nil {
		sk.answer(ctx, errorAnswer(nil, rpcParseError, "", "Parse error"))
		return
	}
	if req.JSONRPC != "2.0" || req.Method == "" || req.Handle == nil || len(req.ID) == 0 {
		sk.answer(ctx, errorAnswer(req.ID, rpcInvalidRequest, "", "Invalid request"))
		return
	}
	sk.mu.Lock()
	h := sk.handles[*req.Handle]
	sk.mu.Unlock()
	typ := "?"
	switch {
	case *req.Handle == -1:
		typ = "Global"
	case h != nil:
		typ = h.typ
	}
	sk.e.count(func(st *EngineStats) { st.Calls[typ+"."+req.Method]++ })

	if !sk.faultStrikes(ctx, req.Method) {
		return
	}
	if typ == "?" {
		sk.answer(ctx, errorAnswer(req.ID, rpcInvalidParams, "Invalid handle", "Invalid Params"))
		return
	}
	p := params{raw: req.Params}
	result, rerr := sk.call(typ, h, req.Method, p)
	if rerr != nil {
		sk.answer(ctx, errorAnswer(req.ID, rerr.Code, rerr.Parameter, rerr.Message))
		return
	}
	sk.answer(ctx, map[string]any{"jsonrpc": "2.0", "id": req.ID, "result": result})
}

// faultStrikes applies the socket's faults to a call about to be served
// and reports whether the call is to be answered.
func (sk *socket) faultStrikes(ctx context.Context, method string) bool {
	sk.mu.Lock()
	if sk.silent {
		sk.mu.Unlock()
		return false
	}
	var f *EngineFault
	for i, c := range sk.faults {
		if c.Method != "" && c.Method != method {
			continue
		}
		sk.matched[i]++
		if sk.matched[i] > c.After {
			f = c
		}
		break
	}
	if f != nil && f.Silent {
		sk.silent = true
	}
	sk.mu.Unlock()
	switch {
	case f == nil:
		return true
	case f.Silent:
		return false
	case f.Drop:
		if sk.tw.conn != nil {
			resetConn(sk.tw.conn)
		}
		return false
	case f.Delay > 0:
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-sk.done:
			return false
		case <-sk.s.closing:
			return false
		}
	}
	return true
}

// answer sends an answer unless the socket has fallen silent meanwhile.
func (sk *socket) answer(ctx context.Context, msg any) {
	sk.mu.Lock()
	silent := sk.silent
	sk.mu.Unlock()
	if !silent {
		sk.send(ctx, msg)
	}
}

// params reads named (object) or positional (array) parameters.
type params struct {
	raw   json.RawMessage
	obj   map[string]json.RawMessage
	arr   []json.RawMessage
	ready bool
}

func (p *params) get(name string, pos int) (json.RawMessage, bool) {
	if !p.ready {
		p.ready = true
		t := strings.TrimSpace(string(p.raw))
		switch {
		case strings.HasPrefix(t, "{"):
			_ = json.Unmarshal(p.raw, &p.obj)
		case strings.HasPrefix(t, "["):
			_ = json.Unmarshal(p.raw, &p.arr)
		}
	}
	if v, ok := p.obj[name]; ok {
		return v, true
	}
	if pos < len(p.arr) {
		return p.arr[pos], true
	}
	return nil, false
}

func (p *params) str(name string, pos int) (string, *rpcError) {
	v, ok := p.get(name, pos)
	if !ok {
		return "", &rpcError{Code: rpcInvalidParams, Parameter: "Missing parameter: " + name, Message: "Invalid Params"}
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", &rpcError{Code: rpcInvalidParams, Parameter: "Invalid parameter: " + name, Message: "Invalid Params"}
	}
	return s, nil
}

func (p *params) boolean(name string, pos int) bool {
	v, ok := p.get(name, pos)
	var b bool
	if ok {
		_ = json.Unmarshal(v, &b)
	}
	return b
}

// call serves one method on an object of type typ.
func (sk *socket) call(typ string, h *handleObj, method string, p params) (any, *rpcError) {
	notFound := &rpcError{Code: rpcMethodNotFound, Parameter: method, Message: "Method not found"}
	switch typ {
	case "Global":
		switch method {
		case "OpenDoc":
			return sk.openDoc(&p)
		case "GetActiveDoc":
			return sk.activeDoc()
		case "EngineVersion":
			return map[string]any{"qVersion": map[string]any{"qComponentVersion": "12.1306.0"}}, nil
		}
	case "Doc":
		return sk.docCall(method, &p, notFound)
	case "GenericObject":
		return sk.objectCall(h, method, &p, notFound)
	case "GenericDimension":
		switch method {
		case "GetLayout":
			return map[string]any{"qLayout": dimensionLayout(h.dim)}, nil
		case "GetProperties":
			return map[string]any{"qProp": dimensionProperties(h.dim)}, nil
		}
	case "GenericMeasure":
		switch method {
		case "GetLayout":
			return map[string]any{"qLayout": measureLayout(h.meas)}, nil
		case "GetProperties":
			return map[string]any{"qProp": measureProperties(h.meas)}, nil
		}
	}
	return nil, notFound
}

func returnRef(typ string, handle int, genericType, genericID string) map[string]any {
	ref := map[string]any{"qType": typ, "qHandle": handle, "qGenericId": genericID}
	if genericType != "" {
		ref["qGenericType"] = genericType
	}
	return map[string]any{"qReturn": ref}
}

// noObject is the Engine's answer to a Get of an id the app lacks: a
// reference without a handle.
func noObject(typ string) map[string]any {
	return map[string]any{"qReturn": map[string]any{"qType": typ, "qHandle": nil, "qGenericType": nil, "qGenericId": nil}}
}

func (sk *socket) openDoc(p *params) (any, *rpcError) {
	name, perr := p.str("qDocName", 0)
	if perr != nil {
		return nil, perr
	}
	noData := p.boolean("qNoData", 4)
	sk.mu.Lock()
	open := sk.doc != nil
	sk.mu.Unlock()
	if open || sk.e.sessionOpen(sk.key) {
		return nil, &rpcError{Code: engAppAlreadyOpen, Parameter: name, Message: "App already open"}
	}
	app, ok := sk.e.data.EngineApp(name)
	if !ok {
		return nil, &rpcError{Code: engAppNotFound, Parameter: name, Message: "App not found"}
	}
	sk.mu.Lock()
	defer sk.mu.Unlock()
	if sk.doc != nil {
		return nil, &rpcError{Code: engAppAlreadyOpen, Parameter: name, Message: "App already open"}
	}
	sk.setDoc(app, name)
	sk.docKey = sk.key
	sk.e.mu.Lock()
	sk.e.docs[sk.key]++
	if noData {
		sk.e.stats.OpenedNoData++
	} else {
		sk.e.stats.OpenedWithData++
	}
	sk.e.mu.Unlock()
	return returnRef("Doc", 1, "", name), nil
}

// activeDoc is GetActiveDoc: the app this socket opened, or, on a socket
// attached to an Engine session that another socket opened it in, that
// app (the session's, as on a real Engine).
func (sk *socket) activeDoc() (any, *rpcError) {
	sk.mu.Lock()
	defer sk.mu.Unlock()
	if sk.doc == nil && sk.e.sessionOpen(sk.key) {
		if app, ok := sk.e.data.EngineApp(sk.appURL); ok {
			sk.setDoc(app, sk.appURL)
		}
	}
	if sk.doc == nil {
		return nil, &rpcError{Code: 1007, Message: "App invalid"}
	}
	return returnRef("Doc", 1, "", sk.docID), nil
}

// setDoc makes app the socket's Doc, handle 1; sk.mu is held.
func (sk *socket) setDoc(app *EngineApp, name string) {
	if sk.e.denyLineage[strings.ToLower(name)] {
		app.NoReloadRight = true
	}
	sk.doc, sk.docID = app, name
	sk.handles[1] = &handleObj{typ: "Doc"}
	sk.next = 2
}

// handleFor returns the handle of an object, the same for the same object.
func (sk *socket) handleFor(key string, h *handleObj) int {
	if n, ok := sk.byKey[key]; ok {
		return n
	}
	n := sk.next
	sk.next++
	sk.handles[n] = h
	sk.byKey[key] = n
	return n
}

func (sk *socket) docCall(method string, p *params, notFound *rpcError) (any, *rpcError) {
	sk.mu.Lock()
	defer sk.mu.Unlock()
	app := sk.doc
	switch method {
	case "GetObjects":
		var types []string
		if v, ok := p.get("qOptions", 0); ok {
			var o struct {
				Types []string `json:"qTypes"`
			}
			_ = json.Unmarshal(v, &o)
			types = o.Types
		}
		return map[string]any{"qList": objectList(app, types)}, nil
	case "GetAllInfos":
		return map[string]any{"qInfos": allInfos(app)}, nil
	case "GetObject":
		id, perr := p.str("qId", 0)
		if perr != nil {
			return nil, perr
		}
		if sh := app.sheet(id); sh != nil {
			return returnRef("GenericObject", sk.handleFor("o:"+id, &handleObj{typ: "GenericObject", sheet: sh}), "sheet", id), nil
		}
		if o := app.object(id); o != nil {
			return returnRef("GenericObject", sk.handleFor("o:"+id, &handleObj{typ: "GenericObject", obj: o}), o.Type, id), nil
		}
		return noObject("GenericObject"), nil
	case "GetDimension":
		id, perr := p.str("qId", 0)
		if perr != nil {
			return nil, perr
		}
		for i := range app.Dimensions {
			if d := &app.Dimensions[i]; d.ID == id {
				return returnRef("GenericDimension", sk.handleFor("d:"+id, &handleObj{typ: "GenericDimension", dim: d}), "dimension", id), nil
			}
		}
		return noObject("GenericDimension"), nil
	case "GetMeasure":
		id, perr := p.str("qId", 0)
		if perr != nil {
			return nil, perr
		}
		for i := range app.Measures {
			if m := &app.Measures[i]; m.ID == id {
				return returnRef("GenericMeasure", sk.handleFor("m:"+id, &handleObj{typ: "GenericMeasure", meas: m}), "measure", id), nil
			}
		}
		return noObject("GenericMeasure"), nil
	case "GetLineage":
		if app.NoReloadRight {
			return nil, &rpcError{Code: engAccessDenied, Message: "Access denied"}
		}
		rows := make([]map[string]any, 0, len(app.Lineage))
		for _, l := range app.Lineage {
			row := map[string]any{"qDiscriminator": l.Discriminator}
			if l.Statement != "" {
				row["qStatement"] = l.Statement
			}
			rows = append(rows, row)
		}
		return map[string]any{"qLineage": rows}, nil
	}
	return nil, notFound
}

func (sk *socket) objectCall(h *handleObj, method string, p *params, notFound *rpcError) (any, *rpcError) {
	sk.mu.Lock()
	defer sk.mu.Unlock()
	app := sk.doc
	switch method {
	case "GetLayout":
		if h.sheet != nil {
			return map[string]any{"qLayout": sheetLayout(app, h.sheet)}, nil
		}
		return map[string]any{"qLayout": app.objectLayout(h.obj)}, nil
	case "GetProperties":
		if h.sheet != nil {
			return map[string]any{"qProp": sheetProperties(h.sheet)}, nil
		}
		return map[string]any{"qProp": objectProperties(h.obj)}, nil
	case "GetFullPropertyTree":
		return map[string]any{"qPropEntry": app.propertyTree(h, 0)}, nil
	case "GetChildInfos":
		var infos []map[string]any
		for _, id := range app.childIDs(h) {
			if o := app.object(id); o != nil {
				infos = append(infos, map[string]any{"qId": id, "qType": o.Type})
			}
		}
		if infos == nil {
			infos = []map[string]any{}
		}
		return map[string]any{"qInfos": infos}, nil
	case "GetChild":
		id, perr := p.str("qId", 0)
		if perr != nil {
			return nil, perr
		}
		for _, cid := range app.childIDs(h) {
			if cid != id {
				continue
			}
			if o := app.object(id); o != nil {
				return returnRef("GenericObject", sk.handleFor("o:"+id, &handleObj{typ: "GenericObject", obj: o}), o.Type, id), nil
			}
		}
		return noObject("GenericObject"), nil
	}
	return nil, notFound
}
