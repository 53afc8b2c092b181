package qrs_test

import (
	"crypto/tls"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/testserver"
)

// The Engine's WebSockets in every authentication mode, and through the
// real squid and microsocks: the same session, truststore and proxies as
// REST.

// lineageOnly is a catalog of the demo's lineage edges alone.
var lineageOnly = &qrs.CatalogOptions{Kinds: []qrs.EntryKind{qrs.EntryLineage}, Engine: &qrs.EngineOptions{Lineage: true}}

// checkDemoLineage runs lineageOnly and checks it gave the demo's graph.
func checkDemoLineage(t *testing.T, c *qrs.Client) {
	t.Helper()
	r := mustCatalog(t, c, lineageOnly)
	var got []string
	for _, e := range r.entries {
		got = append(got, strings.TrimPrefix(e.Lineage.From.Key, "test/")+" -> "+strings.TrimPrefix(e.Lineage.To.Key, "test/"))
	}
	if !slices.Equal(got, demoGraph) {
		t.Errorf("%d edges, want the demo's %d:\n%s", len(got), len(demoGraph), strings.Join(got, "\n"))
	}
}

func TestEngineAuthModes(t *testing.T) {
	demo := func(cfg *testserver.Config) { cfg.Site = testserver.DemoSite() }
	t.Run("header", func(t *testing.T) {
		srv, c := startDemo(t, testserver.Config{})
		checkDemoLineage(t, c)
		checkUpgrades(t, srv, 1, func(r testserver.Request) bool { return r.Header.Get(authHeader) == authUser })
	})
	t.Run("jwt", func(t *testing.T) {
		srv := startJWT(t, demo)
		c := newTestClient(t, srv, qrs.WithJWTSigner(jwtKey(t, "signer.key"), jwtClaims()))
		checkDemoLineage(t, c)
		// The proxy refuses a Bearer header on an upgrade (403): the
		// session cookie alone goes.
		checkUpgrades(t, srv, 1, func(r testserver.Request) bool { return r.Header.Get("Authorization") == "" && r.User == jwtUser })
	})
	t.Run("session cookie", func(t *testing.T) {
		srv, name, value := startSessionSite(t, testserver.Config{Site: testserver.DemoSite()})
		c := newTestClient(t, srv, qrs.WithSessionCookie(name, value))
		checkDemoLineage(t, c)
		checkUpgrades(t, srv, 1, func(r testserver.Request) bool {
			return len(r.Cookies) == 1 && r.Cookies[0].Value == value && r.Header.Get(authHeader) == ""
		})
	})
	t.Run("windows", func(t *testing.T) {
		srv, _ := startWindowsSite(t, demo)
		c := newTestClient(t, srv, qrs.WithWindowsAuth(winName, winUser.Password))
		checkDemoLineage(t, c)
		checkUpgrades(t, srv, 1, func(r testserver.Request) bool {
			return r.User == winName && strings.Contains(r.Header.Get("User-Agent"), "Windows")
		})
	})
	t.Run("client certificate on the Engine's port", func(t *testing.T) {
		srv, cert := startDemoRepository(t)
		// The test server serves the repository and the Engine on one
		// port: WithEnginePort names it, as 4747 would be on a site.
		u, _ := url.Parse(srv.URL())
		_, port, _ := net.SplitHostPort(u.Host)
		p, _ := strconv.Atoi(port)
		c, err := qrs.NewClient(srv.URL(), qrs.WithClientCertificate(cert), qrs.WithUser("INTERNAL", "sa_repository"), qrs.WithEnginePort(p),
			qrs.WithTrustStore("testdata/pki/truststore-keytool.p12", "changeit", qrs.StoreAuto), qrs.WithConnectionCode("test"))
		if err != nil {
			t.Fatal(err)
		}
		checkDemoLineage(t, c)
		// No proxy: no session, no token.
		checkUpgrades(t, srv, 0, func(r testserver.Request) bool {
			return r.Header.Get("X-Qlik-User") == "UserDirectory=INTERNAL; UserId=sa_repository" && r.Query.Get("qlik-csrf-token") == "" && len(r.Cookies) == 0
		})
		if n := srv.Count("/qps/csrftoken"); n != 0 {
			t.Errorf("%d token requests on the Engine's port", n)
		}
	})
}

// startDemoRepository starts the demo site as the repository on port 4242
// and the Engine on 4747 serve it to a client certificate (the test server
// serves both on one port), and returns the certificate.
func startDemoRepository(t *testing.T) (*testserver.Server, tls.Certificate) {
	t.Helper()
	clientCAs, err := qrs.LoadTrustStore("testdata/pki/root.pem", "", qrs.StoreAuto)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := testserver.Start(testserver.Config{ClientCert: true, ClientCAs: clientCAs, Certificate: pkiServerCert(t),
		Users: []string{`INTERNAL\sa_repository`}, Site: testserver.DemoSite()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	cert, err := qrs.LoadClientCertificate("testdata/pki/client.pem", "testdata/pki/client_key.pem", "")
	if err != nil {
		t.Fatal(err)
	}
	return srv, cert
}

// checkUpgrades checks that the demo's 8 apps each had one upgrade, that
// ok holds for each, and that the server opened sessions sessions.
func checkUpgrades(t *testing.T, srv *testserver.Server, sessions int, ok func(testserver.Request) bool) {
	t.Helper()
	n := 0
	for _, r := range srv.Requests() {
		if !strings.HasPrefix(r.Path, "/app/") {
			continue
		}
		n++
		if !ok(r) {
			t.Errorf("upgrade %s: headers %v, cookies %v, user %q", r.Path, r.Header, r.Cookies, r.User)
		}
	}
	st := awaitSocketsClosed(t, srv)
	if n != 8 || st.SocketsOpened != 8 || len(st.Refused) != 0 || srv.Sessions() != sessions {
		t.Errorf("%d upgrades, %d sockets, refused %v, %d sessions; want 8, 8, none, %d", n, st.SocketsOpened, st.Refused, srv.Sessions(), sessions)
	}
}

// TestEngineThroughProxies reads the demo's lineage through squid (http
// and https) and microsocks: every socket through the proxy's tunnel, the
// proxy seeing neither the session, the token nor the user.
func TestEngineThroughProxies(t *testing.T) {
	t.Parallel()
	for _, kind := range proxyKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			site := startQRSSite(t)
			p := kind.start(t, proxyTestUser, proxyTestPass)
			logs := &syncBuffer{}
			before := site.srv.Sessions() // startQRSSite's own listing's
			c := newProxyTestClient(t, site.srv.URL(), withCredentials(t, p.URL, proxyTestUser, proxyTestPass), logs, qrs.WithConnectionCode("test"))
			checkDemoLineage(t, c)
			target := site.hostport(t)
			if !p.Tunnelled(target) {
				t.Errorf("the proxy opened no tunnel to %s; log:\n%s", target, p.Log())
			}
			st := awaitSocketsClosed(t, site.srv)
			if st.SocketsOpened != 8 || site.srv.Sessions() != before+1 {
				t.Errorf("%d sockets, %d sessions of the Client; want 8 and 1", st.SocketsOpened, site.srv.Sessions()-before)
			}
			var secrets []string
			for _, r := range site.srv.Requests() {
				if tok := r.Query.Get("qlik-csrf-token"); tok != "" {
					secrets = append(secrets, tok)
				}
				for _, ck := range r.Cookies {
					secrets = append(secrets, ck.Value)
				}
				if r.Header.Get("Proxy-Authorization") != "" {
					t.Error("the proxy's credentials reached the server")
				}
			}
			if len(secrets) < 2 {
				t.Fatalf("no token or cookie seen by the server: the check below would prove nothing")
			}
			checkNoSecret(t, "the proxy's log", p.Log(), append(secrets, qlikUser, "qlik-csrf-token", "OpenDoc", "GetLineage")...)
			for _, head := range p.Requests() {
				if !strings.HasPrefix(head, "CONNECT "+target+" ") {
					t.Errorf("the proxy saw a request in the clear: %q", head)
				}
			}
			checkNoSecret(t, "the Client's log", logs.String(), append(secrets, proxyTestPass)...)
		})
	}
}
