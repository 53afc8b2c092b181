package qrs

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// A request is one call of the site's APIs, under the base URL: QRS
// (/qrs/...), the app metadata API (/api/v1/...) or the proxy (/qps/...).
// Every request carries what QRS asks of every call: a fresh xrfkey in
// the query and the X-Qlik-Xrfkey header, the credentials, the session
// cookie.
type request struct {
	method string // GET when empty
	path   string // under the base URL, starting with /
	query  []param
	body   []byte // a JSON body, or nil

	// maxBody bounds the bytes of a listing's whole body (0: none), for
	// listings that are buffered whole.
	maxBody int64
	// caseless decodes into the caller's own types (List, Get), whose
	// fields match member names without regard to case.
	caseless bool
}

type param struct{ key, value string }

func (r *request) verb() string {
	if r.method == "" {
		return http.MethodGet
	}
	return r.method
}

// do sends r and returns the response to a 2xx answer: for 200 and 201,
// after checking that the body looks like JSON and dropping a byte-order
// mark. Any other answer is an *APIError. Connection errors and the
// statuses of checkRetry are retried within the request's budget of
// retries (see budgetFrom), which re-fetches of the same request share.
func (c *Client) do(ctx context.Context, r *request) (*response, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if budgetFrom(ctx) == nil {
		ctx = withBudget(ctx, newBudget(c.cfg.retries))
	}
	return c.send(ctx, r, false)
}

// send sends r once, and once more when the proxy refused the session it
// carried and the mode can open another; renewed tells that r is that
// second try.
func (c *Client) send(ctx context.Context, r *request, renewed bool) (*response, error) {
	tk, err := c.session.enter(ctx, c.auth.opensSessions())
	if err != nil {
		return nil, err
	}
	defer c.session.leave(&tk)
	if o, ok := c.auth.(sessionOpener); ok && tk.gate {
		// No session, and this request is the one let through to open it.
		if err := o.openSession(ctx, c, tk.gen); err != nil {
			return nil, err
		}
		tk.cookie, tk.gen, _ = c.session.current()
	}
	mayRenew := !renewed && c.auth.renewsSessions()

	method, fullPath := r.verb(), c.base.Path+r.path
	rctx, stop := context.WithCancelCause(ctx)
	idle := newIdleTimer(c.cfg.idleTimeout, stop)
	var overall *time.Timer
	if c.cfg.timeout > 0 {
		overall = time.AfterFunc(c.cfg.timeout, func() {
			stop(fmt.Errorf("the request took longer than %v (WithTimeout): %w", c.cfg.timeout, context.DeadlineExceeded))
		})
	}
	release := func() {
		idle.disarm()
		if overall != nil {
			overall.Stop()
		}
		stop(nil)
	}

	req, err := c.newRequest(context.WithValue(rctx, idleTimerKey{}, idle), method, fullPath, r, tk.cookie)
	if err != nil {
		release()
		return nil, err
	}
	sentCookie := tk.cookie != ""
	hresp, err := c.hc.Do(req)
	if err != nil {
		err = c.transportError(ctx, rctx, method, fullPath, err)
		release()
		return nil, err
	}
	c.session.keep(hresp, tk.gen)
	c.session.leave(&tk)

	resp := &response{
		status: hresp.StatusCode, header: hresp.Header, body: hresp.Body, release: release,
		method: method, path: fullPath, ctx: rctx, parent: ctx,
	}
	resp.r = bufio.NewReaderSize(&idleReader{r: hresp.Body, t: idle}, 64<<10)
	ct := hresp.Header.Get("Content-Type")
	switch s := hresp.StatusCode; {
	case s == http.StatusNoContent:
		return resp, nil
	case (s == http.StatusOK || s == http.StatusCreated) && !isHTML(ct, peekNonSpace(resp.r)):
		if bom, _ := resp.r.Peek(3); string(bom) == "\xef\xbb\xbf" {
			resp.r.Discard(3)
		}
		return resp, nil
	}
	var body []byte
	if hresp.StatusCode >= 200 { // a 101's body is the raw connection: never read it
		body, _ = io.ReadAll(io.LimitReader(resp.r, 4<<10))
	}
	resp.Close()
	apiErr := newAPIError(method, fullPath, hresp, ct, c.scrub(body), renewed, c.auth.hint())
	if rh, ok := c.auth.(refusalHandler); ok && errors.Is(apiErr, ErrUnauthenticated) && !sentCookie {
		rh.refused()
	}
	if errors.Is(apiErr, ErrUnauthenticated) && sentCookie && mayRenew {
		// A stale or refused session: forget it, unless another request
		// has renewed it already, and try once more.
		c.cfg.logger.Info("qrs: session refused; authenticating again", "path", fullPath, "status", hresp.StatusCode)
		c.session.drop(tk.gen)
		return c.send(ctx, r, true)
	}
	return nil, apiErr
}

func (c *Client) newRequest(ctx context.Context, method, fullPath string, r *request, cookie string) (*retryablehttp.Request, error) {
	key := newXrfKey()
	u := *c.base
	u.Path = fullPath
	u.RawQuery = encodeQuery(append(r.query, param{"xrfkey", key}))
	var body any
	if r.body != nil {
		body = r.body // retryablehttp sends it again on each try
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("qrs: %s %s: %v", method, fullPath, err)
	}
	h := req.Header
	h.Set("X-Qlik-Xrfkey", key)
	h.Set("Accept", "application/json")
	h.Set("User-Agent", userAgent)
	if r.body != nil {
		h.Set("Content-Type", "application/json")
	}
	if cookie != "" {
		h.Set("Cookie", cookie)
	}
	if err := c.auth.authorize(h, cookie != ""); err != nil {
		return nil, err
	}
	return req, nil
}

// newXrfKey returns 16 random characters of [0-9a-zA-Z], as QRS wants its
// cross-site request forgery key: the first 16 of crypto/rand.Text's 26
// (A-Z and 2-7, 80 bits).
func newXrfKey() string { return rand.Text()[:16] }

// encodeQuery encodes parameters with %20 for spaces, as QRS's own
// clients do; url.Values would write '+'.
func encodeQuery(ps []param) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(escape(p.key))
		b.WriteByte('=')
		b.WriteString(escape(p.value))
	}
	return b.String()
}

// escape percent-encodes everything but RFC 3986's unreserved characters;
// url.QueryEscape would write '+' for a space and leave '*' alone, and the
// X-Qlik-User header wants the same encoding.
func escape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// peekNonSpace returns the buffered bytes up to the first one that is not
// white space or a byte-order mark, so that an HTML page can be told from
// JSON without consuming anything.
func peekNonSpace(br *bufio.Reader) []byte {
	for n := 1; n <= 512; n++ {
		b, err := br.Peek(n)
		if len(b) < n || err != nil {
			return b
		}
		if strings.IndexByte(" \t\r\n\xef\xbb\xbf", b[n-1]) < 0 {
			return b
		}
	}
	b, _ := br.Peek(512)
	return b
}

// scrub replaces, in text a server sent back, every form of the Client's
// own secrets that an error page echoing the request could hold.
func (c *Client) scrub(text []byte) []byte {
	for _, s := range c.secrets() {
		for _, form := range secretForms(s) {
			text = bytes.ReplaceAll(text, []byte(form), []byte(redacted))
		}
	}
	return text
}

// secrets returns the values of the request that must never be shown: the
// authentication mode's (a header value, a token, a password) and the
// session cookies.
func (c *Client) secrets() []string {
	var out []string
	for _, v := range c.auth.secrets() {
		if v != "" {
			out = append(out, v)
		}
	}
	return append(out, c.session.values()...)
}

// secretForms returns s as it is and as an echoing page may encode it:
// URL-escaped and JSON-escaped.
func secretForms(s string) []string {
	forms := []string{s}
	for _, f := range []string{escape(s), strings.ReplaceAll(s, `\`, `\\`)} {
		if f != s {
			forms = append(forms, f)
		}
	}
	return forms
}
