package qrs_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/testserver"
)

// qrsRequests returns the logged requests to /qrs paths.
func qrsRequests(srv *testserver.Server) []testserver.Request {
	var out []testserver.Request
	for _, r := range srv.Requests() {
		if strings.HasPrefix(r.Path, "/qrs/") {
			out = append(out, r)
		}
	}
	return out
}

// rawGet sends GET srv.URL()+pathQuery with a plain net/http client and
// what QRS demands (xrfkey, the authentication header), independently of
// the code under test.
func rawGet(tb testing.TB, srv *testserver.Server, pathQuery string) *http.Response {
	tb.Helper()
	const key = "0123456789abcdef"
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: srv.CACertPool()}}}
	sep := "?"
	if strings.Contains(pathQuery, "?") {
		sep = "&"
	}
	req, err := http.NewRequest("GET", srv.URL()+pathQuery+sep+"xrfkey="+key, nil)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("X-Qlik-Xrfkey", key)
	req.Header.Set(authHeader, authUser)
	resp, err := hc.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		tb.Fatalf("GET %s: status %d", pathQuery, resp.StatusCode)
	}
	return resp
}

var xrfPattern = regexp.MustCompile(`^[0-9a-zA-Z]{16}$`)

func TestEveryRequestCarriesXrfKeyAndAuth(t *testing.T) {
	srv, c := startSite(t, testserver.Config{})
	ctx := t.Context()
	for range 5 {
		if _, err := c.ListApps(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := c.ListSheets(ctx, &qrs.ListOptions{Filter: "name sw 'P'"}); err != nil {
			t.Fatal(err)
		}
	}
	reqs := qrsRequests(srv)
	if len(reqs) != 10 {
		t.Fatalf("server saw %d requests, want 10", len(reqs))
	}
	seen := map[string]bool{}
	for _, r := range reqs {
		var q string
		for k, v := range r.Query {
			if strings.EqualFold(k, "xrfkey") {
				q = v[0]
			}
		}
		h := r.Header.Get("X-Qlik-Xrfkey")
		if q != h || !xrfPattern.MatchString(q) {
			t.Errorf("%s: xrfkey query %q, header %q: want the same 16 characters of [0-9a-zA-Z]", r.Path, q, h)
		}
		if seen[q] {
			t.Errorf("%s: xrfkey %q was used before", r.Path, q)
		}
		seen[q] = true
		if got := r.Header.Get(authHeader); got != authUser {
			t.Errorf("%s: %s = %q, want %q", r.Path, authHeader, got, authUser)
		}
		if got := r.Header.Get("Accept"); got != "application/json" {
			t.Errorf("%s: Accept = %q", r.Path, got)
		}
		if got := r.Header.Get("User-Agent"); !strings.HasPrefix(got, "qrs-go/"+qrs.Version) {
			t.Errorf("%s: User-Agent = %q", r.Path, got)
		}
		if r.Status != http.StatusOK {
			t.Errorf("%s: status %d", r.Path, r.Status)
		}
	}
}

func TestOneSessionForManyCalls(t *testing.T) {
	srv, c := startSite(t, testserver.Config{})
	ctx := t.Context()
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.ListApps(ctx, nil)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.Sessions(); n != 1 {
		t.Errorf("the server opened %d sessions for one client, want 1", n)
	}
	reqs := qrsRequests(srv)
	withCookie := 0
	for _, r := range reqs {
		if len(r.Cookies) > 0 {
			withCookie++
		}
	}
	if withCookie != len(reqs)-1 {
		t.Errorf("%d of %d requests sent the session cookie, want all but the first", withCookie, len(reqs))
	}
}

func TestStaleSessionIsRenewedOnce(t *testing.T) {
	srv, c := startSite(t, testserver.Config{})
	ctx := t.Context()
	if _, err := c.ListApps(ctx, nil); err != nil {
		t.Fatal(err)
	}
	srv.ExpireSessions() // the proxy restarted: the cookie is stale
	if _, err := c.ListApps(ctx, nil); err != nil {
		t.Fatalf("after the session expired: %v", err)
	}
	if n := srv.Sessions(); n != 2 {
		t.Errorf("sessions = %d, want 2 (the first, then one after the stale cookie)", n)
	}
	// A proxy that keeps refusing gets one more try, then a clear error.
	srv.AddFault(testserver.Fault{Path: "/qrs/app/full", AuthError500: true, Times: 2})
	_, err := c.ListApps(ctx, nil)
	if !errors.Is(err, qrs.ErrUnauthenticated) {
		t.Fatalf("err = %v, want ErrUnauthenticated", err)
	}
	if !strings.Contains(err.Error(), "Authentication error") {
		t.Errorf("err = %q, want it to quote the proxy", err)
	}
	if n := srv.Count("/qrs/app/full"); n != 5 {
		t.Errorf("requests = %d, want 5 (a good call, one refused for its stale cookie and renewed, then the refused call and its one retry)", n)
	}
}

func TestRedirectIsNeverFollowed(t *testing.T) {
	var hits int
	var mu sync.Mutex
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
	}))
	defer elsewhere.Close()
	srv, c := startSite(t, testserver.Config{})
	srv.AddFault(testserver.Fault{
		Status: http.StatusFound,
		Header: http.Header{"Location": {elsewhere.URL + "/internal_forms_authentication/?targetId=abc&token=xyz"}},
	})
	_, err := c.ListApps(t.Context(), nil)
	if !errors.Is(err, qrs.ErrUnauthenticated) {
		t.Fatalf("err = %v, want ErrUnauthenticated", err)
	}
	if strings.Contains(err.Error(), "token=xyz") {
		t.Errorf("err = %q shows the redirect's query", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if hits != 0 {
		t.Errorf("the redirect target got %d requests, want 0", hits)
	}
}

func TestAuthenticationFailures(t *testing.T) {
	tests := []struct {
		name    string
		failure testserver.AuthFailure
		status  int
	}{
		{"redirect", testserver.AuthRedirect, http.StatusFound},
		{"401", testserver.Auth401, http.StatusUnauthorized},
		{"HTML with 200", testserver.AuthHTML200, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := startSite(t, testserver.Config{AuthFailure: tt.failure, Users: []string{`QTSEL\someone.else`}})
			c, err := qrs.NewClient(srv.URL(), qrs.WithRootCAs(srv.CACertPool()), qrs.WithHeaderAuth(authHeader, authUser))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.ListApps(t.Context(), nil)
			if !errors.Is(err, qrs.ErrUnauthenticated) {
				t.Fatalf("err = %v, want ErrUnauthenticated", err)
			}
			var apiErr *qrs.APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != tt.status {
				t.Fatalf("err = %#v, want an *APIError with status %d", err, tt.status)
			}
			if apiErr.URL != "/hdr/qrs/app/full" || apiErr.Method != http.MethodGet {
				t.Errorf("APIError names %s %s, want GET /hdr/qrs/app/full", apiErr.Method, apiErr.URL)
			}
			msg := err.Error()
			if !strings.Contains(msg, "connection.auth.key") || strings.Contains(msg, "kate.bell") {
				t.Errorf("err = %q, want a hint and no user", msg)
			}
			if n := srv.Count("/qrs/app/full"); n != 1 {
				t.Errorf("requests = %d, want 1 (no cookie was sent, so no second try)", n)
			}
		})
	}
}

func TestStatusErrors(t *testing.T) {
	tests := []struct {
		name     string
		fault    testserver.Fault
		sentinel error
		want     string
		requests int
	}{
		{"xrfkey", testserver.Fault{Status: 403, Body: "XSRF prevention check failed. Possible XSRF discovered."}, qrs.ErrForbidden, "xrfkey", 1},
		{"forbidden", testserver.Fault{Status: 403, Body: "Access denied"}, qrs.ErrForbidden, "allow list", 1},
		{"not found", testserver.Fault{Status: 404}, qrs.ErrNotFound, "prefix", 1},
		{"bad request", testserver.Fault{Status: 400, Body: "Cannot parse the expression"}, nil, "Cannot parse the expression", 1},
		{"conflict", testserver.Fault{Status: 409, Body: "x"}, nil, "unexpected answer", 1},
		{"server error", testserver.Fault{Status: 500, Body: "One or more errors occurred.", Times: 10}, nil, "One or more errors occurred", 3},
		{"unavailable", testserver.Fault{Status: 503, Times: 10}, nil, "503", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c := startSite(t, testserver.Config{}, qrs.WithRetries(2))
			srv.AddFault(tt.fault)
			_, err := c.ListApps(t.Context(), nil)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("err = %v, want %v", err, tt.sentinel)
			}
			for _, s := range []error{qrs.ErrUnauthenticated, qrs.ErrForbidden, qrs.ErrNotFound} {
				if s != tt.sentinel && errors.Is(err, s) {
					t.Errorf("err = %v matches %v too", err, s)
				}
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q, want it to contain %q", err, tt.want)
			}
			if !qrs.IsErrorStatus(err, tt.fault.Status) {
				t.Errorf("IsErrorStatus(err, %d) = false", tt.fault.Status)
			}
			if n := srv.Count("/qrs/app/full"); n != tt.requests {
				t.Errorf("requests = %d, want %d", n, tt.requests)
			}
		})
	}
}

func TestRetriesThenSuccess(t *testing.T) {
	srv, c := startSite(t, testserver.Config{}, qrs.WithRetries(4))
	srv.AddFault(testserver.Fault{Path: "/qrs/app/full", Status: 503, Times: 2})
	srv.AddFault(testserver.Fault{Path: "/qrs/app/full", Status: 429, Header: http.Header{"Retry-After": {"0"}}})
	srv.AddFault(testserver.Fault{Path: "/qrs/app/full", ResetBeforeResponse: true})
	apps, err := c.ListApps(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(apps) != 4 {
		t.Errorf("got %d apps, want 4", len(apps))
	}
	if n := srv.Count("/qrs/app/full"); n != 5 {
		t.Errorf("requests = %d, want 5 (four faults, one success)", n)
	}
}

func TestRetryAfterIsHonouredWithinCap(t *testing.T) {
	srv, c := startSite(t, testserver.Config{}, qrs.WithRetries(1), qrs.WithRetryBackoff(time.Millisecond, 300*time.Millisecond))
	srv.AddFault(testserver.Fault{Status: 503, Header: http.Header{"Retry-After": {"1"}}})
	start := time.Now()
	if _, err := c.ListApps(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	// Retry-After asks for 1s; the cap is 300ms. Waiting less than the cap
	// means Retry-After was ignored; a second or more means the cap was.
	if d := time.Since(start); d < 300*time.Millisecond || d >= time.Second {
		t.Errorf("the retry came after %v, want the 300ms cap", d)
	}
}

func TestCancellation(t *testing.T) {
	site := testserver.Generate(testserver.GenConfig{Seed: 1, Apps: 50, Sheets: 5000})
	srv, c := startSite(t, testserver.Config{Site: site})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	n := 0
	var last error
	for _, err := range c.Sheets(ctx, nil) {
		if err != nil {
			last = err
			break
		}
		n++
		if n == 10 {
			cancel()
		}
	}
	if !errors.Is(last, context.Canceled) {
		t.Fatalf("after cancel: err = %v after %d sheets, want context.Canceled", last, n)
	}
	if last != context.Canceled {
		t.Errorf("err = %#v, want context.Canceled itself", last)
	}
	if n >= 5000 {
		t.Errorf("read all %d sheets despite the cancel", n)
	}
	// A context that is already done sends nothing.
	before := len(srv.Requests())
	if _, err := c.ListApps(ctx, nil); err != context.Canceled {
		t.Errorf("ListApps with a done context: %v", err)
	}
	if after := len(srv.Requests()); after != before {
		t.Errorf("a done context still sent %d requests", after-before)
	}
}

func TestFiltersAreCombinedAndQuoted(t *testing.T) {
	srv, c := startSite(t, testserver.Config{})
	ctx := t.Context()
	names := []string{`Cost "Centres" \ Detail`, "Omar's drill-down", "P&L Overview"}
	for _, name := range names {
		sheets, err := c.ListSheets(ctx, &qrs.ListOptions{Filter: "name eq " + qrs.Quote(name)})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(sheets) != 1 || sheets[0].Name != name {
			t.Errorf("filter on %q found %d sheets: %+v", name, len(sheets), sheets)
		}
	}
	reqs := qrsRequests(srv)
	want := "objectType eq 'sheet' and (name eq " + qrs.Quote(names[2]) + ")"
	if got := reqs[len(reqs)-1].Query.Get("filter"); got != want {
		t.Errorf("filter sent = %q, want %q", got, want)
	}
	if raw := reqs[len(reqs)-1].RawQuery; strings.Contains(raw, "+") || strings.Contains(raw, "&L") {
		t.Errorf("raw query %q: spaces must be %%20 and & encoded", raw)
	}
	// An "or" in the caller's filter must not escape the sheet condition.
	sheets, err := c.ListSheets(ctx, &qrs.ListOptions{Filter: "name eq 'Q4 close story' or objectType eq 'masterobject'"})
	if err != nil {
		t.Fatal(err)
	}
	if len(sheets) != 0 {
		t.Errorf("got %d objects, want none: the story and the master object are not sheets", len(sheets))
	}
	// Ordering goes through.
	sheets, err = c.ListSheets(ctx, &qrs.ListOptions{OrderBy: "name desc"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(sheets); i++ {
		if strings.ToLower(sheets[i-1].Name) < strings.ToLower(sheets[i].Name) {
			t.Errorf("not in descending order: %q before %q", sheets[i-1].Name, sheets[i].Name)
		}
	}
	// A filter the server cannot parse is a clear 400.
	_, err = c.ListApps(ctx, &qrs.ListOptions{Filter: "name eq"})
	if !qrs.IsErrorStatus(err, http.StatusBadRequest) || !strings.Contains(err.Error(), "filter") {
		t.Errorf("bad filter: err = %v, want a 400 that mentions the filter", err)
	}
}

func FuzzQuote(f *testing.F) {
	for _, s := range []string{"", "a", "'", `\`, `\'`, `'\`, "Q1'25", `C:\dir\`, "é 中 🙂", "a or b", "))(("} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		expr, err := testserver.ParseFilter("name eq " + qrs.Quote(s))
		if err != nil {
			t.Fatalf("the server cannot parse Quote(%q) = %s: %v", s, qrs.Quote(s), err)
		}
		obj := map[string]any{"name": s}
		if !expr.Match(obj) {
			t.Fatalf("name eq %s does not match the name %q", qrs.Quote(s), s)
		}
		if expr.Match(map[string]any{"name": s + "x"}) {
			t.Fatalf("name eq %s matches %q", qrs.Quote(s), s+"x")
		}
	})
}

func TestURLLengthLimit(t *testing.T) {
	srv, c := startSite(t, testserver.Config{MaxURLLength: 2048})
	_, err := c.ListApps(t.Context(), &qrs.ListOptions{Filter: "name eq " + qrs.Quote(strings.Repeat("x", 3000))})
	if !qrs.IsErrorStatus(err, http.StatusRequestURITooLong) {
		t.Fatalf("err = %v, want 414", err)
	}
	if n := len(qrsRequests(srv)); n > 1 {
		t.Errorf("sent %d requests, want 1 (a 414 is not retried)", n)
	}
}

func TestRequestPathsUsePrefix(t *testing.T) {
	srv, _ := startSite(t, testserver.Config{})
	u, _ := url.Parse(srv.URL())
	// The same site addressed with a trailing slash and doubled slashes.
	for _, base := range []string{srv.URL() + "/", u.Scheme + "://" + u.Host + "//hdr//"} {
		c, err := qrs.NewClient(base, qrs.WithRootCAs(srv.CACertPool()), qrs.WithHeaderAuth(authHeader, authUser))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.ListApps(t.Context(), nil); err != nil {
			t.Errorf("%s: %v", base, err)
		}
	}
	// Without the prefix the proxy does not know the path.
	c, err := qrs.NewClient(u.Scheme+"://"+u.Host, qrs.WithRootCAs(srv.CACertPool()), qrs.WithHeaderAuth(authHeader, authUser))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListApps(t.Context(), nil); !errors.Is(err, qrs.ErrNotFound) {
		t.Errorf("without the prefix: err = %v, want ErrNotFound", err)
	}
}
