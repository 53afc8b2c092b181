package qrs_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/testserver"
)

// The keys of these tests were made by openssl (testdata/jwt/make.sh); the
// tokens that the tests sign themselves (for WithJWT) are signed here with
// crypto/rsa, apart from the code under test.

const jwtUser = `CORP\alice`

// jwtClaims are the claims of the tests' user under the claim names
// userId and userDirectory.
func jwtClaims() qrs.JWTClaims {
	return qrs.JWTClaims{UserIDClaim: "userId", UserID: "alice", DirectoryClaim: "userDirectory", Directory: "CORP"}
}

// startJWT starts a JWT virtual proxy "jwt" whose certificate is
// signer.pem, reading the claims userId and userDirectory unless more
// changes them.
func startJWT(t testing.TB, more func(*testserver.Config)) *testserver.Server {
	t.Helper()
	cfg := testserver.Config{
		Prefix: "jwt",
		Site:   loadSite(t, "testdata/qrs"),
		Users:  []string{jwtUser},
		JWT: &testserver.JWTAuth{
			Certificate:    readFile(t, "testdata/jwt/signer.pem"),
			UserIDClaim:    "userId",
			DirectoryClaim: "userDirectory",
		},
	}
	if more != nil {
		more(&cfg)
	}
	srv, err := testserver.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func jwtKey(t testing.TB, name string) crypto.Signer {
	t.Helper()
	k, err := qrs.LoadJWTKey("testdata/jwt/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// newTestClient makes a Client for srv with the tests' usual options.
func newTestClient(t testing.TB, srv *testserver.Server, opts ...qrs.Option) *qrs.Client {
	t.Helper()
	base := []qrs.Option{
		qrs.WithRootCAs(srv.CACertPool()),
		qrs.WithConnectionCode("test"),
		qrs.WithRetryBackoff(time.Millisecond, 20*time.Millisecond),
		qrs.WithProxy(""),
	}
	c, err := qrs.NewClient(srv.URL(), append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// testJWT signs claims with alg (RS256, RS384, RS512) by key, with
// crypto/rsa alone.
func testJWT(t testing.TB, alg string, key crypto.Signer, claims map[string]any) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	input := enc(map[string]string{"alg": alg, "typ": "JWT"}) + "." + enc(claims)
	var h crypto.Hash
	var d []byte
	switch alg {
	case "RS384":
		s := sha512.Sum384([]byte(input))
		h, d = crypto.SHA384, s[:]
	case "RS512":
		s := sha512.Sum512([]byte(input))
		h, d = crypto.SHA512, s[:]
	default:
		s := sha256.Sum256([]byte(input))
		h, d = crypto.SHA256, s[:]
	}
	sig, err := rsa.SignPKCS1v15(rand.Reader, key.(*rsa.PrivateKey), h, d)
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// tokenParts decodes the header and claims of a compact JWS.
func tokenParts(t testing.TB, token string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token of %d parts", len(parts))
	}
	for i, out := range []*map[string]any{&header, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatal(err)
		}
	}
	return header, claims
}

// bearerOf returns the token of a logged request's Authorization header.
func bearerOf(r testserver.Request) string {
	v, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return v
}

func TestJWTAlgorithms(t *testing.T) {
	for _, alg := range []string{"RS256", "RS384", "RS512"} {
		t.Run(alg, func(t *testing.T) {
			srv := startJWT(t, nil)
			claims := jwtClaims()
			claims.Algorithm = alg
			c := newTestClient(t, srv, qrs.WithJWTSigner(jwtKey(t, "signer.key"), claims))
			for range 3 {
				if _, err := c.ListApps(t.Context(), nil); err != nil {
					t.Fatal(err)
				}
			}
			reqs := qrsRequests(srv)
			if len(reqs) != 3 || srv.Sessions() != 1 {
				t.Fatalf("%d requests, %d sessions; want 3 and 1", len(reqs), srv.Sessions())
			}
			header, tc := tokenParts(t, bearerOf(reqs[0]))
			if header["alg"] != alg || tc["userId"] != "alice" || tc["userDirectory"] != "CORP" || reqs[0].User != jwtUser {
				t.Errorf("token header %v, claims %v, user %q", header, tc, reqs[0].User)
			}
			exp, iat := tc["exp"].(float64), tc["iat"].(float64)
			if exp-iat != 600 || tc["jti"] == "" {
				t.Errorf("exp - iat = %v, jti %v; want 600 (the default lifetime) and an id", exp-iat, tc["jti"])
			}
			// The Bearer header opens the session; then the cookie alone.
			for i, r := range reqs[1:] {
				if r.Header.Get("Authorization") != "" || len(r.Cookies) == 0 || r.User != jwtUser {
					t.Errorf("request %d: Authorization %q, cookies %v, user %q; want the cookie alone", i+2, r.Header.Get("Authorization"), r.Cookies, r.User)
				}
			}
		})
	}
}

func TestJWTOneSessionForConcurrentCalls(t *testing.T) {
	srv := startJWT(t, nil)
	c := newTestClient(t, srv, qrs.WithJWTSigner(jwtKey(t, "signer_pkcs1.key"), jwtClaims()))
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
	if n := srv.Sessions(); n != 1 {
		t.Errorf("%d sessions for 40 concurrent calls, want 1", n)
	}
	bearers := 0
	for _, r := range qrsRequests(srv) {
		if r.Header.Get("Authorization") != "" {
			bearers++
		}
	}
	if bearers != 1 {
		t.Errorf("%d requests carried the Bearer header, want 1", bearers)
	}
}

func TestJWTRefused(t *testing.T) {
	tests := []struct {
		name     string
		key      string
		claims   func(*qrs.JWTClaims)
		server   func(*testserver.Config)
		authErr  string // what the proxy logged
		sessions int
	}{
		{name: "wrong key", key: "other.key", authErr: "signature does not verify"},
		{name: "claim names of another proxy", claims: func(c *qrs.JWTClaims) { c.UserIDClaim, c.DirectoryClaim = "UserId", "UserDirectory" },
			authErr: `no "userDirectory"`},
		{name: "unknown user", claims: func(c *qrs.JWTClaims) { c.UserID = "mallory" }, authErr: "unknown user"},
		{name: "audience missing", server: func(cfg *testserver.Config) { cfg.JWT.Audience = "qlik.example.com" }, authErr: "aud"},
		{name: "wrong audience", claims: func(c *qrs.JWTClaims) { c.Audience = "elsewhere" },
			server: func(cfg *testserver.Config) { cfg.JWT.Audience = "qlik.example.com" }, authErr: "audience"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startJWT(t, tt.server)
			claims := jwtClaims()
			if tt.claims != nil {
				tt.claims(&claims)
			}
			key := "signer.key"
			if tt.key != "" {
				key = tt.key
			}
			c := newTestClient(t, srv, qrs.WithJWTSigner(jwtKey(t, key), claims))
			_, err := c.ListApps(t.Context(), nil)
			if !errors.Is(err, qrs.ErrUnauthenticated) || !qrs.IsErrorStatus(err, http.StatusUnauthorized) {
				t.Fatalf("err = %v, want a 401 matching ErrUnauthenticated", err)
			}
			if !strings.Contains(err.Error(), "claim names the virtual proxy is configured with") {
				t.Errorf("err = %v, want the JWT hint", err)
			}
			reqs := qrsRequests(srv)
			if len(reqs) != 1 || !strings.Contains(reqs[0].AuthError, tt.authErr) {
				t.Fatalf("requests %d, proxy said %q; want one, saying %q", len(reqs), reqs[0].AuthError, tt.authErr)
			}
			// A refused token is signed anew for the next call.
			c.ListApps(t.Context(), nil)
			reqs = qrsRequests(srv)
			if len(reqs) != 2 || bearerOf(reqs[0]) == bearerOf(reqs[1]) {
				t.Errorf("%d requests; the second call's token is the refused one: %v", len(reqs), bearerOf(reqs[0]) == bearerOf(reqs[1]))
			}
		})
	}
}

func TestJWTRenamedClaims(t *testing.T) {
	for _, names := range [][2]string{{"userId", "userDirectory"}, {"UserId", "UserDirectory"}, {"user", "directory"}, {"sub", "ud"}} {
		t.Run(names[0]+"+"+names[1], func(t *testing.T) {
			srv := startJWT(t, func(cfg *testserver.Config) {
				cfg.JWT.UserIDClaim, cfg.JWT.DirectoryClaim = names[0], names[1]
				cfg.JWT.Audience = "qlik"
			})
			claims := jwtClaims()
			claims.UserIDClaim, claims.DirectoryClaim, claims.Audience = names[0], names[1], "qlik"
			c := newTestClient(t, srv, qrs.WithJWTSigner(jwtKey(t, "signer.key"), claims))
			if _, err := c.ListApps(t.Context(), nil); err != nil {
				t.Fatal(err)
			}
			_, tc := tokenParts(t, bearerOf(qrsRequests(srv)[0]))
			if tc[names[0]] != "alice" || tc[names[1]] != "CORP" || tc["aud"] != "qlik" {
				t.Errorf("claims %v", tc)
			}
		})
	}
}

func TestJWTStaleSessionRenewedOnce(t *testing.T) {
	srv := startJWT(t, nil)
	c := newTestClient(t, srv, qrs.WithJWTSigner(jwtKey(t, "signer.key"), jwtClaims()))
	if _, err := c.ListApps(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	srv.ExpireSessions()
	if _, err := c.ListApps(t.Context(), nil); err != nil {
		t.Fatalf("after the session expired: %v", err)
	}
	reqs := qrsRequests(srv)
	if len(reqs) != 3 || srv.Sessions() != 2 {
		t.Fatalf("%d requests, %d sessions; want 3 (the refused one included) and 2", len(reqs), srv.Sessions())
	}
	if reqs[1].Header.Get("Authorization") != "" || bearerOf(reqs[2]) == "" || len(reqs[2].Cookies) != 0 {
		t.Errorf("the stale cookie went alone, then the token alone: got Authorization %q, then %q with cookies %v",
			reqs[1].Header.Get("Authorization"), reqs[2].Header.Get("Authorization"), reqs[2].Cookies)
	}
	// A proxy that keeps refusing the session: one renewal, then the error.
	srv.AddFault(testserver.Fault{Path: "/qrs/app/full", AuthError500: true, Times: 2})
	if _, err := c.ListApps(t.Context(), nil); !errors.Is(err, qrs.ErrUnauthenticated) {
		t.Fatalf("err = %v, want ErrUnauthenticated", err)
	}
	if n := len(qrsRequests(srv)); n != 5 {
		t.Errorf("%d requests, want 5", n)
	}
}

func TestJWTToken(t *testing.T) {
	srv := startJWT(t, nil)
	claims := map[string]any{"userId": "alice", "userDirectory": "CORP", "exp": time.Now().Add(time.Hour).Unix()}
	token := testJWT(t, "RS384", jwtKey(t, "signer.key"), claims)
	c := newTestClient(t, srv, qrs.WithJWT(token))
	for range 2 {
		if _, err := c.ListApps(t.Context(), nil); err != nil {
			t.Fatal(err)
		}
	}
	reqs := qrsRequests(srv)
	if bearerOf(reqs[0]) != token || reqs[1].Header.Get("Authorization") != "" || srv.Sessions() != 1 {
		t.Errorf("first request's token is the one given: %v; second's Authorization %q; %d sessions",
			bearerOf(reqs[0]) == token, reqs[1].Header.Get("Authorization"), srv.Sessions())
	}
	if s := c.String(); !strings.Contains(s, "JWT") || strings.Contains(s, token[:20]) {
		t.Errorf("String() = %q", s)
	}

	// Signed by another key: refused with the hint.
	other := newTestClient(t, srv, qrs.WithJWT(testJWT(t, "RS256", jwtKey(t, "other.key"), claims)))
	if _, err := other.ListApps(t.Context(), nil); !errors.Is(err, qrs.ErrUnauthenticated) || !strings.Contains(err.Error(), "signed") {
		t.Errorf("another key: err = %v", err)
	}
}

func TestJWTOptionsRefused(t *testing.T) {
	key := jwtKey(t, "signer.key")
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	good := map[string]any{"userId": "alice", "userDirectory": "CORP", "exp": time.Now().Add(time.Hour).Unix()}
	expired := testJWT(t, "RS256", key, map[string]any{"userId": "alice", "userDirectory": "CORP", "exp": time.Now().Add(-time.Minute).Unix()})
	with := func(f func(*qrs.JWTClaims)) qrs.JWTClaims {
		c := jwtClaims()
		f(&c)
		return c
	}
	tests := []struct {
		name string
		opt  qrs.Option
		want string
	}{
		{"nil key", qrs.WithJWTSigner(nil, jwtClaims()), "the key is nil"},
		{"small key", qrs.WithJWTSigner(small, jwtClaims()), "1024 bits"},
		{"no claim names", qrs.WithJWTSigner(key, qrs.JWTClaims{UserID: "alice", Directory: "CORP"}), "UserIDClaim is empty"},
		{"no directory claim", qrs.WithJWTSigner(key, with(func(c *qrs.JWTClaims) { c.DirectoryClaim = "" })), "DirectoryClaim is empty"},
		{"same names", qrs.WithJWTSigner(key, with(func(c *qrs.JWTClaims) { c.DirectoryClaim = "userId" })), "both"},
		{"reserved name", qrs.WithJWTSigner(key, with(func(c *qrs.JWTClaims) { c.UserIDClaim = "exp" })), "sets itself"},
		{"no user", qrs.WithJWTSigner(key, with(func(c *qrs.JWTClaims) { c.UserID = "" })), "UserID is empty"},
		{"domain in user", qrs.WithJWTSigner(key, with(func(c *qrs.JWTClaims) { c.UserID = `CORP\alice` })), "apart"},
		{"control", qrs.WithJWTSigner(key, with(func(c *qrs.JWTClaims) { c.Directory = "CO\nRP" })), "control character"},
		{"bad UTF-8", qrs.WithJWTSigner(key, with(func(c *qrs.JWTClaims) { c.UserIDClaim = "user\xff" })), "UTF-8"},
		{"long name", qrs.WithJWTSigner(key, with(func(c *qrs.JWTClaims) { c.UserIDClaim = strings.Repeat("u", 300) })), "more than 256"},
		{"short lifetime", qrs.WithJWTSigner(key, with(func(c *qrs.JWTClaims) { c.Lifetime = time.Second })), "out of range"},
		{"long lifetime", qrs.WithJWTSigner(key, with(func(c *qrs.JWTClaims) { c.Lifetime = 48 * time.Hour })), "out of range"},
		{"algorithm", qrs.WithJWTSigner(key, with(func(c *qrs.JWTClaims) { c.Algorithm = "HS256" })), "not RS256"},
		{"empty token", qrs.WithJWT(""), "empty"},
		{"Bearer prefix", qrs.WithJWT("Bearer " + testJWT(t, "RS256", key, good)), "without \"Bearer \""},
		{"not a JWT", qrs.WithJWT("abc.def"), "compact form"},
		{"JWE", qrs.WithJWT("a.b.c.d.e"), "encrypted"},
		{"garbage", qrs.WithJWT("a.b.c"), "base64url JSON"},
		{"HS256", qrs.WithJWT(hs256Token(good)), `"HS256"`},
		{"expired", qrs.WithJWT(expired), "expired at"},
		{"long", qrs.WithJWT(strings.Repeat("a", 20000)), "more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := qrs.NewClient("https://qlik.example.com/jwt", tt.opt)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "qrs: ") {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), expired[:30]) {
				t.Errorf("err = %v shows the token", err)
			}
		})
	}
	// Plain http would show the token to everyone on the path.
	for _, opt := range []qrs.Option{qrs.WithJWT(testJWT(t, "RS256", key, good)), qrs.WithJWTSigner(key, jwtClaims())} {
		if _, err := qrs.NewClient("http://qlik.example.com/jwt", opt); err == nil || !strings.Contains(err.Error(), "only over https") {
			t.Errorf("http://: err = %v", err)
		}
	}
	// One mode at a time.
	if _, err := qrs.NewClient("https://q/jwt", qrs.WithJWT(testJWT(t, "RS256", key, good)), qrs.WithJWTSigner(key, jwtClaims())); err == nil ||
		!strings.Contains(err.Error(), "WithJWT and WithJWTSigner") {
		t.Errorf("two JWT options: err = %v", err)
	}
	if _, err := qrs.NewClient("https://q/jwt", qrs.WithHeaderAuth("hdr-usr", `A\b`), qrs.WithJWTSigner(key, jwtClaims())); err == nil ||
		!strings.Contains(err.Error(), "WithHeaderAuth and WithJWTSigner each choose an authentication mode") {
		t.Errorf("header and JWT: err = %v", err)
	}
}

// hs256Token is a token of an algorithm that the proxy refuses; its
// signature does not matter.
func hs256Token(claims map[string]any) string {
	h, _ := json.Marshal(map[string]string{"alg": "HS256", "typ": "JWT"})
	c, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding.EncodeToString
	return enc(h) + "." + enc(c) + "." + enc([]byte("signature"))
}

func TestLoadJWTKey(t *testing.T) {
	for _, name := range []string{"signer.key", "signer_pkcs1.key"} {
		k, err := qrs.LoadJWTKey("testdata/jwt/" + name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if pub, ok := k.Public().(*rsa.PublicKey); !ok || pub.N.BitLen() != 2048 {
			t.Errorf("%s: public key %T", name, k.Public())
		}
	}
	for _, tt := range []struct{ file, want string }{
		{"ec.key", "must be RSA"},
		{"signer.pem", "no private key in it (its PEM blocks are CERTIFICATE)"},
		{"signer_encrypted.key", "openssl pkey"},
		{"README.md", "not a PEM file"},
		{"", "no file given"},
	} {
		path := "testdata/jwt/" + tt.file
		if tt.file == "" {
			path = ""
		}
		_, err := qrs.LoadJWTKey(path)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.file, err, tt.want)
		}
	}
	if _, err := qrs.LoadJWTKey("testdata/jwt/missing.key"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: err = %v, want fs.ErrNotExist", err)
	}
	if _, err := qrs.LoadJWTKey("testdata/jwt"); err == nil || !strings.Contains(err.Error(), "testdata/jwt") {
		t.Errorf("folder: err = %v", err)
	}
	// Two keys in one file.
	two := t.TempDir() + "/two.key"
	os.WriteFile(two, append(readFile(t, "testdata/jwt/signer.key"), readFile(t, "testdata/jwt/other.key")...), 0o600)
	if _, err := qrs.LoadJWTKey(two); err == nil || !strings.Contains(err.Error(), "2 private keys") {
		t.Errorf("two keys: err = %v", err)
	}
}
