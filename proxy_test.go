package qrs_test

import (
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/proxytest"
	"github.com/qrskit/qrs/internal/testserver"
)

// End-to-end proxy tests: the Client lists apps from the test server (TLS
// with the server certificate of testdata/pki) through squid and microsocks,
// started by internal/proxytest, trusting the CA of a testdata truststore.
// A missing daemon skips these tests, or fails them with
// QRS_REQUIRE_PROXIES=1.

const (
	proxyTestUser = "qrs-proxy-user"
	// The passwords are distinctive so that finding them in an error or a
	// log cannot be a coincidence; ':' and '@' need escaping in a URL.
	proxyTestPass  = "Pr0xy:p@ss-ZQ7x"
	proxyWrongPass = "Wr0ng:p@ss-KX9v"

	qlikHeader = "hdr-usr"
	// qlikUser is the header's value: it authenticates, so it must travel
	// only inside TLS.
	qlikUser = `PROXYTEST\qlik-user-4d7e`

	proxyTrustStore     = "testdata/pki/truststore-keytool.p12"
	proxyTrustStorePass = "changeit"
	proxyServerCert     = "testdata/pki/server.pem"
	proxyServerKey      = "testdata/pki/server.key"

	appsPath = "/qrs/app/full"
)

// proxyKind is one kind of proxy daemon.
type proxyKind struct {
	name  string
	start func(t *testing.T, user, pass string) *proxytest.Proxy
}

var proxyKinds = []proxyKind{
	{"http", func(t *testing.T, u, p string) *proxytest.Proxy { return proxytest.StartHTTP(t, u, p) }},
	// Squid serves the testdata server certificate, which is valid for
	// 127.0.0.1 and signed by the CA that the truststore holds: the Client
	// verifies the proxy with the same roots as the site.
	{"https", func(t *testing.T, u, p string) *proxytest.Proxy {
		return proxytest.StartHTTPS(t, u, p, proxyServerCert, proxyServerKey)
	}},
	{"socks5", func(t *testing.T, u, p string) *proxytest.Proxy { return proxytest.StartSOCKS5(t, u, p) }},
}

// qrsSite is a running test server and the ids of its apps, as a direct
// connection lists them.
type qrsSite struct {
	srv  *testserver.Server
	apps []string
}

// startQRSSite starts the test server with header authentication behind
// the prefix hdr, serving the testdata server certificate, lists its apps
// directly as the reference, and empties its request log.
func startQRSSite(t *testing.T) *qrsSite {
	t.Helper()
	srv, _ := startSite(t, testserver.Config{Header: qlikHeader, Site: testserver.DemoSite(), Certificate: pkiServerCert(t)})
	c := newProxyTestClient(t, srv.URL(), "", &syncBuffer{})
	apps, err := c.ListApps(testContext(t), nil)
	if err != nil {
		t.Fatalf("direct ListApps: %v", err)
	}
	if len(apps) == 0 {
		t.Fatal("direct ListApps listed no apps: the comparison would prove nothing")
	}
	s := &qrsSite{srv: srv}
	for _, a := range apps {
		s.apps = append(s.apps, a.ID)
	}
	srv.ResetLog()
	return s
}

// hostport is the server's address as the Client names it to a proxy.
func (s *qrsSite) hostport(t *testing.T) string {
	t.Helper()
	u, err := url.Parse(s.srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// newProxyTestClient returns a Client for baseURL with header
// authentication, the testdata truststore and WithProxy(proxyURL), logging
// at debug level into logs. Extra options come last.
func newProxyTestClient(t *testing.T, baseURL, proxyURL string, logs *syncBuffer, extra ...qrs.Option) *qrs.Client {
	t.Helper()
	opts := []qrs.Option{
		qrs.WithTrustStore(proxyTrustStore, proxyTrustStorePass, qrs.StoreAuto),
		qrs.WithHeaderAuth(qlikHeader, qlikUser),
		qrs.WithProxy(proxyURL),
		qrs.WithLogger(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
	}
	c, err := qrs.NewClient(baseURL, append(opts, extra...)...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// withCredentials returns the proxy's URL with user and pass in it.
func withCredentials(t *testing.T, proxyURL, user, pass string) string {
	t.Helper()
	u, err := url.Parse(proxyURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(user, pass)
	return u.String()
}

// proxySecrets are what must not leak of a proxy password: itself, the
// login as a URL writes it, and the basic Proxy-Authorization value.
func proxySecrets(pass string) []string {
	return []string{
		pass,
		url.UserPassword(proxyTestUser, pass).String(),
		base64.StdEncoding.EncodeToString([]byte(proxyTestUser + ":" + pass)),
	}
}

// TestProxyTunnel lists apps through each kind of proxy with valid
// credentials, and checks that the proxy opened one tunnel to the server,
// that the server got the request, that the proxy never saw the
// authentication header, and that the server never saw the proxy's
// credentials.
func TestProxyTunnel(t *testing.T) {
	t.Parallel()
	for _, kind := range proxyKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			site := startQRSSite(t)
			p := kind.start(t, proxyTestUser, proxyTestPass)
			logs := &syncBuffer{}
			c := newProxyTestClient(t, site.srv.URL(), withCredentials(t, p.URL, proxyTestUser, proxyTestPass), logs)

			apps, err := c.ListApps(testContext(t), nil)
			if err != nil {
				t.Fatalf("ListApps through %s: %v\nproxy log:\n%s", kind.name, err, p.Log())
			}
			var got []string
			for _, a := range apps {
				got = append(got, a.ID)
			}
			if !slices.Equal(got, site.apps) {
				t.Errorf("ListApps through %s: got app ids %q, want %q (as listed directly)", kind.name, got, site.apps)
			}

			target := site.hostport(t)
			if !p.Tunnelled(target) {
				t.Errorf("proxy opened no tunnel to %s; log:\n%s", target, p.Log())
			}
			if n := p.Connections(); n != 1 {
				t.Errorf("proxy opened %d connections, want 1; log:\n%s", n, p.Log())
			}
			if n := site.srv.Count(appsPath); n != 1 {
				t.Errorf("server got %d requests for %s, want 1", n, appsPath)
			}

			reqs := site.srv.Requests()
			if len(reqs) == 0 || reqs[0].Header.Get(qlikHeader) != qlikUser {
				// The header must have been sent, or its absence at the
				// proxy would prove nothing.
				t.Fatalf("server got %d requests; want the first to carry header %s", len(reqs), qlikHeader)
			}
			for i, r := range reqs {
				for name, values := range r.Header {
					if strings.EqualFold(name, "Proxy-Authorization") {
						t.Errorf("server request %d carries %s: proxy credentials left the proxy", i, name)
					}
					for _, v := range values {
						for _, s := range proxySecrets(proxyTestPass) {
							if strings.Contains(v, s) {
								t.Errorf("server request %d: header %s holds the proxy password", i, name)
							}
						}
					}
				}
			}

			// The authentication header must cross the proxy inside TLS.
			// Squid logs the head of every request it receives (see
			// proxytest.Proxy.Requests), so there it would show in the clear.
			for _, s := range []string{qlikUser, qlikHeader} {
				if p.Contains(s) {
					t.Errorf("proxy log holds %q: the authentication header reached the proxy in the clear", s)
				}
			}
			if kind.name != "socks5" {
				checkConnectHead(t, p, target)
			}
			checkNoSecret(t, "log output", logs.String(), append(proxySecrets(proxyTestPass), qlikUser)...)
		})
	}
}

// checkConnectHead checks that squid got exactly one request, a CONNECT to
// target with the proxy credentials and none of the Qlik request's headers.
func checkConnectHead(t *testing.T, p *proxytest.Proxy, target string) {
	t.Helper()
	heads := p.Requests()
	want := "CONNECT " + target + " HTTP/1.1\n"
	if len(heads) != 1 || !strings.HasPrefix(heads[0], want) {
		t.Fatalf("squid got requests %q, want one starting with %q", heads, want)
	}
	cred := base64.StdEncoding.EncodeToString([]byte(proxyTestUser + ":" + proxyTestPass))
	if !strings.Contains(heads[0], "\nProxy-Authorization: Basic "+cred) {
		t.Errorf("CONNECT head %q lacks the proxy credentials", heads[0])
	}
	for _, h := range []string{qlikHeader, "X-Qlik-Xrfkey", "Cookie"} {
		if strings.Contains(strings.ToLower(heads[0]), "\n"+strings.ToLower(h)+":") {
			t.Errorf("CONNECT head %q has header %s of the tunnelled request", heads[0], h)
		}
	}
}

// TestProxyWrongCredentials checks that a proxy refusing the credentials
// gives an error that names the proxy and says so, with no password in the
// error or the log, and that the request is not retried.
func TestProxyWrongCredentials(t *testing.T) {
	t.Parallel()
	// A retry would wait retryWait first, so a failure that comes sooner
	// was not retried; the proxy's own records say so too where it keeps
	// them (squid logs each CONNECT; microsocks logs nothing for refusals).
	const retryWait = 2 * time.Second
	for _, kind := range proxyKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			site := startQRSSite(t)
			p := kind.start(t, proxyTestUser, proxyTestPass)
			logs := &syncBuffer{}
			c := newProxyTestClient(t, site.srv.URL(), withCredentials(t, p.URL, proxyTestUser, proxyWrongPass), logs,
				qrs.WithRetries(2), qrs.WithRetryBackoff(retryWait, retryWait))

			began := time.Now()
			apps, err := c.ListApps(testContext(t), nil)
			took := time.Since(began)
			if err == nil {
				t.Fatalf("ListApps with wrong proxy credentials: got %d apps and no error; proxy log:\n%s", len(apps), p.Log())
			}
			t.Logf("after %v: %v", took.Round(time.Millisecond), err)
			msg := err.Error()
			hostport := strings.TrimPrefix(p.URL, kind.name+"://")
			if !strings.HasPrefix(msg, "qrs: ") {
				t.Errorf("error %q does not start with %q", msg, "qrs: ")
			}
			if !strings.Contains(msg, hostport) {
				t.Errorf("error %q does not name the proxy %s", msg, hostport)
			}
			if !strings.Contains(msg, "refused its credentials") {
				t.Errorf("error %q does not say that the proxy refused the credentials", msg)
			}
			for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
				checkNoSecret(t, "error printed with "+f, fmt.Sprintf(f, err), append(proxySecrets(proxyWrongPass), qlikUser)...)
			}
			checkNoSecret(t, "log output", logs.String(), append(proxySecrets(proxyWrongPass), qlikUser)...)

			if took >= retryWait {
				t.Errorf("ListApps failed after %v, not before the first retry (%v): a refused login was retried", took, retryWait)
			}
			if n := strings.Count(logs.String(), "qrs: retrying"); n != 0 {
				t.Errorf("log shows %d retries, want none:\n%s", n, logs.String())
			}
			if kind.name != "socks5" {
				if heads := p.Requests(); len(heads) != 1 {
					t.Errorf("squid got %d requests, want 1 (no retry); log:\n%s", len(heads), p.Log())
				}
			}
			if n := p.Connections(); n != 0 {
				t.Errorf("proxy opened %d connections for a refused login, want 0; log:\n%s", n, p.Log())
			}
			if n := len(site.srv.Requests()); n != 0 {
				t.Errorf("server got %d requests, want none", n)
			}
		})
	}
}

// TestProxyNotListening checks the error when nothing listens at the
// proxy's address.
func TestProxyNotListening(t *testing.T) {
	t.Parallel()
	site := startQRSSite(t)
	for _, kind := range proxyKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			hostport := closedPort(t)
			logs := &syncBuffer{}
			proxyURL := withCredentials(t, kind.name+"://"+hostport, proxyTestUser, proxyTestPass)
			c := newProxyTestClient(t, site.srv.URL(), proxyURL, logs,
				qrs.WithRetries(1), qrs.WithRetryBackoff(10*time.Millisecond, 10*time.Millisecond))

			_, err := c.ListApps(testContext(t), nil)
			if err == nil {
				t.Fatal("ListApps through a proxy that is not listening: got no error")
			}
			t.Logf("%v", err)
			msg := err.Error()
			for _, want := range []string{hostport, "proxy", "connection refused"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not contain %q", msg, want)
				}
			}
			if !strings.HasPrefix(msg, "qrs: ") {
				t.Errorf("error %q does not start with %q", msg, "qrs: ")
			}
			for _, f := range []string{"%v", "%+v", "%#v"} {
				checkNoSecret(t, "error printed with "+f, fmt.Sprintf(f, err), append(proxySecrets(proxyTestPass), qlikUser)...)
			}
			checkNoSecret(t, "log output", logs.String(), append(proxySecrets(proxyTestPass), qlikUser)...)
		})
	}
	if n := len(site.srv.Requests()); n != 0 {
		t.Errorf("server got %d requests, want none", n)
	}
}

// closedPort returns a 127.0.0.1 address where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// Environment variables of the child process that TestProxyEnvironment
// runs.
const (
	// envChildCases lists the child's cases as mode=baseURL, separated by
	// spaces; the modes are env, noproxy, direct and explicit.
	envChildCases = "QRS_PROXYTEST_CASES"
	envChildProxy = "QRS_PROXYTEST_PROXY" // WithProxy's URL in mode explicit
	childDone     = "qrs-proxytest-child: listed"
)

// TestProxyEnvironment checks that without WithProxy the Client honours
// HTTPS_PROXY and NO_PROXY, that WithProxy("") ignores them, and that an
// explicit proxy wins over them.
//
// net/http reads the proxy variables once per process (envProxyFunc keeps
// them in a sync.Once), so t.Setenv cannot change them once any test has
// made a request: the cases run in a fresh process, this test binary run
// again with the environment set (TestProxyEnvironmentChild). Each case
// lists apps from a server of its own, so that the proxies' logs tell
// which requests went through which proxy.
//
// The sites are addressed as LOCALHOST: net/http never sends requests for
// "localhost" or loopback addresses to an environment proxy, but compares
// the name case-sensitively, while name resolution and the certificate
// check (DNS:localhost) ignore case. (localhost. with a final dot escapes
// the rule too, but the resolver does not find it in /etc/hosts.)
func TestProxyEnvironment(t *testing.T) {
	t.Parallel()
	envProxy := proxytest.StartHTTP(t, proxyTestUser, proxyTestPass)
	explicitProxy := proxytest.StartHTTP(t, proxyTestUser, proxyTestPass)
	proxies := map[string]*proxytest.Proxy{"HTTPS_PROXY": envProxy, "WithProxy": explicitProxy}

	tests := []struct {
		name string
		mode string
		via  string // the key in proxies of the proxy that must carry the request, or "" for none
	}{
		{name: "HTTPS_PROXY honoured", mode: "env", via: "HTTPS_PROXY"},
		{name: "NO_PROXY bypasses", mode: "noproxy"},
		{name: "WithProxy empty ignores HTTPS_PROXY", mode: "direct"},
		{name: "WithProxy wins over HTTPS_PROXY", mode: "explicit", via: "WithProxy"},
	}
	sites := make([]*qrsSite, len(tests))
	targets := make([]string, len(tests))
	var cases []string
	noProxy := "example.com"
	for i, tt := range tests {
		sites[i] = startQRSSite(t)
		targets[i] = "LOCALHOST:" + strings.TrimPrefix(sites[i].hostport(t), "127.0.0.1:")
		cases = append(cases, tt.mode+"=https://"+targets[i]+"/hdr")
		if tt.mode == "noproxy" {
			// An entry with a port bypasses the proxy for this site only.
			noProxy += ",localhost:" + strings.TrimPrefix(targets[i], "LOCALHOST:")
		}
	}
	env := []string{
		envChildCases + "=" + strings.Join(cases, " "),
		envChildProxy + "=" + withCredentials(t, explicitProxy.URL, proxyTestUser, proxyTestPass),
		"HTTPS_PROXY=" + withCredentials(t, envProxy.URL, proxyTestUser, proxyTestPass),
		"NO_PROXY=" + noProxy,
	}
	out, err := runChild(t, env)
	if err != nil {
		t.Fatalf("child process (%s): %v\n%s\nHTTPS_PROXY log:\n%s", strings.Join(env, " "), err, out, envProxy.Log())
	}
	if n := strings.Count(out, childDone); n != len(tests) {
		t.Fatalf("child process listed apps %d times, want %d:\n%s", n, len(tests), out)
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n := sites[i].srv.Count(appsPath); n != 1 {
				t.Errorf("server got %d requests for %s, want 1", n, appsPath)
			}
			for name, p := range proxies {
				if got, want := p.Tunnelled(targets[i]), name == tt.via; got != want {
					t.Errorf("%s proxy tunnelled to %s: %v, want %v; log:\n%s", name, targets[i], got, want, p.Log())
				}
			}
		})
	}
	for name, p := range proxies {
		if n := p.Connections(); n != 1 {
			t.Errorf("%s proxy opened %d connections, want 1; log:\n%s", name, n, p.Log())
		}
	}
}

// runChild runs TestProxyEnvironmentChild in a new process of this test
// binary with env added to an environment cleared of proxy variables.
func runChild(t *testing.T, env []string) (string, error) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	cmd := exec.CommandContext(testContext(t), exe, "-test.run=^TestProxyEnvironmentChild$", "-test.count=1", "-test.v")
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch strings.ToUpper(name) {
		case "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "REQUEST_METHOD", envChildCases, envChildProxy:
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Env = append(cmd.Env, env...)
	cmd.Dir, err = filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestProxyEnvironmentChild is the child process of TestProxyEnvironment;
// run on its own it skips.
func TestProxyEnvironmentChild(t *testing.T) {
	spec := os.Getenv(envChildCases)
	if spec == "" {
		t.Skip("runs only as a child process of TestProxyEnvironment")
	}
	for _, c := range strings.Fields(spec) {
		mode, baseURL, _ := strings.Cut(c, "=")
		t.Run(mode, func(t *testing.T) {
			logs := &syncBuffer{}
			opts := []qrs.Option{
				qrs.WithTrustStore(proxyTrustStore, proxyTrustStorePass, qrs.StoreAuto),
				qrs.WithHeaderAuth(qlikHeader, qlikUser),
				qrs.WithRetries(0),
				qrs.WithLogger(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
			}
			switch mode {
			case "env", "noproxy":
			case "direct":
				opts = append(opts, qrs.WithProxy(""))
			case "explicit":
				opts = append(opts, qrs.WithProxy(os.Getenv(envChildProxy)))
			default:
				t.Fatalf("unknown mode %q", mode)
			}
			c, err := qrs.NewClient(baseURL, opts...)
			if err != nil {
				t.Fatalf("NewClient: %v", err)
			}
			apps, err := c.ListApps(testContext(t), nil)
			if err != nil {
				t.Fatalf("ListApps (mode %s): %v", mode, err)
			}
			if len(apps) == 0 {
				t.Fatalf("ListApps (mode %s): no apps", mode)
			}
			checkNoSecret(t, "log output", logs.String(), append(proxySecrets(proxyTestPass), qlikUser)...)
			fmt.Printf("%s %d apps in mode %s\n", childDone, len(apps), mode)
		})
	}
}
