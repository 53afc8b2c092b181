package qrs

// The authentication modes. NewClient chooses one authenticator from the
// options (chooseAuth); the request path (request.go) asks it for each
// request's credentials and whether requests open and renew the proxy
// session. Each mode is in a file of its own: auth_header.go,
// auth_cert.go, auth_jwt.go, auth_windowsmode.go (its exchange with the
// authentication module in auth_ntlm.go) and auth_session.go.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// An authenticator is one authentication mode of a Client.
type authenticator interface {
	// String describes the mode without any secret, for Client.String.
	String() string
	// authorize puts the mode's credentials on a request's headers.
	// withSession tells whether the request carries the session cookie.
	authorize(h http.Header, withSession bool) error
	// opensSessions reports whether a request without a session cookie
	// makes the proxy open a session, so that concurrent first requests
	// must wait for the first one's cookie.
	opensSessions() bool
	// renewsSessions reports whether a session the proxy refuses may be
	// replaced by authenticating again, once.
	renewsSessions() bool
	// hint says what to check when the server does not accept the
	// authentication.
	hint() string
	// secrets returns the mode's values that must never be shown, for
	// scrubbing what a server echoes.
	secrets() []string
}

// A sessionOpener is an authenticator that opens the proxy session itself
// before the first request that needs one, instead of letting that
// request's credentials open it (Windows authentication).
type sessionOpener interface {
	// openSession opens the session, whose cookie it stores in
	// c.session; gen is the generation of the session the caller saw.
	openSession(ctx context.Context, c *Client, gen uint64) error
}

// A refusalHandler is an authenticator told that the proxy refused the
// credentials of a request sent without the session cookie (JWT: the token
// is then signed anew).
type refusalHandler interface {
	refused()
}

// chooseAuth returns the authenticator of the options: at most one mode
// (WithUser goes with WithClientCertificate), checked against the site's
// address.
func chooseAuth(cfg *config, base *url.URL) (authenticator, error) {
	var chosen []string
	add := func(on bool, name string) {
		if on {
			chosen = append(chosen, name)
		}
	}
	add(cfg.header != "", "WithHeaderAuth")
	add(cfg.jwtToken != nil, "WithJWT")
	add(cfg.jwtSigner != nil, "WithJWTSigner")
	add(cfg.windows != nil, "WithWindowsAuth")
	add(cfg.cookie != nil, "WithSessionCookie")
	// A client certificate alone is TLS, not a mode: a gateway before a
	// virtual proxy may ask for one, as it always could.
	switch {
	case cfg.clientCert != nil && cfg.userDirectory != "":
		add(true, "WithClientCertificate with WithUser")
	case cfg.userDirectory != "":
		add(true, "WithUser")
	case cfg.clientCert != nil && len(chosen) == 0:
		add(true, "WithClientCertificate")
	}
	if len(chosen) > 1 {
		return nil, fmt.Errorf("qrs: NewClient: %s each choose an authentication mode: use one (WithUser goes with WithClientCertificate)",
			joinAnd(chosen))
	}
	if cfg.windowsUA != "" && cfg.windows == nil {
		return nil, errors.New("qrs: NewClient: WithWindowsUserAgent needs WithWindowsAuth")
	}
	var a authenticator
	switch {
	case cfg.header != "":
		a = &headerAuth{name: cfg.header, value: cfg.headerValue}
	case cfg.jwtToken != nil:
		a = cfg.jwtToken
	case cfg.jwtSigner != nil:
		a = cfg.jwtSigner
	case cfg.windows != nil:
		cfg.windows.pattern = cfg.windowsUA
		if cfg.windows.pattern == "" {
			cfg.windows.pattern = defaultWindowsPattern
		}
		a = cfg.windows
	case cfg.cookie != nil:
		if err := cfg.cookie.checkPrefix(base); err != nil {
			return nil, err
		}
		a = cfg.cookie
	case cfg.clientCert != nil || cfg.userDirectory != "":
		a = &certAuth{cert: cfg.clientCert != nil, directory: cfg.userDirectory, userID: cfg.userID}
	default:
		return noAuth{}, nil
	}
	if base.Scheme == "http" {
		switch a.(type) {
		case *jwtAuth, *windowsAuth:
			return nil, fmt.Errorf("qrs: NewClient: the base URL %s is http://: %s sends its credentials only over https, so that nobody on the path can read or replay them",
				shownURL(base), chosen[0])
		}
	}
	return a, nil
}

// joinAnd joins names as "a, b and c".
func joinAnd(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// noAuth is a Client without authentication: a site that lets anyone in,
// or one whose session a caller manages otherwise.
type noAuth struct{}

func (noAuth) String() string                    { return "no authentication" }
func (noAuth) authorize(http.Header, bool) error { return nil }
func (noAuth) opensSessions() bool               { return false }
func (noAuth) renewsSessions() bool              { return false }
func (noAuth) secrets() []string                 { return nil }
func (noAuth) hint() string {
	return "the Client has no authentication: give one (WithHeaderAuth, WithJWT, WithJWTSigner, WithWindowsAuth, " +
		"WithSessionCookie, or WithClientCertificate with WithUser on port 4242)"
}

// sessionHeader returns the headers that a request outside the REST path
// (the Engine's WebSocket upgrade) carries to use the Client's proxy
// session: the Cookie header of the session, opened first if none is held,
// and what the mode sends along with a session (X-Qlik-User, the header of
// header authentication, the Windows user agent), but never a JWT: a
// Bearer header on a WebSocket upgrade is refused. gen is the generation of
// the session, for dropSession. A Client whose mode keeps no sessions
// (client certificate, none) returns its headers without a Cookie.
func (c *Client) sessionHeader(ctx context.Context) (http.Header, uint64, error) {
	cookie, gen, held := c.session.current()
	if !held {
		if ca, ok := c.auth.(*cookieAuth); ok {
			return nil, gen, ca.gone()
		}
		if c.auth.opensSessions() {
			resp, err := c.do(ctx, &request{path: "/qrs/about"})
			if err != nil {
				return nil, gen, err
			}
			resp.Close()
			if cookie, gen, held = c.session.current(); !held {
				return nil, gen, fmt.Errorf("qrs: GET %s/qrs/about: the proxy answered without a session cookie (%s...): there is no session to share",
					c.base.Path, sessionCookiePrefix)
			}
		}
	}
	h := http.Header{}
	h.Set("User-Agent", userAgent)
	if cookie != "" {
		h.Set("Cookie", cookie)
	}
	if err := c.auth.authorize(h, true); err != nil {
		return nil, gen, err
	}
	return h, gen, nil
}

// dropSession forgets the session of generation gen after the proxy
// refused it outside the REST path, so that the next request opens
// another (when the mode can); it does nothing when the session has been
// replaced since.
func (c *Client) dropSession(gen uint64) { c.session.drop(gen) }

// An authError is an authentication failure found before anything was
// sent, or without an answer of the server to show; it matches
// ErrUnauthenticated.
type authError struct{ msg string }

func (e *authError) Error() string        { return "qrs: " + e.msg }
func (e *authError) Is(target error) bool { return target == ErrUnauthenticated }
