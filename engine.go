package qrs

// The Engine's side of a Client: one WebSocket per app, through the
// virtual proxy with the Client's own session (wss://host[/prefix]/app/{id},
// with the CSRF token that proxies ask for since November 2024), or, in
// client certificate mode, directly to the Engine's port
// (wss://host:4747/app/{id}, WithEnginePort) with X-Qlik-User. Either way
// the WebSocket goes through the Client's transport: its truststore,
// client certificate and proxies apply as they do to REST.
// internal/engine speaks the JSON-RPC; charts.go, masterdefs.go and
// lineage.go read what a catalog wants from an open app, and
// catalogengine.go runs them over the apps of a catalog.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/qrskit/qrs/internal/engine"
)

// DefaultEnginePort is the port of the Engine's own API, which a client
// certificate reaches directly: see [WithEnginePort].
const DefaultEnginePort = 4747

// engineState is what a Client remembers of the Engine between apps: the
// CSRF token of its session, or that the proxy needs none.
type engineState struct {
	mu       sync.Mutex
	token    string
	tokenGen uint64 // the generation of the session the token belongs to
	hasToken bool
	noCSRF   bool // the proxy answered 404: a release before November 2024
}

// engineDirect reports whether the Client reaches the Engine directly on
// its port with the client certificate, rather than through a proxy.
func (c *Client) engineDirect() bool {
	_, ok := c.auth.(*certAuth)
	return ok
}

// checkEngineConfig refuses an Engine setting that cannot apply to the
// Client's mode.
func checkEngineConfig(cfg *config, auth authenticator) error {
	if cfg.enginePort == 0 {
		return nil
	}
	if _, ok := auth.(*certAuth); !ok {
		return errors.New("qrs: NewClient: WithEnginePort applies to the client certificate mode (WithClientCertificate with WithUser): " +
			"through a virtual proxy the Engine is reached at the proxy's own address")
	}
	return nil
}

// engineBase is where the Engine's WebSockets go: the site's address
// through a proxy, https://host:port in client certificate mode.
func (c *Client) engineBase() string {
	if !c.engineDirect() {
		return c.baseStr
	}
	port := c.cfg.enginePort
	if port == 0 {
		port = DefaultEnginePort
	}
	u := url.URL{Scheme: c.base.Scheme, Host: net.JoinHostPort(c.base.Hostname(), strconv.Itoa(port))}
	return u.String()
}

// An engineApp is one app opened without its data on a WebSocket of its
// own. Close it when done.
type engineApp struct {
	c    *Client
	id   string
	conn *engine.Conn
	doc  int // the handle of the app's Doc
}

func (a *engineApp) close() { a.conn.Close() }

// err turns an error of a call on the app into the library's.
func (a *engineApp) err(err error) error { return a.c.engineErr(a.id, err) }

// openEngineApp opens a WebSocket to the app and the app without its
// data (qNoData). A proxy that refuses the session it was given has it
// dropped and the WebSocket tried once more with a new one, as REST does;
// a refused CSRF token is fetched once more.
func (c *Client) openEngineApp(ctx context.Context, appID string, opts engine.Options) (*engineApp, error) {
	var conn *engine.Conn
	for attempt := 0; ; attempt++ {
		var gen uint64
		var err error
		conn, gen, err = c.dialApp(ctx, appID, opts)
		if err == nil {
			break
		}
		var he *engine.HandshakeError
		if attempt > 0 || !errors.As(err, &he) {
			return nil, c.engineErr(appID, err)
		}
		switch {
		case authRefused(he) && c.auth.renewsSessions():
			c.cfg.logger.Info("qrs: the proxy refused the session on the Engine's WebSocket; authenticating again",
				"app", appID, "status", he.StatusCode)
			c.dropSession(gen)
			c.forgetToken(gen)
		case he.StatusCode == http.StatusForbidden && !c.engineDirect():
			c.forgetToken(gen) // a token of another session, or one the proxy has forgotten
		default:
			return nil, c.engineErr(appID, err)
		}
	}
	a := &engineApp{c: c, id: appID, conn: conn}
	doc, err := conn.OpenDoc(ctx, appID, true)
	var ee *engine.Error
	if errors.As(err, &ee) && ee.Code == engine.CodeAppAlreadyOpen {
		// The Engine session (this user, this app) has it open already,
		// on another socket: use it as it is.
		doc, err = conn.GetActiveDoc(ctx)
	}
	if err != nil {
		conn.Close()
		return nil, a.err(err)
	}
	a.doc = doc
	return a, nil
}

// dialApp opens the WebSocket to the app once: the session's headers, the
// CSRF token through a proxy, then the upgrade. It returns the generation
// of the session it used.
func (c *Client) dialApp(ctx context.Context, appID string, opts engine.Options) (*engine.Conn, uint64, error) {
	h, gen, err := c.sessionHeader(ctx)
	if err != nil {
		return nil, gen, err
	}
	token := ""
	if !c.engineDirect() {
		if token, err = c.csrfToken(ctx, h, gen, opts.DialTimeout); err != nil {
			return nil, gen, err
		}
	}
	u, err := engine.AppURL(c.engineBase(), appID, token)
	if err != nil {
		return nil, gen, err
	}
	conn, err := engine.Dial(ctx, c.hc.HTTPClient, u, h, opts)
	return conn, gen, err
}

// csrfToken returns the CSRF token of the session of generation gen, asked
// of the proxy once per session (within timeout); "" when the proxy needs
// none (it answered 404, as releases before November 2024 do, which the
// Client then remembers).
func (c *Client) csrfToken(ctx context.Context, h http.Header, gen uint64, timeout time.Duration) (string, error) {
	e := &c.engine
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case e.noCSRF:
		return "", nil
	case e.hasToken && e.tokenGen == gen:
		return e.token, nil
	}
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tok, cookies, err := engine.CSRFToken(tctx, c.hc.HTTPClient, c.baseStr, h)
	c.session.keepCookies(cookies, gen)
	if err != nil && ctx.Err() == nil && tctx.Err() != nil {
		return "", fmt.Errorf("engine: the CSRF token request had no answer within %v: %w", timeout, engine.ErrTimeout)
	}
	if err != nil {
		return "", err
	}
	if tok == "" {
		e.noCSRF = true
		return "", nil
	}
	e.token, e.tokenGen, e.hasToken = tok, gen, true
	return tok, nil
}

// forgetToken forgets the CSRF token if it is still the one of the
// session of generation gen.
func (c *Client) forgetToken(gen uint64) {
	e := &c.engine
	e.mu.Lock()
	if e.hasToken && e.tokenGen == gen {
		e.hasToken, e.token = false, ""
	}
	e.mu.Unlock()
}

// authRefused reports whether the proxy's refusal of an upgrade or a token
// request means that it does not accept the session: 401, a redirect (to
// a login page), or 500 "Authentication error" (a stale session).
func authRefused(he *engine.HandshakeError) bool {
	switch s := he.StatusCode; {
	case s == http.StatusUnauthorized, s >= 300 && s < 400:
		return true
	case s == http.StatusInternalServerError:
		return strings.Contains(he.Message, "Authentication error")
	}
	return false
}

// engineErr turns an error of the Engine's side into the library's: an
// [*EngineError] for what the Engine or the proxy answered, an
// [*engineFailure] for a socket that failed, the caller's context error
// as it is. Server text is scrubbed of the Client's secrets.
func (c *Client) engineErr(appID string, err error) error {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var ee *engine.Error
	var he *engine.HandshakeError
	switch {
	case errors.As(err, &ee):
		msg := ee.Message
		if ee.Parameter != "" {
			msg += " [" + ee.Parameter + "]"
		}
		return &EngineError{AppID: appID, Method: ee.Method, Code: ee.Code, Message: string(c.scrub([]byte(msg)))}
	case errors.As(err, &he):
		e := &EngineError{AppID: appID, Method: "upgrade", StatusCode: he.StatusCode, Message: string(c.scrub([]byte(he.Message)))}
		if he.Location != "" {
			e.Message = strings.TrimSpace("redirected to " + he.Location + "; " + e.Message)
		}
		if authRefused(he) {
			e.kind = ErrUnauthenticated
			if c.engineDirect() {
				e.Message = strings.TrimSuffix("check the client certificate and the user of X-Qlik-User (WithUser) on the Engine's port; "+e.Message, "; ")
			}
		}
		return e
	case errors.Is(err, ErrUnauthenticated), errors.Is(err, ErrForbidden), isAPIError(err):
		return err // opening the session, through the REST path
	}
	return &engineFailure{appID: appID, err: err}
}

func isAPIError(err error) bool {
	var ae *APIError
	return errors.As(err, &ae)
}

// An EngineError is what the Engine's side answered about one app: an
// error the Engine gave a call (Method and Code: 5 access denied, such as
// GetLineage without the reload right, 1003 app not found, ...), or a
// refusal of the proxy to open the app's WebSocket or to give its CSRF
// token (Method "upgrade" and StatusCode). errors.Is matches
// [ErrForbidden] for access denied and 403, [ErrNotFound] for an app or
// object not found and 404, [ErrUnauthenticated] for 401, a redirect to a
// login page and a refused session.
type EngineError struct {
	AppID      string // the app's id
	Method     string // the Engine method, e.g. GetLineage; "upgrade" for the WebSocket
	Code       int    // the Engine's error code; 0 for a refused upgrade
	StatusCode int    // the HTTP status of a refused upgrade; 0 for a call
	Message    string // the server's text, bounded, scrubbed of the Client's secrets

	kind error // a sentinel the status alone does not say
}

// Engine error codes that EngineError names.
const (
	engineAccessDenied     = engine.CodeAccessDenied
	engineNotFound         = engine.CodeNotFound
	engineAppNotFound      = engine.CodeAppNotFound
	engineFileAccessDenied = engine.CodeFileAccessDenied
	engineUserAccessDenied = engine.CodeUserAccessDenied
)

// Error says which app, which call and what the Engine or the proxy
// answered, and what to check for the common codes.
func (e *EngineError) Error() string {
	var b strings.Builder
	b.WriteString("qrs: app ")
	b.WriteString(e.AppID)
	b.WriteString(": ")
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, "the Engine's WebSocket was refused with HTTP %d", e.StatusCode)
		switch {
		case e.kind == ErrUnauthenticated:
			b.WriteString(" (the session was not accepted)")
		case e.StatusCode == http.StatusForbidden:
			b.WriteString(" (check the virtual proxy's WebSocket origin allow list, and that nothing strips the qlik-csrf-token parameter)")
		}
	} else {
		fmt.Fprintf(&b, "the Engine answered %s with error %d", e.Method, e.Code)
		switch e.Code {
		case engineAccessDenied:
			b.WriteString(" (access denied")
			if e.Method == "GetLineage" {
				b.WriteString(": lineage needs the reload right on the app")
			}
			b.WriteString(")")
		case engineAppNotFound:
			b.WriteString(" (app not found: deleted since it was listed, or on no Engine this proxy reaches)")
		}
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// Is matches ErrForbidden, ErrNotFound and ErrUnauthenticated as the type
// says.
func (e *EngineError) Is(target error) bool {
	switch target {
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden ||
			e.Code == engineAccessDenied || e.Code == engineFileAccessDenied || e.Code == engineUserAccessDenied
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound || e.Code == engineAppNotFound || e.Code == engineNotFound
	case ErrUnauthenticated:
		return e.kind == ErrUnauthenticated
	}
	return false
}

// An engineFailure is a WebSocket to an app that could not be opened or
// that failed: no answer in time (which matches context.DeadlineExceeded:
// through the proxy, silence is how a dead socket shows), the connection
// lost or refused, a proxy that would not pass it.
type engineFailure struct {
	appID string
	err   error
}

func (e *engineFailure) Error() string {
	return "qrs: app " + e.appID + ": " + strings.TrimPrefix(e.err.Error(), "engine: ")
}

func (e *engineFailure) Unwrap() error { return e.err }

func (e *engineFailure) Is(target error) bool {
	return target == context.DeadlineExceeded && errors.Is(e.err, engine.ErrTimeout)
}

// lost reports whether err is the failure of one app's socket once open
// (no answer in time, the connection lost): the app's part fails, the
// catalog goes on.
func lost(err error) bool {
	var f *engineFailure
	return errors.As(err, &f) && (errors.Is(f.err, engine.ErrTimeout) || errors.Is(f.err, engine.ErrConnectionLost) ||
		errors.Is(f.err, engine.ErrClosed) || errors.Is(f.err, engine.ErrObjectNotFound))
}
