package qrs

import (
	"fmt"
	"net/http"
	"net/url"
	"sync/atomic"

	"github.com/hashicorp/go-retryablehttp"
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
	auth    authenticator
	hc      *retryablehttp.Client
	session *session
	noTable atomic.Bool // the site answered a /table listing as one without it
	engine  engineState // the Engine's CSRF token (engine.go)
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
	auth, err := chooseAuth(&cfg, base)
	if err != nil {
		return nil, err
	}
	if err := checkEngineConfig(&cfg, auth); err != nil {
		return nil, err
	}
	c := &Client{base: base, baseStr: base.String(), cfg: cfg, auth: auth, session: newSession()}
	transport, err := c.transport()
	if err != nil {
		return nil, err
	}
	switch a := auth.(type) {
	case *cookieAuth:
		c.session.set(a.name, a.value.Reveal())
	case *windowsAuth:
		if err := a.setup(c); err != nil {
			return nil, err
		}
	}
	if _, cert := auth.(*certAuth); cfg.clientCert != nil && !cert {
		cfg.logger.Info("qrs: the client certificate goes with the TLS handshake; the proxy authenticates with "+auth.String(),
			"host", base.Host)
	}
	if base.Scheme == "http" && len(auth.secrets()) > 0 {
		cfg.logger.Warn("qrs: the base URL is http://: the credentials ("+auth.String()+") travel in clear, readable and replayable by anyone on the path, a proxy included; use https",
			"host", base.Host)
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
		RetryMax:       maxRetries + 1, // each request's budget decides (checkRetry)
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
	return fmt.Sprintf("qrs.Client{%s, %s}", c.base, c.auth)
}

// GoString describes the Client as String does, so that %#v cannot print
// its session cookie or credentials.
func (c *Client) GoString() string { return c.String() }
