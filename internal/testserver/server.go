// Package testserver is a faithful emulator of the Qlik Sense Repository
// Service (QRS) behind a virtual proxy, or on port 4242 with client
// certificates, for the qrs library's tests, examples and benchmarks.
//
// It behaves as /work/shared/QRS.md describes real servers, not as a client
// would find convenient: every /qrs call needs a matching xrfkey; header
// authentication creates a session cookie named after the virtual proxy and
// caps sessions per user, as the JWT and Windows modes do (JWTAuth,
// WindowsAuth: the Windows mode's NTLM is checked by a real verifier);
// failed authentication is a redirect, a 401 or an HTML page with 200; /full listings cannot be paged, honour filter and
// orderby, and are streamed; URLs beyond the http.sys limit get 414. Faults
// (status codes, Retry-After, resets, truncated JSON, stalls, slow bodies)
// can be queued per request.
//
// It lists apps, app objects (sheets, master items, stories, bookmarks,
// ...), users, streams, data connections, reload tasks and their triggers
// (schema and composite events), and serves the app metadata endpoint
// (/api/v1/apps/{id}/data/metadata) behind the same proxy, with a 404 for
// apps never reloaded and a 403 for apps a user may not read
// (Config.DenyDataModel).
//
// Data comes from QRS-shaped JSON (LoadSite, SiteFromJSON, DemoSite) or
// from a seeded generator (Generate) that streams sites of any size
// without holding them in memory. The credentials the fixtures hold in
// data connections are listed by FixtureSecrets.
package testserver

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// AuthFailure selects how the proxy answers a request it cannot
// authenticate; real servers have been seen doing each.
type AuthFailure int

const (
	// AuthRedirect answers 302 to
	// {prefix}/internal_forms_authentication/?targetId=<guid>.
	AuthRedirect AuthFailure = iota
	// Auth401 answers 401 with a short HTML body.
	Auth401
	// AuthHTML200 answers with the HTML login page and status 200.
	AuthHTML200
)

// Config describes a test server. The zero value is an HTTPS server on
// 127.0.0.1 with the default virtual proxy, no authentication and an
// empty site.
type Config struct {
	// Addr is the listen address. Default: "127.0.0.1:0" (a free port).
	Addr string
	// Prefix is the virtual proxy prefix ("" = the default proxy); leading
	// and trailing slashes are tolerated. It must be one path segment.
	Prefix string
	// PlainHTTP serves http instead of https.
	PlainHTTP bool
	// Header is the header-authentication header name, e.g. "hdr-usr".
	// "" with ClientCert false means no authentication at all.
	Header string
	// Directory is the static user directory: the header value is just the
	// user id. "" means a dynamic directory: the value must be DIR\user.
	Directory string
	// Users lists the allowed users as DIR\user (compared without regard
	// to case). nil allows any well-formed user.
	Users []string
	// AuthFailure is how an unauthenticated request is answered.
	AuthFailure AuthFailure
	// ClientCert selects port-4242 mode: a client certificate signed by the
	// server CA (or ClientCAs) is required at the TLS handshake, and every
	// request needs X-Qlik-User: UserDirectory=D; UserId=U (values
	// URL-encoded, the space after ';' optional); a missing or malformed
	// header, or a user not in Users, gets 401. No session cookies.
	ClientCert bool
	// ClientCAs, if set, verifies client certificates instead of the
	// server's CA.
	ClientCAs *x509.CertPool
	// Certificate is the server certificate. Default: one issued by the
	// server's own CA for CertHosts.
	Certificate *tls.Certificate
	// CertHosts are the names and IP addresses of the default certificate.
	// Default: 127.0.0.1, ::1 and localhost.
	CertHosts []string
	// Site is the data. nil means an empty site.
	Site Site
	// About is the JSON served at /qrs/about. Default: the site's own
	// (AboutSite), else a 14.x answer.
	About []byte
	// MaxURLLength is the longest request target accepted; longer ones get
	// http.sys's 414 page. Default: 16384.
	MaxURLLength int
	// MaxSessionsPerUser caps the sessions of one user, as Qlik does
	// (default 5). Over the cap the proxy refuses to start another
	// session: 403 with an HTML page saying that too many sessions are
	// active in parallel (the hub's message since June 2019; the status an
	// API client sees is unverified).
	MaxSessionsPerUser int
	// JWT makes the virtual proxy a JWT one (see [JWTAuth]). It excludes
	// Header, Windows and ClientCert.
	JWT *JWTAuth
	// Windows makes the virtual proxy authenticate with Windows through an
	// authentication module on a port of its own (see [WindowsAuth]). It
	// excludes Header, JWT and ClientCert.
	Windows *WindowsAuth
	// AllowedHosts is the virtual proxy's host allow list: a request whose
	// host (without the port, compared without regard to case) is not in
	// it gets 403. nil allows every host. Not used in ClientCert mode,
	// which has no proxy.
	AllowedHosts []string
	// Unlinked makes the virtual proxy one that no proxy service is linked
	// to: every request under its prefix gets a styled HTML 400. Not used
	// in ClientCert mode.
	Unlinked bool
	// IgnoreStaleCookies makes the proxy treat a session cookie of a
	// session it no longer knows (see [Server.ExpireSessions]) as no
	// cookie: the request authenticates afresh, or is answered as an
	// unauthenticated one (AuthFailure, or Windows mode's redirect).
	// Default: such a request gets 500 "Authentication error: Restart the
	// browser."
	IgnoreStaleCookies bool
	// DenyDataModel, if set, is asked before each answer of
	// /api/v1/apps/{id}/data/metadata, with the user (DIR\user, "" without
	// authentication) and the app id as requested: true answers 403, as for a
	// user whose security rules do not let them read the app. Default: nil,
	// every user reads every app.
	DenyDataModel func(user, appID string) bool
	// ErrorLog receives net/http's errors (TLS handshake failures, ...).
	// Default: discarded.
	ErrorLog *log.Logger
	// Engine configures the Engine's WebSockets (engine.go).
	Engine EngineConfig
	// Table says how POST /qrs/{type}/table is answered (table.go).
	// Default: served.
	Table TableConfig
}

// Request is one logged request.
type Request struct {
	Method string
	// Path is the URL path after the virtual proxy prefix (the whole path
	// when the request was outside the prefix; see OutsidePrefix).
	Path     string
	RawQuery string
	Query    url.Values
	Header   http.Header
	Cookies  []*http.Cookie
	// Status is the status sent (0 while in flight or when the connection
	// was reset before any answer).
	Status int
	// BytesWritten is the number of body bytes sent.
	BytesWritten int64
	// OutsidePrefix is true for requests not under the virtual proxy
	// prefix.
	OutsidePrefix bool
	// User is the authenticated user, DIR\user, if any.
	User string
	// AuthError says why the proxy refused to authenticate the request,
	// in the test server's words (a real proxy tells nobody): "" when it
	// did not refuse.
	AuthError string
	// Module is true for a request to the Windows authentication module
	// (see [WindowsAuth]) rather than to the proxy.
	Module bool
	// Fault is true when a queued fault applied to the request.
	Fault bool
	// Done is true once the server has finished with the request; Status
	// and BytesWritten are final then.
	Done bool
}

// Server is a running test server. Its methods are safe for concurrent use.
type Server struct {
	cfg        Config
	prefix     string // "" or "/name"
	cookieName string
	site       Site
	about      []byte
	ca         *authority
	ln         net.Listener
	srv        *http.Server
	url        string
	jwt        *jwtVerifier  // JWT mode
	win        *windowsProxy // Windows mode
	module     *authModule   // Windows mode's authentication module
	skew       atomic.Int64  // nanoseconds added to the clock, for tests

	mu       sync.Mutex
	log      []*Request
	faults   []*Fault
	sessions map[string]string // session id → user
	perUser  map[string]int    // lower-cased user → sessions
	created  int
	hijacked map[net.Conn]struct{}
	closed   bool
	inflight sync.WaitGroup
	closing  chan struct{}
	engine   *engineState
	table    tableState
}

// defaultAbout is a 14.x (February 2024) answer of /qrs/about.
const defaultAbout = `{"buildVersion":"31.59.3.0","buildDate":"2/5/2024 12:00:00 AM","databaseProvider":"Devart.Data.PostgreSql","nodeType":1,"sharedPersistence":true,"requiresBootstrap":false,"singleNodeOnly":false,"schemaPath":"About"}`

// Start validates cfg, starts listening and serves in the background.
func Start(cfg Config) (*Server, error) {
	name := strings.Trim(cfg.Prefix, "/")
	if strings.ContainsAny(name, "/?#%\\ ") {
		return nil, fmt.Errorf("testserver: prefix %q is not one path segment", cfg.Prefix)
	}
	if cfg.ClientCert && cfg.PlainHTTP {
		return nil, errors.New("testserver: client certificate mode needs TLS")
	}
	if cfg.ClientCert && cfg.Header != "" {
		return nil, errors.New("testserver: choose header authentication or client certificate mode, not both")
	}
	if cfg.Header != "" && !validHeaderName(cfg.Header) {
		return nil, fmt.Errorf("testserver: bad header name %q", cfg.Header)
	}
	if err := checkProxyModes(&cfg); err != nil {
		return nil, err
	}
	for _, u := range cfg.Users {
		if d, id, ok := strings.Cut(u, `\`); !ok || d == "" || id == "" || strings.Contains(id, `\`) {
			return nil, fmt.Errorf("testserver: user %q is not DIR\\user", u)
		}
	}
	if cfg.MaxURLLength <= 0 {
		cfg.MaxURLLength = 16384
	}
	if cfg.MaxSessionsPerUser <= 0 {
		cfg.MaxSessionsPerUser = 5
	}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.ErrorLog == nil {
		cfg.ErrorLog = log.New(io.Discard, "", 0)
	}
	s := &Server{
		cfg:        cfg,
		site:       cfg.Site,
		cookieName: "X-Qlik-Session",
		sessions:   map[string]string{},
		perUser:    map[string]int{},
		hijacked:   map[net.Conn]struct{}{},
		closing:    make(chan struct{}),
	}
	if name != "" {
		s.prefix = "/" + name
		s.cookieName += "-" + name
	}
	if s.site == nil {
		s.site = &jsonSite{}
	}
	s.engine = newEngineState(cfg.Engine, s.site)
	s.about = []byte(defaultAbout)
	if as, ok := s.site.(AboutSite); ok && len(as.About()) > 0 {
		s.about = as.About()
	}
	if len(cfg.About) > 0 {
		s.about = append([]byte(nil), cfg.About...)
	}
	if err := s.initProxyModes(); err != nil {
		return nil, err
	}
	ca, err := newAuthority()
	if err != nil {
		return nil, err
	}
	s.ca = ca
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("testserver: listen: %w", err)
	}
	scheme := "http"
	var tlsCfg *tls.Config
	if !cfg.PlainHTTP {
		scheme = "https"
		tlsCfg, err = s.tlsConfig()
		if err != nil {
			ln.Close()
			return nil, err
		}
		ln = tls.NewListener(ln, tlsCfg)
	}
	s.ln = ln
	s.url = scheme + "://" + ln.Addr().String() + s.prefix
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 30 * time.Second,
		MaxHeaderBytes:    max(1<<20, 4*cfg.MaxURLLength),
		ErrorLog:          cfg.ErrorLog,
	}
	if err := s.startModule(tlsCfg); err != nil {
		ln.Close()
		return nil, err
	}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func validHeaderName(h string) bool {
	for i := 0; i < len(h); i++ {
		c := h[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?={}`, c) >= 0 {
			return false
		}
	}
	return true
}

func (s *Server) tlsConfig() (*tls.Config, error) {
	var cert tls.Certificate
	if s.cfg.Certificate != nil {
		cert = *s.cfg.Certificate
	} else {
		hosts := s.cfg.CertHosts
		if len(hosts) == 0 {
			hosts = []string{"127.0.0.1", "::1", "localhost"}
		}
		var err error
		cert, err = s.ca.issue(hosts[0], hosts, x509.ExtKeyUsageServerAuth)
		if err != nil {
			return nil, err
		}
	}
	c := &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"http/1.1"},
	}
	if s.cfg.ClientCert {
		c.ClientAuth = tls.RequireAndVerifyClientCert
		c.ClientCAs = s.cfg.ClientCAs
		if c.ClientCAs == nil {
			c.ClientCAs = s.ca.pool
		}
	}
	return c, nil
}

// URL returns the base URL: scheme, 127.0.0.1:port and the prefix, with no
// trailing slash, e.g. https://127.0.0.1:41234/hdr.
func (s *Server) URL() string { return s.url }

// Close stops the server, ends every connection (including those a fault
// holds) and waits for the handlers to return.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.closing)
	s.mu.Unlock()
	_ = s.srv.Close()
	s.closeModule()
	s.mu.Lock()
	for c := range s.hijacked {
		_ = c.Close()
	}
	s.mu.Unlock()
	s.inflight.Wait()
}

// Requests returns a copy of the request log, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.log))
	for i, r := range s.log {
		out[i] = *r
		out[i].Header = r.Header.Clone()
		out[i].Query = cloneValues(r.Query)
		out[i].Cookies = append([]*http.Cookie(nil), r.Cookies...)
	}
	return out
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// ResetLog empties the request log.
func (s *Server) ResetLog() {
	s.mu.Lock()
	s.log = nil
	s.mu.Unlock()
}

// Count returns the number of logged requests under the prefix whose path
// after the prefix equals path, e.g. "/qrs/app/full".
func (s *Server) Count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.log {
		if !r.OutsidePrefix && r.Path == path {
			n++
		}
	}
	return n
}

// Sessions returns the number of sessions created so far.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.created
}

// ExpireSessions forgets every session, as a proxy restart or timeout
// does: a request with an old cookie then gets 500 "Authentication error:
// Restart the browser.", or is treated as one without a cookie
// (Config.IgnoreStaleCookies).
func (s *Server) ExpireSessions() {
	s.mu.Lock()
	s.sessions = map[string]string{}
	s.perUser = map[string]int{}
	s.mu.Unlock()
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.enter(w) {
		return
	}
	defer s.inflight.Done()

	entry := s.record(r)
	rec := &recorder{ResponseWriter: w}
	var out interface {
		http.ResponseWriter
		result() (int, int64)
	} = rec
	var fw *faultWriter
	defer func() {
		if fw != nil {
			fw.finish()
		}
		status, n := out.result()
		s.mu.Lock()
		entry.Status, entry.BytesWritten, entry.Done = status, n, true
		s.mu.Unlock()
	}()

	// http.sys refuses long URLs before anything else sees them.
	if len(r.RequestURI) > s.cfg.MaxURLLength {
		rec.Header().Set("Server", "Microsoft-HTTPAPI/2.0")
		rec.Header().Set("Connection", "close")
		writeBody(rec, http.StatusRequestURITooLong, "text/html; charset=us-ascii", urlTooLongPage)
		return
	}
	f := s.takeFault(entry)
	if f != nil {
		s.mu.Lock()
		entry.Fault = true
		s.mu.Unlock()
		if f.Delay > 0 && !s.sleep(f.Delay, r.Context().Done()) {
			return
		}
		if f.ResetBeforeResponse {
			if conn, _, err := s.hijack(w); err == nil {
				resetConn(conn)
				s.release(conn)
			}
			return
		}
		if f.hijacks() {
			fw = newFaultWriter(s, f, w)
			out = fw
		}
		for k, vs := range f.Header {
			for _, v := range vs {
				out.Header().Add(k, v)
			}
		}
		switch {
		case f.AuthError500:
			writeText(out, http.StatusInternalServerError, AuthErrorBody)
			return
		case f.Login:
			s.unauthenticated(out, r)
			return
		case f.Status != 0:
			ct := f.ContentType
			if ct == "" {
				ct = "text/plain; charset=utf-8"
			}
			writeBody(out, f.Status, ct, f.Body)
			return
		}
	}
	s.serve(out, r, entry)
}

// enter admits a request unless the server is closing (then it answers
// 503); the caller must call s.inflight.Done when it is through.
func (s *Server) enter(w http.ResponseWriter) bool {
	s.mu.Lock()
	closed := s.closed
	if !closed {
		s.inflight.Add(1)
	}
	s.mu.Unlock()
	if closed {
		writeText(w, http.StatusServiceUnavailable, "closing")
	}
	return !closed
}

// record logs the request on arrival.
func (s *Server) record(r *http.Request) *Request {
	rawQuery, _, _ := strings.Cut(r.URL.RawQuery, "#")
	q, _ := url.ParseQuery(rawQuery)
	entry := &Request{
		Method:   r.Method,
		RawQuery: rawQuery,
		Query:    q,
		Header:   r.Header.Clone(),
		Cookies:  r.Cookies(),
	}
	rest, ok := s.stripPrefix(r.URL.Path)
	entry.Path, entry.OutsidePrefix = rest, !ok
	if !ok {
		entry.Path = r.URL.Path
	}
	s.mu.Lock()
	s.log = append(s.log, entry)
	s.mu.Unlock()
	return entry
}

// stripPrefix returns the path after the virtual proxy prefix (matched
// without regard to case, as the proxy does) and whether it was there.
func (s *Server) stripPrefix(p string) (string, bool) {
	if s.prefix == "" {
		return p, true
	}
	if !hasPrefixFold(p, s.prefix) {
		return "", false
	}
	rest := p[len(s.prefix):]
	if rest != "" && rest[0] != '/' {
		return "", false
	}
	return rest, true
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, entry *Request) {
	if entry.OutsidePrefix {
		writeText(w, http.StatusNotFound, "Not Found")
		return
	}
	rest := entry.Path
	if strings.EqualFold(strings.TrimSuffix(rest, "/"), "/internal_forms_authentication") {
		writeBody(w, http.StatusOK, "text/html; charset=utf-8", loginPage)
		return
	}
	if s.serveEngine(w, r, entry) {
		return
	}
	user, ok := s.authenticate(w, r, entry)
	if !ok {
		return
	}
	s.mu.Lock()
	entry.User = user
	s.mu.Unlock()
	api := findAPI(rest)
	if api == nil {
		writeText(w, http.StatusNotFound, "Not Found")
		return
	}
	if !xrfOK(r, entry) {
		writeText(w, http.StatusForbidden, "XSRF prevention check failed. Possible XSRF discovered.")
		return
	}
	api.serve(s, w, r, entry)
}

// api is one API the proxy forwards under its prefix; every request to one
// has passed authentication and the xrfkey check.
type api struct {
	prefix string // lower-case path prefix after the virtual proxy prefix
	serve  func(s *Server, w http.ResponseWriter, r *http.Request, entry *Request)
}

// apis are the APIs the server answers; a path under none of them is 404.
var apis = []api{
	{"/qrs/", (*Server).serveQRS},
	{"/api/v1/apps/", (*Server).serveAppAPI},
}

func findAPI(path string) *api {
	for i := range apis {
		if hasPrefixFold(path, apis[i].prefix) {
			return &apis[i]
		}
	}
	return nil
}

// xrfOK checks the cross-site request forgery key: query parameter
// xrfkey (any case) equal to header X-Qlik-Xrfkey, 16 of [0-9a-zA-Z].
func xrfOK(r *http.Request, entry *Request) bool {
	key, found := "", false
	for k, vs := range entry.Query {
		if strings.EqualFold(k, "xrfkey") && len(vs) > 0 {
			key, found = vs[0], true
			break
		}
	}
	if !found || len(key) != 16 {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	hdr := r.Header.Values("X-Qlik-Xrfkey")
	return len(hdr) == 1 && hdr[0] == key
}

// authenticate identifies the user, creating a session where the proxy
// would, or writes the proxy's refusal and returns false.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, entry *Request) (string, bool) {
	if s.cfg.ClientCert {
		user, ok := parseQlikUser(r.Header.Get("X-Qlik-User"))
		if !ok || !s.allowed(user) {
			s.refuse(entry, "no valid X-Qlik-User header, or a user not allowed")
			writeText(w, http.StatusUnauthorized, "Unauthorized")
			return "", false
		}
		return user, true
	}
	if !s.admit(w, r, entry) {
		return "", false
	}
	if !s.hasSessions() {
		return "", true
	}
	if c, err := r.Cookie(s.cookieName); err == nil {
		s.mu.Lock()
		user, known := s.sessions[c.Value]
		s.mu.Unlock()
		if known {
			return user, true
		}
		if !s.cfg.IgnoreStaleCookies {
			s.refuse(entry, "session cookie of an unknown session")
			writeText(w, http.StatusInternalServerError, AuthErrorBody)
			return "", false
		}
	}
	var user string
	var ok bool
	switch {
	case s.jwt != nil:
		user, ok = s.jwtUser(w, r, entry)
	case s.win != nil:
		user, ok = s.windowsUser(w, r, entry)
	default:
		if user, ok = s.headerUser(r); !ok {
			s.refuse(entry, "no valid authentication header, or a user not allowed")
			s.unauthenticated(w, r)
		}
	}
	if !ok {
		return "", false
	}
	return user, s.openSession(w, user, entry)
}

// headerUser reads the authentication header: US-ASCII, DIR\user for a
// dynamic directory, a bare user id for a static one.
func (s *Server) headerUser(r *http.Request) (string, bool) {
	vals := r.Header.Values(s.cfg.Header)
	if len(vals) != 1 {
		return "", false
	}
	v := vals[0]
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] > 0x7e {
			return "", false
		}
	}
	user := v
	if s.cfg.Directory != "" {
		if v == "" || strings.Contains(v, `\`) {
			return "", false
		}
		user = s.cfg.Directory + `\` + v
	} else if d, id, ok := strings.Cut(v, `\`); !ok || d == "" || id == "" || strings.Contains(id, `\`) {
		return "", false
	}
	return user, s.allowed(user)
}

func (s *Server) allowed(user string) bool {
	if s.cfg.Users == nil {
		return true
	}
	for _, u := range s.cfg.Users {
		if strings.EqualFold(u, user) {
			return true
		}
	}
	return false
}

// parseQlikUser reads "UserDirectory=D; UserId=U" (values URL-encoded,
// parts in any order, the space after ';' optional).
func parseQlikUser(h string) (string, bool) {
	var dir, id string
	for _, part := range strings.Split(h, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return "", false
		}
		val, err := url.QueryUnescape(strings.TrimSpace(v))
		if err != nil {
			return "", false
		}
		switch {
		case strings.EqualFold(strings.TrimSpace(k), "UserDirectory"):
			dir = val
		case strings.EqualFold(strings.TrimSpace(k), "UserId"):
			id = val
		default:
			return "", false
		}
	}
	if dir == "" || id == "" {
		return "", false
	}
	return dir + `\` + id, true
}

// unauthenticated answers as the proxy does when it cannot authenticate.
func (s *Server) unauthenticated(w http.ResponseWriter, r *http.Request) {
	switch s.cfg.AuthFailure {
	case Auth401:
		writeBody(w, http.StatusUnauthorized, "text/html; charset=utf-8", unauthorizedPage)
	case AuthHTML200:
		writeBody(w, http.StatusOK, "text/html; charset=utf-8", loginPage)
	default:
		s.redirectToLogin(w, r)
	}
}

// redirectToLogin answers 302 to the forms login page.
func (s *Server) redirectToLogin(w http.ResponseWriter, r *http.Request) {
	scheme := "https"
	if s.cfg.PlainHTTP {
		scheme = "http"
	}
	loc := scheme + "://" + r.Host + s.prefix + "/internal_forms_authentication/?targetId=" + newGUID()
	w.Header().Set("Location", loc)
	writeBody(w, http.StatusFound, "", "")
}

func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

const urlTooLongPage = `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN""http://www.w3.org/TR/html4/strict.dtd">
<HTML><HEAD><TITLE>Request URL Too Long</TITLE>
<META HTTP-EQUIV="Content-Type" Content="text/html; charset=us-ascii"></HEAD>
<BODY><h2>Request URL Too Long</h2>
<hr><p>HTTP Error 414. The request URL is too long.</p>
</BODY></HTML>
`

const loginPage = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Qlik Sense</title></head>
<body>
<form id="loginForm" method="post" action="">
<h1>Log in to Qlik Sense</h1>
<label for="username-input">User name</label><input id="username-input" name="username" type="text" placeholder="Domain\User">
<label for="password-input">Password</label><input id="password-input" name="pwd" type="password">
<button type="submit">Log in</button>
</form>
</body>
</html>
`

const unauthorizedPage = `<!DOCTYPE html>
<html><head><title>401 - Unauthorized</title></head><body><h1>401 - Unauthorized</h1></body></html>
`

const tooManySessionsPage = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Qlik Sense</title></head>
<body><h1>Access denied</h1>
<p>You cannot access Qlik Sense because you have no access pass or too many sessions are active in parallel.</p>
</body>
</html>
`
