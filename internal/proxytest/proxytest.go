// Package proxytest starts real proxy daemons from Debian for tests: squid
// (package squid-openssl) as an HTTP or HTTPS proxy with optional basic
// authentication, and microsocks as a SOCKS5 proxy with optional
// username/password authentication. Each listens on a free 127.0.0.1 port,
// runs in the foreground from its own temporary directory with a generated
// configuration and logs, allows tunnels to any host and port (loopback
// included), and is killed, with every process it started, when the test
// ends. A missing daemon skips the test, naming the package to install, or
// fails it when QRS_REQUIRE_PROXIES=1 (as in CI; .ci/install-deps installs
// them).
//
// How failures surface in a Go client (go1.26, net/http with
// Transport.Proxy = http.ProxyURL(u), target https://DEST), as the package's
// tests pin down. Every one arrives as *url.Error{Op: "Get", URL, Err} whose
// Error() is `Get "URL": ` followed by Err's text:
//
//   - HTTP or HTTPS proxy, wrong or missing credentials: squid answers the
//     CONNECT with 407, and Err is errors.New("Proxy Authentication
//     Required"), an untyped error holding just the status text (net/http
//     drops the code). http.Transport.OnProxyConnectResponse sees the
//     *http.Response with StatusCode 407 first, and the error it returns
//     replaces that one; it is the only way to detect 407 without matching
//     text.
//   - HTTP proxy, target refusing connections: squid answers 503, Err is
//     errors.New("Service Unavailable").
//   - HTTPS proxy whose certificate the client does not trust: Err is
//     *net.OpError{Op: "proxyconnect"} with text "proxyconnect tcp: tls:
//     failed to verify certificate: x509: certificate signed by unknown
//     authority"; errors.As finds x509.UnknownAuthorityError.
//   - No proxy listening (http, https and socks5 alike): Err is
//     *net.OpError{Op: "proxyconnect"}, "proxyconnect tcp: dial tcp
//     PROXY: connect: connection refused".
//   - SOCKS5 (net/http's built-in client and golang.org/x/net/proxy.SOCKS5
//     give the same texts): Err is *net.OpError{Op: "socks connect"} over an
//     untyped error: "socks connect tcp PROXY->DEST: username/password
//     authentication failed" for a wrong password, "... no acceptable
//     authentication methods" for missing credentials, and "... unknown
//     error connection refused" for a target refusing connections.
//
// None of these texts holds the proxy password; url.Error prints the
// request URL, never the proxy URL.
//
// The daemons: squid 5.7 refuses to run as root, so it runs as the user
// proxy from a directory under os.TempDir owned by that user, with no disk
// cache, and with -n set to a unique service name, which names its shared
// memory in /dev/shm (removed on stop). Tunnels are read from squid's
// cache.log, where section 26 at level 3 logs "tunnelStart: CONNECT
// host:port" as each opens, since access.log records a tunnel only when it
// closes; section 11 at level 2 logs the head (request line and headers) of
// every request a client sends to squid, which Requests returns, so that
// tests can tell what crossed to the proxy in the clear. microsocks prints
// "client[N] IP: connected to host:port" on stderr when it relays; it gets
// its credentials on its command line.
package proxytest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	osuser "os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// RequireEnv names the environment variable that turns a missing daemon
// from a skipped test into a failed one. CI sets it to 1.
const RequireEnv = "QRS_REQUIRE_PROXIES"

// startTimeout bounds how long a daemon may take to accept connections.
// Squid and microsocks accept in well under a second here; the margin is
// for a loaded 2-core machine running tests with -race in parallel.
const startTimeout = 15 * time.Second

// Proxy is a running proxy daemon. Its methods are safe for concurrent use.
type Proxy struct {
	// URL is the proxy's address as scheme://127.0.0.1:port, without
	// credentials: http:// and https:// for squid, socks5:// for microsocks.
	URL string

	daemon  string   // binary name, for messages
	dir     string   // working directory holding config and logs
	addr    string   // 127.0.0.1:port
	shmName string   // squid's service name, which names its shared memory
	logs    []string // files that Log concatenates, in order
	relays  func(p *Proxy) []string
	cmd     *exec.Cmd
	exited  chan struct{} // closed when cmd.Wait returns
}

// StartHTTP starts squid as an HTTP proxy on 127.0.0.1 and stops it when
// the test ends. With a non-empty user the proxy demands basic
// authentication with user and pass; with user == "" it allows anyone.
// It allows CONNECT to any host and port, loopback included.
func StartHTTP(t testing.TB, user, pass string) *Proxy {
	t.Helper()
	return startSquid(t, user, pass, "", "")
}

// StartHTTPS starts squid as a proxy that clients reach over TLS
// (an https:// proxy URL), serving the PEM certificate and key in the files
// cert and key, and stops it when the test ends. user and pass work as in
// StartHTTP. Clients must trust cert's issuer.
func StartHTTPS(t testing.TB, user, pass, cert, key string) *Proxy {
	t.Helper()
	if cert == "" || key == "" {
		t.Fatal("proxytest: StartHTTPS needs both a certificate and a key file")
	}
	return startSquid(t, user, pass, cert, key)
}

// StartSOCKS5 starts microsocks as a SOCKS5 proxy on 127.0.0.1 and stops
// it when the test ends. With a non-empty user it demands username/password
// authentication (RFC 1929); with user == "" it allows anyone.
func StartSOCKS5(t testing.TB, user, pass string) *Proxy {
	t.Helper()
	bin := findBinary(t, "microsocks", "microsocks")
	if user != "" && pass == "" {
		t.Fatal("proxytest: microsocks needs a password when a user is set")
	}
	p := &Proxy{daemon: "microsocks", dir: t.TempDir(), relays: socksRelays}
	out := filepath.Join(p.dir, "microsocks.log")
	p.logs = []string{out}
	p.launch(t, bin, out, func(port int) ([]string, error) {
		args := []string{"-i", "127.0.0.1", "-p", strconv.Itoa(port)}
		if user != "" {
			args = append(args, "-u", user, "-P", pass)
		}
		return args, nil
	})
	p.URL = "socks5://" + p.addr
	return p
}

// Log returns the daemon's logs, for failure messages. They hold user names
// but never passwords: Proxy-Authorization values are redacted.
func (p *Proxy) Log() string {
	var b strings.Builder
	for _, f := range p.logs {
		data, err := os.ReadFile(f)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(&b, "== %s: %v\n", filepath.Base(f), err)
			continue
		}
		fmt.Fprintf(&b, "== %s\n", filepath.Base(f))
		for _, line := range strings.SplitAfter(string(data), "\n") {
			// Squid's tunnel debugging (section 26) logs every read; keep
			// only the line that names the target.
			if strings.Contains(line, "| 26,") && !strings.Contains(line, "tunnelStart: CONNECT") {
				continue
			}
			b.WriteString(proxyAuthRE.ReplaceAllString(line, "${1}[redacted]"))
		}
	}
	return b.String()
}

// Contains reports whether s occurs anywhere in the daemon's logs, unfiltered
// and unredacted: for squid they include the head of every request clients
// sent it (see Requests); microsocks logs only the targets it connects to.
// Tests use it to show that a secret never reached the proxy in the clear.
func (p *Proxy) Contains(s string) bool {
	for _, f := range p.logs {
		data, _ := os.ReadFile(f)
		if bytes.Contains(data, []byte(s)) {
			return true
		}
	}
	return false
}

// Requests returns the heads of the requests that clients sent to squid, in
// arrival order, each as its request line and header lines joined by "\n"
// (Proxy-Authorization included, unredacted), as squid logs them at debug
// section 11 level 2. Requests inside tunnels are not among them: squid
// sees only their encrypted bytes. microsocks speaks no HTTP: nil.
func (p *Proxy) Requests() []string {
	if p.daemon != "squid" {
		return nil
	}
	cache, _ := os.ReadFile(p.logs[1])
	var out []string
	for _, m := range squidRequestRE.FindAllSubmatch(cache, -1) {
		head := strings.TrimSpace(strings.ReplaceAll(string(m[1]), "\r\n", "\n"))
		out = append(out, head)
	}
	return out
}

// Connections reports how many connections the proxy opened to targets on
// a client's behalf: CONNECT tunnels and forwarded plain-HTTP requests for
// squid, relayed connections for microsocks. Requests it refused, such as
// ones with wrong credentials, are not counted; a squid tunnel whose target
// refused the connection counts only until squid logs the failure, just
// after answering the client.
func (p *Proxy) Connections() int {
	return len(p.relays(p))
}

// Tunnelled reports whether the proxy opened a connection to hostport
// (as the client named it, e.g. "127.0.0.1:8443") on a client's behalf.
// Host names match in any letter case: squid logs them in lower case.
func (p *Proxy) Tunnelled(hostport string) bool {
	for _, r := range p.relays(p) {
		if strings.EqualFold(r, hostport) {
			return true
		}
	}
	return false
}

// startSquid runs squid in the foreground with a generated configuration;
// cert and key are empty for a plain HTTP proxy.
func startSquid(t testing.TB, user, pass, cert, key string) *Proxy {
	t.Helper()
	bin := findBinary(t, "squid", "squid-openssl")
	if cert != "" {
		out, err := exec.Command(bin, "-v").CombinedOutput()
		if err != nil || !bytes.Contains(out, []byte("--with-openssl")) {
			requireOrSkip(t, "proxytest: squid has no TLS support (apt-get install squid-openssl)")
		}
	}
	// Squid refuses to run as root and switches to cache_effective_user,
	// so its directory must belong to that user and sit outside t.TempDir,
	// whose parent is private to root.
	uid, gid := squidUser(t)
	dir, err := os.MkdirTemp("", "proxytest-squid-")
	if err != nil {
		t.Fatalf("proxytest: %v", err)
	}
	p := &Proxy{daemon: "squid", dir: dir, relays: squidRelays}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("proxytest: %v", err)
		}
	})
	// Own the directory before anything is written, so files inherit
	// nothing root-only.
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatalf("proxytest: %v", err)
	}
	if err := os.Chmod(dir, 0o750); err != nil {
		t.Fatalf("proxytest: %v", err)
	}
	access, cache := filepath.Join(dir, "access.log"), filepath.Join(dir, "cache.log")
	p.logs = []string{access, cache, filepath.Join(dir, "squid.out")}

	conf := squidConf{dir: dir, access: access, cache: cache}
	if user != "" {
		if strings.ContainsAny(user, ":\r\n") || strings.ContainsAny(pass, "\r\n") {
			t.Fatal("proxytest: squid user must not contain ':' or line breaks, nor its password line breaks")
		}
		conf.passwd = filepath.Join(dir, "passwd")
		conf.helper = "/usr/lib/squid/basic_ncsa_auth"
		if _, err := os.Stat(conf.helper); err != nil {
			requireOrSkip(t, "proxytest: basic_ncsa_auth not installed (apt-get install squid-openssl)")
		}
		line := user + ":" + apr1Hash(t, pass) + "\n"
		writeOwned(t, conf.passwd, []byte(line), uid, gid)
	}
	if cert != "" {
		conf.cert, conf.key = filepath.Join(dir, "proxy.crt"), filepath.Join(dir, "proxy.key")
		copyOwned(t, cert, conf.cert, uid, gid)
		copyOwned(t, key, conf.key, uid, gid)
	}
	confFile := filepath.Join(dir, "squid.conf")
	p.launch(t, bin, p.logs[2], func(port int) ([]string, error) {
		// A fresh service name per attempt keeps this instance's shared
		// memory segments (/dev/shm/NAME-*) apart from any other squid.
		p.shmName = "qrsproxytest" + randomHex(t)
		if err := os.WriteFile(confFile, conf.render(port), 0o644); err != nil {
			return nil, err
		}
		return []string{"-N", "-n", p.shmName, "-f", confFile}, nil
	})
	scheme := "http"
	if cert != "" {
		scheme = "https"
	}
	p.URL = scheme + "://" + p.addr
	return p
}

// removeShm removes the shared memory segments of squid's service name,
// which squid leaves behind when killed.
func removeShm(name string) {
	matches, _ := filepath.Glob(filepath.Join("/dev/shm", name+"-*"))
	for _, m := range matches {
		os.Remove(m)
	}
}

// squidConf is the parameters of a generated squid.conf.
type squidConf struct {
	dir, access, cache string
	passwd, helper     string // empty without authentication
	cert, key          string // empty for plain HTTP
}

func (c squidConf) render(port int) []byte {
	var b bytes.Buffer
	if c.cert != "" {
		fmt.Fprintf(&b, "https_port 127.0.0.1:%d tls-cert=%s tls-key=%s\n", port, c.cert, c.key)
	} else {
		fmt.Fprintf(&b, "http_port 127.0.0.1:%d\n", port)
	}
	fmt.Fprintf(&b, `visible_hostname proxytest
cache_effective_user proxy
pid_filename %[1]s/squid.pid
coredump_dir %[1]s
cache_log %[2]s
access_log stdio:%[3]s
# tunnel.cc logs "tunnelStart: CONNECT host:port HTTP/1.1" at level 3 when
# a tunnel opens; access.log is written only when it closes. client_side.cc
# logs the head of each request from a client at 11,2.
debug_options ALL,1 26,3 11,2
logfile_rotate 0
netdb_filename none
pinger_enable off
cache deny all
cache_mem 8 MB
memory_pools off
max_filedescriptors 1024
shutdown_lifetime 0 seconds
connect_timeout 10 seconds
# Never ask the network's resolver: names come from /etc/hosts.
dns_nameservers 127.0.0.1
acl loopback src 127.0.0.0/8 ::1
`, c.dir, c.cache, c.access)
	if c.passwd != "" {
		fmt.Fprintf(&b, `auth_param basic program %s %s
auth_param basic children 2 startup=1 idle=1
auth_param basic realm proxytest
acl authenticated proxy_auth REQUIRED
http_access deny !loopback
http_access allow authenticated
http_access deny all
`, c.helper, c.passwd)
	} else {
		b.WriteString("http_access allow loopback\nhttp_access deny all\n")
	}
	return b.Bytes()
}

var (
	squidTunnelRE = regexp.MustCompile(`tunnelStart: CONNECT (\S+) HTTP/`)
	socksRelayRE  = regexp.MustCompile(`(?m)^client\[\d+\] \S+: connected to (\S+)$`)
	// squidRequestRE captures a request head that client_side.cc logged
	// at 11,2, between its dashed delimiters.
	squidRequestRE = regexp.MustCompile(`(?s)parseHttpRequest: HTTP Client REQUEST:\n---------\n(.*?)\n----------`)
	// proxyAuthRE matches a Proxy-Authorization header line up to its value.
	proxyAuthRE = regexp.MustCompile(`(?i)^(proxy-authorization:\s*)\S.*`)
)

// squidRelays lists the targets squid connected to for clients. A CONNECT
// is logged to cache.log when its tunnel starts (access.log has it only when
// the tunnel closes, which a pooled client connection may never do while the
// test runs); a start whose connection then failed (access.log status other
// than 200, HIER_DIRECT) is taken back out. Forwarded plain-HTTP requests
// come from access.log.
func squidRelays(p *Proxy) []string {
	var out []string
	cache, _ := os.ReadFile(p.logs[1])
	for _, m := range squidTunnelRE.FindAllSubmatch(cache, -1) {
		out = append(out, string(m[1]))
	}
	access, _ := os.ReadFile(p.logs[0])
	for _, line := range strings.Split(string(access), "\n") {
		// time elapsed client code/status bytes method URL user hierarchy type
		f := strings.Fields(line)
		if len(f) < 9 || !strings.HasPrefix(f[8], "HIER_DIRECT") {
			continue
		}
		if f[5] == "CONNECT" {
			if !strings.HasSuffix(f[3], "/200") {
				out = removeOne(out, f[6])
			}
			continue
		}
		u, err := url.Parse(f[6])
		if err != nil || u.Host == "" {
			continue
		}
		host := u.Host
		if u.Port() == "" {
			host = net.JoinHostPort(u.Hostname(), "80")
		}
		out = append(out, host)
	}
	return out
}

func removeOne(list []string, s string) []string {
	for i, v := range list {
		if v == s {
			return append(list[:i], list[i+1:]...)
		}
	}
	return list
}

// socksRelays lists the targets microsocks connected to; it prints
// "client[N] IP: connected to host:port" on stderr for each.
func socksRelays(p *Proxy) []string {
	data, _ := os.ReadFile(p.logs[0])
	var out []string
	for _, m := range socksRelayRE.FindAllSubmatch(data, -1) {
		out = append(out, string(m[1]))
	}
	return out
}

// launch starts the daemon in its own process group on a free port, waits
// until the port accepts connections, and registers its stop. args builds
// the command line (and any configuration) for a port. A daemon that exits
// before accepting, most likely because another process took the port in
// the meantime, is tried once more on a new port.
func (p *Proxy) launch(t testing.TB, bin, out string, args func(port int) ([]string, error)) {
	t.Helper()
	var failure string
	for attempt := 0; attempt < 2; attempt++ {
		port := freePort(t)
		argv, err := args(port)
		if err != nil {
			t.Fatalf("proxytest: %s: %v", p.daemon, err)
		}
		f, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			t.Fatalf("proxytest: %v", err)
		}
		cmd := exec.Command(bin, argv...)
		cmd.Dir = p.dir
		cmd.Stdout, cmd.Stderr = f, f
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		err = cmd.Start()
		f.Close()
		if err != nil {
			t.Fatalf("proxytest: start %s: %v", p.daemon, err)
		}
		p.cmd, p.exited = cmd, make(chan struct{})
		go func(done chan struct{}) { cmd.Wait(); close(done) }(p.exited)
		p.addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))

		began := time.Now()
		ready, why := p.awaitPort()
		if ready {
			t.Cleanup(p.stop)
			t.Logf("proxytest: %s on 127.0.0.1:%d after %v", p.daemon, port, time.Since(began).Round(time.Millisecond))
			return
		}
		p.stop()
		failure = fmt.Sprintf("proxytest: %s did not start on 127.0.0.1:%d: %s\n%s", p.daemon, port, why, p.Log())
		if why != "exited" {
			break
		}
	}
	t.Fatal(failure)
}

// awaitPort polls the port until it accepts, the daemon exits, or
// startTimeout passes.
func (p *Proxy) awaitPort() (bool, string) {
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-p.exited:
			return false, "exited"
		default:
		}
		c, err := net.DialTimeout("tcp", p.addr, time.Second)
		if err == nil {
			c.Close()
			return true, ""
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false, "timed out after " + startTimeout.String()
}

// stop kills the daemon's process group, then any of its helpers that left
// the group (squid starts its auth helpers in their own sessions; they name
// the working directory on their command lines), and squid's shared memory.
func (p *Proxy) stop() {
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.exited
	killByArg(p.dir)
	if p.shmName != "" {
		removeShm(p.shmName)
	}
}

// killByArg kills every process whose command line mentions s and waits,
// briefly, for them to be gone.
func killByArg(s string) {
	deadline := time.Now().Add(3 * time.Second)
	for {
		pids := pidsByArg(s)
		if len(pids) == 0 || time.Now().After(deadline) {
			return
		}
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func pidsByArg(s string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || len(cmdline) == 0 { // gone, or a zombie awaiting its reaper
			continue
		}
		if bytes.Contains(cmdline, []byte(s)) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// findBinary looks name up on PATH and in /usr/sbin and /usr/bin (PATH may
// lack sbin), and skips or fails the test, naming the Debian package pkg,
// when it is nowhere.
func findBinary(t testing.TB, name, pkg string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/usr/bin"} {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	requireOrSkip(t, fmt.Sprintf("proxytest: %s not installed (apt-get install %s)", name, pkg))
	return ""
}

// requireOrSkip skips the test with msg, or fails it when RequireEnv is 1.
func requireOrSkip(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv(RequireEnv) == "1" {
		t.Fatal(msg + " [" + RequireEnv + "=1]")
		return
	}
	t.Skip(msg)
}

// squidUser returns the ids of the user squid switches to, which the Debian
// package creates.
func squidUser(t testing.TB) (int, int) {
	t.Helper()
	u, err := osuser.Lookup("proxy")
	if err != nil {
		requireOrSkip(t, "proxytest: user proxy missing (apt-get install squid-openssl)")
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		t.Fatalf("proxytest: user proxy has ids %q:%q", u.Uid, u.Gid)
	}
	return uid, gid
}

// apr1Hash hashes pass for squid's basic_ncsa_auth with openssl, passing
// it on standard input to keep it off command lines.
func apr1Hash(t testing.TB, pass string) string {
	t.Helper()
	bin := findBinary(t, "openssl", "openssl")
	cmd := exec.Command(bin, "passwd", "-apr1", "-stdin")
	cmd.Stdin = strings.NewReader(pass + "\n")
	out, err := cmd.Output()
	hash := strings.TrimSpace(string(out))
	if err != nil || !strings.HasPrefix(hash, "$apr1$") {
		t.Fatalf("proxytest: openssl passwd failed: %v", err)
	}
	return hash
}

func writeOwned(t testing.TB, name string, data []byte, uid, gid int) {
	t.Helper()
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatalf("proxytest: %v", err)
	}
	if err := os.Chown(name, uid, gid); err != nil {
		t.Fatalf("proxytest: %v", err)
	}
}

func copyOwned(t testing.TB, src, dst string, uid, gid int) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatalf("proxytest: %v", err)
	}
	writeOwned(t, dst, data, uid, gid)
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("proxytest: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func randomHex(t testing.TB) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("proxytest: %v", err)
	}
	return hex.EncodeToString(b)
}
