// Package ntlmtest starts a real NTLM verifier for tests: Debian's apache2
// with mod_auth_gssapi (package libapache2-mod-auth-gssapi), whose
// gss-ntlmssp mechanism (package gss-ntlmssp) checks NTLMv2 against a
// users file. Each verifier listens on a free 127.0.0.1 port, runs in the
// foreground from its own temporary directory with a generated
// configuration and logs, and is stopped, with its worker processes, when
// the test ends. A missing apache2 or module skips the test, naming the
// package to install, or fails it when QRS_REQUIRE_PROXIES=1 (as in CI;
// .ci/install-deps installs them), as proxytest does for its proxies.
// [Launch] starts the same verifier outside a test, for the examples' demo
// site.
//
// The configuration ([Start]) protects every path with AuthType GSSAPI,
// GssapiAllowedMech ntlmssp, GssapiConnectionBound On, GssapiBasicAuth Off
// and Require valid-user, with KeepAlive on, and serves one static file
// (the path of [Verifier.URL]). On success mod_headers copies REMOTE_USER
// into the response header [UserHeader]. gss-ntlmssp reads the users file
// named by NTLM_USER_FILE in apache's environment, one DOMAIN:user:password
// a line.
//
// How it answers, as the package's tests pin down (go-ntlmssp v0.1.1 as the
// client):
//
//   - A request without Authorization: 401 with two headers,
//     "WWW-Authenticate: Negotiate" and "WWW-Authenticate: NTLM".
//   - An NTLM negotiate message (type 1, under either scheme): 401 with the
//     challenge (type 2) under the scheme the client used. (curl's own
//     negotiate message was refused when tried by hand, "Invalid token was
//     supplied" in the error log; go-ntlmssp's is accepted.)
//   - The authenticate message (type 3) on the same connection: 200 with
//     [UserHeader] set to the name as the client typed it (DOMAIN\user, or
//     a bare user when the client sent no domain) when the password is
//     right; 401 with the two offers again when it is wrong. User names
//     match the file without regard to case, domains only in the same case.
//   - The challenge lives in the connection (GssapiConnectionBound): a type
//     3 message on another connection is refused, and once a connection has
//     authenticated, later requests on it are accepted without any
//     Authorization header. A relay must therefore bind one backend
//     connection to each client connection.
//
// [StartKerberosOnly] starts the same server with GssapiAllowedMech krb5
// and GssapiConnectionBound Off, which makes mod_auth_gssapi offer only
// "WWW-Authenticate: Negotiate" (it offers NTLM only when connections are
// bound). It has no keytab, so every token is refused with 401: a site whose
// authentication module speaks only Kerberos.
package ntlmtest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
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

	"github.com/qrskit/qrs/internal/proxytest"
)

// UserHeader is the response header in which the verifier names the user
// it authenticated, as DOMAIN\user.
const UserHeader = "X-Remote-User"

// startTimeout bounds how long apache may take to accept connections. It
// starts in well under a second here; the margin is for a loaded 2-core
// machine running tests with -race in parallel.
const startTimeout = 15 * time.Second

// stopTimeout bounds how long apache may take to stop on SIGTERM before
// its process group is killed.
const stopTimeout = 5 * time.Second

// modules are the Debian module files the configuration loads.
const modulesDir = "/usr/lib/apache2/modules"

// User is one account of the verifier's users file.
type User struct {
	Domain, Name, Password string
}

// Verifier is a running apache2 that checks NTLM. Its methods are safe for
// concurrent use.
type Verifier struct {
	// URL is the protected resource, http://127.0.0.1:port/whoami: a GET
	// with a valid NTLM exchange answers 200 and names the user in
	// [UserHeader].
	URL string
	// Addr is 127.0.0.1:port.
	Addr string

	dir     string
	logs    []string      // error and access logs, for Log
	started time.Duration // how long apache took to accept connections
	cmd     *exec.Cmd
	exited  chan struct{} // closed when cmd.Wait returns
}

// Start starts apache2 as an NTLM verifier that knows users, on
// 127.0.0.1, and stops it when the test ends. No field may contain ':' or
// a line break, and a domain must not start with '#': gss-ntlmssp reads a
// line with a fourth ':' as smbpasswd's format, and skips comment lines.
// Non-ASCII and spaces are fine.
func Start(t testing.TB, users ...User) *Verifier {
	t.Helper()
	if err := checkUsers(users); err != nil {
		t.Fatalf("%v", err)
	}
	return startTest(t, false, users)
}

// StartKerberosOnly starts apache2 offering only Kerberos (Negotiate, no
// NTLM and no keytab, so that nothing authenticates), on 127.0.0.1, and
// stops it when the test ends.
func StartKerberosOnly(t testing.TB) *Verifier {
	t.Helper()
	return startTest(t, true, nil)
}

// Launch starts the verifier of [Start] outside a test, for a program such
// as the examples' demo site; the caller stops it with [Verifier.Close]. A
// missing apache2 or module is a [*MissingError] that names the package to
// install.
func Launch(users ...User) (*Verifier, error) {
	if err := checkUsers(users); err != nil {
		return nil, err
	}
	return launch(false, users)
}

// A MissingError is the error of Launch when apache2 or a module it needs
// is not installed.
type MissingError struct {
	What    string // the missing file or program
	Package string // the Debian package that installs it
}

func (e *MissingError) Error() string {
	return fmt.Sprintf("ntlmtest: %s missing (apt-get install %s)", e.What, e.Package)
}

func checkUsers(users []User) error {
	for _, u := range users {
		line := u.Domain + ":" + u.Name + ":" + u.Password
		if u.Name == "" || strings.Count(line, ":") != 2 || strings.ContainsAny(line, "\r\n") ||
			strings.HasPrefix(u.Domain, "#") || len(line) > 1000 {
			return fmt.Errorf("ntlmtest: user %q\\%q: a name is needed; no field may contain ':' or a line break, nor a domain start with '#'; 1000 bytes at most", u.Domain, u.Name)
		}
	}
	return nil
}

// startTest launches a verifier for a test: a missing package skips it
// (or fails it, see requireOrSkip), and the verifier stops when it ends.
func startTest(t testing.TB, kerberosOnly bool, users []User) *Verifier {
	t.Helper()
	v, err := launch(kerberosOnly, users)
	if me, ok := errors.AsType[*MissingError](err); ok {
		requireOrSkip(t, me.Error())
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := v.Close(); err != nil {
			t.Errorf("%v", err)
		}
	})
	t.Logf("ntlmtest: apache2 on %s after %v", v.Addr, v.started.Round(time.Millisecond))
	return v
}

// Close stops apache and its workers, and removes its directory.
func (v *Verifier) Close() error {
	v.stop()
	if err := os.RemoveAll(v.dir); err != nil {
		return fmt.Errorf("ntlmtest: %v", err)
	}
	return nil
}

// Log returns apache's error and access logs, for failure messages. The
// access log records status, user and request line, never Authorization.
func (v *Verifier) Log() string {
	var b strings.Builder
	for _, f := range v.logs {
		data, err := os.ReadFile(f)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(&b, "== %s: %v\n", filepath.Base(f), err)
			continue
		}
		fmt.Fprintf(&b, "== %s\n%s", filepath.Base(f), data)
	}
	return b.String()
}

// Authenticated returns the users apache has answered 200 for so far, in
// the order its access log has them. Apache writes that line just after it
// answers, so a caller that has just read a 200 may have to wait for it.
func (v *Verifier) Authenticated() []string {
	data, _ := os.ReadFile(v.logs[1])
	var out []string
	for _, m := range accessRE.FindAllSubmatch(data, -1) {
		if string(m[1]) == "200" {
			out = append(out, unescapeLog(string(m[2])))
		}
	}
	return out
}

// accessRE reads a line of the access log: LogFormat "%>s \"%u\" \"%r\"",
// in which apache escapes '"' and '\\' in the user name.
var accessRE = regexp.MustCompile(`(?m)^(\d{3}) "((?:[^"\\]|\\.)*)" "`)

// unescapeLog undoes apache's escaping of a logged value: a backslash
// before '\\' or '"', and \xhh for other bytes.
func unescapeLog(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			switch s[i+1] {
			case '\\', '"':
				b.WriteByte(s[i+1])
				i++
				continue
			case 'x':
				if i+4 <= len(s) {
					if n, err := strconv.ParseUint(s[i+2:i+4], 16, 8); err == nil {
						b.WriteByte(byte(n))
						i += 3
						continue
					}
				}
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func launch(kerberosOnly bool, users []User) (*Verifier, error) {
	bin, err := findApache()
	if err != nil {
		return nil, err
	}
	for _, m := range []string{"mod_mpm_event.so", "mod_authn_core.so", "mod_authz_core.so", "mod_authz_user.so", "mod_headers.so"} {
		if err := requireFile(filepath.Join(modulesDir, m), "apache2"); err != nil {
			return nil, err
		}
	}
	if err := requireFile(filepath.Join(modulesDir, "mod_auth_gssapi.so"), "libapache2-mod-auth-gssapi"); err != nil {
		return nil, err
	}
	if !kerberosOnly {
		// The GSSAPI library finds mechanisms through this file.
		if err := requireFile("/etc/gss/mech.d/mech.ntlmssp.conf", "gss-ntlmssp"); err != nil {
			return nil, err
		}
	}

	// Run as root, apache's workers switch to www-data, so the directory
	// must belong to that user and sit outside a test's TempDir, whose
	// parents are private to root.
	uid, gid, runUser := -1, -1, ""
	if os.Geteuid() == 0 {
		if uid, gid, runUser, err = workerUser(); err != nil {
			return nil, err
		}
	}
	dir, err := os.MkdirTemp("", "ntlmtest-")
	if err != nil {
		return nil, fmt.Errorf("ntlmtest: %v", err)
	}
	v, err := prepare(bin, dir, kerberosOnly, users, uid, gid, runUser)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return v, nil
}

// prepare writes apache's files into dir and starts bin.
func prepare(bin, dir string, kerberosOnly bool, users []User, uid, gid int, runUser string) (*Verifier, error) {
	if uid >= 0 {
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, fmt.Errorf("ntlmtest: %v", err)
		}
	}
	if err := os.Chmod(dir, 0o750); err != nil {
		return nil, fmt.Errorf("ntlmtest: %v", err)
	}
	docs := filepath.Join(dir, "docs")
	if err := os.Mkdir(docs, 0o750); err != nil {
		return nil, fmt.Errorf("ntlmtest: %v", err)
	}
	var usersFile bytes.Buffer
	for _, u := range users {
		fmt.Fprintf(&usersFile, "%s:%s:%s\n", u.Domain, u.Name, u.Password)
	}
	for _, f := range []struct {
		name string
		data []byte
	}{
		{filepath.Join(docs, "whoami"), []byte("authenticated\n")},
		{filepath.Join(dir, "users"), usersFile.Bytes()},
		// An empty krb5.conf keeps the Kerberos library from reading the
		// machine's (and from asking DNS about realms).
		{filepath.Join(dir, "krb5.conf"), nil},
	} {
		if err := writeOwned(f.name, f.data, uid, gid); err != nil {
			return nil, err
		}
	}
	if uid >= 0 {
		if err := os.Chown(docs, uid, gid); err != nil {
			return nil, fmt.Errorf("ntlmtest: %v", err)
		}
	}

	v := &Verifier{dir: dir, logs: []string{filepath.Join(dir, "error.log"), filepath.Join(dir, "access.log")}}
	conf := apacheConf{dir: dir, docs: docs, user: runUser, kerberosOnly: kerberosOnly}
	confFile := filepath.Join(dir, "httpd.conf")
	out := filepath.Join(dir, "apache.out")
	env := append(os.Environ(),
		"NTLM_USER_FILE="+filepath.Join(dir, "users"),
		"KRB5_CONFIG="+filepath.Join(dir, "krb5.conf"),
		"KRB5_KTNAME="+filepath.Join(dir, "none.keytab"),
	)
	var failure error
	// An apache that exits before accepting most likely lost its port to
	// another process in the meantime: try once more on a new one.
	for attempt := 0; attempt < 2; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		conf.port = port
		if err := os.WriteFile(confFile, conf.render(), 0o644); err != nil {
			return nil, fmt.Errorf("ntlmtest: %v", err)
		}
		f, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, fmt.Errorf("ntlmtest: %v", err)
		}
		cmd := exec.Command(bin, "-DFOREGROUND", "-f", confFile)
		cmd.Dir, cmd.Env = dir, env
		cmd.Stdout, cmd.Stderr = f, f
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		err = cmd.Start()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("ntlmtest: start apache2: %v", err)
		}
		v.cmd, v.exited = cmd, make(chan struct{})
		go func(done chan struct{}) { cmd.Wait(); close(done) }(v.exited)
		v.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		v.URL = "http://" + v.Addr + "/whoami"

		began := time.Now()
		ready, why := v.awaitPort()
		if ready {
			v.started = time.Since(began)
			return v, nil
		}
		v.stop()
		apacheOut, _ := os.ReadFile(out)
		failure = fmt.Errorf("ntlmtest: apache2 did not start on %s: %s\n%s== apache.out\n%s", v.Addr, why, v.Log(), apacheOut)
		if why != "exited" {
			break
		}
	}
	return nil, failure
}

// apacheConf is the parameters of a generated httpd.conf.
type apacheConf struct {
	dir, docs    string
	port         int
	user         string // the workers' user when started as root, else ""
	kerberosOnly bool
}

func (c apacheConf) render() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `ServerRoot %[1]s
ServerName 127.0.0.1
Listen 127.0.0.1:%[2]d
PidFile %[1]s/httpd.pid
DefaultRuntimeDir %[1]s
ErrorLog %[1]s/error.log
LogLevel warn auth_gssapi:info
LogFormat "%%>s \"%%u\" \"%%r\"" ntlmtest
CustomLog %[1]s/access.log ntlmtest
`, c.dir, c.port)
	if c.user != "" {
		fmt.Fprintf(&b, "User %[1]s\nGroup %[1]s\n", c.user)
	}
	for _, m := range []struct{ name, file string }{
		{"mpm_event_module", "mod_mpm_event.so"},
		{"authn_core_module", "mod_authn_core.so"},
		{"authz_core_module", "mod_authz_core.so"},
		{"authz_user_module", "mod_authz_user.so"},
		{"auth_gssapi_module", "mod_auth_gssapi.so"},
		{"headers_module", "mod_headers.so"},
	} {
		fmt.Fprintf(&b, "LoadModule %s %s/%s\n", m.name, modulesDir, m.file)
	}
	mech, bound := "ntlmssp", "On"
	if c.kerberosOnly {
		mech, bound = "krb5", "Off"
	}
	fmt.Fprintf(&b, `# One worker process: NTLM's state lives in the connection, which a
# relay keeps open; keep-alive must outlast the pauses between its legs.
StartServers 1
ServerLimit 1
ThreadsPerChild 16
MaxRequestWorkers 16
MinSpareThreads 1
MaxSpareThreads 16
KeepAlive On
KeepAliveTimeout 60
MaxKeepAliveRequests 0
Timeout 30
DocumentRoot %[1]s
<Location />
  AuthType GSSAPI
  AuthName ntlmtest
  GssapiAllowedMech %[2]s
  GssapiConnectionBound %[3]s
  GssapiBasicAuth Off
  Require valid-user
  Header set %[4]s "expr=%%{REMOTE_USER}"
</Location>
`, c.docs, mech, bound, UserHeader)
	return b.Bytes()
}

// awaitPort polls the port until it accepts, apache exits, or startTimeout
// passes.
func (v *Verifier) awaitPort() (bool, string) {
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-v.exited:
			return false, "exited"
		default:
		}
		c, err := net.DialTimeout("tcp", v.Addr, time.Second)
		if err == nil {
			c.Close()
			return true, ""
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false, "timed out after " + startTimeout.String()
}

// stop asks apache to stop (SIGTERM: it stops its workers and removes its
// pid file), and kills its process group when it takes too long or leaves
// a worker behind.
func (v *Verifier) stop() {
	pid := v.cmd.Process.Pid
	syscall.Kill(pid, syscall.SIGTERM)
	select {
	case <-v.exited:
	case <-time.After(stopTimeout):
	}
	syscall.Kill(-pid, syscall.SIGKILL)
	<-v.exited
}

// findApache looks apache2 up on PATH and in /usr/sbin (PATH may lack
// sbin).
func findApache() (string, error) {
	if p, err := exec.LookPath("apache2"); err == nil {
		return p, nil
	}
	p := "/usr/sbin/apache2"
	if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
		return p, nil
	}
	return "", &MissingError{What: "apache2", Package: "apache2 libapache2-mod-auth-gssapi gss-ntlmssp"}
}

func requireFile(path, pkg string) error {
	if _, err := os.Stat(path); err != nil {
		return &MissingError{What: path, Package: pkg}
	}
	return nil
}

// requireOrSkip skips the test with msg, or fails it when
// proxytest.RequireEnv is 1: one switch for every daemon the tests need.
func requireOrSkip(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv(proxytest.RequireEnv) == "1" {
		t.Fatal(msg + " [" + proxytest.RequireEnv + "=1]")
		return
	}
	t.Skip(msg)
}

// workerUser returns the ids and name of the user apache's workers run as
// when it starts as root: www-data, which Debian's base-passwd creates.
func workerUser() (int, int, string, error) {
	u, err := osuser.Lookup("www-data")
	if err != nil {
		return 0, 0, "", &MissingError{What: "user www-data", Package: "apache2"}
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return 0, 0, "", fmt.Errorf("ntlmtest: user www-data has ids %q:%q", u.Uid, u.Gid)
	}
	return uid, gid, u.Username, nil
}

// writeOwned writes a file only its owner can read, owned by uid:gid when
// uid >= 0.
func writeOwned(name string, data []byte, uid, gid int) error {
	if err := os.WriteFile(name, data, 0o600); err != nil {
		return fmt.Errorf("ntlmtest: %v", err)
	}
	if uid >= 0 {
		if err := os.Chown(name, uid, gid); err != nil {
			return fmt.Errorf("ntlmtest: %v", err)
		}
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("ntlmtest: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
