package qrs

// The Windows authentication exchange of windowsAuth (auth_windowsmode.go), as
// Qlik's virtual proxy runs it: a GET to the proxy, its redirect to the
// authentication module on another port of the same host, NTLM there
// (github.com/Azure/go-ntlmssp makes and answers the messages), and the
// module's redirect back with the ticket that opens the session. Each
// redirect is checked before it is followed.

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"

	ntlmssp "github.com/Azure/go-ntlmssp"
)

const (
	// modulePath is where the authentication module authenticates.
	modulePath = "/internal_windows_authentication/"
	// formsPath is the virtual proxy's forms login page.
	formsPath = "/internal_forms_authentication/"
	// maxExchangeBody bounds each answer's body, read whole so that the
	// connection stays usable for the next message.
	maxExchangeBody = 64 << 10
	// maxNTLMToken bounds the module's challenge.
	maxNTLMToken = 16 << 10
)

// An exchangeError is a failed Windows exchange: transient when another
// try may mend it (a connection error), refusedPassword when the module
// refused the credentials.
type exchangeError struct {
	err             error
	transient       bool
	refusedPassword bool
}

func (e *exchangeError) Error() string { return e.err.Error() }
func (e *exchangeError) Unwrap() error { return e.err }

// exchange opens a session by Windows authentication. gen is the
// generation of the session the caller saw. It returns nil, the caller's
// context error, or an *exchangeError.
func (a *windowsAuth) exchange(ctx context.Context, c *Client, gen uint64) error {
	key := newXrfKey()
	start := *c.base
	start.Path = c.base.Path + "/qrs/about"
	start.RawQuery = "xrfkey=" + key
	x := &exchange{a: a, c: c, ctx: ctx, gen: gen, key: key, start: &start}

	// 1. The proxy sends a Windows user agent to its module.
	first, err := x.get(c.hc.HTTPClient, &start, "")
	if err != nil {
		return err
	}
	if first.status == http.StatusOK && !isHTML(first.header.Get("Content-Type"), first.body) {
		// The proxy let the request in without Windows authentication.
		return x.sessionOrError(first)
	}
	if first.status == http.StatusOK {
		return x.fail(first, x.formsMessage("an HTML page with 200"))
	}
	if first.status < 300 || first.status >= 400 {
		return x.refused(first)
	}
	module, err := x.moduleURL(first)
	if err != nil {
		return err
	}

	// 2. NTLM at the module, on one connection.
	c.cfg.logger.Debug("qrs: Windows authentication at the module", "host", module.Host)
	back, err := x.ntlm(module)
	if err != nil {
		return err
	}

	// 3. Back to the proxy with the module's ticket.
	last, err := x.get(c.hc.HTTPClient, back, "")
	if err != nil {
		return err
	}
	if last.status >= 300 && last.status < 400 {
		return x.fail(last, fmt.Sprintf("the virtual proxy did not accept the ticket of its authentication module and redirected to %s: it opened no session",
			redirectTarget(last.header.Get("Location"))))
	}
	return x.sessionOrError(last)
}

// exchange is the state of one Windows exchange.
type exchange struct {
	a     *windowsAuth
	c     *Client
	ctx   context.Context
	gen   uint64
	key   string   // the xrfkey of the first GET, which the way back keeps
	start *url.URL // the first GET's URL
}

// answer is a response whose body has been read whole.
type answer struct {
	url    *url.URL
	status int
	header http.Header
	body   []byte
	conn   net.Conn // the connection it came on
	reused bool     // whether that connection had carried a request before
}

// get sends one GET of the exchange with hc and reads its answer whole:
// to the proxy (hc is the Client's own) with the xrfkey, the Windows user
// agent and the cookies held; to the module (authz is its Authorization
// header) with the user agent alone. The idle timeout bounds it.
func (x *exchange) get(hc *http.Client, u *url.URL, authz string) (*answer, error) {
	c := x.c
	d := c.cfg.idleTimeout
	if c.cfg.timeout > 0 {
		d = min(d, c.cfg.timeout)
	}
	lctx, cancel := context.WithTimeoutCause(x.ctx, d,
		fmt.Errorf("no answer from the server for %v (WithIdleTimeout, WithTimeout): %w", d, context.DeadlineExceeded))
	defer cancel()
	ans := &answer{url: u}
	lctx = httptrace.WithClientTrace(lctx, &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		ans.conn, ans.reused = info.Conn, info.Reused
	}})
	req, err := http.NewRequestWithContext(lctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &exchangeError{err: fmt.Errorf("qrs: GET %s: %v", shownPath(u), err)}
	}
	req.Header.Set("User-Agent", x.a.agent())
	toProxy := hc == c.hc.HTTPClient
	if toProxy {
		req.Header.Set("X-Qlik-Xrfkey", x.key)
		req.Header.Set("Accept", "application/json")
		if cookie, _, _ := c.session.current(); cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
	}
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	resp, err := hc.Do(req)
	if err != nil {
		transient := classify(unwrapURLError(err)) == failNetwork
		err = c.transportError(x.ctx, lctx, http.MethodGet, shownPath(u), err)
		if x.ctx.Err() != nil {
			return nil, err
		}
		return nil, &exchangeError{err: err, transient: transient}
	}
	defer resp.Body.Close()
	if toProxy {
		c.session.keep(resp, x.gen)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxExchangeBody+1))
	if err != nil {
		err = c.transportError(x.ctx, lctx, http.MethodGet, shownPath(u), err)
		if x.ctx.Err() != nil {
			return nil, err
		}
		return nil, &exchangeError{err: err, transient: true}
	}
	if len(body) > maxExchangeBody {
		return nil, &exchangeError{err: fmt.Errorf("qrs: GET %s: the answer's body is longer than %d bytes, more than any step of Windows authentication sends",
			shownPath(u), maxExchangeBody)}
	}
	ans.status, ans.header, ans.body = resp.StatusCode, resp.Header, body
	return ans, nil
}

// shownPath is what errors show of a URL of the exchange: the path for
// the proxy's, scheme, host and path for the module's; never the query,
// which holds the targetId or the ticket.
func shownPath(u *url.URL) string {
	v := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	return v.String()
}

// fail is an exchange error about an answer, matching ErrUnauthenticated.
func (x *exchange) fail(ans *answer, msg string) error {
	return &exchangeError{err: x.apiError(ans, msg)}
}

func (x *exchange) apiError(ans *answer, msg string) *APIError {
	where := ans.url.Path
	if ans.url.Host != x.c.base.Host {
		where = shownPath(ans.url)
	}
	return &APIError{StatusCode: ans.status, Method: http.MethodGet, URL: where, Message: msg, kind: ErrUnauthenticated}
}

// refused explains an answer of the proxy that is neither a redirect nor
// data, as the request path would.
func (x *exchange) refused(ans *answer) error {
	resp := &http.Response{StatusCode: ans.status, Header: ans.header}
	e := newAPIError(http.MethodGet, ans.url.Path, resp, ans.header.Get("Content-Type"), x.c.scrub(ans.body), false,
		"check that the virtual proxy authenticates with Windows")
	return &exchangeError{err: e}
}

// sessionOrError checks that the proxy's answer opened a session.
func (x *exchange) sessionOrError(ans *answer) error {
	if ans.status != http.StatusOK || isHTML(ans.header.Get("Content-Type"), ans.body) {
		return x.refused(ans)
	}
	if _, _, held := x.c.session.current(); !held {
		return x.fail(ans, "the virtual proxy answered without a session cookie ("+sessionCookiePrefix+"...): the Client cannot keep the session that Windows authentication opened")
	}
	x.c.cfg.logger.Debug("qrs: Windows authentication opened a session", "user", x.a.user)
	return nil
}

// formsMessage explains a forms login page where the module belongs.
func (x *exchange) formsMessage(what string) string {
	other := "Mozilla"
	if strings.EqualFold(x.a.pattern, other) {
		other = defaultWindowsPattern
	}
	return fmt.Sprintf("the virtual proxy answered with its forms login page (%s) instead of Windows authentication: the user agent sent held the Windows pattern %q "+
		"(WithWindowsUserAgent), which this virtual proxy does not take as Windows; its pattern is set in the QMC (the virtual proxy's "+
		"Windows authentication pattern), and sites that changed it mostly use %q", what, x.a.pattern, other)
}

// moduleURL checks the proxy's redirect: to the authentication module on
// the same host (any port), under the virtual proxy's prefix or at the
// root, over https. Anything else is refused without sending anything
// there.
func (x *exchange) moduleURL(ans *answer) (*url.URL, error) {
	base := x.c.base
	loc, err := ans.url.Parse(ans.header.Get("Location"))
	if err != nil || ans.header.Get("Location") == "" {
		return nil, x.fail(ans, "redirected without a readable Location: the virtual proxy did not start Windows authentication")
	}
	sameHost := strings.EqualFold(loc.Hostname(), base.Hostname()) && loc.User == nil
	switch {
	case sameHost && (pathIs(loc.Path, base.Path+formsPath) || pathIs(loc.Path, formsPath)):
		return nil, x.fail(ans, x.formsMessage("redirected to "+redirectTarget(loc.Path)))
	case !sameHost || !(pathIs(loc.Path, base.Path+modulePath) || pathIs(loc.Path, modulePath)):
		return nil, x.fail(ans, fmt.Sprintf("redirected to %s, which is not the site's Windows authentication module (%s on the host of the base URL): "+
			"the redirect was not followed, and nothing was sent there", redirectTarget(shownPath(loc)), modulePath))
	case loc.Scheme != "https":
		return nil, x.fail(ans, fmt.Sprintf("the authentication module is %s, plain http: the NTLM exchange is not sent in clear, where anyone on the path "+
			"could read it and crack the password offline; the module must be https", redirectTarget(shownPath(loc))))
	}
	return loc, nil
}

// pathIs compares URL paths as the proxy does: without regard to case or
// to a trailing slash.
func pathIs(got, want string) bool {
	return strings.EqualFold(strings.TrimSuffix(got, "/"), strings.TrimSuffix(want, "/"))
}

// ntlm runs NTLM at the module and returns the module's redirect back to
// the proxy, checked.
func (x *exchange) ntlm(module *url.URL) (*url.URL, error) {
	m := x.a.module
	defer m.CloseIdleConnections() // the module's connection is done with
	anon, err := x.get(m, module, "")
	if err != nil {
		return nil, err
	}
	if anon.status >= 300 && anon.status < 400 {
		return x.backURL(anon) // the connection is authenticated already
	}
	if anon.status != http.StatusUnauthorized {
		return nil, x.fail(anon, fmt.Sprintf("the authentication module answered %d where it asks for credentials (401 with WWW-Authenticate: NTLM)", anon.status))
	}
	scheme, err := x.scheme(anon)
	if err != nil {
		return nil, err
	}
	negotiate, err := ntlmssp.NewNegotiateMessage("", "")
	if err != nil {
		return nil, &exchangeError{err: fmt.Errorf("qrs: Windows authentication: %v", err)}
	}
	chal, err := x.get(m, module, scheme+" "+base64.StdEncoding.EncodeToString(negotiate))
	if err != nil {
		return nil, err
	}
	challenge, ok := ntlmChallenge(chal, scheme)
	switch {
	case !ok && scheme == "Negotiate":
		return nil, x.fail(chal, "the authentication module offers only Negotiate without NTLM (Kerberos) and refused NTLM under Negotiate: "+
			"the Client speaks NTLM only; enable NTLM for the site's authentication, or use another mode (header, JWT, client certificate)")
	case !ok:
		return nil, x.fail(chal, fmt.Sprintf("the authentication module answered NTLM's first message with %d and no NTLM challenge", chal.status))
	}
	msg, err := ntlmssp.NewAuthenticateMessage(challenge, x.a.user, x.a.password.Reveal(), nil)
	if err != nil {
		return nil, x.fail(chal, "the authentication module's NTLM challenge cannot be answered: "+truncate(err.Error(), 200))
	}
	done, err := x.get(m, module, scheme+" "+base64.StdEncoding.EncodeToString(msg))
	if err != nil {
		return nil, err
	}
	if !done.reused || done.conn != chal.conn {
		// NTLM authenticates a connection: the module saw the last message
		// on another one, and could only refuse it.
		return nil, &exchangeError{err: x.apiError(done, "the connection to the authentication module did not stay open between NTLM's messages "+
			"(NTLM is bound to its connection): something between the Client and the module, such as a proxy, does not keep connections"), transient: true}
	}
	switch {
	case done.status >= 300 && done.status < 400:
		return x.backURL(done)
	case done.status == http.StatusUnauthorized:
		return nil, &exchangeError{refusedPassword: true, err: x.apiError(done, fmt.Sprintf(
			"the authentication module refused the password of %s (401 after the NTLM exchange): check the user (DOMAIN\\user) and its password; "+
				"the Client does not send them again, so that a wrong password cannot lock the account out", x.a.user))}
	case done.status == http.StatusForbidden:
		return nil, x.fail(done, fmt.Sprintf("the authentication module refused %s (403): the user has no access to the site, or all its sessions are in use", x.a.user))
	}
	return nil, x.fail(done, fmt.Sprintf("the authentication module answered %d to NTLM's last message, where a redirect back to the site belongs", done.status))
}

// scheme picks NTLM from the module's offers, or Negotiate, under which
// Windows takes NTLM messages too; Basic is never answered.
func (x *exchange) scheme(ans *answer) (string, error) {
	var offers []string
	negotiate := false
	for _, v := range ans.header.Values("WWW-Authenticate") {
		s, _, _ := strings.Cut(strings.TrimSpace(v), " ")
		switch {
		case strings.EqualFold(s, "NTLM"):
			return "NTLM", nil
		case strings.EqualFold(s, "Negotiate"):
			negotiate = true
		}
		if len(offers) < 4 {
			offers = append(offers, truncate(s, 20))
		}
	}
	if negotiate {
		return "Negotiate", nil
	}
	return "", x.fail(ans, fmt.Sprintf("the authentication module offers neither NTLM nor Negotiate (it offers %q): the Client speaks NTLM only, "+
		"and never sends a password in clear (Basic)", offers))
}

// ntlmChallenge returns the NTLM challenge message of a 401 under scheme.
func ntlmChallenge(ans *answer, scheme string) ([]byte, bool) {
	if ans.status != http.StatusUnauthorized {
		return nil, false
	}
	for _, v := range ans.header.Values("WWW-Authenticate") {
		s, token, _ := strings.Cut(strings.TrimSpace(v), " ")
		token = strings.TrimSpace(token)
		if !strings.EqualFold(s, scheme) || token == "" || len(token) > base64.StdEncoding.EncodedLen(maxNTLMToken) {
			continue
		}
		msg, err := base64.StdEncoding.DecodeString(token)
		// An NTLM challenge starts with the signature and type 2.
		if err == nil && len(msg) >= 12 && bytes.HasPrefix(msg, []byte("NTLMSSP\x00\x02\x00\x00\x00")) {
			return msg, true
		}
	}
	return nil, false
}

// backURL checks the module's redirect back: to the URL of the first GET
// (scheme, host, port and path, and the xrfkey of its query), with the
// ticket in the query.
func (x *exchange) backURL(ans *answer) (*url.URL, error) {
	loc, err := ans.url.Parse(ans.header.Get("Location"))
	if err != nil || ans.header.Get("Location") == "" {
		return nil, x.fail(ans, "the authentication module redirected without a readable Location")
	}
	if !sameOrigin(loc, x.start) || !pathIs(loc.Path, x.start.Path) || loc.User != nil {
		return nil, x.fail(ans, fmt.Sprintf("the authentication module redirected to %s, not back to %s where Windows authentication started: "+
			"the redirect was not followed, and nothing was sent there", redirectTarget(shownPath(loc)), shownPath(x.start)))
	}
	q := loc.Query()
	switch {
	case q.Get("qlikTicket") == "":
		return nil, x.fail(ans, "the authentication module redirected back without a qlikTicket: it did not authenticate the user")
	case q.Get("xrfkey") != x.key:
		return nil, x.fail(ans, fmt.Sprintf("the authentication module redirected back to %s with another query than the one Windows authentication started with "+
			"(its xrfkey is not the Client's): the redirect was not followed", redirectTarget(shownPath(loc))))
	}
	return loc, nil
}

// sameOrigin compares scheme, host and port, default ports included.
func sameOrigin(a, b *url.URL) bool {
	port := func(u *url.URL) string {
		if p := u.Port(); p != "" {
			return p
		}
		if strings.EqualFold(u.Scheme, "https") {
			return "443"
		}
		return "80"
	}
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}
