package qrs_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/testserver"
)

// startSessionSite starts a header virtual proxy "hdr" and opens a session
// on it as a person's browser would have, returning its cookie.
func startSessionSite(t *testing.T, cfg testserver.Config) (*testserver.Server, string, string) {
	t.Helper()
	cfg.Prefix, cfg.Header = "hdr", authHeader
	if cfg.Site == nil {
		cfg.Site = loadSite(t, "testdata/qrs")
	}
	srv, err := testserver.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	name, value, err := srv.NewSession(authUser)
	if err != nil {
		t.Fatal(err)
	}
	return srv, name, value
}

func TestSessionCookieAlive(t *testing.T) {
	srv, name, value := startSessionSite(t, testserver.Config{})
	c := newTestClient(t, srv, qrs.WithSessionCookie(name, value))
	for range 3 {
		if _, err := c.ListApps(t.Context(), nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.Sessions(); n != 1 {
		t.Errorf("%d sessions, want 1 (the one given)", n)
	}
	for _, r := range qrsRequests(srv) {
		if len(r.Cookies) != 1 || r.Cookies[0].Name != name || r.Cookies[0].Value != value || r.Header.Get(authHeader) != "" || r.User != authUser {
			t.Errorf("request: cookies %v, header %q, user %q; want the session cookie alone", r.Cookies, r.Header.Get(authHeader), r.User)
		}
	}
	if s := c.String(); !strings.Contains(s, "session cookie "+name) || strings.Contains(s, value) {
		t.Errorf("String() = %q", s)
	}
}

func TestSessionCookieDead(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  testserver.Config
	}{
		{"500 Authentication error", testserver.Config{}},
		{"redirect to the login page", testserver.Config{IgnoreStaleCookies: true}},
		{"401", testserver.Config{IgnoreStaleCookies: true, AuthFailure: testserver.Auth401}},
		{"login page with 200", testserver.Config{IgnoreStaleCookies: true, AuthFailure: testserver.AuthHTML200}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv, name, value := startSessionSite(t, tt.cfg)
			c := newTestClient(t, srv, qrs.WithSessionCookie(name, value))
			if _, err := c.ListApps(t.Context(), nil); err != nil {
				t.Fatal(err)
			}
			srv.ExpireSessions() // the person logged out, or the session timed out
			_, err := c.ListApps(t.Context(), nil)
			if !errors.Is(err, qrs.ErrUnauthenticated) || !strings.Contains(err.Error(), "session cookie "+name+" given with WithSessionCookie is no longer valid") {
				t.Fatalf("err = %v, want ErrUnauthenticated saying the session cookie is no longer valid", err)
			}
			if strings.Contains(err.Error(), value) {
				t.Errorf("err = %v shows the cookie", err)
			}
			// Never a silent retry: one request, and no session opened.
			if n := len(qrsRequests(srv)); n != 2 || srv.Sessions() != 1 {
				t.Errorf("%d requests, %d sessions; want 2 and 1", n, srv.Sessions())
			}
		})
	}
}

func TestSessionCookieRefused(t *testing.T) {
	for _, tt := range []struct {
		base, name, value, want string
	}{
		{"https://q/hdr", "JSESSIONID", "abcdefgh", "not the name of a virtual proxy's session cookie"},
		{"https://q/hdr", "X-Qlik-Session-", "abcdefgh", "not the name"},
		{"https://q/hdr", "x-qlik-session-hdr", "abcdefgh", "not the name"},
		{"https://q/hdr", "X-Qlik-Session-hdr", "", "empty"},
		{"https://q/hdr", "X-Qlik-Session-hdr", "ab cd", "at byte 2"},
		{"https://q/hdr", "X-Qlik-Session-hdr", "ab;cd", "at byte 2"},
		{"https://q/hdr", "X-Qlik-Session-hdr", strings.Repeat("a", 5000), "more than 4096"},
		{"https://q/jwt", "X-Qlik-Session-hdr", "abcdefgh", `which has the prefix "jwt": its session cookie is X-Qlik-Session-jwt`},
		{"https://q", "X-Qlik-Session-hdr", "abcdefgh", "has no prefix (the default virtual proxy): its session cookie is X-Qlik-Session"},
		{"https://q/hdr", "X-Qlik-Session", "abcdefgh", "X-Qlik-Session-hdr"},
	} {
		_, err := qrs.NewClient(tt.base, qrs.WithSessionCookie(tt.name, tt.value))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s %q: err = %v, want %q", tt.base, tt.name, err, tt.want)
		}
	}
	if _, err := qrs.NewClient("https://q", qrs.WithSessionCookie("X-Qlik-Session", "abcdefgh")); err != nil {
		t.Errorf("default virtual proxy: %v", err)
	}
	if _, err := qrs.NewClient("https://q/HDR", qrs.WithSessionCookie("X-Qlik-Session-hdr", "abcdefgh")); err != nil {
		t.Errorf("the prefix in another case: %v", err)
	}
	_, err := qrs.NewClient("https://q/hdr", qrs.WithSessionCookie("X-Qlik-Session-hdr", "abcdefgh"), qrs.WithHeaderAuth(authHeader, authUser))
	if err == nil || !strings.Contains(err.Error(), "WithHeaderAuth and WithSessionCookie") {
		t.Errorf("two modes: err = %v", err)
	}
}
