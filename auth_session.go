package qrs

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// cookieAuth uses a proxy session that someone already has
// (WithSessionCookie): the Client sends its cookie and nothing else, and
// never opens a session of its own, so that a dead session is an error
// rather than a login that burns one of the user's sessions.
type cookieAuth struct {
	name  string
	value Secret
}

// newCookieAuth checks a session cookie: the name of a virtual proxy's
// session cookie, and a value that can go in a Cookie header.
func newCookieAuth(name, value string) (*cookieAuth, error) {
	if !validSessionCookieName(name) {
		return nil, fmt.Errorf("qrs: WithSessionCookie: %s is not the name of a virtual proxy's session cookie: X-Qlik-Session (the default virtual proxy) or X-Qlik-Session-{prefix}",
			strconv.Quote(truncate(name, 80)))
	}
	switch i := invalidCookieValue(value); {
	case value == "":
		return nil, fmt.Errorf("qrs: WithSessionCookie: the value of %s is empty", name)
	case len(name)+len(value) > maxCookieBytes:
		return nil, fmt.Errorf("qrs: WithSessionCookie: the cookie %s is %d bytes long, more than %d", name, len(name)+len(value), maxCookieBytes)
	case i >= 0:
		return nil, fmt.Errorf("qrs: WithSessionCookie: the value of %s has a character that a cookie cannot hold at byte %d (a space, a quote, ',', ';', '\\' or a control character)", name, i)
	}
	return &cookieAuth{name: name, value: NewSecret(value)}, nil
}

// validSessionCookieName reports whether name is X-Qlik-Session or
// X-Qlik-Session-{prefix}, the prefix a token of cookie name characters.
func validSessionCookieName(name string) bool {
	rest, ok := strings.CutPrefix(name, sessionCookiePrefix)
	if !ok {
		return false
	}
	if rest == "" {
		return true
	}
	prefix, ok := strings.CutPrefix(rest, "-")
	return ok && prefix != "" && validHeaderName(prefix)
}

// invalidCookieValue returns the index of the first byte of v that a
// cookie value may not hold (RFC 6265's cookie-octet), or -1.
func invalidCookieValue(v string) int {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c <= 0x20 || c >= 0x7f || c == '"' || c == ',' || c == ';' || c == '\\' {
			return i
		}
	}
	return -1
}

// checkPrefix refuses a cookie of another virtual proxy than the base
// URL's: X-Qlik-Session-{prefix} belongs to the virtual proxy of that
// prefix.
func (a *cookieAuth) checkPrefix(base *url.URL) error {
	prefix := strings.TrimPrefix(base.Path, "/")
	want := sessionCookiePrefix
	if prefix != "" {
		want += "-" + prefix
	}
	if strings.EqualFold(a.name, want) {
		return nil
	}
	where := fmt.Sprintf("has the prefix %q", prefix)
	if prefix == "" {
		where = "has no prefix (the default virtual proxy)"
	}
	return fmt.Errorf("qrs: WithSessionCookie: the cookie %s is not the session of the virtual proxy of the base URL %s, which %s: its session cookie is %s",
		a.name, shownURL(base), where, want)
}

func (a *cookieAuth) String() string                    { return "session cookie " + a.name }
func (a *cookieAuth) authorize(http.Header, bool) error { return nil }
func (a *cookieAuth) opensSessions() bool               { return false }
func (a *cookieAuth) renewsSessions() bool              { return false }
func (a *cookieAuth) secrets() []string                 { return []string{a.value.Reveal()} }

func (a *cookieAuth) hint() string {
	return "the session cookie " + a.name + " given with WithSessionCookie is no longer valid (the session ended, timed out or was logged out): " +
		"give the cookie of a live session; the Client never opens a session itself in this mode"
}

// gone is the error of a request when the proxy has deleted the cookie.
func (a *cookieAuth) gone() error {
	return &authError{msg: "the proxy deleted the session cookie " + a.name + " given with WithSessionCookie: the session has ended; " +
		"give the cookie of a live session"}
}
