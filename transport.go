package qrs

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/net/proxy"
)

// maxConcurrentRequests is the most requests one call of the Client may
// have in flight: Partitions.Concurrency's bound, above
// CatalogOptions.DataModelConcurrency's.
const maxConcurrentRequests = 64

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
	// Keep a connection for each request that a call may have in flight
	// (partitions, data models): with net/http's default of 2, every
	// further request would close its connection and the next would pay
	// a TLS handshake again.
	t.MaxIdleConnsPerHost = maxConcurrentRequests
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
		dial, err := socksDialer(p)
		if err != nil {
			return nil, err
		}
		t.DialContext = dial
	}
	return t, nil
}

// socksDialer dials through the SOCKS5 proxy p. Its errors are
// *proxyError values that say whether the proxy could not be reached,
// refused its credentials, or refused the connection to the site: the
// proxy package reports all three as plain text, so the dialer watches the
// proxy's answers itself (socksWatch).
func socksDialer(p *url.URL) (func(ctx context.Context, network, addr string) (net.Conn, error), error) {
	var auth *proxy.Auth
	if p.User != nil {
		pw, _ := p.User.Password()
		auth = &proxy.Auth{User: p.User.Username(), Password: pw}
	}
	forward := &socksForward{d: net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}}
	d, err := proxy.SOCKS5("tcp", p.Host, auth, forward)
	if err != nil {
		return nil, fmt.Errorf("qrs: proxy %s: %v", redactURL(p), err)
	}
	cd, ok := d.(proxy.ContextDialer)
	if !ok {
		return nil, fmt.Errorf("qrs: proxy %s: the SOCKS5 dialer cannot take a context", redactURL(p))
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		w := &socksWatch{}
		conn, err := cd.DialContext(context.WithValue(ctx, socksWatchKey{}, w), network, addr)
		if err == nil {
			return conn, nil
		}
		pe := &proxyError{proxy: p, target: addr, err: err}
		switch {
		case !w.dialed:
			pe.kind = proxyUnreachable
		case w.refusedAuth:
			pe.kind = proxyAuthRefused
		default:
			pe.kind = proxyRefusedTarget
		}
		return nil, pe
	}, nil
}

// socksWatchKey keys a dial's socksWatch in its context.
type socksWatchKey struct{}

// socksWatch records what happened on the way to a SOCKS5 proxy.
type socksWatch struct {
	dialed      bool // the TCP connection to the proxy was made
	refusedAuth bool // the proxy refused the offered login, or asked for one that was not offered
}

// socksForward dials the proxy itself, watching the start of its answers.
type socksForward struct{ d net.Dialer }

func (f *socksForward) Dial(network, addr string) (net.Conn, error) {
	return f.DialContext(context.Background(), network, addr)
}

func (f *socksForward) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	conn, err := f.d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	w, _ := ctx.Value(socksWatchKey{}).(*socksWatch)
	if w == nil {
		return conn, nil
	}
	w.dialed = true
	return &socksConn{Conn: conn, w: w}, nil
}

// socksConn reads the proxy's first answers as RFC 1928 and RFC 1929
// define them: the chosen method (0xFF: none of those offered), then, for
// username/password (0x02), the status of the login (non-zero: refused).
type socksConn struct {
	net.Conn
	w    *socksWatch
	seen []byte // the first four bytes read
}

func (c *socksConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if len(c.seen) < 4 {
		c.seen = append(c.seen, p[:min(n, 4-len(c.seen))]...)
		s := c.seen
		switch {
		case len(s) >= 2 && s[1] == 0xFF:
			c.w.refusedAuth = true
		case len(s) >= 4 && s[1] == 0x02 && s[3] != 0x00:
			c.w.refusedAuth = true
		}
	}
	return n, err
}

// errProxyAuth is a proxy's 407 to CONNECT: its credentials were refused.
var errProxyAuth = fmt.Errorf("refused its credentials (407 Proxy Authentication Required): check the proxy user name and password")

// proxyKind is what went wrong on the way through a proxy.
type proxyKind int

const (
	proxyUnreachable   proxyKind = iota // no connection to the proxy itself
	proxyAuthRefused                    // 407, or a refused SOCKS login
	proxyRefusedTarget                  // the proxy would not connect to the site
)

// A proxyError is a failure of a proxy, with the proxy's address (its
// password never shown) and the site it was asked for.
type proxyError struct {
	kind   proxyKind
	proxy  *url.URL
	target string // host:port
	status string // the proxy's answer to CONNECT, if any
	err    error
}

func (e *proxyError) Error() string {
	name := redactURL(e.proxy)
	switch e.kind {
	case proxyAuthRefused:
		return "proxy " + name + " refused its credentials: check the proxy user name and password"
	case proxyRefusedTarget:
		s := "proxy " + name + " refused to connect to " + e.target
		if e.status != "" {
			s += " (" + e.status + ")"
		}
		if e.err != nil {
			s += ": " + e.err.Error()
		}
		return s
	}
	return "cannot reach proxy " + name + ": " + e.err.Error()
}

func (e *proxyError) Unwrap() error { return e.err }

// proxyConnectResponse words a proxy's refusal to open a tunnel, which
// net/http would report by its status text alone.
func proxyConnectResponse(_ context.Context, proxyURL *url.URL, req *http.Request, resp *http.Response) error {
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	// A CONNECT request names its target in Host (its URL is opaque).
	pe := &proxyError{kind: proxyRefusedTarget, proxy: proxyURL, target: req.Host, status: resp.Status}
	if resp.StatusCode == http.StatusProxyAuthRequired {
		pe.kind, pe.err = proxyAuthRefused, errProxyAuth
	}
	return pe
}

// redactURL prints a URL with its password replaced.
func redactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	return u.Redacted()
}
