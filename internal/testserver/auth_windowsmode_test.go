package testserver

import (
	"bufio"
	"crypto/tls"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	ntlmssp "github.com/Azure/go-ntlmssp"

	"github.com/qrskit/qrs/internal/ntlmtest"
)

// These tests run the whole Windows exchange against the real NTLM
// verifier of internal/ntlmtest (apache2 with mod_auth_gssapi and
// gss-ntlmssp), with github.com/Azure/go-ntlmssp as the client.

var winUser = ntlmtest.User{Domain: "EXAMPLE", Name: "alice", Password: "Secr3t pass"}

const windowsUA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"

// startWindows starts a verifier knowing winUser and a server in Windows
// mode in front of it; more adjusts the configuration.
func startWindows(t *testing.T, more func(*Config)) (*Server, *ntlmtest.Verifier) {
	t.Helper()
	v := ntlmtest.Start(t, winUser)
	cfg := Config{Site: DemoSite(), Windows: &WindowsAuth{Verifier: v.URL}}
	if more != nil {
		more(&cfg)
	}
	return start(t, cfg), v
}

// get sends a GET with the xrfkey header and a user agent.
func get(t *testing.T, c *http.Client, rawURL, ua string, headers ...string) reply {
	t.Helper()
	return call(t, c, "GET", rawURL, append([]string{"User-Agent: " + ua, xrfHeader}, headers...)...)
}

// ntlmClient is a client for the module that runs go-ntlmssp's exchange
// on one kept-alive connection and follows no redirects.
func ntlmClient(s *Server) *http.Client {
	c := client(s)
	c.Transport = ntlmssp.Negotiator{RoundTripper: c.Transport}
	return c
}

// moduleGet runs the NTLM exchange at the module's URL as user.
func moduleGet(t *testing.T, c *http.Client, moduleURL, user, pass string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("GET", moduleURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", windowsUA)
	req.SetBasicAuth(user, pass)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", moduleURL, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// toModule does step 1 and checks the redirect to the module.
func toModule(t *testing.T, s *Server, rawURL string) string {
	t.Helper()
	r := get(t, client(s), rawURL, windowsUA)
	loc := r.header.Get("Location")
	u, err := url.Parse(loc)
	if r.status != 302 || err != nil {
		t.Fatalf("first GET: %d Location %q, want 302 to the module", r.status, loc)
	}
	if u.Scheme+"://"+u.Host != s.ModuleURL() || u.Path != s.prefix+"/internal_windows_authentication/" || !IsGUID(u.Query().Get("targetId")) {
		t.Fatalf("Location %q, want %s%s/internal_windows_authentication/?targetId=<guid>", loc, s.ModuleURL(), s.prefix)
	}
	return loc
}

// windowsLogin runs the whole exchange for /qrs/about and returns the
// session cookie.
func windowsLogin(t *testing.T, s *Server) *http.Cookie {
	t.Helper()
	loc := toModule(t, s, qrsURL(s, "/qrs/about"))
	resp := moduleGet(t, ntlmClient(s), loc, winUser.Domain+`\`+winUser.Name, winUser.Password)
	back := resp.Header.Get("Location")
	if resp.StatusCode != 302 || !strings.Contains(back, "qlikTicket=") {
		t.Fatalf("module: %d Location %q, want 302 back with a qlikTicket", resp.StatusCode, back)
	}
	r := get(t, client(s), back, windowsUA)
	cookies := (&http.Response{Header: r.header}).Cookies()
	if r.status != 200 || len(cookies) != 1 {
		t.Fatalf("back with the ticket: %d, cookies %v", r.status, cookies)
	}
	return cookies[0]
}

func TestWindowsExchange(t *testing.T) {
	s, v := startWindows(t, nil)
	target := qrsURL(s, "/qrs/about")
	loc := toModule(t, s, target)

	// The module's first answer is the verifier's: both offers.
	first := get(t, client(s), loc, windowsUA)
	if got := first.header.Values("WWW-Authenticate"); first.status != 401 || !slices.Equal(got, []string{"Negotiate", "NTLM"}) {
		t.Fatalf("module, no Authorization: %d %q, want 401 [Negotiate NTLM]", first.status, got)
	}

	resp := moduleGet(t, ntlmClient(s), loc, `EXAMPLE\alice`, winUser.Password)
	back, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != 302 || err != nil {
		t.Fatalf("module: %d Location %q, want 302", resp.StatusCode, resp.Header.Get("Location"))
	}
	ticket := back.Query().Get("qlikTicket")
	orig, _ := url.Parse(target)
	if back.Host != orig.Host || back.Path != orig.Path || back.Query().Get("xrfkey") != testKey || ticket == "" {
		t.Fatalf("redirect back %q, want %s with qlikTicket", back, target)
	}

	r := get(t, client(s), back.String(), windowsUA)
	cookies := (&http.Response{Header: r.header}).Cookies()
	if r.status != 200 || !strings.Contains(r.body, "buildVersion") || len(cookies) != 1 || cookies[0].Name != "X-Qlik-Session" {
		t.Fatalf("with the ticket: %d %q, cookies %v; want 200 /qrs/about and X-Qlik-Session", r.status, r.body, cookies)
	}
	reqs := s.Requests()
	if last := reqs[len(reqs)-1]; last.User != `EXAMPLE\alice` || last.Module {
		t.Errorf("last request: user %q, module %v; want EXAMPLE\\alice at the proxy", last.User, last.Module)
	}
	modules := 0
	for _, q := range reqs {
		if q.Module {
			modules++
		}
	}
	// One anonymous GET above, then go-ntlmssp's three legs.
	if modules != 4 {
		t.Errorf("%d module requests, want 4", modules)
	}

	// The cookie alone is enough.
	again := get(t, client(s), qrsURL(s, "/qrs/app/full"), "Go-http-client/1.1", "Cookie: X-Qlik-Session="+cookies[0].Value)
	if again.status != 200 || s.Sessions() != 1 {
		t.Errorf("with the cookie: %d, %d sessions; want 200, 1", again.status, s.Sessions())
	}

	// The ticket is good once: used again, the exchange starts over.
	reuse := get(t, client(s), back.String(), windowsUA)
	if reuse.status != 302 || !strings.HasPrefix(reuse.header.Get("Location"), s.ModuleURL()) || reuse.header.Get("Set-Cookie") != "" {
		t.Errorf("ticket reused: %d Location %q, want 302 to the module and no cookie", reuse.status, reuse.header.Get("Location"))
	}
	if got := logged(t, s, len(s.Requests())-1).AuthError; !strings.Contains(got, "qlikTicket") {
		t.Errorf("AuthError %q, want the ticket named", got)
	}
	// The redirect after a used ticket does not carry it along.
	if strings.Contains(reuse.header.Get("Location"), ticket) {
		t.Errorf("Location %q holds the old ticket", reuse.header.Get("Location"))
	}

	// The user came from apache, which logs each 200 just after it answers.
	deadline := time.Now().Add(10 * time.Second)
	for !slices.Contains(v.Authenticated(), `EXAMPLE\alice`) {
		if time.Now().After(deadline) {
			t.Fatalf("apache authenticated %q, want EXAMPLE\\alice", v.Authenticated())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestWindowsWrongPassword(t *testing.T) {
	s, _ := startWindows(t, nil)
	loc := toModule(t, s, qrsURL(s, "/qrs/about"))
	resp := moduleGet(t, ntlmClient(s), loc, `EXAMPLE\alice`, "wrong")
	if got := resp.Header.Values("WWW-Authenticate"); resp.StatusCode != 401 || !slices.Equal(got, []string{"Negotiate", "NTLM"}) {
		t.Fatalf("wrong password: %d %q, want 401 [Negotiate NTLM]", resp.StatusCode, got)
	}
	if resp.Header.Get("Location") != "" || s.Sessions() != 0 {
		t.Errorf("wrong password: Location %q, %d sessions", resp.Header.Get("Location"), s.Sessions())
	}
}

func TestWindowsUserAgent(t *testing.T) {
	for _, tt := range []struct {
		name, pattern, ua string
		module            bool
	}{
		{"default pattern, Windows agent", "", windowsUA, true},
		{"default pattern, bare Windows", "", "Windows", true},
		{"default pattern, Go's agent", "", "Go-http-client/1.1", false},
		{"default pattern, other case", "", "windows", false},
		{"Mozilla pattern, Mozilla agent", "Mozilla", "Mozilla/5.0 (X11; Linux x86_64)", true},
		{"Mozilla pattern, Windows agent", "Mozilla", "Windows", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// No verifier is needed to be sent one way or the other.
			s := start(t, Config{Windows: &WindowsAuth{Verifier: "http://127.0.0.1:1/whoami", Pattern: tt.pattern}})
			r := get(t, client(s), qrsURL(s, "/qrs/about"), tt.ua)
			u, err := url.Parse(r.header.Get("Location"))
			if r.status != 302 || err != nil {
				t.Fatalf("%d Location %q, want 302", r.status, r.header.Get("Location"))
			}
			if tt.module {
				if u.Path != "/internal_windows_authentication/" {
					t.Errorf("Location %q, want the module", u)
				}
				return
			}
			if u.Path != "/internal_forms_authentication/" || !IsGUID(u.Query().Get("targetId")) {
				t.Fatalf("Location %q, want the forms login page", u)
			}
			if got := logged(t, s, 0).AuthError; !strings.Contains(got, "pattern") {
				t.Errorf("AuthError %q", got)
			}
			form := get(t, client(s), u.String(), tt.ua)
			if form.status != 200 || !strings.Contains(form.body, "<form") {
				t.Errorf("login page: %d %q", form.status, form.body)
			}
		})
	}
}

func TestWindowsKerberosOnly(t *testing.T) {
	v := ntlmtest.StartKerberosOnly(t)
	s := start(t, Config{Windows: &WindowsAuth{Verifier: v.URL}})
	loc := toModule(t, s, qrsURL(s, "/qrs/about"))
	first := get(t, client(s), loc, windowsUA)
	if got := first.header.Values("WWW-Authenticate"); first.status != 401 || !slices.Equal(got, []string{"Negotiate"}) {
		t.Fatalf("module: %d %q, want 401 [Negotiate] only", first.status, got)
	}
	// NTLM wrapped in Negotiate is refused too.
	if resp := moduleGet(t, ntlmClient(s), loc, `EXAMPLE\alice`, winUser.Password); resp.StatusCode != 401 {
		t.Errorf("NTLM to a Kerberos-only module: %d, want 401", resp.StatusCode)
	}
}

// TestWindowsTicketExpires: a ticket is good for a minute.
func TestWindowsTicketExpires(t *testing.T) {
	s, _ := startWindows(t, nil)
	loc := toModule(t, s, qrsURL(s, "/qrs/about"))
	resp := moduleGet(t, ntlmClient(s), loc, `EXAMPLE\alice`, winUser.Password)
	if resp.StatusCode != 302 {
		t.Fatalf("module: %d", resp.StatusCode)
	}
	s.skew.Store(int64(ticketLifetime + time.Second))
	r := get(t, client(s), resp.Header.Get("Location"), windowsUA)
	if r.status != 302 || r.header.Get("Set-Cookie") != "" || s.Sessions() != 0 {
		t.Errorf("expired ticket: %d, Set-Cookie %q; want 302 and no session", r.status, r.header.Get("Set-Cookie"))
	}
}

// TestWindowsOneSession: after one exchange, 40 concurrent requests with
// the cookie alone make no other session.
func TestWindowsOneSession(t *testing.T) {
	s, _ := startWindows(t, nil)
	cookie := windowsLogin(t, s)
	c := client(s)
	var wg sync.WaitGroup
	statuses := make([]int, 40)
	for i := range statuses {
		wg.Go(func() {
			statuses[i] = get(t, c, qrsURL(s, "/qrs/app/full"), "Go-http-client/1.1", "Cookie: "+cookie.Name+"="+cookie.Value).status
		})
	}
	wg.Wait()
	for i, st := range statuses {
		if st != 200 {
			t.Errorf("request %d: %d", i, st)
		}
	}
	if n := s.Sessions(); n != 1 {
		t.Errorf("Sessions() = %d, want 1", n)
	}
}

// moduleConn is one raw TLS connection to the module.
type moduleConn struct {
	c  net.Conn
	br *bufio.Reader
}

func dialModule(t *testing.T, s *Server) *moduleConn {
	t.Helper()
	u, _ := url.Parse(s.ModuleURL())
	c, err := tls.Dial("tcp", u.Host, &tls.Config{RootCAs: s.CACertPool()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(20 * time.Second))
	return &moduleConn{c: c, br: bufio.NewReader(c)}
}

// get sends one GET with Authorization: NTLM msg (none when msg is nil)
// and returns the status and any NTLM challenge.
func (m *moduleConn) get(t *testing.T, rawURL string, msg []byte) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", rawURL, nil)
	if msg != nil {
		req.Header.Set("Authorization", "NTLM "+base64.StdEncoding.EncodeToString(msg))
	}
	if err := req.Write(m.c); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(m.br, req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	for _, h := range resp.Header.Values("WWW-Authenticate") {
		if tok, ok := strings.CutPrefix(h, "NTLM "); ok {
			b, _ := base64.StdEncoding.DecodeString(tok)
			return resp, b
		}
	}
	return resp, nil
}

// TestWindowsModuleBindsConnections: the module keeps each client
// connection's NTLM state apart, as the verifier keeps its own.
func TestWindowsModuleBindsConnections(t *testing.T) {
	s, _ := startWindows(t, nil)
	loc := toModule(t, s, qrsURL(s, "/qrs/about"))
	negotiate, err := ntlmssp.NewNegotiateMessage("", "")
	if err != nil {
		t.Fatal(err)
	}

	a, b := dialModule(t, s), dialModule(t, s)
	resp, challenge := a.get(t, loc, negotiate)
	if resp.StatusCode != 401 || challenge == nil {
		t.Fatalf("negotiate: %d, challenge %d bytes", resp.StatusCode, len(challenge))
	}
	auth, err := ntlmssp.NewAuthenticateMessage(challenge, `EXAMPLE\alice`, winUser.Password, nil)
	if err != nil {
		t.Fatal(err)
	}
	// a's answer on connection b: refused.
	if resp, _ := b.get(t, loc, auth); resp.StatusCode != 401 {
		t.Fatalf("authenticate on another connection: %d, want 401", resp.StatusCode)
	}
	// On a itself: accepted.
	if resp, _ := a.get(t, loc, auth); resp.StatusCode != 302 {
		t.Fatalf("authenticate on its own connection: %d, want 302", resp.StatusCode)
	}
}

func TestWindowsModuleRefusals(t *testing.T) {
	s, _ := startWindows(t, func(c *Config) { c.Users = []string{`EXAMPLE\bob`} })
	c := client(s)
	for _, tt := range []struct {
		name, url string
		status    int
	}{
		{"unknown target", s.ModuleURL() + "/internal_windows_authentication/?targetId=" + newGUID(), 400},
		{"no target", s.ModuleURL() + "/internal_windows_authentication/", 400},
		{"other path", s.ModuleURL() + "/qrs/about", 404},
	} {
		if r := get(t, c, tt.url, windowsUA); r.status != tt.status {
			t.Errorf("%s: %d, want %d", tt.name, r.status, tt.status)
		}
	}
	// A target is good for a while only.
	stale := toModule(t, s, qrsURL(s, "/qrs/about"))
	s.skew.Store(int64(targetLifetime + time.Second))
	if r := get(t, c, stale, windowsUA); r.status != 400 {
		t.Errorf("expired target: %d, want 400", r.status)
	}
	s.skew.Store(0)
	// apache knows alice, the site does not.
	loc := toModule(t, s, qrsURL(s, "/qrs/about"))
	if resp := moduleGet(t, ntlmClient(s), loc, `EXAMPLE\alice`, winUser.Password); resp.StatusCode != 403 {
		t.Errorf("user not in Users: %d, want 403", resp.StatusCode)
	}
	// apache accepts a bare user name; the module wants DOMAIN\user.
	loc = toModule(t, s, qrsURL(s, "/qrs/about"))
	resp := moduleGet(t, ntlmClient(s), loc, `alice`, winUser.Password)
	if resp.StatusCode != 401 {
		t.Errorf("no domain: %d, want 401", resp.StatusCode)
	}
	reqs := s.Requests()
	if got := reqs[len(reqs)-1].AuthError; !strings.Contains(got, "not DOMAIN\\user") {
		t.Errorf("AuthError %q", got)
	}
	// Any other method than GET gets the usual refusal.
	if r := call(t, c, "POST", qrsURL(s, "/qrs/app/full"), "User-Agent: "+windowsUA, xrfHeader); r.status != 302 || !strings.Contains(r.header.Get("Location"), "internal_forms_authentication") {
		t.Errorf("POST: %d %q, want 302 to the forms login page", r.status, r.header.Get("Location"))
	}
}

func TestWindowsPlainHTTP(t *testing.T) {
	s := start(t, Config{PlainHTTP: true, Windows: &WindowsAuth{Verifier: "http://127.0.0.1:1/whoami"}})
	if !strings.HasPrefix(s.ModuleURL(), "http://127.0.0.1:") {
		t.Fatalf("ModuleURL %q, want plain http", s.ModuleURL())
	}
	r := get(t, client(s), qrsURL(s, "/qrs/about"), windowsUA)
	if r.status != 302 || !strings.HasPrefix(r.header.Get("Location"), s.ModuleURL()+"/internal_windows_authentication/") {
		t.Errorf("%d Location %q", r.status, r.header.Get("Location"))
	}
	// The verifier is down: the module says so with 502.
	if r := get(t, client(s), r.header.Get("Location"), windowsUA); r.status != 502 {
		t.Errorf("verifier down: %d, want 502", r.status)
	}
}

func TestWindowsPrefix(t *testing.T) {
	s, _ := startWindows(t, func(c *Config) { c.Prefix = "win" })
	cookie := windowsLogin(t, s)
	if cookie.Name != "X-Qlik-Session-win" {
		t.Errorf("cookie %q, want X-Qlik-Session-win", cookie.Name)
	}
}

func TestWindowsConfigRefused(t *testing.T) {
	for _, verifier := range []string{
		"", "127.0.0.1:80", "https://127.0.0.1:1/", "http://10.0.0.1:80/", "http://localhost:80/",
		"http://127.0.0.1/", "http://u:p@127.0.0.1:1/", "http://%zz",
	} {
		if s, err := Start(Config{Windows: &WindowsAuth{Verifier: verifier}}); err == nil {
			s.Close()
			t.Errorf("Verifier %q accepted", verifier)
		}
	}
	if s, err := Start(Config{Windows: &WindowsAuth{Verifier: "http://[::1]:1/x", ModuleAddr: "256.0.0.1:0"}}); err == nil {
		s.Close()
		t.Errorf("bad ModuleAddr accepted")
	}
}
