package qrs

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"
)

// An Option configures a Client. Options are applied in order by NewClient;
// the first one that fails makes NewClient fail with its error.
type Option func(*config) error

// config holds everything the options set. It is never exported: a Client's
// settings are fixed once NewClient returns.
type config struct {
	header      string // header authentication: name
	headerValue Secret // header authentication: value, e.g. DOMAIN\user

	userDirectory, userID string // X-Qlik-User, for port 4242

	jwtToken  *jwtAuth     // WithJWT
	jwtSigner *jwtAuth     // WithJWTSigner
	windows   *windowsAuth // WithWindowsAuth
	windowsUA string       // WithWindowsUserAgent
	cookie    *cookieAuth  // WithSessionCookie

	clientCert *tls.Certificate
	rootCAs    *x509.CertPool
	insecure   bool

	proxy    *url.URL // nil: the environment decides
	proxySet bool

	code string

	enginePort int // WithEnginePort; 0: DefaultEnginePort

	timeout     time.Duration
	idleTimeout time.Duration
	retries     int
	retryWait   time.Duration // first backoff step
	retryMax    time.Duration // cap of one backoff step, and of Retry-After
	maxItem     int64         // largest JSON element accepted, in bytes

	logger *slog.Logger
}

func defaultConfig() config {
	return config{
		timeout:     0,
		idleTimeout: 2 * time.Minute,
		retries:     4,
		retryWait:   500 * time.Millisecond,
		retryMax:    30 * time.Second,
		maxItem:     32 << 20,
		logger:      slog.New(slog.DiscardHandler),
	}
}

// WithHeaderAuth authenticates through a virtual proxy configured for header
// authentication: every request carries the header name with value. With a
// dynamic user directory the value is DOMAIN\user (one backslash); with a
// static one, the user id alone. Header authentication is US-ASCII only:
// a value with control characters or non-ASCII letters is refused here,
// before anything is sent.
// Default: no authentication header.
func WithHeaderAuth(header, value string) Option {
	return func(c *config) error {
		if !validHeaderName(header) {
			return fmt.Errorf("qrs: WithHeaderAuth: %q is not a valid header name", header)
		}
		if value == "" {
			return fmt.Errorf("qrs: WithHeaderAuth: the value of header %s is empty", header)
		}
		if i := invalidHeaderValue(value); i >= 0 {
			// The value is a user name, not a password, but it still
			// authenticates; say where the fault is without echoing it.
			return fmt.Errorf("qrs: WithHeaderAuth: the value of header %s has a control or non-ASCII character at byte %d: header authentication is US-ASCII only", header, i)
		}
		c.header, c.headerValue = header, NewSecret(value)
		return nil
	}
}

// WithUser sends X-Qlik-User: UserDirectory=directory; UserId=userID with
// every request, as the repository on port 4242 requires together with a
// client certificate (WithClientCertificate). Both values are URL-encoded.
// Default: no X-Qlik-User header.
func WithUser(directory, userID string) Option {
	return func(c *config) error {
		if directory == "" || userID == "" {
			return errors.New("qrs: WithUser: user directory and user id must both be set")
		}
		c.userDirectory, c.userID = directory, userID
		return nil
	}
}

// WithJWT authenticates through a JWT virtual proxy with token, a JSON Web
// Token signed with RS256, RS384 or RS512 by the key whose certificate the
// virtual proxy holds. The token goes in an Authorization: Bearer header
// only on a request without the session cookie, to open the session;
// afterwards the session cookie alone, so that a whole inventory uses one of
// the user's five sessions. When the proxy refuses the session, the token
// opens another, once. A token that is not a compact JWS of those
// algorithms, or that has expired, is refused here; one that expires later
// makes the requests that would send it fail before anything is sent.
// [WithJWTSigner] signs tokens itself instead. Needs an https:// base URL.
// Default: no JWT.
func WithJWT(token string) Option {
	return func(c *config) error {
		a, err := newStaticJWT(token)
		if err != nil {
			return err
		}
		c.jwtToken = a
		return nil
	}
}

// WithJWTSigner authenticates through a JWT virtual proxy with tokens that
// the Client signs itself with key, an RSA key (at least 2048 bits) whose
// certificate the virtual proxy holds: [LoadJWTKey] reads one from a PEM
// file; any [crypto.Signer] of an RSA key does, such as a key in a hardware
// module. claims names the user and the claims the virtual proxy reads it
// from (there are no default claim names), and sets the algorithm, the
// lifetime and the audience: see [JWTClaims]. As with [WithJWT], a token
// only opens the session; a new one is signed when a session is opened
// and the last token is near its expiry, or was refused. Needs an https://
// base URL. The key is never shown, nor the tokens.
// Default: no JWT.
func WithJWTSigner(key crypto.Signer, claims JWTClaims) Option {
	return func(c *config) error {
		a, err := newJWTSigner(key, claims)
		if err != nil {
			return err
		}
		c.jwtSigner = a
		return nil
	}
}

// WithWindowsAuth authenticates with Windows (NTLM) through a virtual proxy
// that does Windows authentication, such as the default one: domainUser is
// DOMAIN\user (one backslash) or user@domain, password its password. The
// first request that needs a session sends GET /qrs/about with a user agent
// that holds the virtual proxy's Windows pattern ([WithWindowsUserAgent]),
// follows the proxy's redirect to its authentication module (the same host,
// on the module's port, path /internal_windows_authentication/), runs the
// NTLMv2 exchange there on one kept-alive HTTP/1.1 connection, and follows
// the module's redirect back with the ticket that opens the session. No
// other redirect is followed, and nothing is sent to another host. Other
// requests wait for that session, so that concurrent calls share one. A
// password the module refuses is not tried again by the same Client, so
// that a wrong password cannot lock the account out. Needs an https:// base
// URL (and module). The password is never shown.
// Default: no Windows authentication.
func WithWindowsAuth(domainUser, password string) Option {
	return func(c *config) error {
		a, err := newWindowsAuth(domainUser, password)
		if err != nil {
			return err
		}
		c.windows = a
		return nil
	}
}

// WithWindowsUserAgent sets the Windows authentication pattern of the
// virtual proxy ("Windows authentication pattern" in the QMC): the user
// agent of the Client's requests holds it, so that the proxy chooses
// Windows authentication rather than its forms login page. Sites that
// changed it mostly use Mozilla. It needs [WithWindowsAuth].
// Default: "Windows".
func WithWindowsUserAgent(pattern string) Option {
	return func(c *config) error {
		if err := checkWindowsPattern(pattern); err != nil {
			return fmt.Errorf("qrs: WithWindowsUserAgent: the pattern %s", reasonOf(err))
		}
		c.windowsUA = pattern
		return nil
	}
}

// WithSessionCookie uses a proxy session that someone already has (a
// person's browser, another program): name is the cookie's name,
// X-Qlik-Session for the default virtual proxy or X-Qlik-Session-{prefix}
// (the prefix of the base URL), and value its value. The Client sends the
// cookie with every request and never opens a session itself: when the
// session has ended, requests fail with an error matching
// [ErrUnauthenticated] that says so, and nothing is tried again. The value
// is never shown.
// Default: no session cookie.
func WithSessionCookie(name, value string) Option {
	return func(c *config) error {
		a, err := newCookieAuth(name, value)
		if err != nil {
			return err
		}
		c.cookie = a
		return nil
	}
}

// WithClientCertificate presents cert during the TLS handshake, as the
// repository on port 4242 requires. LoadClientCertificate reads the files
// that the Qlik Management Console exports.
// Default: no client certificate.
func WithClientCertificate(cert tls.Certificate) Option {
	return func(c *config) error {
		if len(cert.Certificate) == 0 || cert.PrivateKey == nil {
			return errors.New("qrs: WithClientCertificate: certificate and key must be provided together")
		}
		c.clientCert = &cert
		return nil
	}
}

// WithTrustStore trusts the certificates of a truststore file instead of the
// system's roots: see LoadTrustStore for the formats. The file is read by
// NewClient, which fails with its error.
// Default: the system's roots.
func WithTrustStore(path, password string, typ StoreType) Option {
	return func(c *config) error {
		pool, err := LoadTrustStore(path, password, typ)
		if err != nil {
			return err
		}
		c.rootCAs = pool
		return nil
	}
}

// WithRootCAs trusts the certificates of pool instead of the system's roots.
// Default: the system's roots.
func WithRootCAs(pool *x509.CertPool) Option {
	return func(c *config) error {
		if pool == nil {
			return errors.New("qrs: WithRootCAs: the pool is nil")
		}
		c.rootCAs = pool
		return nil
	}
}

// WithInsecureSkipVerify turns off the verification of the server's
// certificate chain and host name when skip is true. It makes the connection
// open to anyone between the client and the server, so the Client logs a
// warning at construction. Prefer WithTrustStore.
// Default: false (certificates are verified).
func WithInsecureSkipVerify(skip bool) Option {
	return func(c *config) error {
		c.insecure = skip
		return nil
	}
}

// WithProxy sends every request through a proxy: http:// or https:// (TLS
// to the proxy itself) tunnelling with CONNECT, or socks5://. Credentials go
// in the URL (http://user:password@proxy:3128) and are sent to the proxy
// only. An empty proxyURL means a direct connection, ignoring the
// environment.
// Default: the environment's HTTPS_PROXY, HTTP_PROXY and NO_PROXY.
func WithProxy(proxyURL string) Option {
	return func(c *config) error {
		c.proxySet = true
		if proxyURL == "" {
			c.proxy = nil
			return nil
		}
		u, err := parseProxyURL(proxyURL)
		if err != nil {
			return err
		}
		c.proxy = u
		return nil
	}
}

// parseProxyURL checks a proxy URL without letting its password into any
// error message.
func parseProxyURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, errors.New("qrs: WithProxy: the proxy URL cannot be parsed (expected scheme://[user:password@]host:port)")
	}
	switch u.Scheme {
	case "http", "https", "socks5", "socks5h":
	default:
		return nil, fmt.Errorf("qrs: WithProxy: proxy scheme %q is not supported (http, https or socks5)", u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("qrs: WithProxy: the proxy URL %s has no host", redactURL(u))
	}
	if p := u.Port(); p != "" {
		if !validPort(p) {
			return nil, fmt.Errorf("qrs: WithProxy: the proxy URL %s has port %q: must be a number from 1 to 65535", redactURL(u), p)
		}
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("qrs: WithProxy: the proxy URL %s must not have a path, query or fragment", redactURL(u))
	}
	return u, nil
}

// WithConnectionCode sets the connection's unique code, the first segment of
// every Key that Visualizations builds. It must be non-empty when
// Visualizations is called.
// Default: "" (Visualizations then fails).
func WithConnectionCode(code string) Option {
	return func(c *config) error {
		if err := validCode(code); err != nil {
			return fmt.Errorf("qrs: WithConnectionCode: %w", err)
		}
		c.code = code
		return nil
	}
}

// WithEnginePort sets the port of the Engine's own API, which a Client
// in client certificate mode (WithClientCertificate with WithUser, the
// base URL https://host:4242) reaches directly, at
// wss://host:port/app/{appID}, with the same certificate and X-Qlik-User.
// Through a virtual proxy the Engine is reached at the proxy's address and
// this option is refused. It is a client option because it is part of the
// site's address, like the base URL.
// Default: 4747 (DefaultEnginePort).
func WithEnginePort(port int) Option {
	return func(c *config) error {
		if port < 1 || port > 65535 {
			return fmt.Errorf("qrs: WithEnginePort: %d is not a port (1 to 65535)", port)
		}
		c.enginePort = port
		return nil
	}
}

// WithTimeout limits each request, from sending it to the end of its body.
// Listings of large sites take minutes, so prefer a context deadline for
// the whole job and WithIdleTimeout for hung servers.
// Default: 0 (no limit).
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("qrs: WithTimeout: negative duration %v", d)
		}
		c.timeout = d
		return nil
	}
}

// WithIdleTimeout limits how long a request may wait for the response to
// start, and then for each next piece of its body.
// Default: 2 minutes.
func WithIdleTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("qrs: WithIdleTimeout: duration must be positive, got %v", d)
		}
		c.idleTimeout = d
		return nil
	}
}

// WithRetries sets how many times a request is retried after a connection
// error or a status of 429, 500, 502, 503 or 504, with capped exponential
// backoff that honours Retry-After. Other statuses are never retried, nor is
// a response whose body has started to reach the caller. Zero turns retries
// off.
// Default: 4.
func WithRetries(max int) Option {
	return func(c *config) error {
		if max < 0 || max > maxRetries {
			return fmt.Errorf("qrs: WithRetries: %d is out of range 0..%d", max, maxRetries)
		}
		c.retries = max
		return nil
	}
}

// WithRetryBackoff sets the first wait between retries (it doubles each
// time) and its cap, which also caps how long a Retry-After is honoured.
// Default: 500ms, capped at 30s.
func WithRetryBackoff(first, max time.Duration) Option {
	return func(c *config) error {
		if first <= 0 || max < first {
			return fmt.Errorf("qrs: WithRetryBackoff: need 0 < first <= max, got %v and %v", first, max)
		}
		c.retryWait, c.retryMax = first, max
		return nil
	}
}

// WithMaxItemSize limits the size of one JSON element (one app, one sheet)
// of a listing, so that a broken or hostile server cannot make the client
// buffer an unbounded value.
// Default: 32 MiB.
func WithMaxItemSize(n int64) Option {
	return func(c *config) error {
		if n < 1024 {
			return fmt.Errorf("qrs: WithMaxItemSize: %d bytes is too small (at least 1024)", n)
		}
		c.maxItem = n
		return nil
	}
}

// WithLogger logs retries, warnings and each request at debug level to l.
// No secret is ever logged.
// Default: no logging.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("qrs: WithLogger: the logger is nil")
		}
		c.logger = l
		return nil
	}
}
