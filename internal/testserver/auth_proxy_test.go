package testserver

import (
	"net/http"
	"strings"
	"testing"
)

func TestHostAllowList(t *testing.T) {
	for _, tt := range []struct {
		name    string
		allowed []string
		host    string // "" keeps 127.0.0.1:port
		status  int
	}{
		{"no list", nil, "", 200},
		{"listed", []string{"qlik.example", "127.0.0.1"}, "", 200},
		{"listed in another case", []string{"QLIK.example"}, "qlik.EXAMPLE", 200},
		{"listed, with a port", []string{"qlik.example"}, "qlik.example:443", 200},
		{"not listed", []string{"qlik.example"}, "", 403},
		{"empty list", []string{}, "", 403},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t, Config{Header: "hdr-usr", AllowedHosts: tt.allowed})
			req, _ := http.NewRequest("GET", qrsURL(s, "/qrs/about"), nil)
			if tt.host != "" {
				req.Host = tt.host
			}
			req.Header.Set("hdr-usr", `CORP\anna`)
			req.Header.Set("X-Qlik-Xrfkey", testKey)
			resp, err := client(s).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if tt.status == 403 {
				if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || s.Sessions() != 0 {
					t.Errorf("Content-Type %q, %d sessions; want HTML, none", resp.Header.Get("Content-Type"), s.Sessions())
				}
				if got := logged(t, s, 0).AuthError; !strings.Contains(got, "allow list") {
					t.Errorf("AuthError %q", got)
				}
			}
		})
	}
}

func TestUnlinkedProxy(t *testing.T) {
	for _, cfg := range []Config{
		{Prefix: "hdr", Header: "hdr-usr", Unlinked: true},
		{Prefix: "jwt", JWT: jwtConfig(t).JWT, Unlinked: true},
		{Prefix: "none", Unlinked: true},
	} {
		s := start(t, cfg)
		r := call(t, client(s), "GET", qrsURL(s, "/qrs/about"), `hdr-usr: CORP\anna`, xrfHeader)
		if r.status != 400 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || !strings.Contains(r.body, "<style>") {
			t.Errorf("%s: %d %s %q, want a styled HTML 400", cfg.Prefix, r.status, r.header.Get("Content-Type"), r.body)
		}
	}
}

func TestProxyModesExclusive(t *testing.T) {
	jwt := jwtConfig(t).JWT
	win := &WindowsAuth{Verifier: "http://127.0.0.1:1/whoami"}
	for i, cfg := range []Config{
		{Header: "h", JWT: jwt},
		{Header: "h", Windows: win},
		{JWT: jwt, Windows: win},
		{ClientCert: true, Windows: win},
		{AllowedHosts: []string{"qlik.example:443"}},
		{AllowedHosts: []string{""}},
	} {
		if s, err := Start(cfg); err == nil {
			s.Close()
			t.Errorf("configuration %d: Start accepted it", i)
		}
	}
}
