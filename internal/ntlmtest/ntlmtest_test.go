package ntlmtest

import (
	"bufio"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	ntlmssp "github.com/Azure/go-ntlmssp"
)

var (
	alice = User{Domain: "EXAMPLE", Name: "alice", Password: "Secr3t pass"}
	// bob's password has a space and non-ASCII.
	bob = User{Domain: "EXAMPLE", Name: "bob", Password: "pa ss wörd €"}
	// A space in the name: the access log must still read it whole.
	john = User{Domain: "EXAMPLE", Name: "john smith", Password: "pw"}
)

// ntlmGet runs go-ntlmssp's whole exchange for one GET on a fresh client.
func ntlmGet(t *testing.T, url, user, pass string) *http.Response {
	t.Helper()
	c := &http.Client{Transport: ntlmssp.Negotiator{RoundTripper: &http.Transport{}}, Timeout: 20 * time.Second}
	t.Cleanup(c.CloseIdleConnections)
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(user, pass)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func TestOffersNTLMAndNegotiate(t *testing.T) {
	v := Start(t, alice)
	resp, err := http.Get(v.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got := resp.Header.Values("WWW-Authenticate")
	if resp.StatusCode != 401 || !slices.Equal(got, []string{"Negotiate", "NTLM"}) {
		t.Fatalf("anonymous GET: %d %q, want 401 [Negotiate NTLM]\n%s", resp.StatusCode, got, v.Log())
	}
}

func TestPasswords(t *testing.T) {
	v := Start(t, alice, bob, john)
	tests := []struct {
		name, user, pass string
		status           int
		remote           string // UserHeader on success
	}{
		{"right password", `EXAMPLE\alice`, alice.Password, 200, `EXAMPLE\alice`},
		{"space and non-ASCII in the password", `EXAMPLE\bob`, bob.Password, 200, `EXAMPLE\bob`},
		{"user in another case", `EXAMPLE\ALICE`, alice.Password, 200, `EXAMPLE\ALICE`},
		{"no domain", `alice`, alice.Password, 200, `alice`},
		{"space in the name", `EXAMPLE\john smith`, john.Password, 200, `EXAMPLE\john smith`},
		{"wrong password", `EXAMPLE\alice`, "secr3t pass", 401, ""},
		{"another user's password", `EXAMPLE\bob`, alice.Password, 401, ""},
		{"unknown user", `EXAMPLE\carol`, alice.Password, 401, ""},
		{"domain in another case", `example\alice`, alice.Password, 401, ""},
		{"other domain", `OTHER\alice`, alice.Password, 401, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := ntlmGet(t, v.URL, tt.user, tt.pass)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d\n%s", resp.StatusCode, tt.status, v.Log())
			}
			if got := resp.Header.Get(UserHeader); got != tt.remote {
				t.Errorf("%s %q, want %q", UserHeader, got, tt.remote)
			}
			if tt.status == 401 {
				if got := resp.Header.Values("WWW-Authenticate"); !slices.Equal(got, []string{"Negotiate", "NTLM"}) {
					t.Errorf("refusal offers %q, want [Negotiate NTLM]", got)
				}
			}
		})
	}
	// Apache logs each 200 just after answering it, from the thread that
	// served it: wait for the lines, in any order.
	want := []string{`EXAMPLE\ALICE`, `EXAMPLE\alice`, `EXAMPLE\bob`, `EXAMPLE\john smith`, `alice`}
	sorted := func() []string { return slices.Sorted(slices.Values(v.Authenticated())) }
	deadline := time.Now().Add(10 * time.Second)
	for got := sorted(); !slices.Equal(got, want); got = sorted() {
		if time.Now().After(deadline) {
			t.Fatalf("Authenticated() = %q, want %q", got, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if log := v.Log(); strings.Contains(log, alice.Password) || strings.Contains(log, "wörd") {
		t.Errorf("a password is in the logs:\n%s", log)
	}
}

// conn is one raw HTTP/1.1 connection to the verifier.
type conn struct {
	c  net.Conn
	br *bufio.Reader
	v  *Verifier
}

func dial(t *testing.T, v *Verifier) *conn {
	t.Helper()
	c, err := net.Dial("tcp", v.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(20 * time.Second))
	return &conn{c: c, br: bufio.NewReader(c), v: v}
}

// get sends a GET with the given Authorization ("" for none) and returns
// the status and the token of a "NTLM <token>" challenge.
func (c *conn) get(t *testing.T, authz string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", c.v.URL, nil)
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	if err := req.Write(c.c); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(c.br, req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	var challenge []byte
	for _, h := range resp.Header.Values("WWW-Authenticate") {
		if tok, ok := strings.CutPrefix(h, "NTLM "); ok {
			challenge, err = base64.StdEncoding.DecodeString(tok)
			if err != nil {
				t.Fatalf("challenge %q: %v", h, err)
			}
		}
	}
	return resp, challenge
}

func negotiateHeader(t *testing.T) string {
	t.Helper()
	msg, err := ntlmssp.NewNegotiateMessage("", "")
	if err != nil {
		t.Fatal(err)
	}
	return "NTLM " + base64.StdEncoding.EncodeToString(msg)
}

func authenticateHeader(t *testing.T, challenge []byte, u User) string {
	t.Helper()
	msg, err := ntlmssp.NewAuthenticateMessage(challenge, u.Domain+`\`+u.Name, u.Password, nil)
	if err != nil {
		t.Fatal(err)
	}
	return "NTLM " + base64.StdEncoding.EncodeToString(msg)
}

// TestConnectionBound pins down why a relay needs one backend connection
// per client connection: the challenge belongs to its connection, and so
// does the authentication once made.
func TestConnectionBound(t *testing.T) {
	v := Start(t, alice)

	a, b := dial(t, v), dial(t, v)
	resp, challenge := a.get(t, negotiateHeader(t))
	if resp.StatusCode != 401 || len(challenge) == 0 {
		t.Fatalf("negotiate: %d, challenge %d bytes; want 401 with a challenge", resp.StatusCode, len(challenge))
	}
	// The answer to a's challenge, on connection b: refused.
	if resp, _ := b.get(t, authenticateHeader(t, challenge, alice)); resp.StatusCode != 401 {
		t.Fatalf("authenticate on another connection: %d, want 401", resp.StatusCode)
	}

	c := dial(t, v)
	_, challenge = c.get(t, negotiateHeader(t))
	resp, _ = c.get(t, authenticateHeader(t, challenge, alice))
	if resp.StatusCode != 200 || resp.Header.Get(UserHeader) != `EXAMPLE\alice` {
		t.Fatalf("authenticate on its own connection: %d %q, want 200 EXAMPLE\\alice\n%s", resp.StatusCode, resp.Header.Get(UserHeader), v.Log())
	}
	// The connection stays authenticated without any header.
	resp, _ = c.get(t, "")
	if resp.StatusCode != 200 || resp.Header.Get(UserHeader) != `EXAMPLE\alice` {
		t.Fatalf("next request on the authenticated connection: %d %q, want 200", resp.StatusCode, resp.Header.Get(UserHeader))
	}
	// A new connection is not.
	if resp, _ := dial(t, v).get(t, ""); resp.StatusCode != 401 {
		t.Fatalf("new connection: %d, want 401", resp.StatusCode)
	}
}

func TestKerberosOnly(t *testing.T) {
	v := StartKerberosOnly(t)
	resp, err := http.Get(v.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Values("WWW-Authenticate"); resp.StatusCode != 401 || !slices.Equal(got, []string{"Negotiate"}) {
		t.Fatalf("anonymous GET: %d %q, want 401 [Negotiate]\n%s", resp.StatusCode, got, v.Log())
	}
	// go-ntlmssp sends NTLM under Negotiate anyway: refused.
	resp = ntlmGet(t, v.URL, `EXAMPLE\alice`, alice.Password)
	if resp.StatusCode != 401 {
		t.Fatalf("NTLM under Negotiate: %d, want 401", resp.StatusCode)
	}
}

// TestStopsEverything checks that no apache process outlives its test.
func TestStopsEverything(t *testing.T) {
	var v *Verifier
	t.Run("start", func(t *testing.T) {
		v = Start(t, alice)
		if resp := ntlmGet(t, v.URL, `EXAMPLE\alice`, alice.Password); resp.StatusCode != 200 {
			t.Fatalf("status %d, want 200", resp.StatusCode)
		}
	})
	if v == nil {
		t.Skip("not started")
	}
	if err := syscall.Kill(v.cmd.Process.Pid, 0); err != syscall.ESRCH {
		t.Errorf("apache's main process %d: kill 0 = %v, want ESRCH", v.cmd.Process.Pid, err)
	}
	conf := []byte(filepath.Join(v.dir, "httpd.conf"))
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(cmdline), string(conf)) {
			t.Errorf("process %s still runs: %q", e.Name(), cmdline)
		}
	}
	if _, err := os.Stat(v.dir); !os.IsNotExist(err) {
		t.Errorf("directory %s: %v, want it removed", v.dir, err)
	}
}

func TestBadUsersRefused(t *testing.T) {
	// Start reports these with t.Fatal; a fake TB records it.
	for _, u := range []User{
		{Domain: "A:B", Name: "x"}, {Domain: "A", Name: "x\ny"}, {Domain: "A", Name: ""},
		{Domain: "A", Name: "x", Password: "p\n"}, {Domain: "A", Name: "x", Password: "p:q"}, {Domain: "#A", Name: "x"},
	} {
		ft := &fatalTB{TB: t}
		func() {
			defer func() { recover() }()
			Start(ft, u)
		}()
		if !ft.failed {
			t.Errorf("Start(%q) did not fail", u)
		}
	}
}

// fatalTB turns Fatal into a recorded failure and a panic that the caller
// recovers, so that a test can check that Start refuses its input.
type fatalTB struct {
	testing.TB
	failed bool
}

func (f *fatalTB) Fatalf(string, ...any) { f.failed = true; panic("fatal") }
func (f *fatalTB) Helper()               {}
