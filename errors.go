package qrs

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Sentinel errors, matched with errors.Is against the errors of a Client.
var (
	// ErrUnauthenticated means the server did not accept the
	// authentication: a redirect to a login page, 401, an HTML page where
	// JSON was expected, or a session the proxy refused.
	ErrUnauthenticated = errors.New("qrs: not authenticated")
	// ErrForbidden means 403: the user lacks rights, the host is not in the
	// virtual proxy's allow list, or the xrfkey was rejected.
	ErrForbidden = errors.New("qrs: forbidden")
	// ErrNotFound means 404, usually a URL without the virtual proxy prefix.
	ErrNotFound = errors.New("qrs: not found")
	// ErrNoDataModel means that an app has no data model recorded: the app
	// metadata endpoint answered 404 or an empty structure for it, as it
	// does for an app never reloaded on a release that records data models
	// ([Client.DataModel]). It is not an authentication failure.
	ErrNoDataModel = errors.New("qrs: no data model recorded")
	// ErrNoLineage means that an app has no lineage to read through the
	// Engine: it was never reloaded (or its last reload left none), or the
	// user lacks the reload right on it, which GetLineage needs (the error
	// then matches ErrForbidden as well). In a catalog it comes in an
	// [*EntryError] naming the app, and the catalog goes on.
	ErrNoLineage = errors.New("qrs: no lineage")
)

// An APIError is a response from the server that the Client could not use.
// URL holds the path of the request only: no query, no credentials.
type APIError struct {
	StatusCode int    // HTTP status; 200 for an HTML page where JSON was expected
	Method     string // e.g. GET
	URL        string // path of the request, e.g. /hdr/qrs/app/full
	Message    string // what went wrong and what to check; bounded in length

	kind error // one of the sentinels, or nil
}

// Error returns "qrs: GET /path: 403 Forbidden: message".
func (e *APIError) Error() string {
	status := fmt.Sprintf("%d %s", e.StatusCode, http.StatusText(e.StatusCode))
	return fmt.Sprintf("qrs: %s %s: %s: %s", e.Method, e.URL, strings.TrimSpace(status), e.Message)
}

// Is reports whether target is the sentinel that this error's status
// stands for (ErrUnauthenticated, ErrForbidden, ErrNotFound or
// ErrNoDataModel).
func (e *APIError) Is(target error) bool {
	return e.kind != nil && target == e.kind
}

// IsErrorStatus reports whether err is, or wraps, an *APIError with the
// given HTTP status.
func IsErrorStatus(err error, status int) bool {
	var e *APIError
	return errors.As(err, &e) && e.StatusCode == status
}

const xrfRejected = "XSRF prevention check failed"

// Hints: what each failure most often means on a Qlik Sense site.
const (
	hintNotFound = "check the URL: it takes the virtual proxy's prefix (https://host/prefix), not its name or description"
)

// newAPIError classifies a failed response. body is at most a few KiB of
// the response, scrubbed of the Client's secrets; renewed tells that the
// request was already a fresh authentication after a refused session;
// hintAuth says what to check when the authentication failed (the
// authentication mode's hint).
func newAPIError(method, path string, resp *http.Response, contentType string, body []byte, renewed bool, hintAuth string) *APIError {
	status := resp.StatusCode
	e := &APIError{StatusCode: status, Method: method, URL: path}
	text := bodyText(contentType, body)
	switch {
	case status < 200:
		e.Message = fmt.Sprintf("the server answered %d (switching to protocol %q) where a JSON answer belongs: "+
			"something between client and server is not the Qlik proxy", status, truncate(resp.Header.Get("Upgrade"), 40))
	case status >= 300 && status < 400:
		e.kind = ErrUnauthenticated
		e.Message = fmt.Sprintf("redirected to %s, most likely a login page (redirects are never followed): the virtual proxy did not authenticate the request; %s",
			redirectTarget(resp.Header.Get("Location")), hintAuth)
	case status == http.StatusUnauthorized:
		e.kind = ErrUnauthenticated
		e.Message = "the server refused the authentication; " + hintAuth
	case status == http.StatusInternalServerError && strings.Contains(text, "Authentication error"):
		e.kind = ErrUnauthenticated
		again := ""
		if renewed {
			again = " even after a fresh authentication"
		}
		e.Message = fmt.Sprintf("%q: the proxy refused the session%s; %s", text, again, hintAuth)
	case status == http.StatusForbidden && strings.Contains(text, xrfRejected):
		e.kind = ErrForbidden
		e.Message = "the server rejected the cross-site request forgery key (xrfkey): something between client and server " +
			"(a proxy or gateway) changed the query string or dropped the X-Qlik-Xrfkey header"
	case status == http.StatusForbidden:
		e.kind = ErrForbidden
		e.Message = "access denied: the user has no access to the repository API, the host name is not in the virtual proxy's " +
			"allow list, or all the user's sessions are in use" + quoteText(text)
	case status == http.StatusNotFound:
		e.kind = ErrNotFound
		e.Message = hintNotFound
	case status == http.StatusRequestURITooLong:
		e.Message = "the request URL is longer than the server accepts: shorten the filter"
	case status == http.StatusBadRequest:
		e.Message = "the server could not read the request (check the filter and orderby syntax)" + quoteText(text)
	case status == http.StatusTooManyRequests:
		e.Message = "the server asked to slow down (429 Too Many Requests), and still did after the retries (WithRetries)" + quoteText(text)
	case isHTML(contentType, body):
		e.kind = ErrUnauthenticated
		e.Message = "the server answered with an HTML page where JSON was expected, most likely a login page: " +
			"the virtual proxy did not authenticate the request; " + hintAuth
	case status >= 500:
		e.Message = "server error; the repository may be restarting" + quoteText(text)
	default:
		e.Message = "unexpected answer" + quoteText(text)
	}
	return e
}

// redirectTarget reduces a Location header to its path, since its query may
// carry tokens.
func redirectTarget(location string) string {
	if location == "" {
		return "an unnamed location"
	}
	if i := strings.IndexAny(location, "?#"); i >= 0 {
		location = location[:i]
	}
	return truncate(location, 200)
}

// isHTML reports whether a body is an HTML page, by its content type or
// its first bytes.
func isHTML(contentType string, body []byte) bool {
	if strings.Contains(strings.ToLower(contentType), "html") {
		return true
	}
	s := strings.TrimLeft(string(body), " \t\r\n\ufeff")
	return strings.HasPrefix(s, "<")
}

// bodyText turns an error body into one short line of text; HTML is not
// worth quoting.
func bodyText(contentType string, body []byte) string {
	if isHTML(contentType, body) {
		return ""
	}
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(body), "?")), " ")
	return truncate(s, 300)
}

func quoteText(s string) string {
	if s == "" {
		return ""
	}
	return fmt.Sprintf(" (server said %q)", s)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
