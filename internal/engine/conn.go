// Package engine is a small JSON-RPC 2.0 client of the Qlik Associative
// Engine over a WebSocket (github.com/coder/websocket), with typed helpers
// for the calls a catalog makes: open an app without data, list its
// sheets, master items and objects, read layouts and properties, and the
// lineage of its last reload.
//
// A [Conn] dials through the caller's *http.Client, so that its TLS
// settings, truststore and proxies (http, https, socks5) apply to the
// WebSocket as they do to REST. Every call has a deadline
// ([Options.CallTimeout]): the Qlik proxy does not pass pings to the
// Engine, so silence is the only sign of a dead socket, and a call that
// gets no answer in time fails the whole connection. Calls are safe for
// concurrent use; answers are matched to calls by id. Notifications are
// read and dropped, except those that end the session. Every message is
// bounded ([Options.MaxMessageBytes]).
//
// The connect side (the CSRF token, the session cookie, the app URL) is in
// csrf.go; the typed calls are in calls.go and their results in types.go.
package engine

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// GlobalHandle is the handle of the Global object, on which OpenDoc is
// called.
const GlobalHandle = -1

// Options tune a [Conn]. Zero values take the defaults.
type Options struct {
	// CallTimeout bounds each call, from sending it to its answer. A call
	// that times out closes the connection. Default: 30s.
	CallTimeout time.Duration
	// DialTimeout bounds the WebSocket upgrade. Default: 30s.
	DialTimeout time.Duration
	// MaxMessageBytes bounds one message from the Engine; a longer one
	// fails the connection. Default: 16 MiB.
	MaxMessageBytes int64
	// MaxPending bounds the calls in flight on the connection; more wait
	// for a place, within their deadline. Default: 16.
	MaxPending int
}

// Defaults of Options.
const (
	DefaultCallTimeout     = 30 * time.Second
	DefaultDialTimeout     = 30 * time.Second
	DefaultMaxMessageBytes = 16 << 20
	DefaultMaxPending      = 16
)

func (o Options) withDefaults() Options {
	if o.CallTimeout <= 0 {
		o.CallTimeout = DefaultCallTimeout
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = DefaultDialTimeout
	}
	if o.MaxMessageBytes <= 0 {
		o.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if o.MaxPending <= 0 {
		o.MaxPending = DefaultMaxPending
	}
	return o
}

// Conn is one WebSocket to the Engine. Its methods are safe for
// concurrent use. Close it when done: it holds a socket and a goroutine.
type Conn struct {
	ws    *websocket.Conn
	opts  Options
	slots chan struct{} // one per call in flight

	mu      sync.Mutex
	nextID  int64
	pending map[int64]chan response
	err     error // why the connection ended; set once
	life    context.Context
	endLife context.CancelFunc // called when err is set
	session string             // qSessionState of OnConnected
	notes   int                // notifications read

	stopRead context.CancelFunc
	readDone chan struct{}
}

type response struct {
	result jsontext.Value
	err    *Error
}

// readOptions are the tolerant rules for the Engine's messages: repeated
// names are allowed, invalid UTF-8 is replaced, unknown members ignored.
var readOptions = json.JoinOptions(
	jsontext.AllowInvalidUTF8(true),
	jsontext.AllowDuplicateNames(true),
)

// Dial opens a WebSocket to wsURL (wss://host[:port][/prefix]/app/{appID},
// with the CSRF token as its query; see [AppURL]) through hc, sending
// header with the upgrade (the session cookie, or X-Qlik-User on port
// 4747). hc's Transport, TLS and proxy settings apply unchanged; redirects
// follow hc's CheckRedirect. A refused upgrade is a [*HandshakeError].
// The header must not carry Authorization: Bearer, which the proxy
// refuses on a WebSocket.
func Dial(ctx context.Context, hc *http.Client, wsURL string, header http.Header, opts Options) (*Conn, error) {
	opts = opts.withDefaults()
	if hc == nil {
		return nil, errors.New("engine: no HTTP client")
	}
	u, err := url.Parse(wsURL)
	if err != nil || (u.Scheme != "wss" && u.Scheme != "ws") || u.Host == "" {
		return nil, errorf("%q is not a ws:// or wss:// URL", redactURL(wsURL))
	}
	for _, v := range header.Values("Authorization") {
		if len(v) >= 7 && strings.EqualFold(v[:7], "bearer ") {
			return nil, errors.New("engine: the upgrade must not carry Authorization: Bearer (the proxy refuses it as cross-site WebSocket hijacking); send the session cookie")
		}
	}
	dctx, cancel := context.WithTimeout(ctx, opts.DialTimeout)
	defer cancel()
	ws, resp, err := websocket.Dial(dctx, wsURL, &websocket.DialOptions{
		HTTPClient: hc,
		HTTPHeader: header.Clone(),
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			return nil, handshakeError(resp)
		}
		if dctx.Err() != nil {
			return nil, &connError{kind: ErrTimeout, cause: "dial " + redactURL(wsURL) + ": no upgrade within " + opts.DialTimeout.String()}
		}
		return nil, errorf("dial %s: %s", redactURL(wsURL), dialCause(err))
	}
	ws.SetReadLimit(opts.MaxMessageBytes)
	// The read loop has a context of its own: the library closes the
	// socket when a read's context ends, and Close needs it open for the
	// close handshake.
	rctx, stop := context.WithCancel(context.Background())
	life, endLife := context.WithCancel(context.Background())
	c := &Conn{
		ws:       ws,
		opts:     opts,
		slots:    make(chan struct{}, opts.MaxPending),
		pending:  map[int64]chan response{},
		life:     life,
		endLife:  endLife,
		stopRead: stop,
		readDone: make(chan struct{}),
	}
	go c.readLoop(rctx)
	return c, nil
}

// handshakeError reads what the proxy said instead of switching
// protocols. websocket.Dial leaves at most 1 KiB of the body.
func handshakeError(resp *http.Response) error {
	e := &HandshakeError{StatusCode: resp.StatusCode}
	if loc := resp.Header.Get("Location"); loc != "" {
		e.Location = redactURL(loc)
	}
	if resp.Body != nil {
		var buf [512]byte
		n, _ := readFull(resp.Body, buf[:])
		e.Message = clean(string(buf[:n]), 200)
	}
	return e
}

func readFull(r interface{ Read([]byte) (int, error) }, p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := r.Read(p[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// dialCause is the reason a dial failed, without the URL (whose query
// holds the CSRF token) that net/http's url.Error would print.
func dialCause(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return clean(ue.Err.Error(), 300)
	}
	return clean(err.Error(), 300)
}

// redactURL drops the query, fragment and user info of a URL for errors.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unreadable URL)"
	}
	u.RawQuery, u.Fragment, u.User = "", "", nil
	return u.String()
}

// SessionState returns the qSessionState of the Engine's OnConnected
// notification (SESSION_CREATED or SESSION_ATTACHED), or "" before it.
func (c *Conn) SessionState() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.session
}

// Done is closed when the connection has ended; [Conn.Err] then tells why.
func (c *Conn) Done() <-chan struct{} { return c.life.Done() }

// Err returns why the connection ended, or nil while it is open.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close ends the connection: pending calls fail with [ErrClosed], the
// socket is closed (politely when it is healthy, at once otherwise) and the
// read goroutine has returned when Close does. It is idempotent.
func (c *Conn) Close() error {
	c.mu.Lock()
	healthy := c.err == nil
	if healthy {
		c.err = &connError{kind: ErrClosed}
		c.endLife()
	}
	c.mu.Unlock()
	if healthy {
		// The close handshake is bounded (5 s each way) by the library.
		if err := c.ws.Close(websocket.StatusNormalClosure, ""); err != nil {
			_ = c.ws.CloseNow()
		}
	} else {
		_ = c.ws.CloseNow()
	}
	c.stopRead()
	<-c.readDone
	return nil
}

// fail ends the connection with err unless it has already ended.
func (c *Conn) fail(err error) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = err
	c.endLife()
	c.mu.Unlock()
	_ = c.ws.CloseNow()
}

// Call calls method on the object with the given handle and decodes the
// result into result (a pointer, or nil to drop it). params is encoded as
// the JSON-RPC params: a struct or map for named parameters, a slice for
// positional ones, nil for none. An Engine error is an [*Error]; a call
// unanswered within [Options.CallTimeout] fails with [ErrTimeout] and
// closes the connection; the end of ctx returns ctx.Err() and leaves the
// connection open (a late answer is dropped).
func (c *Conn) Call(ctx context.Context, handle int, method string, params any, result any) error {
	if params == nil {
		params = []any{}
	}
	callCtx, cancel := context.WithTimeout(ctx, c.opts.CallTimeout)
	defer cancel()
	// A connection that ends cuts every call short, writes included.
	defer context.AfterFunc(c.life, cancel)()

	select {
	case c.slots <- struct{}{}:
	case <-callCtx.Done():
		if err := c.ended(ctx); err != nil {
			return err
		}
		return &connError{kind: ErrTimeout, cause: method + ": no place among the calls in flight within " + c.opts.CallTimeout.String()}
	}
	defer func() { <-c.slots }()

	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return c.err
	}
	c.nextID++
	id := c.nextID
	ch := make(chan response, 1)
	c.pending[id] = ch
	c.mu.Unlock()
	defer c.forget(id)

	msg, err := json.Marshal(request{JSONRPC: "2.0", ID: id, Handle: handle, Method: method, Params: params})
	if err != nil {
		return errorf("%s: cannot encode the parameters: %v", method, err)
	}
	if err := c.ws.Write(callCtx, websocket.MessageText, msg); err != nil {
		// The library closes the socket when a write is cut short.
		if err := c.ended(ctx); err != nil {
			return err
		}
		if callCtx.Err() != nil {
			return c.timedOut(method)
		}
		ferr := &connError{kind: ErrConnectionLost, cause: method + ": send: " + clean(err.Error(), 200)}
		c.fail(ferr)
		return ferr
	}

	select {
	case r := <-ch:
		if r.err != nil {
			r.err.Method = method
			return r.err
		}
		if result == nil {
			return nil
		}
		if err := json.Unmarshal(r.result, result, readOptions); err != nil {
			return errorf("%s: cannot read the answer: %s", method, clean(err.Error(), 200))
		}
		return nil
	case <-callCtx.Done():
		if err := c.ended(ctx); err != nil {
			return err
		}
		return c.timedOut(method)
	}
}

// ended returns ctx's error when the caller gave up, or the connection's
// when it has ended, or nil.
func (c *Conn) ended(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.Err()
}

func (c *Conn) forget(id int64) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}

func (c *Conn) timedOut(method string) error {
	err := &connError{kind: ErrTimeout, cause: method + ": no answer within " + c.opts.CallTimeout.String()}
	c.fail(err)
	return err
}

type request struct {
	JSONRPC string `json:"jsonrpc"`
	ID      int64  `json:"id"`
	Handle  int    `json:"handle"`
	Method  string `json:"method"`
	Params  any    `json:"params"`
}

// envelope is any message from the Engine: an answer (id with result or
// error) or a notification (method with params).
type envelope struct {
	ID     jsontext.Value `json:"id"`
	Method string         `json:"method"`
	Result jsontext.Value `json:"result"`
	Error  *wireError     `json:"error"`
	Params jsontext.Value `json:"params"`
}

type wireError struct {
	Code      int            `json:"code"`
	Message   string         `json:"message"`
	Parameter jsontext.Value `json:"parameter"`
}

func (c *Conn) readLoop(ctx context.Context) {
	defer close(c.readDone)
	for {
		typ, data, err := c.ws.Read(ctx)
		if err != nil {
			c.fail(c.readFailure(err))
			return
		}
		if typ != websocket.MessageText {
			c.fail(&connError{kind: ErrConnectionLost, cause: "the Engine sent a binary message"})
			return
		}
		if err := c.dispatch(data); err != nil {
			c.fail(err)
			return
		}
	}
}

func (c *Conn) readFailure(err error) error {
	switch {
	case errors.Is(err, websocket.ErrMessageTooBig):
		return &connError{kind: ErrConnectionLost, cause: "the Engine sent a message over " + strconv.FormatInt(c.opts.MaxMessageBytes, 10) + " bytes"}
	case websocket.CloseStatus(err) != -1:
		var ce websocket.CloseError
		errors.As(err, &ce)
		cause := "closed by the server with status " + strconv.Itoa(int(ce.Code))
		if r := clean(ce.Reason, 120); r != "" {
			cause += ": " + r
		}
		return &connError{kind: ErrConnectionLost, cause: cause}
	}
	return &connError{kind: ErrConnectionLost, cause: clean(err.Error(), 200)}
}

// dispatch hands an answer to its call or handles a notification. A
// message that is not a JSON object ends the connection: what follows it
// cannot be trusted.
func (c *Conn) dispatch(data []byte) error {
	var env envelope
	if err := json.Unmarshal(data, &env, readOptions); err != nil {
		return &connError{kind: ErrConnectionLost, cause: "the Engine sent a message that is not a JSON object"}
	}
	if env.Method != "" {
		return c.notification(env.Method, env.Params)
	}
	if len(env.ID) == 0 || env.ID.Kind() != '0' {
		return nil // neither an answer nor a notification: ignored
	}
	id, err := strconv.ParseInt(string(env.ID), 10, 64)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	ch := c.pending[id]
	delete(c.pending, id)
	c.mu.Unlock()
	if ch == nil {
		return nil // a call that has given up, or an id never used
	}
	r := response{result: env.Result}
	if env.Error != nil {
		r.err = &Error{Code: env.Error.Code, Message: clean(env.Error.Message, 300), Parameter: clean(errParameter(env.Error.Parameter), 300)}
	}
	ch <- r
	return nil
}

// errParameter reads an error's parameter, which the Engine sends as a
// string but which is taken in any form.
func errParameter(p jsontext.Value) string {
	if len(p) == 0 || p.Kind() == 'n' {
		return ""
	}
	if p.Kind() == '"' {
		var s string
		if json.Unmarshal(p, &s, readOptions) == nil {
			return s
		}
	}
	return string(p)
}

// sessionEnders are the notifications after which the session is gone.
var sessionEnders = map[string]bool{
	"OnMaxParallelSessionsExceeded": true,
	"OnLicenseAccessDenied":         true,
	"OnSessionTimedOut":             true,
	"OnSessionClosed":               true,
	"OnEngineWebsocketFailed":       true,
	"OnNoEngineAvailable":           true,
}

func (c *Conn) notification(method string, params jsontext.Value) error {
	c.mu.Lock()
	c.notes++
	c.mu.Unlock()
	switch method {
	case "OnConnected":
		var p struct {
			State string `json:"qSessionState"`
		}
		if json.Unmarshal(params, &p, readOptions) == nil {
			c.mu.Lock()
			c.session = clean(p.State, 64)
			c.mu.Unlock()
		}
	case "OnAuthenticationInformation":
		var p struct {
			MustAuthenticate bool `json:"mustAuthenticate"`
		}
		if json.Unmarshal(params, &p, readOptions) == nil && p.MustAuthenticate {
			return &connError{kind: ErrConnectionLost, cause: "the Engine asks for authentication (OnAuthenticationInformation): the session is not authenticated"}
		}
	default:
		if sessionEnders[method] {
			return &connError{kind: ErrConnectionLost, cause: "the Engine ended the session (" + clean(method, 64) + ")"}
		}
	}
	return nil
}
