package qrs_test

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/ntlmtest"
	"github.com/qrskit/qrs/internal/testserver"
)

// The Windows tests with a password run against the real NTLM verifier of
// internal/ntlmtest (apache2, mod_auth_gssapi, gss-ntlmssp), which the
// test server's authentication module relays to; they skip, naming the
// packages, when apache2 is missing, and fail then under
// QRS_REQUIRE_PROXIES=1. The tests of hostile answers use a module of
// their own, and need no apache2.

var winUser = ntlmtest.User{Domain: "EXAMPLE", Name: "alice", Password: "Wint3r pass-8841"}

const winName = `EXAMPLE\alice`

// startWindowsSite starts a verifier knowing winUser, and a Windows virtual
// proxy in front of it; more adjusts the configuration.
func startWindowsSite(t *testing.T, more func(*testserver.Config)) (*testserver.Server, *ntlmtest.Verifier) {
	t.Helper()
	v := ntlmtest.Start(t, winUser)
	cfg := testserver.Config{Site: loadSite(t, "testdata/qrs"), Users: []string{winName}, Windows: &testserver.WindowsAuth{Verifier: v.URL}}
	if more != nil {
		more(&cfg)
	}
	srv, err := testserver.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv, v
}

// moduleRequests counts the requests the authentication module saw.
func moduleRequests(srv *testserver.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Module {
			n++
		}
	}
	return n
}

// awaitAuthenticated waits until apache has logged a 200 for user, which
// it writes just after it answers.
func awaitAuthenticated(t *testing.T, v *ntlmtest.Verifier, user string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !slices.Contains(v.Authenticated(), user) {
		if time.Now().After(deadline) {
			t.Fatalf("apache authenticated %q, want %s\n%s", v.Authenticated(), user, v.Log())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestWindowsAuth(t *testing.T) {
	srv, v := startWindowsSite(t, nil)
	c := newTestClient(t, srv, qrs.WithWindowsAuth(winName, winUser.Password))
	for range 3 {
		if _, err := c.ListApps(t.Context(), nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.Sessions(); n != 1 {
		t.Errorf("%d sessions, want 1", n)
	}
	reqs := srv.Requests()
	var steps []string
	for _, r := range reqs {
		switch {
		case r.Module:
			steps = append(steps, "module "+strings.Fields(r.Header.Get("Authorization") + " none")[0])
			if r.Header.Get("Cookie") != "" {
				t.Errorf("the module got cookies")
			}
		case r.Query.Get("qlikTicket") != "":
			steps = append(steps, "ticket "+r.Path)
		default:
			steps = append(steps, r.Path)
		}
		if !strings.Contains(r.Header.Get("User-Agent"), "Windows") {
			t.Errorf("%s: User-Agent %q lacks the pattern", r.Path, r.Header.Get("User-Agent"))
		}
	}
	want := []string{"/qrs/about", "module none", "module NTLM", "module NTLM", "ticket /qrs/about", "/qrs/app/full", "/qrs/app/full", "/qrs/app/full"}
	if !slices.Equal(steps, want) {
		t.Fatalf("requests %q\nwant %q", steps, want)
	}
	for _, r := range reqs[5:] {
		if r.User != winName || len(r.Cookies) != 1 || r.Cookies[0].Name != "X-Qlik-Session" {
			t.Errorf("request: user %q, cookies %v; want the session", r.User, r.Cookies)
		}
	}
	awaitAuthenticated(t, v, winName)
	if s := c.String(); !strings.Contains(s, "Windows "+winName) || strings.Contains(s, winUser.Password) {
		t.Errorf("String() = %q", s)
	}
}

func TestWindowsOneExchangeForConcurrentCalls(t *testing.T) {
	srv, _ := startWindowsSite(t, nil)
	c := newTestClient(t, srv, qrs.WithWindowsAuth(winName, winUser.Password))
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for range 40 {
		wg.Go(func() {
			_, err := c.ListApps(t.Context(), nil)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n, m := srv.Sessions(), moduleRequests(srv); n != 1 || m != 3 {
		t.Errorf("%d sessions and %d module requests for 40 concurrent calls, want 1 and 3 (one exchange)", n, m)
	}
}

func TestWindowsWrongPassword(t *testing.T) {
	srv, _ := startWindowsSite(t, nil)
	c := newTestClient(t, srv, qrs.WithWindowsAuth(winName, "not the password"))
	_, err := c.ListApps(t.Context(), nil)
	if !errors.Is(err, qrs.ErrUnauthenticated) || !qrs.IsErrorStatus(err, 401) || !strings.Contains(err.Error(), "refused the password of "+winName) {
		t.Fatalf("err = %v, want the module's refusal of the password", err)
	}
	if srv.Sessions() != 0 || moduleRequests(srv) != 3 {
		t.Errorf("%d sessions, %d module requests; want 0 and 3", srv.Sessions(), moduleRequests(srv))
	}
	// Never sent again by this Client: a wrong password must not lock the account out.
	n := len(srv.Requests())
	_, err2 := c.ListApps(t.Context(), nil)
	if err2 == nil || err2.Error() != err.Error() || len(srv.Requests()) != n {
		t.Errorf("second call: %v, %d more requests; want the same error and none", err2, len(srv.Requests())-n)
	}
	// Nor an unknown user's.
	c = newTestClient(t, srv, qrs.WithWindowsAuth(`EXAMPLE\mallory`, winUser.Password))
	if _, err := c.ListApps(t.Context(), nil); !errors.Is(err, qrs.ErrUnauthenticated) || !strings.Contains(err.Error(), "refused the password") {
		t.Errorf("unknown user: err = %v", err)
	}
}

func TestWindowsUserAgentPattern(t *testing.T) {
	srv, _ := startWindowsSite(t, func(cfg *testserver.Config) { cfg.Windows.Pattern = "Mozilla" })
	c := newTestClient(t, srv, qrs.WithWindowsAuth(winName, winUser.Password))
	_, err := c.ListApps(t.Context(), nil)
	if !errors.Is(err, qrs.ErrUnauthenticated) || !strings.Contains(err.Error(), `forms login page`) ||
		!strings.Contains(err.Error(), `held the Windows pattern "Windows"`) || !strings.Contains(err.Error(), `"Mozilla"`) {
		t.Fatalf("err = %v, want the forms login page explained", err)
	}
	if moduleRequests(srv) != 0 {
		t.Errorf("%d module requests, want 0", moduleRequests(srv))
	}
	c = newTestClient(t, srv, qrs.WithWindowsAuth(winName, winUser.Password), qrs.WithWindowsUserAgent("Mozilla"))
	if _, err := c.ListApps(t.Context(), nil); err != nil {
		t.Fatalf("with the site's pattern: %v", err)
	}
}

func TestWindowsKerberosOnly(t *testing.T) {
	v := ntlmtest.StartKerberosOnly(t)
	srv, err := testserver.Start(testserver.Config{Site: testserver.DemoSite(), Windows: &testserver.WindowsAuth{Verifier: v.URL}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := newTestClient(t, srv, qrs.WithWindowsAuth(winName, winUser.Password))
	_, err = c.ListApps(t.Context(), nil)
	if !errors.Is(err, qrs.ErrUnauthenticated) || !strings.Contains(err.Error(), "offers only Negotiate without NTLM (Kerberos)") {
		t.Fatalf("err = %v, want the Kerberos-only module explained", err)
	}
	if srv.Sessions() != 0 {
		t.Errorf("%d sessions", srv.Sessions())
	}
}

func TestWindowsStaleSessionRenewed(t *testing.T) {
	for _, ignore := range []bool{false, true} {
		t.Run(map[bool]string{false: "500", true: "redirect to the module"}[ignore], func(t *testing.T) {
			srv, _ := startWindowsSite(t, func(cfg *testserver.Config) { cfg.IgnoreStaleCookies = ignore; cfg.Prefix = "win" })
			c := newTestClient(t, srv, qrs.WithWindowsAuth(winName, winUser.Password))
			if _, err := c.ListApps(t.Context(), nil); err != nil {
				t.Fatal(err)
			}
			srv.ExpireSessions()
			if _, err := c.ListApps(t.Context(), nil); err != nil {
				t.Fatalf("after the session expired: %v", err)
			}
			if srv.Sessions() != 2 || moduleRequests(srv) != 6 {
				t.Errorf("%d sessions, %d module requests; want 2 and 6 (two exchanges)", srv.Sessions(), moduleRequests(srv))
			}
		})
	}
}

func TestWindowsOptionsRefused(t *testing.T) {
	for _, tt := range []struct {
		base string
		opts []qrs.Option
		want string
	}{
		{"https://q", []qrs.Option{qrs.WithWindowsAuth("", "pw")}, "the user is empty"},
		{"https://q", []qrs.Option{qrs.WithWindowsAuth("alice", "pw")}, "must name its domain"},
		{"https://q", []qrs.Option{qrs.WithWindowsAuth(`\alice`, "pw")}, "one backslash"},
		{"https://q", []qrs.Option{qrs.WithWindowsAuth(`A\b\c`, "pw")}, "one backslash"},
		{"https://q", []qrs.Option{qrs.WithWindowsAuth("alice@", "pw")}, "must name its domain"},
		{"https://q", []qrs.Option{qrs.WithWindowsAuth("A\\al\nice", "pw")}, "control character"},
		{"https://q", []qrs.Option{qrs.WithWindowsAuth(winName, "")}, "password is empty"},
		{"https://q", []qrs.Option{qrs.WithWindowsUserAgent("")}, "pattern is empty"},
		{"https://q", []qrs.Option{qrs.WithWindowsUserAgent("Win\x00dows")}, "control"},
		{"https://q", []qrs.Option{qrs.WithWindowsUserAgent("Mozilla")}, "needs WithWindowsAuth"},
		{"http://q", []qrs.Option{qrs.WithWindowsAuth(winName, "pw-1234")}, "only over https"},
		{"https://q", []qrs.Option{qrs.WithWindowsAuth(winName, "pw-1234"), qrs.WithHeaderAuth("h", `A\b`)}, "WithHeaderAuth and WithWindowsAuth"},
	} {
		_, err := qrs.NewClient(tt.base, tt.opts...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("err = %v, want %q", err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "pw-1234") {
			t.Errorf("err = %v shows the password", err)
		}
	}
	if _, err := qrs.NewClient("https://q", qrs.WithWindowsAuth("alice@example.com", "pw")); err != nil {
		t.Errorf("user@domain: %v", err)
	}
}

// connCounter counts the connections a server accepts: a Client that
// followed a redirect there would make one, whatever happened next.
type connCounter struct{ n atomic.Int32 }

func (c *connCounter) hook(srv *httptest.Server) {
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			c.n.Add(1)
		}
	}
}

// foreign starts a server on 127.0.0.1 that counts its connections; its
// URL names it localhost, a host other than the site's 127.0.0.1.
func foreign(t *testing.T) (string, *connCounter) {
	t.Helper()
	cc := &connCounter{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	cc.hook(srv)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	return "https://localhost:" + port, cc
}

// challenge is a minimal NTLM challenge message (type 2), as a module
// would send: NTLM, Unicode and extended session security, no target.
func challenge() []byte {
	b := make([]byte, 48)
	copy(b, "NTLMSSP\x00")
	binary.LittleEndian.PutUint32(b[8:], 2)
	binary.LittleEndian.PutUint32(b[20:], 0x00088201)
	copy(b[24:32], "chalenge")
	return b
}

// hostileModule starts a module on 127.0.0.1 (the site's host) that
// answers with serve; it returns a Client (with opts) whose proxy, a test
// server without authentication, redirects there, the proxy, and the
// module's connection counter.
func hostileModule(t *testing.T, serve func(w http.ResponseWriter, r *http.Request, srv *testserver.Server), opts ...qrs.Option) (*qrs.Client, *testserver.Server, *connCounter) {
	t.Helper()
	srv, err := testserver.Start(testserver.Config{Site: testserver.DemoSite()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	cc := &connCounter{}
	mod := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { serve(w, r, srv) }))
	cc.hook(mod)
	mod.StartTLS()
	t.Cleanup(mod.Close)
	srv.AddFault(testserver.Fault{Path: "/qrs/about", Status: http.StatusFound,
		Header: http.Header{"Location": {mod.URL + "/internal_windows_authentication/?targetId=t1"}}})
	pool := srv.CACertPool()
	pool.AddCert(mod.Certificate())
	base := []qrs.Option{qrs.WithRootCAs(pool), qrs.WithProxy(""), qrs.WithRetries(0), qrs.WithWindowsAuth(winName, "hostile-pass-1")}
	c, err := qrs.NewClient(srv.URL(), append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, srv, cc
}

// ntlmLeg tells which NTLM message a request to the module carries: 0 for
// none, 1 negotiate, 3 authenticate.
func ntlmLeg(r *http.Request) int {
	_, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	msg, err := base64.StdEncoding.DecodeString(token)
	if err != nil || len(msg) < 12 {
		return 0
	}
	return int(binary.LittleEndian.Uint32(msg[8:]))
}

func TestWindowsHostileAnswers(t *testing.T) {
	far, farConns := foreign(t)
	tests := []struct {
		name    string
		proxy   string // the proxy's Location, when not the module
		module  func(w http.ResponseWriter, r *http.Request, srv *testserver.Server)
		want    string
		modConn bool // whether the module is contacted
		notAuth bool // an error of the exchange, not of the authentication
	}{
		{name: "proxy without authentication", proxy: "none", want: "without a session cookie"},
		{name: "redirect to a foreign host", proxy: far + "/internal_windows_authentication/?targetId=x",
			want: "is not the site's Windows authentication module"},
		{name: "redirect elsewhere on the site", proxy: "/elsewhere/?targetId=x", want: "is not the site's Windows authentication module"},
		{name: "plain http module", proxy: "http://127.0.0.1:1/internal_windows_authentication/?targetId=x", want: "plain http"},
		{name: "forms login page", proxy: "/internal_forms_authentication/?targetId=x", want: "forms login page"},
		{name: "Basic only", modConn: true, want: "neither NTLM nor Negotiate", module: func(w http.ResponseWriter, r *http.Request, _ *testserver.Server) {
			w.Header().Set("WWW-Authenticate", `Basic realm="x"`)
			w.WriteHeader(401)
		}},
		{name: "back to a foreign host", modConn: true, want: "not back to", module: func(w http.ResponseWriter, r *http.Request, _ *testserver.Server) {
			ntlmAnswers(w, r, func() { w.Header().Set("Location", far+"/qrs/about?qlikTicket=T"); w.WriteHeader(302) })
		}},
		{name: "back without a ticket", modConn: true, want: "without a qlikTicket", module: func(w http.ResponseWriter, r *http.Request, srv *testserver.Server) {
			ntlmAnswers(w, r, func() { w.Header().Set("Location", srv.URL()+"/qrs/about?xrfkey=x"); w.WriteHeader(302) })
		}},
		{name: "back with another query", modConn: true, want: "another query", module: func(w http.ResponseWriter, r *http.Request, srv *testserver.Server) {
			ntlmAnswers(w, r, func() {
				w.Header().Set("Location", srv.URL()+"/qrs/about?xrfkey=0123456789abcdef&qlikTicket=T")
				w.WriteHeader(302)
			})
		}},
		{name: "garbled challenge", modConn: true, want: "challenge cannot be answered", module: func(w http.ResponseWriter, r *http.Request, _ *testserver.Server) {
			c := challenge()
			binary.LittleEndian.PutUint16(c[40:], 500) // target info beyond the message
			binary.LittleEndian.PutUint32(c[44:], 0xfffffff0)
			if ntlmLeg(r) == 1 {
				w.Header().Set("WWW-Authenticate", "NTLM "+base64.StdEncoding.EncodeToString(c))
			} else {
				w.Header().Set("WWW-Authenticate", "NTLM")
			}
			w.WriteHeader(401)
		}},
		{name: "no challenge", modConn: true, want: "no NTLM challenge", module: func(w http.ResponseWriter, r *http.Request, _ *testserver.Server) {
			w.Header().Set("WWW-Authenticate", "NTLM")
			w.WriteHeader(401)
		}},
		{name: "connection not kept", modConn: true, want: "did not stay open", module: func(w http.ResponseWriter, r *http.Request, _ *testserver.Server) {
			if ntlmLeg(r) == 1 {
				w.Header().Set("Connection", "close")
			}
			ntlmAnswers(w, r, func() { w.WriteHeader(401) })
		}},
		{name: "user refused", modConn: true, want: "refused " + winName + " (403)", module: func(w http.ResponseWriter, r *http.Request, _ *testserver.Server) {
			ntlmAnswers(w, r, func() { w.WriteHeader(403) })
		}},
		{name: "huge body", modConn: true, notAuth: true, want: "longer than", module: func(w http.ResponseWriter, r *http.Request, _ *testserver.Server) {
			w.Header().Set("WWW-Authenticate", "NTLM")
			w.WriteHeader(401)
			w.Write(make([]byte, 100<<10))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			module := tt.module
			if module == nil {
				module = func(w http.ResponseWriter, r *http.Request, _ *testserver.Server) {}
			}
			c, srv, modConns := hostileModule(t, module)
			if tt.proxy != "" {
				srv.ClearFaults()
				if loc := tt.proxy; loc != "none" {
					if strings.HasPrefix(loc, "/") {
						loc = srv.URL() + loc
					}
					srv.AddFault(testserver.Fault{Path: "/qrs/about", Status: http.StatusFound, Header: http.Header{"Location": {loc}}})
				}
			}
			before := farConns.n.Load()
			_, err := c.ListApps(t.Context(), nil)
			if err == nil || errors.Is(err, qrs.ErrUnauthenticated) == tt.notAuth || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it saying %q (ErrUnauthenticated: %v)", err, tt.want, !tt.notAuth)
			}
			if strings.Contains(err.Error(), "hostile-pass-1") || strings.Contains(err.Error(), "targetId") || strings.Contains(err.Error(), "qlikTicket=T") {
				t.Errorf("err = %v shows a secret", err)
			}
			if n := farConns.n.Load() - before; n != 0 {
				t.Errorf("the foreign host got %d connections, want 0", n)
			}
			if got := modConns.n.Load() > 0; got != tt.modConn {
				t.Errorf("module contacted: %v, want %v", got, tt.modConn)
			}
			if n := len(qrsRequests(srv)); n > 1 {
				t.Errorf("%d requests to the proxy, want 1", n)
			}
		})
	}
}

// ntlmAnswers answers a module request as a module does until the last
// NTLM message, which done answers.
func ntlmAnswers(w http.ResponseWriter, r *http.Request, done func()) {
	switch ntlmLeg(r) {
	case 0:
		w.Header().Add("WWW-Authenticate", "Negotiate")
		w.Header().Add("WWW-Authenticate", "NTLM")
		w.WriteHeader(401)
	case 1:
		w.Header().Set("WWW-Authenticate", "NTLM "+base64.StdEncoding.EncodeToString(challenge()))
		w.WriteHeader(401)
	default:
		done()
	}
}
