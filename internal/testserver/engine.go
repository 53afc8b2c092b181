package testserver

import (
	"bufio"
	"cmp"
	"crypto/rand"
	"encoding/base64"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// The Engine side of the test server, as /work/shared/ENGINE.md describes a
// real site: GET {prefix}/qps/csrftoken gives the WebSocket CSRF token
// (204 and a qlik-csrf-token header; 404 in EngineConfig.NoCSRF mode, as
// releases before November 2024 answer), and {prefix}/app/{appID} upgrades
// to a WebSocket speaking the Engine's JSON-RPC (engine_rpc.go) over the
// apps of an EngineData (engine_demo.go, engine_gen.go).
//
// Through the proxy, the upgrade needs the session cookie (a socket never
// opens a session of its own: without a cookie it gets the proxy's answer
// to an unauthenticated request, with a stale one 500), the token as the
// qlik-csrf-token query parameter (403 otherwise, a header alone included),
// and no Authorization: Bearer (403, the proxy's cross-site WebSocket
// hijacking check). In ClientCert mode, port 4747's direct access, it needs
// X-Qlik-User and no token. Pings get no pong: the proxy does not pass
// them to the Engine.

// EngineConfig configures the Engine side.
type EngineConfig struct {
	// NoCSRF emulates releases before November 2024: /qps/csrftoken
	// answers 404 and sockets need no token.
	NoCSRF bool
	// Data is what the Engine knows of the apps. Default: the Site's own
	// when it implements EngineData (GenSite does), else DemoEngine(),
	// which knows the demo site's apps only.
	Data EngineData
	// DenyLineage lists app ids whose GetLineage is refused with access
	// denied (no reload right), beside those the data marks so.
	DenyLineage []string
}

// EngineData is the Engine's content of the apps. Implementations must be
// safe for concurrent use.
type EngineData interface {
	// EngineApp returns the app with the given id (matched without regard
	// to case), or false when the Engine has no such app. The caller owns
	// the result.
	EngineApp(appID string) (*EngineApp, bool)
}

// EngineApp is what the Engine knows of one app.
type EngineApp struct {
	Sheets     []EngineSheet     `json:"sheets"`
	Objects    []EngineObject    `json:"objects"` // charts and other objects of the sheets, and master visualizations
	Dimensions []MasterDimension `json:"dimensions"`
	Measures   []MasterMeasure   `json:"measures"`
	// Lineage is the lineage of the last reload; nil or empty for an app
	// never reloaded.
	Lineage []LineageRow `json:"lineage"`
	// NoReloadRight makes GetLineage fail with access denied, as for a
	// user with read but not reload rights.
	NoReloadRight bool `json:"noReloadRight"`
}

// EngineSheet is a sheet: its cells place its charts, which are its
// children.
type EngineSheet struct {
	ID          string       `json:"id"`
	Title       string       `json:"title"`
	Description string       `json:"description"`
	Cells       []EngineCell `json:"cells"`
}

// EngineCell places a child object on a sheet's grid.
type EngineCell struct {
	Name    string `json:"name"` // the object's id
	Type    string `json:"type"` // its visualization type
	Col     int    `json:"col"`
	Row     int    `json:"row"`
	Colspan int    `json:"colspan"`
	Rowspan int    `json:"rowspan"`
}

// EngineObject is a generic object other than a sheet: a chart, a text, a
// filter pane, a container, or a master visualization (Type
// "masterobject").
type EngineObject struct {
	ID string `json:"id"`
	// Type is the object's qType: the visualization type for charts
	// (barchart, table, kpi, ...), "masterobject" for a master
	// visualization.
	Type          string `json:"type"`
	Visualization string `json:"visualization"` // default: Type
	Title         string `json:"title"`
	Subtitle      string `json:"subtitle"`
	Description   string `json:"description"`
	// ExtendsID is the master visualization the object is linked to.
	ExtendsID string `json:"extendsId"`
	// Dimensions and Measures make the hypercube; an object with neither
	// has none (text, filter pane, container).
	Dimensions []ChartDimension `json:"dimensions"`
	Measures   []ChartMeasure   `json:"measures"`
	// Children are the ids of the objects inside (a container's).
	Children []string `json:"children"`
}

// ChartDimension is a dimension of a chart: fields of its own, or a master
// dimension by LibraryID.
type ChartDimension struct {
	Fields    []string `json:"fields"`
	Label     string   `json:"label"`
	LibraryID string   `json:"libraryId"`
}

// ChartMeasure is a measure of a chart: an expression of its own, or a
// master measure by LibraryID.
type ChartMeasure struct {
	Expression string `json:"expression"`
	Label      string `json:"label"`
	LibraryID  string `json:"libraryId"`
}

// MasterDimension is a master dimension: one field, or several for a
// drill-down (Grouping "H").
type MasterDimension struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Fields      []string `json:"fields"`
	Labels      []string `json:"labels"`
	Grouping    string   `json:"grouping"` // default "N"
}

// MasterMeasure is a master measure.
type MasterMeasure struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Expression  string `json:"expression"`
	Label       string `json:"label"`
}

// LineageRow is one entry of GetLineage.
type LineageRow struct {
	Discriminator string `json:"discriminator"`
	Statement     string `json:"statement"`
}

// EngineFault makes the Engine misbehave on sockets to an app. Faults are
// queued; a socket takes every fault whose AppID matches when it opens,
// and a fault is removed once Times sockets have taken it. Of a socket's
// faults, the first that matches a call applies to it.
type EngineFault struct {
	// AppID restricts the fault to sockets to that app (the id in the
	// URL, without regard to case). "" matches every socket.
	AppID string
	// Method restricts the fault to calls of that method, e.g.
	// "GetLineage". "" matches every call.
	Method string
	// After is the number of matching calls answered normally before the
	// fault strikes.
	After int
	// Silent answers nothing from then on, to any call: the socket stays
	// open and is read, as a dead Engine behind a live proxy.
	Silent bool
	// Drop resets the TCP connection (no close frame, no TLS close_notify)
	// once the call is read, before any answer.
	Drop bool
	// Delay holds the answer of each matching call back (ending early
	// when the socket or the server closes).
	Delay time.Duration
	// Times is the number of sockets the fault applies to. Default (0): 1.
	Times int
}

// EngineStats counts what the Engine side has seen.
type EngineStats struct {
	// SocketsOpened and SocketsClosed count WebSockets upgraded and ended.
	SocketsOpened, SocketsClosed int
	// MaxOpen is the most sockets, of those ended, that were in use at
	// once: each from its upgrade to the last message the server sent on
	// it. A client that closes a socket once it has its last answer, and
	// only then opens another, cannot make them overlap, however late the
	// server notices the close.
	MaxOpen int
	// Apps counts the sockets opened per app id of the URL.
	Apps map[string]int
	// Calls counts the calls received per "Type.Method", e.g.
	// "Doc.GetLineage", "GenericObject.GetLayout"; a call on an unknown
	// handle counts as "?.Method".
	Calls map[string]int
	// Refused counts upgrades refused, per HTTP status.
	Refused map[int]int
	// OpenedNoData and OpenedWithData count the apps opened by OpenDoc
	// with qNoData true, and without it.
	OpenedNoData, OpenedWithData int
}

// engineState is the Engine side's state in a Server.
type engineState struct {
	cfg         EngineConfig
	data        EngineData
	denyLineage map[string]bool

	mu       sync.Mutex
	tokens   map[string]string // session id → CSRF token
	anyToken string            // the token when there are no sessions
	faults   []*EngineFault
	stats    EngineStats
	docs     map[string]int // lower-cased user + "\x00" + app → sockets that opened it
	seq      int64          // orders the sockets' upgrades and messages, for MaxOpen
	spans    []socketSpan   // of the sockets ended
}

// socketSpan is when a socket was in use: from its upgrade to the last
// message sent on it, in the order of engineState.seq.
type socketSpan struct{ from, to int64 }

// maxOverlap is the most spans that overlap at one point.
func maxOverlap(spans []socketSpan) int {
	type edge struct {
		at    int64
		delta int
	}
	edges := make([]edge, 0, 2*len(spans))
	for _, sp := range spans {
		edges = append(edges, edge{sp.from, 1}, edge{sp.to, -1})
	}
	// Ends after starts at the same point: a span is [from, to].
	slices.SortFunc(edges, func(a, b edge) int {
		if a.at != b.at {
			return cmp.Compare(a.at, b.at)
		}
		return b.delta - a.delta
	})
	most, open := 0, 0
	for _, e := range edges {
		open += e.delta
		most = max(most, open)
	}
	return most
}

func newEngineState(cfg EngineConfig, site Site) *engineState {
	e := &engineState{
		cfg:         cfg,
		data:        cfg.Data,
		denyLineage: map[string]bool{},
		tokens:      map[string]string{},
		docs:        map[string]int{},
		stats:       EngineStats{Apps: map[string]int{}, Calls: map[string]int{}, Refused: map[int]int{}},
	}
	if e.data == nil {
		if d, ok := site.(EngineData); ok {
			e.data = d
		} else {
			e.data = DemoEngine()
		}
	}
	for _, id := range cfg.DenyLineage {
		e.denyLineage[strings.ToLower(id)] = true
	}
	return e
}

// AddEngineFault queues an Engine fault.
func (s *Server) AddEngineFault(f EngineFault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	s.engine.mu.Lock()
	s.engine.faults = append(s.engine.faults, &f)
	s.engine.mu.Unlock()
}

// EngineStats returns a copy of the Engine side's counters.
func (s *Server) EngineStats() EngineStats {
	e := s.engine
	e.mu.Lock()
	defer e.mu.Unlock()
	out := e.stats
	out.MaxOpen = maxOverlap(e.spans)
	out.Apps = make(map[string]int, len(e.stats.Apps))
	for k, v := range e.stats.Apps {
		out.Apps[k] = v
	}
	out.Calls = make(map[string]int, len(e.stats.Calls))
	for k, v := range e.stats.Calls {
		out.Calls[k] = v
	}
	out.Refused = make(map[int]int, len(e.stats.Refused))
	for k, v := range e.stats.Refused {
		out.Refused[k] = v
	}
	return out
}

// takeFaults returns copies of the queued faults for appID: a socket has
// every fault that matches it when it opens.
func (e *engineState) takeFaults(appID string) []*EngineFault {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []*EngineFault
	kept := e.faults[:0:0]
	for _, f := range e.faults {
		if f.AppID != "" && !strings.EqualFold(f.AppID, appID) {
			kept = append(kept, f)
			continue
		}
		c := *f
		out = append(out, &c)
		if f.Times--; f.Times > 0 {
			kept = append(kept, f)
		}
	}
	e.faults = kept
	return out
}

func (e *engineState) count(f func(st *EngineStats)) {
	e.mu.Lock()
	f(&e.stats)
	e.mu.Unlock()
}

// newToken returns a random token, URL-safe like Qlik's.
func newToken() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// serveEngine serves the Engine's paths and reports whether the request
// was one of them.
func (s *Server) serveEngine(w http.ResponseWriter, r *http.Request, entry *Request) bool {
	p := entry.Path
	switch {
	case strings.EqualFold(strings.TrimSuffix(p, "/"), "/qps/csrftoken"):
		s.serveCSRFToken(w, r, entry)
		return true
	case hasPrefixFold(p, "/app/"):
		s.serveUpgrade(w, r, entry, p[len("/app/"):])
		return true
	}
	return false
}

func (s *Server) serveCSRFToken(w http.ResponseWriter, r *http.Request, entry *Request) {
	if s.cfg.Engine.NoCSRF || s.cfg.ClientCert {
		// Older releases have no such endpoint, and port 4747 is no proxy.
		writeText(w, http.StatusNotFound, "Not Found")
		return
	}
	if !getOnly(w, r) {
		return
	}
	user, ok := s.authenticate(w, r, entry)
	if !ok {
		return
	}
	s.mu.Lock()
	entry.User = user
	s.mu.Unlock()
	w.Header().Set("qlik-csrf-token", s.csrfToken(r, w))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// csrfToken returns the token of the request's session: the one in its
// cookie, or the one authenticate has just set on w.
func (s *Server) csrfToken(r *http.Request, w http.ResponseWriter) string {
	e := s.engine
	sid := ""
	if c, err := r.Cookie(s.cookieName); err == nil {
		sid = c.Value
	}
	for _, sc := range w.Header().Values("Set-Cookie") {
		if c, err := http.ParseSetCookie(sc); err == nil && c.Name == s.cookieName {
			sid = c.Value
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if sid == "" {
		if e.anyToken == "" {
			e.anyToken = newToken()
		}
		return e.anyToken
	}
	tok, ok := e.tokens[sid]
	if !ok {
		tok = newToken()
		e.tokens[sid] = tok
	}
	return tok
}

// tokenOK checks the qlik-csrf-token query parameter against the token of
// the session sid ("" without sessions).
func (e *engineState) tokenOK(entry *Request, sid string) bool {
	got := entry.Query.Get("qlik-csrf-token")
	e.mu.Lock()
	defer e.mu.Unlock()
	want := e.anyToken
	if sid != "" {
		want = e.tokens[sid]
	}
	return want != "" && got == want
}

// sessionAuth reports whether the proxy authenticates with sessions, so
// that a socket needs the session cookie.
func (s *Server) sessionAuth() bool {
	return s.cfg.Header != "" || s.cfg.JWT != nil || s.cfg.Windows != nil
}

// engineUser identifies the user of an upgrade without ever opening a
// session, or writes the refusal: the session cookie through the proxy,
// X-Qlik-User in ClientCert mode. It returns the session id too.
func (s *Server) engineUser(w http.ResponseWriter, r *http.Request) (user, sid string, ok bool) {
	switch {
	case s.cfg.ClientCert:
		u, ok := parseQlikUser(r.Header.Get("X-Qlik-User"))
		if !ok || !s.allowed(u) {
			writeText(w, http.StatusUnauthorized, "Unauthorized")
			return "", "", false
		}
		return u, "", true
	case !s.sessionAuth():
		return "", "", true
	}
	c, err := r.Cookie(s.cookieName)
	if err != nil {
		s.unauthenticated(w, r)
		return "", "", false
	}
	s.mu.Lock()
	u, known := s.sessions[c.Value]
	s.mu.Unlock()
	if !known {
		writeText(w, http.StatusInternalServerError, AuthErrorBody)
		return "", "", false
	}
	return u, c.Value, true
}

// bearerOnUpgrade is the proxy's refusal of a JWT on a WebSocket.
const bearerOnUpgrade = "Cross-Site Websocket Hijacking attack prevention check failed"

func (s *Server) serveUpgrade(w http.ResponseWriter, r *http.Request, entry *Request, rest string) {
	e := s.engine
	refuse := func(status int, body string) {
		e.count(func(st *EngineStats) { st.Refused[status]++ })
		writeText(w, status, body)
	}
	appID, identity, _ := strings.Cut(rest, "/")
	if appID == "" || (identity != "" && !hasPrefixFold(identity, "identity/")) {
		refuse(http.StatusNotFound, "Not Found")
		return
	}
	if r.Method != http.MethodGet || !headerHas(r.Header, "Connection", "upgrade") || !headerHas(r.Header, "Upgrade", "websocket") {
		refuse(http.StatusBadRequest, "This endpoint only accepts WebSocket connections.")
		return
	}
	for _, v := range r.Header.Values("Authorization") {
		if hasPrefixFold(v, "bearer ") {
			refuse(http.StatusForbidden, bearerOnUpgrade)
			return
		}
	}
	rec := &refusalCounter{ResponseWriter: w}
	user, sid, ok := s.engineUser(rec, r)
	if !ok {
		e.count(func(st *EngineStats) { st.Refused[rec.status]++ })
		return
	}
	s.mu.Lock()
	entry.User = user
	s.mu.Unlock()
	if !e.cfg.NoCSRF && !s.cfg.ClientCert && !e.tokenOK(entry, sid) {
		refuse(http.StatusForbidden, "Forbidden")
		return
	}
	s.runSocket(w, r, appID, user, strings.ToLower(identity))
}

// refusalCounter notes the status of a refusal written by engineUser.
type refusalCounter struct {
	http.ResponseWriter
	status int
}

func (rc *refusalCounter) WriteHeader(code int) {
	if rc.status == 0 {
		rc.status = code
	}
	rc.ResponseWriter.WriteHeader(code)
}

func headerHas(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// trackedWriter lets the WebSocket library hijack the connection through
// Server.hijack, so that Server.Close ends it and a fault can reset it.
type trackedWriter struct {
	http.ResponseWriter
	s    *Server
	conn net.Conn
}

func (t *trackedWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := t.s.hijack(t.ResponseWriter)
	if err == nil {
		t.conn = conn
	}
	return conn, brw, err
}
