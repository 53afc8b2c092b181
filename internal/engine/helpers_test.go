package engine_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/qrskit/qrs/internal/engine"
	"github.com/qrskit/qrs/internal/testserver"
)

// The tests talk to internal/testserver's Engine over real TLS, with the
// certificate of testdata/pki (made by testdata/pki/make.sh) so that a
// TLS-speaking squid can serve the same one.
const (
	serverCert = "../../testdata/pki/server.pem"
	serverKey  = "../../testdata/pki/server.key"
	caCert     = "../../testdata/pki/ca.pem"

	authHeader = "hdr-usr"
	user       = `ENGINETEST\catalog-reader`

	appSales    = "08e587a1-fb60-4bb7-84dc-34d775320e0b"
	appFinance  = "8d376c1e-7166-4dc4-a179-f66ccc6d8761"
	appCustomer = "b98b6e68-2acf-4424-9a29-b4a8dd5e5179"
	appSupply   = "9611a391-96aa-4b8a-aaa8-dee288a9148d"
	appOps      = "371f1077-e77d-447f-b8df-3407fe0c8a01"
	appPricing  = "98b73bf9-275b-4c50-8d20-068d62ea09cf"
	appKunden   = "571ceb1f-0357-42e3-8b65-afe015509694"
	appCockpit  = "39328ba1-3804-42e4-b6ea-11cc16651082"
)

// startServer starts the test server with the demo site behind the
// virtual proxy prefix "hdr" with header authentication, unless cfg says
// otherwise.
func startServer(t *testing.T, cfg testserver.Config) *testserver.Server {
	t.Helper()
	cert, err := tls.LoadX509KeyPair(serverCert, serverKey)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Site == nil {
		cfg.Site = testserver.DemoSite()
	}
	if cfg.Prefix == "" && !cfg.ClientCert {
		cfg.Prefix = "hdr"
	}
	if cfg.Header == "" && !cfg.ClientCert {
		cfg.Header = authHeader
	}
	if cfg.Certificate == nil && !cfg.ClientCert {
		cfg.Certificate = &cert
	}
	srv, err := testserver.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// roots returns the pool of the testdata CA.
func roots(t *testing.T) *x509.CertPool {
	t.Helper()
	pem, err := os.ReadFile(caCert)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("no certificate in " + caCert)
	}
	return pool
}

// httpClient returns a client as the library builds one: a clone of the
// default transport, the given roots, an optional proxy, no redirects.
func httpClient(t *testing.T, pool *x509.CertPool, proxyURL string, certs ...tls.Certificate) *http.Client {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12, Certificates: certs}
	tr.Proxy = nil
	if proxyURL != "" {
		u, err := url.Parse(proxyURL)
		if err != nil {
			t.Fatal(err)
		}
		tr.Proxy = http.ProxyURL(u)
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// session opens a proxy session as the library does: the token request
// carries the authentication header; its cookie then serves every socket.
// It returns the token and the header for upgrades.
func session(t *testing.T, srv *testserver.Server, hc *http.Client) (string, http.Header) {
	t.Helper()
	tok, cookies, err := engine.CSRFToken(testContext(t), hc, srv.URL(), http.Header{authHeader: {user}})
	if err != nil {
		t.Fatalf("CSRFToken: %v", err)
	}
	h := http.Header{}
	for _, c := range cookies {
		h.Add("Cookie", c.Name+"="+c.Value)
	}
	if h.Get("Cookie") == "" {
		t.Fatal("the token request set no session cookie")
	}
	return tok, h
}

// dial opens a socket to app through the session.
func dial(t *testing.T, srv *testserver.Server, hc *http.Client, app, token string, h http.Header, opts engine.Options) *engine.Conn {
	t.Helper()
	c, err := dialErr(t, srv, hc, app, token, h, opts)
	if err != nil {
		t.Fatalf("Dial %s: %v", app, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func dialErr(t *testing.T, srv *testserver.Server, hc *http.Client, app, token string, h http.Header, opts engine.Options) (*engine.Conn, error) {
	t.Helper()
	u, err := engine.AppURL(srv.URL(), app, token)
	if err != nil {
		t.Fatal(err)
	}
	return engine.Dial(testContext(t), hc, u, h, opts)
}

// openDemo starts the demo site, opens a session and a socket to app with
// the app opened without data; it returns the socket and the Doc handle.
func openDemo(t *testing.T, app string, opts engine.Options) (*testserver.Server, *engine.Conn, int) {
	t.Helper()
	srv := startServer(t, testserver.Config{})
	hc := httpClient(t, roots(t), "")
	tok, h := session(t, srv, hc)
	c := dial(t, srv, hc, app, tok, h, opts)
	doc, err := c.OpenDoc(testContext(t), app, true)
	if err != nil {
		t.Fatalf("OpenDoc: %v", err)
	}
	return srv, c, doc
}

// eventually polls cond until it holds or 10 s pass: for counters another
// goroutine (the server's handler) updates after the client has returned.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after 10s: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// goroutineLeakCheck fails the test unless the number of goroutines
// comes back to what it was, once the test's own cleanups have run.
func goroutineLeakCheck(t *testing.T) func() {
	t.Helper()
	before := runtime.NumGoroutine()
	return func() {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			n := runtime.NumGoroutine()
			if n <= before {
				return
			}
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				buf = buf[:runtime.Stack(buf, true)]
				t.Fatalf("%d goroutines, %d before:\n%s", n, before, buf)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
