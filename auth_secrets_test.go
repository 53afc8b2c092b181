package qrs_test

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/testserver"
)

// TestAuthSecretsNeverShown runs the failures of every authentication
// mode with distinctive secrets (a token, a signing key, a password, a
// session cookie), in front of servers that echo what they were sent,
// capturing every error (with %v, %+v and %#v), every log line and every
// printed Client, and looks for the secrets in all of it, as
// TestNoSecretLeaks does for header authentication.
func TestAuthSecretsNeverShown(t *testing.T) {
	const (
		password  = "Leak-winpass-5093"
		cookieVal = "leakcookie7731abcd"
	)
	var mu sync.Mutex
	var out bytes.Buffer
	logger := slog.New(slog.NewTextHandler(lockedWriter{&mu, &out}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	record := func(v ...any) {
		mu.Lock()
		defer mu.Unlock()
		for _, x := range v {
			fmt.Fprintf(&out, "%v | %+v | %#v | %s\n", x, x, x, x)
		}
		if len(v) > 0 {
			if b, err := json.Marshal(v[0]); err == nil {
				out.Write(b)
			}
		}
	}
	key := jwtKey(t, "signer.key")
	claims := map[string]any{"userId": "alice", "userDirectory": "CORP", "exp": time.Now().Add(time.Hour).Unix()}
	token := testJWT(t, "RS256", key, claims)

	// A server that echoes the request's headers in its error page.
	var seenMu sync.Mutex
	var seen []string // the Authorization headers it got
	echo := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seenMu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		seenMu.Unlock()
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, "bad request; Authorization: %s; Cookie: %s", r.Header.Get("Authorization"), r.Header.Get("Cookie"))
	}))
	defer echo.Close()
	pool := x509.NewCertPool()
	pool.AddCert(echo.Certificate())
	common := []qrs.Option{qrs.WithRootCAs(pool), qrs.WithProxy(""), qrs.WithLogger(logger), qrs.WithRetries(1), qrs.WithRetryBackoff(time.Millisecond, time.Millisecond)}
	for _, auth := range []qrs.Option{
		qrs.WithJWT(token),
		qrs.WithJWTSigner(key, jwtClaims()),
		qrs.WithSessionCookie("X-Qlik-Session-jwt", cookieVal),
	} {
		c, err := qrs.NewClient(echo.URL+"/jwt", append(common, auth)...)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.ListApps(t.Context(), nil)
		if err == nil || !strings.Contains(err.Error(), "[redacted]") {
			t.Errorf("the echo shows no [redacted]: %v", err)
		}
		record(err, c)
	}
	seenMu.Lock()
	signed := strings.TrimPrefix(seen[1], "Bearer ")
	seenMu.Unlock()

	// The JWT proxy refuses a token of another key.
	jwtSrv := startJWT(t, nil)
	c := newTestClient(t, jwtSrv, qrs.WithLogger(logger), qrs.WithJWTSigner(jwtKey(t, "other.key"), jwtClaims()))
	_, err := c.ListApps(t.Context(), nil)
	record(err, c)

	// A dead session cookie.
	sess, name, _ := startSessionSite(t, testserver.Config{})
	c = newTestClient(t, sess, qrs.WithLogger(logger), qrs.WithSessionCookie(name, cookieVal))
	_, err = c.ListApps(t.Context(), nil)
	record(err, c)

	// Windows: a hostile module, and the real verifier with a wrong password.
	for _, module := range []func(http.ResponseWriter, *http.Request, *testserver.Server){
		func(w http.ResponseWriter, r *http.Request, _ *testserver.Server) {
			ntlmAnswers(w, r, func() {
				w.WriteHeader(401)
				fmt.Fprintf(w, "echo: %s", r.Header.Get("Authorization"))
			})
		},
		func(w http.ResponseWriter, r *http.Request, _ *testserver.Server) {
			w.Header().Set("WWW-Authenticate", "Basic")
			w.WriteHeader(401)
		},
	} {
		c, _, _ := hostileModule(t, module, qrs.WithLogger(logger))
		_, err := c.ListApps(t.Context(), nil)
		record(err, c)
	}
	t.Run("real verifier", func(t *testing.T) {
		srv, _ := startWindowsSite(t, nil)
		for _, pw := range []string{password, winUser.Password} {
			c := newTestClient(t, srv, qrs.WithLogger(logger), qrs.WithWindowsAuth(winName, pw))
			_, err := c.ListApps(t.Context(), nil)
			record(err, c)
		}
	})

	// Options refused.
	for _, o := range []qrs.Option{
		qrs.WithJWT(token + "\n"), qrs.WithJWT("Bearer " + token), qrs.WithJWT(token + "." + token),
		qrs.WithWindowsAuth("alice", password), qrs.WithWindowsAuth("", password), qrs.WithWindowsAuth(`A\b`, password+strings.Repeat("x", 2000)),
		qrs.WithSessionCookie(name, cookieVal+" x"), qrs.WithSessionCookie("JSESSIONID", cookieVal), qrs.WithSessionCookie("X-Qlik-Session-other", cookieVal),
	} {
		_, err := qrs.NewClient("https://q.example.com/hdr", o)
		record(err)
	}

	mu.Lock()
	text := out.String()
	mu.Unlock()
	if !strings.Contains(text, "qrs:") || !strings.Contains(text, "level=DEBUG") {
		t.Fatalf("the capture holds no errors or logs: %q", text)
	}
	if strings.Count(signed, ".") != 2 {
		t.Fatal("no signed token seen")
	}
	secrets := []string{password, cookieVal, winUser.Password}
	for _, tok := range []string{token, signed} {
		// Each part, since an echo may be cut short.
		secrets = append(secrets, strings.Split(tok, ".")[1:]...)
	}
	rk := key.(*rsa.PrivateKey)
	secrets = append(secrets, rk.D.String(), rk.D.Text(16), rk.Primes[0].String())
	for _, line := range strings.Split(string(readFile(t, "testdata/jwt/signer.key")), "\n")[3:6] {
		secrets = append(secrets, line)
	}
	for _, s := range secrets {
		if i := strings.Index(text, s); i >= 0 {
			t.Errorf("secret %.20q... leaked: ...%s...", s, text[max(0, i-200):min(len(text), i+60)])
		}
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
