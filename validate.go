package qrs

// The checks that the options (options.go, client.go) and the connection
// file (connfile.go) share. A check that can fail for several reasons
// returns a *valueError, whose reason never repeats the value: an option's
// error shows what of the value may be shown, a connection file's error
// points at the value by its position and gives the reason alone.

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/http/httpguts"
)

// A valueError is a check's refusal of a value.
type valueError struct {
	subject string // what the value is: "base URL", "code"
	shown   string // what of the value may be shown, quoted; "" for nothing
	reason  string // why, in words that do not repeat the value: "has no host"
	cause   error  // a sentinel for callers that word this case their own way
}

// Error returns the subject, what may be shown of the value, and the
// reason: base URL "https://qlik.example.com/?…" must not have a query.
func (e *valueError) Error() string {
	if e.shown == "" {
		return e.subject + " " + e.reason
	}
	return e.subject + " " + e.shown + " " + e.reason
}

func (e *valueError) Unwrap() error { return e.cause }

// reasonOf returns the reason of a check's error, which holds nothing of
// the value.
func reasonOf(err error) string {
	if ve, ok := errors.AsType[*valueError](err); ok {
		return ve.reason
	}
	return "is not valid" // every check returns a *valueError
}

// isControl reports whether r is an ASCII control character.
func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// validCode checks that code can stand as the first segment of a key and
// be read back by a person: printable, without surrounding spaces.
func validCode(code string) error {
	var reason string
	switch {
	case strings.TrimSpace(code) != code:
		reason = "has leading or trailing spaces"
	case strings.ContainsFunc(code, isControl):
		reason = "has a control character"
	default:
		return nil
	}
	return &valueError{subject: "code", shown: strconv.Quote(code), reason: reason}
}

// validHeaderName reports whether s is an HTTP header name (a token of
// RFC 9110).
func validHeaderName(s string) bool { return httpguts.ValidHeaderFieldName(s) }

// invalidHeaderValue returns the index of the first byte of s that may not
// be in a header authentication value, or -1. httpguts alone lets bytes
// 0x80-0xff through (obs-text), whose reading the proxy does not define:
// header authentication is US-ASCII only.
func invalidHeaderValue(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || !httpguts.ValidHeaderFieldValue(s[i:i+1]) {
			return i
		}
	}
	return -1
}

// checkPort checks a port number.
func checkPort(n int64) error {
	if n >= 1 && n <= 65535 {
		return nil
	}
	return &valueError{subject: "port", shown: strconv.FormatInt(n, 10), reason: "must be a number from 1 to 65535"}
}

// validPort reports whether p, the port of a URL, is a number from 1 to
// 65535.
func validPort(p string) bool {
	n, err := strconv.ParseUint(p, 10, 16)
	return err == nil && checkPort(int64(n)) == nil
}

// validProxyHost reports whether h is an IP address or a host name of
// letters, digits, '-', '_' and '.'.
func validProxyHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	if h == "" || h[0] == '-' || h[0] == '.' {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

// errURLCredentials is the cause of the refusal of a base URL with
// credentials, which the connection file words with its own keys.
var errURLCredentials = errors.New("credentials in the URL")

// parseBaseURL checks and normalises the site's address: http or https, a
// host, no query, credentials or fragment; slashes in the prefix folded.
// Its errors show the URL without what may be a secret (see shownURL).
func parseBaseURL(s string) (*url.URL, error) {
	s = strings.TrimSpace(s)
	if strings.ContainsFunc(s, isControl) {
		return nil, baseURLError(nil, "has a control character", nil)
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, baseURLError(nil, "cannot be parsed: "+urlSyntax(s, err), nil)
	}
	refuse := func(reason string) error { return baseURLError(u, reason, nil) }
	var segs []string
	for seg := range strings.SplitSeq(u.Path, "/") {
		if seg != "" {
			segs = append(segs, seg)
		}
	}
	switch {
	case u.User != nil:
		return nil, baseURLError(u, "has credentials, which are not supported in the URL: use WithHeaderAuth or a client certificate", errURLCredentials)
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, refuse("must start with https:// (or http://), as in https://qlik.example.com/prefix")
	case u.Hostname() == "":
		return nil, refuse("has no host")
	case u.Port() != "" && !validPort(u.Port()):
		return nil, refuse("has a port that is not a number from 1 to 65535")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.Opaque != "":
		return nil, refuse("must not have a query or fragment: give https://host[:port][/prefix]")
	case len(segs) > 0 && strings.EqualFold(segs[len(segs)-1], "qrs"):
		return nil, refuse("ends in /qrs: give the site's address without it (https://host[:port][/prefix])")
	}
	u.Path = ""
	u.RawPath = ""
	if len(segs) > 0 {
		u.Path = "/" + strings.Join(segs, "/")
	}
	return u, nil
}

// baseURLError is parseBaseURL's refusal of a URL, parsed as u (nil when
// it cannot be).
func baseURLError(u *url.URL, reason string, cause error) error {
	e := &valueError{subject: "base URL", reason: reason, cause: cause}
	if u != nil {
		e.shown = shownURL(u)
	}
	return fmt.Errorf("qrs: %w", e)
}

// shownURL returns u quoted for an error, without what may hold a secret:
// the user and password are left out, and an opaque part, the query and
// the fragment show as "…".
func shownURL(u *url.URL) string {
	v := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath, OmitHost: u.OmitHost}
	if u.Opaque != "" {
		v = url.URL{Scheme: u.Scheme, Opaque: "…"}
	}
	s := v.String()
	if u.RawQuery != "" || u.ForceQuery {
		s += "?…"
	}
	if u.Fragment != "" {
		s += "#…"
	}
	return strconv.Quote(s)
}

// urlSyntax words why url.Parse refused s from the error's type, since
// its message quotes the part refused, which may be a secret.
func urlSyntax(s string, err error) string {
	switch {
	case errors.As(err, new(url.EscapeError)):
		return "invalid % escape"
	case errors.As(err, new(url.InvalidHostError)):
		return "invalid character in the host"
	case badPort(s):
		return "invalid port after host"
	}
	return "give https://host[:port][/prefix]"
}

// badPort reports whether the authority of s has a port that is not made
// of digits, the commonest reason for url.Parse to refuse a site address.
func badPort(s string) bool {
	_, rest, ok := strings.Cut(s, "//")
	if !ok {
		return false
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	host := rest[strings.LastIndexByte(rest, '@')+1:]
	if i := strings.LastIndexByte(host, ']'); i >= 0 {
		host = host[i+1:] // an IPv6 literal: the port follows the bracket
	}
	_, port, ok := strings.Cut(host, ":")
	return ok && strings.Trim(port, "0123456789") != ""
}

// checkClaimName checks the name of a user claim of a JWT: JWTClaims's
// UserIDClaim and DirectoryClaim, connection.auth.jwt.claims.*.
func checkClaimName(name string) error {
	if reason := claimTextReason(name, maxClaimName); reason != "" {
		return &valueError{subject: "claim name", reason: reason}
	}
	if slices.Contains(reservedClaims, name) {
		return &valueError{subject: "claim name", shown: strconv.Quote(name),
			reason: "is a claim the Client sets itself (" + strings.Join(reservedClaims, ", ") + "): the user needs a claim of its own"}
	}
	return nil
}

// checkClaimValue checks a user id or user directory of a JWT's claims.
func checkClaimValue(v string) error {
	if reason := claimTextReason(v, maxClaimValue); reason != "" {
		return &valueError{subject: "claim value", reason: reason}
	}
	if strings.Contains(v, `\`) {
		return &valueError{subject: "claim value", reason: `has a '\': give the user directory and the user id apart (CORP and svc_catalog), not DOMAIN\user`}
	}
	return nil
}

// claimTextReason checks a claim name or value: set, at most n bytes of
// UTF-8 without control characters or spaces at an end.
func claimTextReason(s string, n int) string {
	switch {
	case s == "":
		return "is empty"
	case len(s) > n:
		return fmt.Sprintf("is %d bytes long, more than %d", len(s), n)
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	case strings.ContainsFunc(s, isControl) || strings.TrimSpace(s) != s:
		return "has a control character or spaces at an end"
	}
	return ""
}

// checkWindowsUser checks the user of Windows authentication: DOMAIN\user
// or user@domain.
func checkWindowsUser(u string) error {
	domain, user, slash := strings.Cut(u, `\`)
	name, realm, at := strings.Cut(u, "@")
	var reason string
	switch {
	case u == "":
		reason = `is empty: give DOMAIN\user`
	case len(u) > maxWindowsUser:
		reason = fmt.Sprintf("is %d bytes long, more than %d", len(u), maxWindowsUser)
	case strings.ContainsFunc(u, isControl) || strings.TrimSpace(u) != u:
		reason = "has a control character, or spaces at an end"
	case slash && (domain == "" || user == "" || strings.Contains(user, `\`)):
		reason = `must be DOMAIN\user, with one backslash between a domain and a user name`
	case !slash && (!at || name == "" || realm == ""):
		reason = `must name its domain: DOMAIN\user (or user@domain)`
	default:
		return nil
	}
	return &valueError{subject: "Windows user", reason: reason}
}

// checkWindowsPassword checks the password of Windows authentication
// (never shown).
func checkWindowsPassword(p string) error {
	switch {
	case p == "":
		return &valueError{subject: "password", reason: "is empty: NTLM needs one"}
	case len(p) > maxWindowsPassword:
		return &valueError{subject: "password", reason: fmt.Sprintf("is %d bytes long, more than %d", len(p), maxWindowsPassword)}
	}
	return nil
}

// checkWindowsPattern checks a Windows authentication pattern, which goes
// in the user agent.
func checkWindowsPattern(p string) error {
	var reason string
	switch {
	case p == "":
		reason = `is empty (the virtual proxy's default is "Windows")`
	case len(p) > maxWindowsPattern:
		reason = fmt.Sprintf("is %d bytes long, more than %d", len(p), maxWindowsPattern)
	case invalidHeaderValue(p) >= 0 || strings.TrimSpace(p) != p:
		reason = "has a control or non-ASCII character, or spaces at an end: a user agent is US-ASCII"
	default:
		return nil
	}
	return &valueError{subject: "Windows authentication pattern", reason: reason}
}

// parseJWTAlgorithm returns the algorithm of a JWT virtual proxy that s
// names, in any letter case; "" is RS256.
func parseJWTAlgorithm(s string) (string, error) {
	alg := strings.ToUpper(s)
	if alg == "" {
		alg = "RS256"
	}
	if _, ok := jwtAlgorithms[alg]; !ok {
		return "", &valueError{subject: "algorithm", shown: strconv.Quote(truncate(s, 20)),
			reason: "is not RS256, RS384 or RS512, the algorithms of a JWT virtual proxy"}
	}
	return alg, nil
}

// checkJWTLifetime checks the lifetime of the tokens that the Client signs.
func checkJWTLifetime(d time.Duration) error {
	if d < minJWTLifetime || d > maxJWTLifetime {
		return &valueError{subject: "lifetime", shown: d.String(), reason: fmt.Sprintf("is out of range %v to %v", minJWTLifetime, maxJWTLifetime)}
	}
	return nil
}
