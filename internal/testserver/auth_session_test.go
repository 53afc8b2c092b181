package testserver

import (
	"net/url"
	"strings"
	"testing"
)

func TestNewSession(t *testing.T) {
	s := start(t, Config{Prefix: "hdr", Header: "hdr-usr", Site: DemoSite()})
	name, value, err := s.NewSession(`CORP\anna`)
	if err != nil {
		t.Fatal(err)
	}
	if name != "X-Qlik-Session-hdr" || !IsGUID(value) {
		t.Fatalf("cookie %s=%s, want X-Qlik-Session-hdr=<guid>", name, value)
	}
	r := call(t, client(s), "GET", qrsURL(s, "/qrs/about"), "Cookie: "+name+"="+value, xrfHeader)
	if r.status != 200 || r.header.Get("Set-Cookie") != "" {
		t.Fatalf("with the minted cookie: %d, Set-Cookie %q", r.status, r.header.Get("Set-Cookie"))
	}
	if got := logged(t, s, 0).User; got != `CORP\anna` {
		t.Errorf("user %q, want CORP\\anna", got)
	}
	if n := s.Sessions(); n != 1 {
		t.Errorf("Sessions() = %d, want 1", n)
	}
}

func TestNewSessionDefaultProxy(t *testing.T) {
	s := start(t, Config{Header: "hdr-usr"})
	if name, _, err := s.NewSession(`CORP\anna`); err != nil || name != "X-Qlik-Session" {
		t.Errorf("NewSession: %q, %v; want X-Qlik-Session", name, err)
	}
}

func TestNewSessionRefused(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  Config
		user string
		want string
	}{
		{"no authentication", Config{}, `CORP\anna`, "keeps no sessions"},
		{"client certificates", Config{ClientCert: true}, `CORP\anna`, "keeps no sessions"},
		{"no directory", Config{Header: "h"}, `anna`, "not DIR\\user"},
		{"two backslashes", Config{Header: "h"}, `CORP\a\b`, "not DIR\\user"},
		{"not a user of the site", Config{Header: "h", Users: []string{`CORP\bob`}}, `CORP\anna`, "not in Config.Users"},
	} {
		s := start(t, tt.cfg)
		if _, _, err := s.NewSession(tt.user); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one saying %q", tt.name, err, tt.want)
		}
	}
}

// TestNewSessionCap: minted sessions count against the user's five.
func TestNewSessionCap(t *testing.T) {
	s := start(t, Config{Header: "hdr-usr"})
	for i := range 5 {
		if _, _, err := s.NewSession(`CORP\anna`); err != nil {
			t.Fatalf("session %d: %v", i+1, err)
		}
	}
	if _, _, err := s.NewSession(`corp\ANNA`); err != errTooManySessions {
		t.Errorf("sixth session: %v, want %v", err, errTooManySessions)
	}
	r := call(t, client(s), "GET", qrsURL(s, "/qrs/about"), `hdr-usr: CORP\anna`, xrfHeader)
	if r.status != 403 {
		t.Errorf("header bootstrap over the cap: %d, want 403", r.status)
	}
}

// TestDeadSession: a cookie whose session ended is answered as a real
// proxy does: 500 by default, else as an unauthenticated request.
func TestDeadSession(t *testing.T) {
	for _, tt := range []struct {
		name   string
		cfg    Config
		status int
	}{
		{"default", Config{Header: "hdr-usr"}, 500},
		{"ignored, redirect", Config{Header: "hdr-usr", IgnoreStaleCookies: true}, 302},
		{"ignored, 401", Config{Header: "hdr-usr", IgnoreStaleCookies: true, AuthFailure: Auth401}, 401},
		{"ignored, HTML 200", Config{Header: "hdr-usr", IgnoreStaleCookies: true, AuthFailure: AuthHTML200}, 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Prefix = "hdr"
			s := start(t, tt.cfg)
			name, value, err := s.NewSession(`CORP\anna`)
			if err != nil {
				t.Fatal(err)
			}
			s.ExpireSessions()
			r := call(t, client(s), "GET", qrsURL(s, "/qrs/about"), "Cookie: "+name+"="+value, xrfHeader)
			if r.status != tt.status {
				t.Fatalf("dead cookie: %d %q, want %d", r.status, r.body, tt.status)
			}
			switch r.status {
			case 500:
				if r.body != AuthErrorBody {
					t.Errorf("body %q, want %q", r.body, AuthErrorBody)
				}
			case 302:
				loc, err := url.Parse(r.header.Get("Location"))
				if err != nil || loc.Path != "/hdr/internal_forms_authentication/" {
					t.Errorf("Location %q, want the forms login page", r.header.Get("Location"))
				}
			case 200:
				if !strings.Contains(r.body, "<form") || strings.Contains(r.body, "buildVersion") {
					t.Errorf("body %q, want the login page", r.body)
				}
			}
			if got := logged(t, s, 0); got.User != "" || got.AuthError == "" {
				t.Errorf("logged user %q, AuthError %q: want none, and a reason", got.User, got.AuthError)
			}
		})
	}
}

// TestStaleCookieWithHeader: with IgnoreStaleCookies, a dead cookie and a
// valid header open a new session, as without the cookie.
func TestStaleCookieWithHeader(t *testing.T) {
	s := start(t, Config{Header: "hdr-usr", IgnoreStaleCookies: true})
	name, value, _ := s.NewSession(`CORP\anna`)
	s.ExpireSessions()
	r := call(t, client(s), "GET", qrsURL(s, "/qrs/about"), "Cookie: "+name+"="+value, `hdr-usr: CORP\anna`, xrfHeader)
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Set-Cookie"), name+"=") || s.Sessions() != 2 {
		t.Errorf("%d, Set-Cookie %q, %d sessions; want 200, a new cookie, 2 sessions", r.status, r.header.Get("Set-Cookie"), s.Sessions())
	}
}
