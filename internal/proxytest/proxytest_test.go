package proxytest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/proxy"
)

const (
	user = "alice"
	pass = "s3cret pass:word" // a space and a colon, which need escaping in URLs
)

// target is a TLS server that counts the requests it answers.
type target struct {
	srv  *httptest.Server
	hits atomic.Int64
}

func newTarget(t *testing.T, useTLS bool) *target {
	t.Helper()
	tg := &target{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tg.hits.Add(1)
		io.WriteString(w, "hello from target")
	})
	if useTLS {
		tg.srv = httptest.NewTLSServer(h)
	} else {
		tg.srv = httptest.NewServer(h)
	}
	t.Cleanup(tg.srv.Close)
	return tg
}

func (tg *target) hostport() string { return tg.srv.Listener.Addr().String() }

// selfSigned writes a self-signed certificate for 127.0.0.1 and its key as
// PEM files and returns their paths with a pool that trusts the certificate.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "proxytest proxy"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "proxy.crt"), filepath.Join(dir, "proxy.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), 0o600); err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// fixture is one kind of proxy under test.
type fixture struct {
	name  string
	start func(t *testing.T, user, pass string) *Proxy
	// trust is the pool the client needs for the proxy itself (https only).
	trust *x509.CertPool
}

func fixtures(t *testing.T) []fixture {
	certFile, keyFile, pool := selfSigned(t)
	return []fixture{
		{name: "http", start: func(t *testing.T, u, p string) *Proxy { return StartHTTP(t, u, p) }},
		{name: "https", trust: pool, start: func(t *testing.T, u, p string) *Proxy {
			return StartHTTPS(t, u, p, certFile, keyFile)
		}},
		{name: "socks5", start: func(t *testing.T, u, p string) *Proxy { return StartSOCKS5(t, u, p) }},
	}
}

// client returns an HTTP client that goes through proxyURL (with ui as its
// credentials, if not nil) and trusts tg and, if given, the proxy.
func client(t *testing.T, tg *target, proxyURL string, ui *url.Userinfo, proxyTrust *x509.CertPool) *http.Client {
	t.Helper()
	u, err := url.Parse(proxyURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = ui
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = http.ProxyURL(u)
	tr.TLSClientConfig = &tls.Config{RootCAs: trustBoth(tg, proxyTrust)}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

func trustBoth(tg *target, extra *x509.CertPool) *x509.CertPool {
	pool := x509.NewCertPool()
	if extra != nil {
		pool = extra.Clone()
	}
	if tg != nil && tg.srv.Certificate() != nil {
		pool.AddCert(tg.srv.Certificate())
	}
	return pool
}

func get(t *testing.T, c *http.Client, u string) (string, error) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("status %s", resp.Status)
	}
	return string(body), nil
}

func TestTunnelReachesTarget(t *testing.T) {
	t.Parallel()
	for _, fx := range fixtures(t) {
		for _, auth := range []bool{false, true} {
			name := fx.name + map[bool]string{false: "/open", true: "/auth"}[auth]
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				var ui *url.Userinfo
				var p *Proxy
				if auth {
					ui = url.UserPassword(user, pass)
					p = fx.start(t, user, pass)
				} else {
					p = fx.start(t, "", "")
				}
				if strings.Contains(p.URL, "@") || !strings.HasPrefix(p.URL, fx.name+"://127.0.0.1:") {
					t.Fatalf("URL = %q, want %s://127.0.0.1:port without credentials", p.URL, fx.name)
				}
				tg := newTarget(t, true)
				body, err := get(t, client(t, tg, p.URL, ui, fx.trust), tg.srv.URL)
				if err != nil {
					t.Fatalf("GET through %s: %v\n%s", fx.name, err, p.Log())
				}
				if body != "hello from target" {
					t.Errorf("body = %q, want the target's", body)
				}
				if got := tg.hits.Load(); got != 1 {
					t.Errorf("target hits = %d, want 1", got)
				}
				if !p.Tunnelled(tg.hostport()) {
					t.Errorf("Tunnelled(%q) = false, want true; log:\n%s", tg.hostport(), p.Log())
				}
				if p.Tunnelled("127.0.0.1:1") {
					t.Errorf("Tunnelled(127.0.0.1:1) = true, want false")
				}
				if got := p.Connections(); got != 1 {
					t.Errorf("Connections() = %d, want 1; log:\n%s", got, p.Log())
				}
				if auth && strings.Contains(p.Log(), pass) {
					t.Errorf("log holds the password:\n%s", p.Log())
				}
				checkHeads(t, p, fx.name, tg.hostport(), auth)
			})
		}
	}
}

// checkHeads checks what Requests and Contains report of one CONNECT to
// hostport, and that Log redacts the credentials.
func checkHeads(t *testing.T, p *Proxy, scheme, hostport string, auth bool) {
	t.Helper()
	heads := p.Requests()
	if scheme == "socks5" {
		if heads != nil {
			t.Errorf("Requests() = %q, want nil for microsocks", heads)
		}
		return
	}
	want := "CONNECT " + hostport + " HTTP/1.1\n"
	if len(heads) != 1 || !strings.HasPrefix(heads[0], want) {
		t.Fatalf("Requests() = %q, want one head starting with %q", heads, want)
	}
	if !strings.Contains(heads[0], "\nUser-Agent: ") {
		t.Errorf("Requests()[0] = %q, want its headers too", heads[0])
	}
	cred := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	if got := strings.Contains(heads[0], "\nProxy-Authorization: Basic "+cred); got != auth {
		t.Errorf("Requests()[0] has the credentials: %v, want %v; head: %q", got, auth, heads[0])
	}
	if got := p.Contains(cred); got != auth {
		t.Errorf("Contains(credentials) = %v, want %v", got, auth)
	}
	if p.Contains("no such text in any log") {
		t.Errorf("Contains(absent text) = true, want false")
	}
	if log := p.Log(); strings.Contains(log, cred) || auth && !strings.Contains(log, "Proxy-Authorization: [redacted]") {
		t.Errorf("Log() does not redact Proxy-Authorization:\n%s", log)
	}
}

// TestSOCKS5WithXNetProxy dials through microsocks with the dialer of
// golang.org/x/net/proxy rather than net/http's own SOCKS5 client.
func TestSOCKS5WithXNetProxy(t *testing.T) {
	t.Parallel()
	p := StartSOCKS5(t, user, pass)
	tg := newTarget(t, true)
	u, _ := url.Parse(p.URL)
	d, err := proxy.SOCKS5("tcp", u.Host, &proxy.Auth{User: user, Password: pass}, proxy.Direct)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{
		DialContext:     d.(proxy.ContextDialer).DialContext,
		TLSClientConfig: &tls.Config{RootCAs: trustBoth(tg, nil)},
	}
	defer tr.CloseIdleConnections()
	body, err := get(t, &http.Client{Transport: tr}, tg.srv.URL)
	if err != nil {
		t.Fatalf("GET: %v\n%s", err, p.Log())
	}
	if body != "hello from target" || tg.hits.Load() != 1 {
		t.Errorf("body %q, hits %d; want the target's body, 1 hit", body, tg.hits.Load())
	}
	if !p.Tunnelled(tg.hostport()) || p.Connections() != 1 {
		t.Errorf("Tunnelled = %v, Connections = %d; want true, 1; log:\n%s", p.Tunnelled(tg.hostport()), p.Connections(), p.Log())
	}

	bad, err := proxy.SOCKS5("tcp", u.Host, &proxy.Auth{User: user, Password: "wrong"}, proxy.Direct)
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.(proxy.ContextDialer).DialContext(context.Background(), "tcp", tg.hostport())
	want := fmt.Sprintf("socks connect tcp %s->%s: username/password authentication failed", u.Host, tg.hostport())
	var opErr *net.OpError
	if err == nil || err.Error() != want || !errors.As(err, &opErr) || opErr.Op != "socks connect" {
		t.Errorf("dial with wrong password: error %T %v, want *net.OpError %q", err, err, want)
	}
	if got := p.Connections(); got != 1 {
		t.Errorf("Connections() after refused dial = %d, want 1", got)
	}
}

// TestPlainHTTPForwarding checks that squid counts a forwarded plain-HTTP
// request (GET http://…) as well as tunnels.
func TestPlainHTTPForwarding(t *testing.T) {
	t.Parallel()
	p := StartHTTP(t, user, pass)
	tg := newTarget(t, false)
	body, err := get(t, client(t, tg, p.URL, url.UserPassword(user, pass), nil), tg.srv.URL+"/plain")
	if err != nil {
		t.Fatalf("GET: %v\n%s", err, p.Log())
	}
	if body != "hello from target" || tg.hits.Load() != 1 {
		t.Errorf("body %q, hits %d; want the target's body, 1 hit", body, tg.hits.Load())
	}
	// access.log is written as the response completes, just after the
	// client may have read it.
	waitFor(t, func() bool { return p.Tunnelled(tg.hostport()) }, p)
	if got := p.Connections(); got != 1 {
		t.Errorf("Connections() = %d, want 1; log:\n%s", got, p.Log())
	}
}

// TestFailures pins down how each failure surfaces in a Go client, since the
// qrs client turns these into its own errors (see the package comment).
func TestFailures(t *testing.T) {
	t.Parallel()
	certFile, keyFile, pool := selfSigned(t)
	tg := newTarget(t, true)
	closed := freePort(t) // nothing listens here

	type tc struct {
		name  string
		proxy func(t *testing.T) *Proxy
		ui    *url.Userinfo
		trust *x509.CertPool
		dest  string // host:port the request goes to; tg if empty
		// want is the inner error of the *url.Error, with PROXY and DEST
		// standing for the proxy's and destination's host:port.
		want string
		// typed, if set, checks the error's types; HTTP status failures
		// are untyped errors.New(status text).
		typed func(error) bool
	}
	httpP := func(t *testing.T) *Proxy { return StartHTTP(t, user, pass) }
	httpsP := func(t *testing.T) *Proxy { return StartHTTPS(t, user, pass, certFile, keyFile) }
	socksP := func(t *testing.T) *Proxy { return StartSOCKS5(t, user, pass) }
	closedDest := fmt.Sprintf("127.0.0.1:%d", closed)
	cases := []tc{
		{name: "http/wrong-password", proxy: httpP, ui: url.UserPassword(user, "wrong"), want: "Proxy Authentication Required"},
		{name: "http/no-credentials", proxy: httpP, want: "Proxy Authentication Required"},
		{name: "http/target-refused", proxy: httpP, ui: url.UserPassword(user, pass), dest: closedDest, want: "Service Unavailable"},
		{name: "https/wrong-password", proxy: httpsP, ui: url.UserPassword(user, "wrong"), trust: pool, want: "Proxy Authentication Required"},
		{name: "https/untrusted-proxy-cert", proxy: httpsP, ui: url.UserPassword(user, pass),
			want: "proxyconnect tcp: tls: failed to verify certificate: x509: certificate signed by unknown authority",
			typed: func(err error) bool {
				var opErr *net.OpError
				var unknown x509.UnknownAuthorityError
				return errors.As(err, &opErr) && opErr.Op == "proxyconnect" && errors.As(err, &unknown)
			}},
		{name: "socks5/wrong-password", proxy: socksP, ui: url.UserPassword(user, "wrong"),
			want: "socks connect tcp PROXY->DEST: username/password authentication failed", typed: isSocksOp},
		{name: "socks5/no-credentials", proxy: socksP,
			want: "socks connect tcp PROXY->DEST: no acceptable authentication methods", typed: isSocksOp},
		{name: "socks5/target-refused", proxy: socksP, ui: url.UserPassword(user, pass), dest: closedDest,
			want: "socks connect tcp PROXY->DEST: unknown error connection refused", typed: isSocksOp},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := c.proxy(t)
			dest := c.dest
			if dest == "" {
				dest = tg.hostport()
			}
			_, err := get(t, client(t, tg, p.URL, c.ui, c.trust), "https://"+dest+"/")
			proxyHost := strings.TrimPrefix(p.URL, strings.SplitN(p.URL, "://", 2)[0]+"://")
			want := strings.NewReplacer("PROXY", proxyHost, "DEST", dest).Replace(c.want)
			var uerr *url.Error
			if !errors.As(err, &uerr) {
				t.Fatalf("error = %T %v, want *url.Error", err, err)
			}
			if got := uerr.Err.Error(); got != want {
				t.Errorf("error = %q, want %q", got, want)
			}
			if got := err.Error(); got != fmt.Sprintf("Get %q: %s", "https://"+dest+"/", want) {
				t.Errorf("full error = %q", got)
			}
			if c.typed != nil && !c.typed(err) {
				t.Errorf("error %#v does not unwrap to the expected types", err)
			}
			if c.ui != nil && strings.Contains(err.Error(), pass) {
				t.Errorf("error holds the password: %v", err)
			}
			if got := tg.hits.Load(); got != 0 {
				t.Errorf("target hits = %d, want 0", got)
			}
			// squid writes the failed tunnel's access.log line just after
			// answering, so a refused target may still count for a moment.
			waitFor(t, func() bool { return p.Connections() == 0 }, p)
		})
	}
}

// isSocksOp reports whether err carries net/http's SOCKS5 failure type.
func isSocksOp(err error) bool {
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "socks connect"
}

// TestConnectResponseHook shows that http.Transport.OnProxyConnectResponse
// sees the proxy's CONNECT status, the one way to tell a 407 apart without
// matching error text, and that the error it returns is what the caller gets.
func TestConnectResponseHook(t *testing.T) {
	t.Parallel()
	p := StartHTTP(t, user, pass)
	tg := newTarget(t, true)
	c := client(t, tg, p.URL, url.UserPassword(user, "wrong"), nil)
	var status int
	errProxyAuth := errors.New("proxy rejected the credentials")
	c.Transport.(*http.Transport).OnProxyConnectResponse = func(_ context.Context, _ *url.URL, _ *http.Request, resp *http.Response) error {
		status = resp.StatusCode
		if resp.StatusCode == http.StatusProxyAuthRequired {
			return errProxyAuth
		}
		return nil
	}
	_, err := get(t, c, tg.srv.URL)
	if status != http.StatusProxyAuthRequired {
		t.Errorf("hook saw status %d, want 407", status)
	}
	if !errors.Is(err, errProxyAuth) {
		t.Errorf("error = %v, want the hook's error", err)
	}
}

// TestProxyDown records the errors for a proxy that is not listening.
func TestProxyDown(t *testing.T) {
	t.Parallel()
	tg := newTarget(t, true)
	down := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	want := "proxyconnect tcp: dial tcp " + down + ": connect: connection refused"
	for _, scheme := range []string{"http", "https", "socks5"} {
		_, err := get(t, client(t, tg, scheme+"://"+down, nil, nil), tg.srv.URL)
		var uerr *url.Error
		var opErr *net.OpError
		if !errors.As(err, &uerr) || uerr.Err.Error() != want || !errors.As(err, &opErr) || opErr.Op != "proxyconnect" {
			t.Errorf("%s proxy down: error %v, want inner *net.OpError %q", scheme, err, want)
		}
	}
}

// TestStopLeavesNothing checks that a proxy's cleanup ends every process
// it started, frees the port and removes squid's files.
func TestStopLeavesNothing(t *testing.T) {
	t.Parallel()
	for _, fx := range fixtures(t) {
		for _, auth := range []string{"", user} {
			var p *Proxy
			t.Run(fx.name+"/"+auth, func(t *testing.T) {
				p = fx.start(t, auth, pass)
				// squid's command line names its directory; microsocks' does not.
				if len(pidsByArg(p.dir)) == 0 && fx.name != "socks5" {
					t.Errorf("no process names %s while running", p.dir)
				}
			})
			if p == nil {
				continue
			}
			if c, err := net.DialTimeout("tcp", p.addr, time.Second); err == nil {
				c.Close()
				t.Errorf("%s: port %s still accepts after cleanup", fx.name, p.addr)
			}
			if pids := pidsByArg(p.dir); len(pids) != 0 {
				t.Errorf("%s: processes %v left running", fx.name, pids)
			}
			select {
			case <-p.exited:
			default:
				t.Errorf("%s: daemon still running", fx.name)
			}
			if p.daemon == "squid" {
				if _, err := os.Stat(p.dir); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s: %s not removed: %v", fx.name, p.dir, err)
				}
				if m, _ := filepath.Glob("/dev/shm/" + p.shmName + "-*"); len(m) != 0 {
					t.Errorf("%s: shared memory left: %v", fx.name, m)
				}
			}
		}
	}
}

// recorder is a testing.TB that records Skip and Fatal instead of stopping.
type recorder struct {
	testing.TB
	skipped, fatal string
}

func (r *recorder) Helper()                      {}
func (r *recorder) Skip(args ...any)             { r.skipped = fmt.Sprint(args...) }
func (r *recorder) Fatal(args ...any)            { r.fatal = fmt.Sprint(args...) }
func (r *recorder) Fatalf(f string, args ...any) { r.fatal = fmt.Sprintf(f, args...) }

func TestMissingDaemon(t *testing.T) {
	const msg = "proxytest: no-such-proxyd not installed (apt-get install no-such-pkg)"
	for _, c := range []struct {
		env                 string
		wantSkip, wantFatal string
	}{
		{env: "", wantSkip: msg},
		{env: "0", wantSkip: msg},
		{env: "1", wantFatal: msg + " [" + RequireEnv + "=1]"},
	} {
		t.Setenv(RequireEnv, c.env)
		r := &recorder{}
		if got := findBinary(r, "no-such-proxyd", "no-such-pkg"); got != "" {
			t.Errorf("findBinary = %q, want \"\"", got)
		}
		if r.skipped != c.wantSkip || r.fatal != c.wantFatal {
			t.Errorf("%s=%q: skipped %q, fatal %q; want %q, %q", RequireEnv, c.env, r.skipped, r.fatal, c.wantSkip, c.wantFatal)
		}
	}
	if got := findBinary(t, "sh", "dash"); got == "" {
		t.Error(`findBinary("sh") = "", want a path`)
	}
}

func waitFor(t *testing.T, cond func() bool, p *Proxy) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within 5s; log:\n%s", p.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
