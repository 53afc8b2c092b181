package qrs

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/qrskit/qrs/internal/ntlmtest"
	"github.com/qrskit/qrs/internal/testserver"
)

// Tests that move the Client's clock, and of what the Engine will use
// (sessionHeader), through the real client and the test server.

func startInternal(t *testing.T, cfg testserver.Config, opts ...Option) (*testserver.Server, *Client) {
	t.Helper()
	if cfg.Site == nil {
		cfg.Site = testserver.DemoSite()
	}
	srv, err := testserver.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	base := []Option{WithRootCAs(srv.CACertPool()), WithProxy(""), WithRetryBackoff(time.Millisecond, 10*time.Millisecond)}
	c, err := NewClient(srv.URL(), append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func jwtServerConfig(t *testing.T) testserver.Config {
	t.Helper()
	cert, err := os.ReadFile("testdata/jwt/signer.pem")
	if err != nil {
		t.Fatal(err)
	}
	return testserver.Config{Prefix: "jwt", JWT: &testserver.JWTAuth{Certificate: cert, UserIDClaim: "userId", DirectoryClaim: "userDirectory"}}
}

func signerClaims() JWTClaims {
	return JWTClaims{UserIDClaim: "userId", UserID: "alice", DirectoryClaim: "userDirectory", Directory: "CORP"}
}

func loadKey(t *testing.T) crypto.Signer {
	t.Helper()
	k, err := LoadJWTKey("testdata/jwt/signer.key")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// bearers returns the tokens the server saw, in order ("" for none).
func bearers(srv *testserver.Server) []string {
	var out []string
	for _, r := range srv.Requests() {
		if strings.HasPrefix(r.Path, "/qrs/") {
			v, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			out = append(out, v)
		}
	}
	return out
}

func TestJWTRenewedBeforeExpiry(t *testing.T) {
	srv, c := startInternal(t, jwtServerConfig(t), WithJWTSigner(loadKey(t), signerClaims()))
	a := c.auth.(*jwtAuth)
	t0 := time.Now()
	clock := t0
	a.now = func() time.Time { return clock }
	call := func(at time.Duration) {
		t.Helper()
		clock = t0.Add(at)
		srv.ExpireSessions() // each call opens a session with a token
		if _, err := c.ListApps(t.Context(), nil); err != nil {
			t.Fatalf("at %v: %v", at, err)
		}
	}
	call(0)
	call(5 * time.Minute)                // half the lifetime left: the same token
	call(8*time.Minute + 59*time.Second) // more than a minute left: the same
	call(9*time.Minute + 30*time.Second) // less than a minute left: a new one
	var tokens []string
	for _, b := range bearers(srv) {
		if b != "" {
			tokens = append(tokens, b)
		}
	}
	if len(tokens) != 4 || tokens[0] != tokens[1] || tokens[1] != tokens[2] || tokens[3] == tokens[2] {
		t.Fatalf("tokens %d, same as before: %v %v %v; want 4, the last one new", len(tokens),
			len(tokens) > 1 && tokens[0] == tokens[1], len(tokens) > 2 && tokens[1] == tokens[2], len(tokens) > 3 && tokens[3] == tokens[2])
	}
	var claims struct{ Iat, Exp int64 }
	part, _ := base64.RawURLEncoding.DecodeString(strings.Split(tokens[3], ".")[1])
	json.Unmarshal(part, &claims)
	if want := clock.Unix(); claims.Iat != want || claims.Exp != want+600 {
		t.Errorf("new token iat %d exp %d, want %d and %d", claims.Iat, claims.Exp, want, want+600)
	}
}

func TestJWTExpiredByTheProxysClock(t *testing.T) {
	srv, c := startInternal(t, jwtServerConfig(t), WithJWTSigner(loadKey(t), signerClaims()))
	c.auth.(*jwtAuth).now = func() time.Time { return time.Now().Add(-time.Hour) } // the Client's clock is an hour late
	_, err := c.ListApps(t.Context(), nil)
	if !errors.Is(err, ErrUnauthenticated) || !strings.Contains(err.Error(), "not expired by the proxy's clock") {
		t.Fatalf("err = %v, want ErrUnauthenticated with the JWT hint", err)
	}
	if got := srv.Requests()[0].AuthError; !strings.Contains(got, "expired") {
		t.Errorf("proxy: %q, want the token expired", got)
	}
}

func TestJWTTokenExpiresDuringUse(t *testing.T) {
	cfg := jwtServerConfig(t)
	token := rs256(t, map[string]any{"userId": "alice", "userDirectory": "CORP", "exp": time.Now().Add(time.Hour).Unix()})
	srv, c := startInternal(t, cfg, WithJWT(token))
	if _, err := c.ListApps(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	c.auth.(*jwtAuth).now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	if _, err := c.ListApps(t.Context(), nil); err != nil {
		t.Fatalf("with the session, an expired token is not needed: %v", err)
	}
	srv.ExpireSessions()
	_, err := c.ListApps(t.Context(), nil)
	var ae *authError
	if !errors.Is(err, ErrUnauthenticated) || !errors.As(err, &ae) || !strings.Contains(err.Error(), "expired at") {
		t.Fatalf("err = %v, want the expired token refused before sending", err)
	}
	if strings.Contains(err.Error(), token[:20]) {
		t.Errorf("err = %v shows the token", err)
	}
	if got := bearers(srv); len(got) != 3 || got[2] != "" {
		t.Errorf("requests %d: the stale cookie was refused, and nothing more was sent; got %d", 3, len(got))
	}
}

// rs256 signs claims with testdata/jwt/signer.key by crypto/rsa alone.
func rs256(t *testing.T, claims map[string]any) string {
	t.Helper()
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	input := enc(map[string]string{"alg": "RS256"}) + "." + enc(claims)
	d := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(nil, loadKey(t).(*rsa.PrivateKey), crypto.SHA256, d[:])
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// rawAbout sends GET /qrs/about with headers h alone (and the xrfkey).
func rawAbout(t *testing.T, srv *testserver.Server, h http.Header) int {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsTrusting(srv)}}
	req, _ := http.NewRequest("GET", srv.URL()+"/qrs/about?xrfkey=0123456789abcdef", nil)
	req.Header = h.Clone()
	req.Header.Set("X-Qlik-Xrfkey", "0123456789abcdef")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestSessionHeader(t *testing.T) {
	t.Run("JWT", func(t *testing.T) {
		srv, c := startInternal(t, jwtServerConfig(t), WithJWTSigner(loadKey(t), signerClaims()))
		h, gen, err := c.sessionHeader(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if h.Get("Authorization") != "" || !strings.Contains(h.Get("Cookie"), "X-Qlik-Session-jwt=") {
			t.Fatalf("headers %v: want the session cookie and no Bearer", redactHeader(h))
		}
		if code := rawAbout(t, srv, h); code != 200 || srv.Sessions() != 1 {
			t.Errorf("the cookie alone: %d, %d sessions; want 200 and 1", code, srv.Sessions())
		}
		// Held: no request.
		n := len(srv.Requests())
		if h2, _, err := c.sessionHeader(t.Context()); err != nil || h2.Get("Cookie") != h.Get("Cookie") || len(srv.Requests()) != n {
			t.Errorf("second call: %v, %d new requests", err, len(srv.Requests())-n)
		}
		// Refused on the WebSocket: dropped, and the next one is new.
		c.dropSession(gen)
		h3, _, err := c.sessionHeader(t.Context())
		if err != nil || h3.Get("Cookie") == h.Get("Cookie") || srv.Sessions() != 2 {
			t.Errorf("after dropSession: %v, same cookie %v, %d sessions", err, h3.Get("Cookie") == h.Get("Cookie"), srv.Sessions())
		}
	})
	t.Run("header", func(t *testing.T) {
		srv, c := startInternal(t, testserver.Config{Prefix: "hdr", Header: "hdr-usr"}, WithHeaderAuth("hdr-usr", `CORP\bob`))
		h, _, err := c.sessionHeader(t.Context())
		if err != nil || h.Get("hdr-usr") != `CORP\bob` || h.Get("Cookie") == "" || srv.Sessions() != 1 {
			t.Fatalf("%v: headers %v, %d sessions", err, redactHeader(h), srv.Sessions())
		}
	})
	t.Run("Windows", func(t *testing.T) {
		v := ntlmtest.Start(t, ntlmtest.User{Domain: "EXAMPLE", Name: "bob", Password: "b0b-pass"})
		srv, c := startInternal(t, testserver.Config{Windows: &testserver.WindowsAuth{Verifier: v.URL}}, WithWindowsAuth(`EXAMPLE\bob`, "b0b-pass"))
		h, _, err := c.sessionHeader(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if h.Get("Authorization") != "" || !strings.HasPrefix(h.Get("Cookie"), "X-Qlik-Session=") || !strings.Contains(h.Get("User-Agent"), "Windows") {
			t.Fatalf("headers %v, user agent %q", redactHeader(h), h.Get("User-Agent"))
		}
		if code := rawAbout(t, srv, h); code != 200 || srv.Sessions() != 1 {
			t.Errorf("the cookie alone: %d, %d sessions; want 200 and 1", code, srv.Sessions())
		}
	})
	t.Run("session cookie", func(t *testing.T) {
		srv, err := testserver.Start(testserver.Config{Prefix: "hdr", Header: "hdr-usr", Site: testserver.DemoSite()})
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		name, value, err := srv.NewSession(`CORP\bob`)
		if err != nil {
			t.Fatal(err)
		}
		c, err := NewClient(srv.URL(), WithRootCAs(srv.CACertPool()), WithSessionCookie(name, value))
		if err != nil {
			t.Fatal(err)
		}
		h, _, err := c.sessionHeader(t.Context())
		if err != nil || h.Get("Cookie") != name+"="+value || len(srv.Requests()) != 0 {
			t.Fatalf("%v: cookie given %v, %d requests", err, h.Get("Cookie") == name+"="+value, len(srv.Requests()))
		}
		// The proxy deletes it: no session to share, and none is opened.
		c.session.drop(c.session.gen)
		if _, _, err := c.sessionHeader(t.Context()); !errors.Is(err, ErrUnauthenticated) || !strings.Contains(err.Error(), "deleted the session cookie") {
			t.Errorf("err = %v", err)
		}
	})
}

// redactHeader shows a header's names only, for failure messages.
func redactHeader(h http.Header) []string {
	var names []string
	for k := range h {
		names = append(names, k)
	}
	return names
}

func tlsTrusting(srv *testserver.Server) *tls.Config { return &tls.Config{RootCAs: srv.CACertPool()} }

// TestSettingsPrintNoSecret prints the settings of every mode, as
// TestClientPrintsNoSecret does for header authentication: the signing
// key, the token, the password and the cookie stay hidden.
func TestSettingsPrintNoSecret(t *testing.T) {
	key := loadKey(t).(*rsa.PrivateKey)
	token := rs256(t, map[string]any{"userId": "alice", "userDirectory": "CORP", "exp": time.Now().Add(time.Hour).Unix()})
	for _, opt := range []Option{
		WithJWTSigner(key, signerClaims()),
		WithJWT(token),
		WithWindowsAuth(`CORP\alice`, "Zq-win-pass-3355"),
		WithSessionCookie("X-Qlik-Session-jwt", "Zq-cookie-value-8812"),
	} {
		c, err := NewClient("https://q.example.com/jwt", opt)
		if err != nil {
			t.Fatal(err)
		}
		if a, ok := c.auth.(*jwtAuth); ok && a.key != nil {
			if _, err := a.current(); err != nil { // a token held, too
				t.Fatal(err)
			}
		}
		out := fmt.Sprintf("%v %+v %#v %s %#v %+v %x %v", c, c, c, c, c.cfg, any(c.cfg), any(c.cfg), c.auth)
		for _, s := range []string{key.D.String(), key.D.Text(16), key.Primes[0].String(), strings.Split(token, ".")[2][:40],
			"Zq-win-pass-3355", "Zq-cookie-value-8812"} {
			if strings.Contains(out, s) {
				t.Errorf("%v: the printed settings hold a secret %.20q...", c, s)
			}
		}
		if a, ok := c.auth.(*jwtAuth); ok && a.token != "" && strings.Contains(out, strings.Split(a.token, ".")[2][:40]) {
			t.Errorf("the printed settings hold the signed token")
		}
	}
}
