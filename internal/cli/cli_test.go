package cli

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/proxytest"
	"github.com/qrskit/qrs/internal/testserver"
)

func TestCell(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"", 5, "-"},
		{"abc", 0, "abc"},
		{"abc", 3, "abc"},
		{"abcd", 3, "ab…"},
		{"a\tb\nc", 0, "a b c"},
		{"Übersicht", 5, "Über…"},
		{"ab cd", 4, "ab…"}, // no space before the ellipsis
		{"abc", 1, "…"},
	}
	for _, tt := range tests {
		if got := Cell(tt.in, tt.max); got != tt.want {
			t.Errorf("Cell(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

func TestTableTimeAndUserName(t *testing.T) {
	if got := TableTime(time.Time{}); got != "" {
		t.Errorf("TableTime(zero) = %q, want empty", got)
	}
	ts := time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))
	if got, want := TableTime(ts), "2024-01-02 02:04"; got != want {
		t.Errorf("TableTime = %q, want %q (UTC)", got, want)
	}
	if got, want := UserName("CORP", "anna"), `CORP\anna`; got != want {
		t.Errorf("UserName = %q, want %q", got, want)
	}
	if got, want := UserName("", "anna"), "anna"; got != want {
		t.Errorf("UserName without directory = %q, want %q", got, want)
	}
}

// fakeClock advances by step at every reading.
type fakeClock struct {
	t    time.Time
	step time.Duration
}

func (c *fakeClock) now() time.Time {
	c.t = c.t.Add(c.step)
	return c.t
}

func TestProgress(t *testing.T) {
	for _, terminal := range []bool{false, true} {
		t.Run(fmt.Sprint("terminal=", terminal), func(t *testing.T) {
			var buf bytes.Buffer
			clock := &fakeClock{t: time.Unix(0, 0), step: 10 * time.Millisecond}
			p := newProgress(&buf, "prog", "things", terminal, clock.now)
			const n = 1000 // 10 s in all
			for range n {
				p.Add()
			}
			updates := strings.Count(buf.String(), "things,")
			maxUpdates := int(10*time.Second/p.every) + 1
			if updates == 0 || updates > maxUpdates {
				t.Errorf("%d updates over 10s, want 1..%d", updates, maxUpdates)
			}
			if terminal != strings.Contains(buf.String(), "\r") {
				t.Errorf("terminal %v, output %q", terminal, buf.String())
			}
			p.Done()
			out := buf.String()
			last := out[strings.LastIndex(strings.TrimSuffix(out, "\n"), "\n")+1:]
			if want := "prog: 1000 things in 10.01s (100/s)\n"; !strings.HasSuffix(last, want) {
				t.Errorf("final line %q, want %q", last, want)
			}
		})
	}
	var nilp *Progress
	nilp.Add()
	nilp.Clear()
	nilp.Done()
}

func TestExitCode(t *testing.T) {
	netEPIPE := &net.OpError{Op: "write", Net: "tcp", Err: os.NewSyscallError("write", syscall.EPIPE)}
	tests := []struct {
		name string
		err  error
		code int
		msg  string
	}{
		{"ok", nil, ExitOK, ""},
		{"help", flag.ErrHelp, ExitOK, ""},
		{"broken pipe", fmt.Errorf("x: %w", &outputError{syscall.EPIPE}), ExitOK, ""},
		{"network EPIPE", netEPIPE, ExitError, "prog: write tcp: write: broken pipe\n"},
		{"usage", Usagef("-x needs -y"), ExitUsage, "prog: -x needs -y\nprog: run prog -help for the flags\n"},
		{"usage reported", &UsageError{err: errors.New("bad"), reported: true}, ExitUsage, ""},
		{"interrupted", context.Canceled, ExitInterrupted, "prog: interrupted\n"},
		{"other", qrs.ErrForbidden, ExitError, "prog: qrs: forbidden\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if got := ExitCode("prog", tt.err, &buf); got != tt.code {
				t.Errorf("code %d, want %d", got, tt.code)
			}
			if got := buf.String(); got != tt.msg {
				t.Errorf("message %q, want %q", got, tt.msg)
			}
		})
	}
}

// failWriter fails every write with err.
type failWriter struct {
	err    error
	writes int
}

func (w *failWriter) Write(p []byte) (int, error) {
	w.writes++
	return 0, w.err
}

type rec struct {
	N int    `json:"n"`
	S string `json:"s"`
}

var recCols = []Column[rec]{
	{Title: "N", Value: func(r *rec) string { return fmt.Sprint(r.N) }},
	{Title: "TEXT", Max: 6, Value: func(r *rec) string { return r.S }},
}

// counted yields n records and counts how many the loop asked for.
func counted(n int, pulled *int, err error) iter.Seq2[int, error] {
	return func(yield func(int, error) bool) {
		for i := range n {
			*pulled++
			if !yield(i, nil) {
				return
			}
		}
		if err != nil {
			yield(0, err)
		}
	}
}

func toRec(i *int) rec { return rec{N: *i, S: strings.Repeat("<x>", 30)} }

func TestEmitStopsOnBrokenPipe(t *testing.T) {
	const n = 100000 // about 10 MB, far more than the buffer
	out := &failWriter{err: syscall.EPIPE}
	pulled := 0
	var stderr bytes.Buffer
	p := NewProgress(&stderr, "prog", "recs", false)
	err := Emit(counted(n, &pulled, nil), NewWriter(out, false, recCols), toRec, p)
	if !BrokenPipe(err) {
		t.Fatalf("error = %v, want a broken pipe", err)
	}
	if pulled >= n/10 {
		t.Errorf("the listing went on to %d of %d items after the output broke", pulled, n)
	}
	if out.writes != 1 {
		t.Errorf("%d writes after the pipe broke, want 1", out.writes)
	}
	if strings.Contains(stderr.String(), "recs in") {
		t.Errorf("final progress line after a broken pipe: %q", stderr.String())
	}
}

func TestEmit(t *testing.T) {
	listErr := errors.New("listing broke")
	t.Run("json", func(t *testing.T) {
		var out bytes.Buffer
		pulled := 0
		err := Emit(counted(3, &pulled, listErr), NewWriter(&out, false, recCols), toRec, nil)
		if !errors.Is(err, listErr) {
			t.Errorf("error = %v, want %v", err, listErr)
		}
		// The items before the error are written; HTML is not escaped.
		var want string
		for i := range 3 {
			want += fmt.Sprintf(`{"n":%d,"s":"%s"}`+"\n", i, strings.Repeat("<x>", 30))
		}
		if got := out.String(); got != want {
			t.Errorf("output\n%s\nwant\n%s", got, want)
		}
	})
	t.Run("table", func(t *testing.T) {
		var out bytes.Buffer
		pulled := 0
		if err := Emit(counted(2, &pulled, nil), NewWriter(&out, true, recCols), toRec, nil); err != nil {
			t.Fatal(err)
		}
		want := "N  TEXT\n0  <x><x…\n1  <x><x…\n"
		if got := out.String(); got != want {
			t.Errorf("table\n%q\nwant\n%q", got, want)
		}
	})
	t.Run("output error", func(t *testing.T) {
		werr := errors.New("disk full")
		pulled := 0
		err := Emit(counted(3, &pulled, nil), NewWriter(&failWriter{err: werr}, true, recCols), toRec, nil)
		if !errors.Is(err, werr) || BrokenPipe(err) {
			t.Errorf("error = %v, want %v and not a broken pipe", err, werr)
		}
	})
}

func TestProxyWithPassword(t *testing.T) {
	const pw = "p@ss:w/rd"
	tests := []struct {
		proxy, password, want string
	}{
		{"http://proxy:3128", pw, "http://proxy:3128"},
		{"http://bob@proxy:3128", "", "http://bob@proxy:3128"},
		{"http://bob@proxy:3128", pw, "http://bob:p%40ss%3Aw%2Frd@proxy:3128"},
		{"socks5://bob:given@proxy:1080", pw, "socks5://bob:given@proxy:1080"},
	}
	for _, tt := range tests {
		got, err := proxyWithPassword(tt.proxy, tt.password)
		if err != nil || got != tt.want {
			t.Errorf("proxyWithPassword(%q) = %q, %v; want %q", tt.proxy, got, err, tt.want)
		}
		if got != tt.want {
			continue
		}
		if u, err := url.Parse(got); err == nil && u.User != nil && tt.password != "" && !strings.Contains(tt.proxy, ":given@") {
			if p, _ := u.User.Password(); p != pw {
				t.Errorf("password reads back as %q", p)
			}
		}
	}
	_, err := proxyWithPassword("http://bob:sec ret@pro\x7fxy", pw)
	if err == nil || strings.Contains(err.Error(), "sec ret") {
		t.Errorf("error for a bad URL = %v, want one without the URL", err)
	}
}

// pki is the folder of certificates and stores made by openssl and keytool.
var pki = filepath.Join("..", "..", "testdata", "pki")

// pkiServer starts the demo site with the server certificate of
// testdata/pki, which its ca.pem signed; in ClientCert mode it accepts
// client certificates that ca.pem signed.
func pkiServer(t *testing.T, cfg testserver.Config) *testserver.Server {
	t.Helper()
	cert, err := tls.LoadX509KeyPair(filepath.Join(pki, "server.pem"), filepath.Join(pki, "server.key"))
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(filepath.Join(pki, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	cas := x509.NewCertPool()
	if !cas.AppendCertsFromPEM(caPEM) {
		t.Fatal("ca.pem holds no certificate")
	}
	cfg.Certificate = &cert
	cfg.ClientCAs = cas
	cfg.Site = testserver.DemoSite()
	srv, err := testserver.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// open parses args as a program with every connection flag would, and
// opens the Source they name.
func open(t *testing.T, args ...string) (*qrs.Client, error) {
	t.Helper()
	fs := flag.NewFlagSet("prog", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	conn := AddConnFlags(fs, FlagCode|FlagPartitions)
	if err := Parse(fs, args); err != nil {
		return nil, err
	}
	src, err := conn.Source(io.Discard)
	if err != nil {
		return nil, err
	}
	if strings.Contains(src.String(), "PASS") {
		t.Errorf("source %q holds a password", src)
	}
	c, release, err := src.Open(conn.Options(io.Discard)...)
	if err != nil {
		return nil, err
	}
	t.Cleanup(release)
	return c, nil
}

// apps opens the Source of args and counts the apps it lists.
func apps(t *testing.T, args ...string) (int, error) {
	t.Helper()
	c, err := open(t, args...)
	if err != nil {
		return 0, err
	}
	list, err := c.ListApps(t.Context(), nil)
	return len(list), err
}

func TestDemoSource(t *testing.T) {
	c, err := open(t)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for v, err := range c.Visualizations(t.Context(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		if v.Key.Code != DemoCode {
			t.Fatalf("key %v, want code %q", v.Key, DemoCode)
		}
		n++
	}
	if n == 0 {
		t.Error("the demo site has no visualizations")
	}
}

func TestTrustStorePassword(t *testing.T) {
	srv := pkiServer(t, testserver.Config{Prefix: "hdr", Header: "hdr-usr"})
	args := []string{"-url", srv.URL(), "-user", `CORP\svc`, "-truststore", filepath.Join(pki, "truststore-keytool.p12")}
	t.Setenv(EnvTrustStorePassword, "changeit")
	if n, err := apps(t, args...); err != nil || n == 0 {
		t.Fatalf("with the store's password: %d apps, %v", n, err)
	}
	if n, err := apps(t, append(args[:len(args)-1], filepath.Join(pki, "truststore-keytool.jks"))...); err != nil || n == 0 {
		t.Fatalf("JKS with the store's password: %d apps, %v", n, err)
	}
	t.Setenv(EnvTrustStorePassword, "WRONG-PASS")
	_, err := apps(t, args...)
	if err == nil || strings.Contains(err.Error(), "WRONG-PASS") {
		t.Errorf("with a wrong password: %v, want an error without it", err)
	}
	t.Setenv(EnvTrustStorePassword, "")
	if _, err := apps(t, "-url", srv.URL(), "-user", `CORP\svc`); err == nil {
		t.Error("no error without the truststore: the system roots trust the test CA")
	}
}

func TestClientCertificate(t *testing.T) {
	srv := pkiServer(t, testserver.Config{ClientCert: true, Users: []string{DemoUser}})
	trust := []string{"-url", srv.URL(), "-truststore", filepath.Join(pki, "ca.pem")}
	pemPair := []string{"-cert", filepath.Join(pki, "client.pem"), "-key", filepath.Join(pki, "client_key.pem")}
	pfx := []string{"-cert", filepath.Join(pki, "client.pfx")}
	args := func(parts ...[]string) []string {
		var all []string
		for _, p := range parts {
			all = append(all, p...)
		}
		return all
	}
	user := []string{"-qlik-user", DemoUser}

	if n, err := apps(t, args(trust, pemPair, user)...); err != nil || n == 0 {
		t.Errorf("PEM pair: %d apps, %v", n, err)
	}
	t.Setenv(EnvClientKeyPassword, "s3cret-pfx")
	if n, err := apps(t, args(trust, pfx, user)...); err != nil || n == 0 {
		t.Errorf(".pfx with its password: %d apps, %v", n, err)
	}
	t.Setenv(EnvClientKeyPassword, "WRONG-PASS")
	if _, err := apps(t, args(trust, pfx, user)...); err == nil || strings.Contains(err.Error(), "WRONG-PASS") {
		t.Errorf(".pfx with a wrong password: %v, want an error without it", err)
	}
	if _, err := apps(t, args(trust, pemPair, []string{"-qlik-user", `DEMO\intruder`})...); !errors.Is(err, qrs.ErrUnauthenticated) {
		t.Errorf("another -qlik-user: %v, want qrs.ErrUnauthenticated", err)
	}
}

func TestProxyPasswordFromEnv(t *testing.T) {
	const user, pass = "catalog", "PROXY-PASS-1"
	proxy := proxytest.StartSOCKS5(t, user, pass)
	srv := pkiServer(t, testserver.Config{Prefix: "hdr", Header: "hdr-usr"})
	u, err := url.Parse(proxy.URL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(user)
	args := []string{"-url", srv.URL(), "-user", `CORP\svc`, "-truststore", filepath.Join(pki, "ca.pem"), "-proxy", u.String()}

	t.Setenv(EnvProxyPassword, pass)
	if n, err := apps(t, args...); err != nil || n == 0 {
		t.Fatalf("through the proxy: %d apps, %v", n, err)
	}
	if host := strings.TrimPrefix(srv.URL(), "https://"); !proxy.Tunnelled(host[:strings.Index(host, "/")]) {
		t.Errorf("the proxy did not relay to %s:\n%s", srv.URL(), proxy.Log())
	}
	t.Setenv(EnvProxyPassword, "WRONG-PASS")
	_, err = apps(t, args...)
	if err == nil || strings.Contains(err.Error(), "WRONG-PASS") {
		t.Errorf("with a wrong proxy password: %v, want an error without it", err)
	}
}

func TestSourceUsage(t *testing.T) {
	for _, args := range [][]string{
		{"-header", "x"},
		{"-url", "https://q/p", "-header", "x", "-cert", "c.pem", "-qlik-user", `D\u`},
		{"-url", "https://q/p", "-user", `D\u`, "-qlik-user", `D\u`},
		{"-url", "https://q/p", "-user", `D\u`, "-truststore-type", "pem"},
		{"-url", "https://q/p", "-user", `D\u`, "-code", ""},
	} {
		_, err := open(t, args...)
		var ue *UsageError
		if !errors.As(err, &ue) {
			t.Errorf("%q: error %v, want a *UsageError", args, err)
		}
	}
}

func TestIsTerminal(t *testing.T) {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	file, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	for _, w := range []io.Writer{null, file, new(bytes.Buffer)} {
		if IsTerminal(w) {
			t.Errorf("IsTerminal(%T %v) = true", w, w)
		}
	}
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer tty.Close()
		if !IsTerminal(tty) {
			t.Error("IsTerminal(/dev/tty) = false")
		}
	}
}
