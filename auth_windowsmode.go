package qrs

// Windows authentication through a virtual proxy (WithWindowsAuth): the
// mode's settings and its place on the request path. The exchange with the
// proxy and its authentication module is in auth_ntlm.go.

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// defaultWindowsPattern is the Windows authentication pattern of a virtual
// proxy that nobody changed.
const defaultWindowsPattern = "Windows"

// Bounds of the Windows settings: Windows itself takes user names of 104
// characters and passwords of 256 at most.
const (
	maxWindowsUser     = 256
	maxWindowsPassword = 1024
	maxWindowsPattern  = 200
)

// windowsAuth is Windows authentication: the first request that needs a
// session runs the exchange (openSession); every request carries the
// Windows pattern in its user agent, and the session cookie.
type windowsAuth struct {
	user     string // DOMAIN\user or user@domain
	password Secret
	pattern  string // in the user agent; set by chooseAuth

	// module talks to the authentication module: a transport of its own,
	// HTTP/1.1 with one connection per host, since NTLM authenticates a
	// connection rather than a request.
	module *http.Client

	mu     sync.Mutex
	failed error // the module refused the password: never tried again
}

// newWindowsAuth checks the user and password of WithWindowsAuth. Its
// errors never show the password.
func newWindowsAuth(domainUser, password string) (*windowsAuth, error) {
	if err := checkWindowsUser(domainUser); err != nil {
		return nil, fmt.Errorf("qrs: WithWindowsAuth: the user %s", reasonOf(err))
	}
	if err := checkWindowsPassword(password); err != nil {
		return nil, fmt.Errorf("qrs: WithWindowsAuth: the password %s", reasonOf(err))
	}
	return &windowsAuth{user: domainUser, password: NewSecret(password)}, nil
}

// setup makes the transport of the authentication module: the Client's
// TLS and proxy settings, HTTP/2 off, one connection per host, kept alive.
func (a *windowsAuth) setup(c *Client) error {
	t, err := c.transport()
	if err != nil {
		return err
	}
	t.ForceAttemptHTTP2 = false
	t.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{} // no HTTP/2
	t.MaxConnsPerHost = 1
	t.MaxIdleConnsPerHost = 1
	t.IdleConnTimeout = time.Minute
	a.module = &http.Client{
		Transport:     t,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return nil
}

func (a *windowsAuth) String() string { return "Windows " + a.user }

// agent is the user agent of every request: the library's, with the
// virtual proxy's Windows pattern.
func (a *windowsAuth) agent() string { return userAgent + " " + a.pattern }

func (a *windowsAuth) authorize(h http.Header, _ bool) error {
	h.Set("User-Agent", a.agent())
	return nil
}

func (a *windowsAuth) opensSessions() bool  { return true }
func (a *windowsAuth) renewsSessions() bool { return true }
func (a *windowsAuth) secrets() []string    { return []string{a.password.Reveal()} }

func (a *windowsAuth) hint() string {
	return "the proxy did not accept the session that Windows authentication opened for " + a.user +
		": check that the user may use the site (a license, access rights), and the Windows authentication pattern (WithWindowsUserAgent)"
}

// openSession runs the Windows exchange; connection errors are tried again
// within the request's budget of retries. A refused password is
// remembered: the Client never sends it again.
func (a *windowsAuth) openSession(ctx context.Context, c *Client, gen uint64) error {
	a.mu.Lock()
	failed := a.failed
	a.mu.Unlock()
	if failed != nil {
		return failed
	}
	for attempt := 0; ; attempt++ {
		err := a.exchange(ctx, c, gen)
		var xe *exchangeError
		if !errors.As(err, &xe) {
			return err
		}
		if xe.refusedPassword {
			a.mu.Lock()
			a.failed = xe.err
			a.mu.Unlock()
		}
		if !xe.transient {
			return xe.err
		}
		if b := budgetFrom(ctx); b == nil || !b.take() {
			return xe.err
		}
		c.cfg.logger.Warn("qrs: retrying Windows authentication", "attempt", attempt+1)
		if err := sleep(ctx, backoff(c.cfg.retryWait, c.cfg.retryMax, attempt, nil)); err != nil {
			return err
		}
	}
}
