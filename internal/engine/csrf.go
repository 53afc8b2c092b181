package engine

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// CSRFTokenHeader is the response header of the proxy's token endpoint,
// and CSRFTokenParam the query parameter that carries the token on the
// upgrade (a header alone is refused).
const (
	CSRFTokenHeader = "qlik-csrf-token"
	CSRFTokenParam  = "qlik-csrf-token"
)

// maxTokenLength bounds the token a server may hand out.
const maxTokenLength = 512

// CSRFToken asks the virtual proxy at baseURL (https://host[:port][/prefix])
// for the token that WebSockets need since November 2024:
// GET {baseURL}/qps/csrftoken through hc with header (the session cookie,
// or the authentication that opens a session). It returns the token, or ""
// when the server answers 404 (older releases, which need none), and the
// cookies the answer sets: the token request counts as a proxy session, so
// a caller without a cookie yet must keep them for the upgrade. Any other
// answer is a [*HandshakeError].
func CSRFToken(ctx context.Context, hc *http.Client, baseURL string, header http.Header) (string, []*http.Cookie, error) {
	if hc == nil {
		return "", nil, errors.New("engine: no HTTP client")
	}
	u, err := url.Parse(strings.TrimRight(baseURL, "/") + "/qps/csrftoken")
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", nil, errorf("%q is not an http:// or https:// base URL", redactURL(baseURL))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", nil, errorf("csrf token request: %v", err)
	}
	req.Header = header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return "", nil, ctx.Err()
		}
		return "", nil, errorf("csrf token request to %s: %s", redactURL(u.String()), dialCause(err))
	}
	defer resp.Body.Close()
	cookies := resp.Cookies()
	switch resp.StatusCode {
	case http.StatusNotFound:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return "", cookies, nil
	case http.StatusNoContent, http.StatusOK:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		tok := resp.Header.Get(CSRFTokenHeader)
		if tok == "" {
			return "", cookies, errorf("csrf token: the server answered %d without a %s header", resp.StatusCode, CSRFTokenHeader)
		}
		if !validToken(tok) {
			// The token is not shown: it is a session's secret.
			return "", cookies, errorf("csrf token: the server's %s header is not a token (%d bytes)", CSRFTokenHeader, len(tok))
		}
		return tok, cookies, nil
	}
	return "", cookies, handshakeError(resp)
}

// validToken accepts up to maxTokenLength printable ASCII characters
// other than space: the token goes into a URL query, escaped.
func validToken(s string) bool {
	if len(s) == 0 || len(s) > maxTokenLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// AppURL returns the WebSocket URL of an app behind the virtual proxy at
// baseURL: https becomes wss and http ws, then /app/{appID} (escaped) and,
// when token is not "", the CSRF token as the query parameter the proxy
// checks. For port 4747, give https://host:4747 and no token.
func AppURL(baseURL, appID, token string) (string, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || u.Host == "" {
		return "", errorf("%q is not a base URL", redactURL(baseURL))
	}
	switch u.Scheme {
	case "https", "wss":
		u.Scheme = "wss"
	case "http", "ws":
		u.Scheme = "ws"
	default:
		return "", errorf("%q is not an http:// or https:// base URL", redactURL(baseURL))
	}
	if appID == "" || strings.ContainsAny(appID, "/?#") {
		return "", errorf("%q is not an app id", clean(appID, 80))
	}
	u.RawQuery, u.Fragment = "", ""
	u.Path = strings.TrimRight(u.Path, "/") + "/app/" + appID
	u.RawPath = ""
	if token != "" {
		u.RawQuery = url.Values{CSRFTokenParam: {token}}.Encode()
	}
	return u.String(), nil
}
