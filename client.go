package qrs

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/net/proxy"
)

// Version is the library's version, sent in the User-Agent header.
const Version = "0.1.0"

const userAgent = "qrs-go/" + Version + " (+https://github.com/qrskit/qrs)"

// A Client talks to one Qlik Sense site through the Repository Service API.
// It is safe for concurrent use by multiple goroutines. All its requests
// share one proxy session (the session cookie of the virtual proxy), since
// Qlik caps the sessions of a user at five.
type Client struct {
	base    *url.URL // scheme://host[:port][/prefix], no trailing slash
	baseStr string   // base.String(), made once: SheetURL runs per sheet
	cfg     config
	hc      *retryablehttp.Client

	// gate admits one request at a time while no session cookie is held,
	// so that concurrent first requests do not each open a session.
	gate chan struct{}

	mu      sync.Mutex
	cookies map[string]string // cookies the server set, sent back on every call
}

// NewClient returns a Client for the site at baseURL: https://host[:port]
// followed by the virtual proxy prefix, if any (https://qlik.example.com/hdr),
// or https://host:4242 for the repository itself. It validates the URL and
// the options and does no I/O beyond reading files the options name.
func NewClient(baseURL string, opts ...Option) (*Client, error) {
	base, err := parseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	cfg := defaultConfig()
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.header != "" && (cfg.userDirectory != "" || cfg.clientCert != nil) {
		cfg.logger.Warn("qrs: both header authentication and a client certificate or X-Qlik-User are set; the server decides which counts")
	}
	c := &Client{base: base, baseStr: base.String(), cfg: cfg, gate: make(chan struct{}, 1), cookies: map[string]string{}}
	transport, err := c.transport()
	if err != nil {
		return nil, err
	}
	if cfg.insecure {
		cfg.logger.Warn("qrs: certificate verification is off (WithInsecureSkipVerify): anyone on the path can read and change the traffic, authentication included",
			"host", base.Host)
	}
	c.hc = &retryablehttp.Client{
		HTTPClient: &http.Client{
			Transport: transport,
			// A redirect on an API call means a login page: never follow it,
			// so that the authentication header never reaches another host.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		RetryWaitMin:   cfg.retryWait,
		RetryWaitMax:   cfg.retryMax,
		RetryMax:       cfg.retries,
		CheckRetry:     c.checkRetry,
		Backoff:        backoff,
		ErrorHandler:   retryablehttp.PassthroughErrorHandler,
		RequestLogHook: c.logAttempt,
	}
	return c, nil
}

// BaseURL returns the site's address as the Client uses it: scheme, host
// and virtual proxy prefix, without a trailing slash.
func (c *Client) BaseURL() string { return c.baseStr }

// String describes the Client without any secret.
func (c *Client) String() string {
	auth := "no authentication"
	switch {
	case c.cfg.header != "":
		auth = "header " + c.cfg.header
	case c.cfg.clientCert != nil:
		auth = "client certificate"
	}
	return fmt.Sprintf("qrs.Client{%s, %s}", c.base, auth)
}

// transport builds the Client's own transport: a clone of
// http.DefaultTransport, so that shared defaults are never changed.
func (c *Client) transport() (*http.Transport, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{
		MinVersion:         tls.VersionTLS12,
		RootCAs:            c.cfg.rootCAs,
		InsecureSkipVerify: c.cfg.insecure,
	}
	if cert := c.cfg.clientCert; cert != nil {
		t.TLSClientConfig.Certificates = []tls.Certificate{*cert}
	}
	t.ResponseHeaderTimeout = 0 // the idle timer covers it
	t.OnProxyConnectResponse = proxyConnectResponse
	if !c.cfg.proxySet {
		return t, nil // http.ProxyFromEnvironment, from the clone
	}
	t.Proxy = nil
	p := c.cfg.proxy
	if p == nil {
		return t, nil
	}
	switch p.Scheme {
	case "http", "https":
		t.Proxy = http.ProxyURL(p)
	case "socks5", "socks5h":
		var auth *proxy.Auth
		if p.User != nil {
			pw, _ := p.User.Password()
			auth = &proxy.Auth{User: p.User.Username(), Password: pw}
		}
		d, err := proxy.SOCKS5("tcp", p.Host, auth, &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second})
		if err != nil {
			return nil, fmt.Errorf("qrs: proxy %s: %v", redactURL(p), err)
		}
		cd, ok := d.(proxy.ContextDialer)
		if !ok {
			return nil, fmt.Errorf("qrs: proxy %s: the SOCKS5 dialer cannot take a context", redactURL(p))
		}
		t.DialContext = cd.DialContext
	}
	return t, nil
}

// errProxyAuth is a proxy's 407 to CONNECT: its credentials were refused.
var errProxyAuth = errors.New("refused its credentials (407 Proxy Authentication Required): check the proxy user name and password")

// proxyConnectResponse words a proxy's refusal to open a tunnel, which
// net/http would report by its status text alone.
func proxyConnectResponse(_ context.Context, proxyURL *url.URL, req *http.Request, resp *http.Response) error {
	switch {
	case resp.StatusCode == http.StatusProxyAuthRequired:
		return fmt.Errorf("proxy %s %w", redactURL(proxyURL), errProxyAuth)
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("proxy %s refused to connect to %s: %s", redactURL(proxyURL), req.URL.Host, resp.Status)
	}
	return nil
}

// redactURL prints a URL with its password replaced.
func redactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	return u.Redacted()
}

// response is the body of a successful call. Reading it resets the idle
// timer; closing it releases the request's context.
type response struct {
	r       *bufio.Reader
	body    io.ReadCloser
	release func()
	idle    *time.Timer
	d       time.Duration
	path    string
	ctx     context.Context // the request's: its cause tells our timers' expiry
	parent  context.Context // the caller's
}

func (r *response) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if n > 0 {
		r.idle.Reset(r.d)
	}
	if err != nil && err != io.EOF {
		err = &readError{r.readError(err)}
	}
	return n, err
}

// A readError is a failure to read a body, as opposed to a fault of what
// was read: the decoder passes it on unchanged.
type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

// readError explains why a body broke off.
func (r *response) readError(err error) error {
	if perr := r.parent.Err(); perr != nil {
		return perr
	}
	if cause := context.Cause(r.ctx); errors.Is(cause, context.DeadlineExceeded) {
		return cause
	}
	return err
}

func (r *response) Close() error {
	err := r.body.Close()
	r.release()
	return err
}

// bodyError explains a listing that broke off after items elements: the
// caller's context error unwrapped, otherwise what happened and how far it
// got, so that the caller knows how much it received.
func (r *response) bodyError(err error, items int) error {
	if perr := r.parent.Err(); perr != nil {
		return perr
	}
	return fmt.Errorf("qrs: GET %s: the listing broke off after %d items: %w", r.path, items, err)
}

type param struct{ key, value string }

// get sends GET base+path?query with everything QRS asks of every call, and
// returns the body of a 200 answer that looks like JSON. Any other answer
// is an *APIError.
func (c *Client) get(ctx context.Context, path string, query []param) (*response, error) {
	return c.send(ctx, path, query, true)
}

func (c *Client) send(ctx context.Context, path string, query []param, mayReauth bool) (*response, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	held, err := c.enterGate(ctx)
	if err != nil {
		return nil, err
	}
	defer func() {
		if held {
			<-c.gate
		}
	}()

	fullPath := c.base.Path + path
	rctx, stop := context.WithCancelCause(ctx)
	idle := time.AfterFunc(c.cfg.idleTimeout, func() {
		stop(fmt.Errorf("no data from the server for %v (WithIdleTimeout): %w", c.cfg.idleTimeout, context.DeadlineExceeded))
	})
	var overall *time.Timer
	if c.cfg.timeout > 0 {
		overall = time.AfterFunc(c.cfg.timeout, func() {
			stop(fmt.Errorf("the request took longer than %v (WithTimeout): %w", c.cfg.timeout, context.DeadlineExceeded))
		})
	}
	release := func() {
		idle.Stop()
		if overall != nil {
			overall.Stop()
		}
		stop(nil)
	}

	// Each attempt restarts the idle timer (logAttempt), so that waiting
	// between retries does not count as a silent server.
	req, err := c.newRequest(context.WithValue(rctx, idleTimerKey{}, idle), fullPath, query)
	if err != nil {
		release()
		return nil, err
	}
	sentCookie := req.Header.Get("Cookie") != ""
	hresp, err := c.hc.Do(req)
	if err != nil {
		err = c.transportError(ctx, rctx, fullPath, err)
		release()
		return nil, err
	}
	c.keepCookies(hresp)
	if held {
		<-c.gate
		held = false
	}

	br := bufio.NewReaderSize(hresp.Body, 64<<10)
	ct := hresp.Header.Get("Content-Type")
	if hresp.StatusCode == http.StatusOK && !isHTML(ct, peekNonSpace(br)) {
		if bom, _ := br.Peek(3); string(bom) == "\xef\xbb\xbf" {
			br.Discard(3)
		}
		return &response{r: br, body: hresp.Body, release: release, idle: idle, d: c.cfg.idleTimeout,
			path: fullPath, ctx: rctx, parent: ctx}, nil
	}
	body, _ := io.ReadAll(io.LimitReader(br, 4<<10))
	hresp.Body.Close()
	release()
	apiErr := newAPIError(http.MethodGet, fullPath, hresp.StatusCode, ct, body, hresp.Header.Get("Location"))
	if errors.Is(apiErr, ErrUnauthenticated) && sentCookie && mayReauth {
		// A stale or refused session: drop it and authenticate afresh, once.
		c.cfg.logger.Info("qrs: session refused; authenticating again", "path", fullPath, "status", hresp.StatusCode)
		c.dropCookies()
		return c.send(ctx, path, query, false)
	}
	return nil, apiErr
}

// enterGate waits, while the Client holds no session cookie, until no other
// request is authenticating. It reports whether the caller holds the gate.
func (c *Client) enterGate(ctx context.Context) (bool, error) {
	if c.cfg.header == "" || c.hasCookies() {
		return false, nil
	}
	select {
	case c.gate <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	if c.hasCookies() {
		<-c.gate
		return false, nil
	}
	return true, nil
}

// peekNonSpace returns the buffered bytes up to the first one that is not
// white space or a byte-order mark, so that an HTML page can be told from
// JSON without consuming anything.
func peekNonSpace(br *bufio.Reader) []byte {
	for n := 1; n <= 512; n++ {
		b, err := br.Peek(n)
		if len(b) < n || err != nil {
			return b
		}
		if strings.IndexByte(" \t\r\n\xef\xbb\xbf", b[n-1]) < 0 {
			return b
		}
	}
	b, _ := br.Peek(512)
	return b
}

func (c *Client) newRequest(ctx context.Context, fullPath string, query []param) (*retryablehttp.Request, error) {
	key, err := newXrfKey()
	if err != nil {
		return nil, err
	}
	u := *c.base
	u.Path = fullPath
	u.RawQuery = encodeQuery(append(query, param{"xrfkey", key}))
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("qrs: GET %s: %v", fullPath, err)
	}
	h := req.Header
	h.Set("X-Qlik-Xrfkey", key)
	h.Set("Accept", "application/json")
	h.Set("User-Agent", userAgent)
	if c.cfg.header != "" {
		h.Set(c.cfg.header, c.cfg.headerValue.Reveal())
	}
	if c.cfg.userDirectory != "" {
		h.Set("X-Qlik-User", "UserDirectory="+escape(c.cfg.userDirectory)+"; UserId="+escape(c.cfg.userID))
	}
	if cookie := c.cookieHeader(); cookie != "" {
		h.Set("Cookie", cookie)
	}
	return req, nil
}

// encodeQuery encodes parameters with %20 for spaces, as QRS's own
// clients do; url.Values would write '+'.
func encodeQuery(ps []param) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(escape(p.key))
		b.WriteByte('=')
		b.WriteString(escape(p.value))
	}
	return b.String()
}

// escape percent-encodes everything but RFC 3986's unreserved characters.
func escape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

const xrfAlphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// newXrfKey returns 16 random characters of [0-9a-zA-Z] from crypto/rand.
func newXrfKey() (string, error) {
	var key [16]byte
	var buf [32]byte
	n := 0
	for n < len(key) {
		if _, err := rand.Read(buf[:]); err != nil {
			return "", fmt.Errorf("qrs: cannot make an xrfkey: %v", err)
		}
		for _, b := range buf {
			// 248 = 4*62: rejecting the rest keeps the choice uniform.
			if b < 248 && n < len(key) {
				key[n] = xrfAlphabet[b%62]
				n++
			}
		}
	}
	return string(key[:]), nil
}

func (c *Client) hasCookies() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.cookies) > 0
}

func (c *Client) cookieHeader() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	for name, value := range c.cookies {
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(name + "=" + value)
	}
	return b.String()
}

// keepCookies stores the cookies a response sets: the virtual proxy's
// session cookie, and any affinity cookie of a load balancer before it.
func (c *Client) keepCookies(resp *http.Response) {
	cs := resp.Cookies()
	if len(cs) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ck := range cs {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.cookies, ck.Name)
			continue
		}
		c.cookies[ck.Name] = ck.Value
	}
}

func (c *Client) dropCookies() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.cookies)
}

// checkRetry retries connection errors and 429, 500, 502, 503 and 504;
// never another status, a certificate problem or a refused proxy login.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		if permanentTransportError(err) {
			return false, err
		}
		return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true, nil
	case http.StatusInternalServerError:
		// "Authentication error" is the proxy refusing a session: waiting
		// will not change its mind, re-authenticating might.
		return !bodyStartsWith(resp, "Authentication error"), nil
	}
	return false, nil
}

// bodyStartsWith peeks at the start of a response body, leaving it whole.
func bodyStartsWith(resp *http.Response, prefix string) bool {
	head := make([]byte, 512)
	n, _ := io.ReadFull(resp.Body, head)
	head = head[:n]
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
	return bytes.Contains(head, []byte(prefix))
}

// permanentTransportError reports errors that another try cannot mend.
func permanentTransportError(err error) bool {
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	var record tls.RecordHeaderError
	switch {
	case errors.As(err, &unknown), errors.As(err, &host), errors.As(err, &invalid), errors.As(err, &verify),
		errors.As(err, &record):
		return true
	}
	s := err.Error()
	return errors.Is(err, errProxyAuth) || strings.Contains(s, "username/password authentication failed") ||
		strings.Contains(s, "remote error: tls: ") || strings.Contains(s, "tls: server selected unsupported protocol version") ||
		strings.Contains(s, "certificate required") || strings.Contains(s, "bad certificate")
}

// backoff doubles from min up to max, honouring a Retry-After header
// (seconds or an HTTP date) up to max.
func backoff(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return clampDuration(d, 0, max)
		}
	}
	d := min
	for i := 0; i < attempt && d < max; i++ {
		d *= 2
	}
	return clampDuration(d, min, max)
}

func clampDuration(d, lo, hi time.Duration) time.Duration {
	return time.Duration(max(int64(lo), min(int64(hi), int64(d))))
}

// retryAfter reads a Retry-After value: delay seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		return time.Duration(min(secs, 1<<31)) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// idleTimerKey keys the request's idle timer in its context.
type idleTimerKey struct{}

func (c *Client) logAttempt(_ retryablehttp.Logger, req *http.Request, attempt int) {
	if t, ok := req.Context().Value(idleTimerKey{}).(*time.Timer); ok {
		t.Reset(c.cfg.idleTimeout)
	}
	if attempt == 0 {
		c.cfg.logger.Debug("qrs: request", "method", req.Method, "path", req.URL.Path)
		return
	}
	c.cfg.logger.Warn("qrs: retrying", "method", req.Method, "path", req.URL.Path, "attempt", attempt)
}

// transportError explains a request that got no usable response: the
// caller's context first (unwrapped), then our own timers, then what the
// network said, with a hint for certificate and proxy problems.
func (c *Client) transportError(parent, rctx context.Context, path string, err error) error {
	if perr := parent.Err(); perr != nil {
		return perr
	}
	prefix := "qrs: GET " + path + ": "
	if cause := context.Cause(rctx); errors.Is(cause, context.DeadlineExceeded) {
		return fmt.Errorf("%s%w", prefix, cause)
	}
	err = unwrapURLError(err)
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &host):
		return fmt.Errorf("%sthe server's certificate is not valid for %s: it names %s; use a URL with one of those names: %w",
			prefix, host.Host, certNames(host.Certificate), err)
	case errors.As(err, &unknown):
		return fmt.Errorf("%sthe server's certificate is signed by an unknown authority (issuer %q): trust the site's CA with WithTrustStore (tls.truststore.path): %w",
			prefix, issuerName(unknown.Cert), err)
	case errors.As(err, &invalid):
		return fmt.Errorf("%sthe server's certificate is not valid: %w", prefix, err)
	}
	s := err.Error()
	proxyName, where := "", ""
	if c.cfg.proxy != nil {
		proxyName = " " + redactURL(c.cfg.proxy)
		where = " (through proxy" + proxyName + ")"
	}
	switch {
	case errors.Is(err, errProxyAuth):
		return fmt.Errorf("%s%w", prefix, err)
	case strings.Contains(s, "username/password authentication failed") || strings.Contains(s, "no acceptable authentication methods"):
		return fmt.Errorf("%sproxy%s refused its credentials: check the proxy user name and password: %w", prefix, proxyName, err)
	case strings.Contains(s, "proxyconnect") || (c.cfg.proxy != nil && strings.Contains(s, "socks")):
		return fmt.Errorf("%scannot go through proxy%s: %w", prefix, proxyName, err)
	case strings.Contains(s, "certificate required") || strings.Contains(s, "bad certificate"):
		return fmt.Errorf("%sthe server asked for a client certificate it accepts (port 4242 needs the certificate the QMC exports): %w", prefix, err)
	}
	return fmt.Errorf("%s%w%s", prefix, err, where)
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func certNames(cert *x509.Certificate) string {
	if cert == nil {
		return "no names"
	}
	var names []string
	names = append(names, cert.DNSNames...)
	for _, ip := range cert.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 && cert.Subject.CommonName != "" {
		names = append(names, "only the common name "+cert.Subject.CommonName+" (no subject alternative names)")
	}
	if len(names) == 0 {
		return "no names"
	}
	return strings.Join(names, ", ")
}

func issuerName(cert *x509.Certificate) string {
	if cert == nil {
		return "unknown"
	}
	return cert.Issuer.String()
}
