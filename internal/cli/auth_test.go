package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/ntlmtest"
	"github.com/qrskit/qrs/internal/proxytest"
	"github.com/qrskit/qrs/internal/testserver"
)

var jwtDir = filepath.Join("..", "..", "testdata", "jwt")

func TestDemoAuthModes(t *testing.T) {
	for _, mode := range DemoAuthModes {
		t.Run(mode, func(t *testing.T) {
			c, err := open(t, "-demo-auth", mode)
			if mode == "windows" && err != nil && strings.Contains(err.Error(), "needs a real NTLM verifier") && os.Getenv(proxytest.RequireEnv) != "1" {
				t.Skip(err)
			}
			if err != nil {
				t.Fatal(err)
			}
			apps, err := c.ListApps(t.Context(), nil)
			if err != nil || len(apps) == 0 {
				t.Fatalf("%d apps, %v", len(apps), err)
			}
			if !strings.Contains(c.String(), map[string]string{
				"header": "header", "jwt": "JWT", "windows": "Windows", "session": "session cookie", "certificate": "client certificate",
			}[mode]) {
				t.Errorf("client %v is not in %s mode", c, mode)
			}
		})
	}
	if _, err := open(t, "-demo-auth", "kerberos"); err == nil || !strings.Contains(err.Error(), "use header, jwt") {
		t.Errorf("unknown mode: %v", err)
	}
}

func TestAuthFlags(t *testing.T) {
	trust := filepath.Join(pki, "ca.pem")
	t.Run("jwt-key", func(t *testing.T) {
		srv := pkiServer(t, testserver.Config{Prefix: "jwt", JWT: &testserver.JWTAuth{
			Certificate: mustRead(t, filepath.Join(jwtDir, "signer.pem")), UserIDClaim: "user", DirectoryClaim: "directory"}})
		n, err := apps(t, "-url", srv.URL(), "-truststore", trust, "-jwt-key", filepath.Join(jwtDir, "signer.key"), "-jwt-claims", "user, directory", "-user", `CORP\alice`)
		if err != nil || n == 0 || srv.Sessions() != 1 {
			t.Fatalf("%d apps, %v, %d sessions", n, err, srv.Sessions())
		}
	})
	t.Run("session-cookie", func(t *testing.T) {
		srv := pkiServer(t, testserver.Config{Prefix: "hdr", Header: "hdr-usr"})
		name, value, err := srv.NewSession(`CORP\alice`)
		if err != nil {
			t.Fatal(err)
		}
		args := []string{"-url", srv.URL(), "-truststore", trust, "-session-cookie", name}
		if _, err := apps(t, args...); err == nil || !strings.Contains(err.Error(), "$"+EnvSessionCookie+" is not set") {
			t.Errorf("without the variable: %v", err)
		}
		t.Setenv(EnvSessionCookie, value)
		if n, err := apps(t, args...); err != nil || n == 0 || srv.Sessions() != 1 {
			t.Fatalf("%d apps, %v, %d sessions", n, err, srv.Sessions())
		}
	})
	t.Run("windows-user", func(t *testing.T) {
		v := ntlmtest.Start(t, ntlmtest.User{Domain: "EXAMPLE", Name: "alice", Password: "WIN-PASS-77"})
		srv := pkiServer(t, testserver.Config{Windows: &testserver.WindowsAuth{Verifier: v.URL, Pattern: "Mozilla"}})
		args := []string{"-url", srv.URL(), "-truststore", trust, "-windows-user", `EXAMPLE\alice`, "-windows-pattern", "Mozilla"}
		t.Setenv(EnvWindowsPassword, "WRONG-PASS")
		if _, err := apps(t, args...); !errors.Is(err, qrs.ErrUnauthenticated) || strings.Contains(err.Error(), "WRONG-PASS") {
			t.Errorf("a wrong password: %v", err)
		}
		t.Setenv(EnvWindowsPassword, "WIN-PASS-77")
		if n, err := apps(t, args...); err != nil || n == 0 {
			t.Fatalf("%d apps, %v", n, err)
		}
	})
	t.Run("jwt-token", func(t *testing.T) {
		srv := pkiServer(t, testserver.Config{Prefix: "jwt", JWT: &testserver.JWTAuth{
			Certificate: mustRead(t, filepath.Join(jwtDir, "signer.pem")), UserIDClaim: "userId", DirectoryClaim: "userDirectory"}})
		t.Setenv(EnvJWTToken, "not-a-token")
		_, err := apps(t, "-url", srv.URL(), "-truststore", trust, "-jwt-token")
		if err == nil || !strings.Contains(err.Error(), "WithJWT") || strings.Contains(err.Error(), "not-a-token") {
			t.Errorf("a token that is not one: %v", err)
		}
	})
}

func TestAuthFlagsUsage(t *testing.T) {
	for _, args := range [][]string{
		{"-url", "https://q/p"},
		{"-url", "https://q/p", "-user", `D\u`, "-windows-user", `D\u`},
		{"-url", "https://q/p", "-jwt-token", "-session-cookie", "X-Qlik-Session-p"},
		{"-url", "https://q/p", "-jwt-key", "k.pem", "-jwt-claims", "u,d"},
		{"-url", "https://q/p", "-jwt-key", "k.pem", "-user", `D\u`},
		{"-url", "https://q/p", "-jwt-key", "k.pem", "-user", `D\u`, "-jwt-claims", "u"},
		{"-url", "https://q/p", "-jwt-key", "k.pem", "-user", `D\u`, "-jwt-claims", "u,d", "-header", "h"},
		{"-url", "https://q/p", "-user", `D\u`, "-jwt-claims", "u,d"},
		{"-url", "https://q/p", "-windows-pattern", "Mozilla", "-user", `D\u`},
		{"-url", "https://q/p", "-user", `D\u`, "-demo-auth", "jwt"},
		{"-windows-user", `D\u`},
		{"-session-cookie", "X-Qlik-Session"},
	} {
		_, err := open(t, args...)
		var ue *UsageError
		if !errors.As(err, &ue) {
			t.Errorf("%q: error %v, want a *UsageError", args, err)
		}
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
