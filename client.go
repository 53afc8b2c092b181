package qrs

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
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
	hc      *retryablehttp.Client
	session *session
	noTable atomic.Bool // the site answered a /table listing as one without it
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
	c := &Client{base: base, baseStr: base.String(), cfg: cfg, session: newSession()}
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
		RetryMax:       maxRetries + 1, // each request's budget decides (checkRetry)
		CheckRetry:     c.checkRetry,
		Backoff:        backoff,
		ErrorHandler:   retryablehttp.PassthroughErrorHandler,
		RequestLogHook: c.logAttempt,
	}
	return c, nil
}

// parseBaseURL checks and normalises the site's address: http or https, a
// host, no query, credentials or fragment; slashes in the prefix folded.
func parseBaseURL(s string) (*url.URL, error) {
	shown := strconv.Quote(s)
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		shown = strconv.Quote("…" + s[i:]) // never echo what may be credentials
	}
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		// url's own words quote the offending part, which may be a secret.
		return nil, fmt.Errorf("qrs: base URL %s cannot be parsed: %s", shown, quotedText.ReplaceAllString(unwrapURLError(err).Error(), ""))
	}
	if u.User != nil {
		return nil, errors.New("qrs: base URL: credentials in the URL are not supported; use WithHeaderAuth or a client certificate")
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, fmt.Errorf("qrs: base URL %s: the scheme must be https (or http), as in https://qlik.example.com/prefix", shown)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("qrs: base URL %s has no host", shown)
	}
	if p := u.Port(); p != "" && !validPort(p) {
		return nil, fmt.Errorf("qrs: base URL %s: port %q must be a number from 1 to 65535", shown, p)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return nil, fmt.Errorf("qrs: base URL %s must not have a query or fragment: give https://host[:port][/prefix]", shown)
	}
	var segs []string
	for _, seg := range strings.Split(u.Path, "/") {
		if seg != "" {
			segs = append(segs, seg)
		}
	}
	if n := len(segs); n > 0 && strings.EqualFold(segs[n-1], "qrs") {
		return nil, fmt.Errorf("qrs: base URL %s ends in /qrs: give the site's address without it (https://host[:port][/prefix])", shown)
	}
	u.Path = ""
	u.RawPath = ""
	if len(segs) > 0 {
		u.Path = "/" + strings.Join(segs, "/")
	}
	return u, nil
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

// GoString describes the Client as String does, so that %#v cannot print
// its session cookie or credentials.
func (c *Client) GoString() string { return c.String() }
