package engine_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/qrskit/qrs/internal/engine"
	"github.com/qrskit/qrs/internal/proxytest"
	"github.com/qrskit/qrs/internal/testserver"
)

// The WebSocket goes through the same *http.Client, hence the same
// proxies, as REST: real squid (http and https) and microsocks, started by
// internal/proxytest. A missing daemon skips, or fails with
// QRS_REQUIRE_PROXIES=1.

const (
	proxyUser = "engine-proxy-user"
	proxyPass = "Pr0xy:eng@ss-WQ4z"
	wrongPass = "Wr0ng:eng@ss-PL2c"
)

var proxyKinds = []struct {
	name  string
	start func(t *testing.T) *proxytest.Proxy
}{
	{"http", func(t *testing.T) *proxytest.Proxy { return proxytest.StartHTTP(t, proxyUser, proxyPass) }},
	// Squid serves the testdata server certificate, which the client's
	// roots trust, as they trust the site's.
	{"https", func(t *testing.T) *proxytest.Proxy {
		return proxytest.StartHTTPS(t, proxyUser, proxyPass, serverCert, serverKey)
	}},
	{"socks5", func(t *testing.T) *proxytest.Proxy { return proxytest.StartSOCKS5(t, proxyUser, proxyPass) }},
}

func withCredentials(t *testing.T, proxyURL, pass string) string {
	t.Helper()
	u, err := url.Parse(proxyURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(proxyUser, pass)
	return u.String()
}

func TestThroughProxies(t *testing.T) {
	t.Parallel()
	for _, kind := range proxyKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, testserver.Config{})
			p := kind.start(t)
			hc := httpClient(t, roots(t), withCredentials(t, p.URL, proxyPass))
			tok, h := session(t, srv, hc)
			c := dial(t, srv, hc, appCustomer, tok, h, engine.Options{})
			ctx := testContext(t)
			doc, err := c.OpenDoc(ctx, appCustomer, true)
			if err != nil {
				t.Fatalf("OpenDoc through %s: %v\nproxy log:\n%s", kind.name, err, p.Log())
			}
			rows, err := c.GetLineage(ctx, doc)
			if err != nil || len(rows) != 4 {
				t.Fatalf("GetLineage through %s: %d rows, %v", kind.name, len(rows), err)
			}
			c.Close()

			su, _ := url.Parse(srv.URL())
			target := su.Host
			if !p.Tunnelled(target) {
				t.Errorf("the proxy opened no tunnel to %s; log:\n%s", target, p.Log())
			}
			if st := srv.EngineStats(); st.SocketsOpened != 1 || srv.Sessions() != 1 {
				t.Errorf("%d sockets, %d sessions; want 1 and 1", st.SocketsOpened, srv.Sessions())
			}
			// Everything but the tunnel's CONNECT stays inside TLS.
			for _, head := range p.Requests() {
				if !strings.HasPrefix(head, "CONNECT "+target+" ") {
					t.Errorf("squid saw a request in the clear: %q", head)
				}
			}
			cookie := strings.TrimPrefix(h.Get("Cookie"), "X-Qlik-Session-hdr=")
			for _, s := range []string{tok, cookie, user, "qlik-csrf-token", "OpenDoc"} {
				if p.Contains(s) {
					t.Errorf("the proxy's log holds %q", s)
				}
			}
			for _, r := range srv.Requests() {
				if r.Header.Get("Proxy-Authorization") != "" {
					t.Error("the proxy's credentials reached the server")
				}
			}
		})
	}
}

func TestProxyRefusesCredentials(t *testing.T) {
	t.Parallel()
	for _, kind := range proxyKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, testserver.Config{})
			p := kind.start(t)
			good := httpClient(t, roots(t), "")
			tok, h := session(t, srv, good)
			bad := httpClient(t, roots(t), withCredentials(t, p.URL, wrongPass))
			_, err := dialErr(t, srv, bad, appSales, tok, h, engine.Options{})
			if err == nil {
				t.Fatal("Dial through a proxy that refuses the credentials succeeded")
			}
			t.Logf("%v", err)
			for _, s := range []string{wrongPass, url.QueryEscape(wrongPass), tok} {
				if strings.Contains(err.Error(), s) {
					t.Errorf("the error holds %q: %v", s, err)
				}
			}
			if n := srv.EngineStats().SocketsOpened; n != 0 {
				t.Errorf("%d sockets opened", n)
			}
		})
	}
}
