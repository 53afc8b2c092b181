package qrs_test

import (
	"crypto/tls"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/hocon"
	"github.com/qrskit/qrs/internal/ntlmtest"
	"github.com/qrskit/qrs/internal/testserver"
)

// The authentication modes of connection files: each mode's fixture in
// testdata/connections read, then used against the test server, and the
// wrong combinations refused at their line and column.

const connWinPass = "Zq-win-pass-7702" // from $QRS_TEST_WINDOWS_PASSWORD

// pkiServer starts srv's configuration with the server certificate of
// testdata/pki, which ../pki/ca.pem trusts.
func pkiServer(t *testing.T, cfg testserver.Config) *testserver.Server {
	t.Helper()
	cert, err := tls.LoadX509KeyPair("testdata/pki/server.pem", "testdata/pki/server.key")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Certificate = &cert
	if cfg.Site == nil {
		cfg.Site = testserver.DemoSite()
	}
	srv, err := testserver.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

func TestConnectionAuthFiles(t *testing.T) {
	dir := filepath.Join("testdata", "connections")
	env := map[string]string{"QRS_TEST_URL": "https://127.0.0.1:8443/jwt", "QRS_TEST_WINDOWS_PASSWORD": connWinPass, "QRS_TEST_CERTIFICATE_PASSWORD": "s3cret-pfx"}
	tests := []struct {
		file string
		want connView
	}{
		{"jwt.conf", connView{
			Name: "qrs JWT test site", Code: "qrs-jwt", ConnectorID: "qlik-sense", Enabled: true, URL: "https://127.0.0.1:8443/jwt",
			TrustStorePath: filepath.Join(dir, "../pki/ca.pem"),
			AuthType:       qrs.AuthJWT, UserDirectory: "CORP", UserID: "alice",
			JWTKeyPath: filepath.Join(dir, "../jwt/signer.key"), JWTAlgorithm: "RS512", JWTUserIDClaim: "userId", JWTDirectoryClaim: "userDirectory",
			JWTLifetime: 5 * time.Minute,
		}},
		{"windows.conf", connView{
			Name: "qrs Windows test site", Code: "qrs-windows", ConnectorID: "qlik-sense", Enabled: true, URL: "https://127.0.0.1:8443/jwt",
			TrustStorePath: filepath.Join(dir, "../pki/ca.pem"),
			AuthType:       qrs.AuthWindows, WindowsUser: `EXAMPLE\alice`, WindowsPassword: connWinPass,
		}},
		{"certificate.conf", connView{
			Name: "qrs repository test site", Code: "qrs-repository", ConnectorID: "qlik-sense", Enabled: true, URL: "https://127.0.0.1:8443/jwt",
			TrustStorePath: filepath.Join(dir, "../pki/truststore-bundle.pem"),
			AuthType:       qrs.AuthCertificate, UserDirectory: "INTERNAL", UserID: "sa_repository",
			CertificatePath: filepath.Join(dir, "../pki/client.pfx"), CertificatePassword: "s3cret-pfx",
		}},
		{"header.conf", connView{
			Code: "qlik-hdr", ConnectorID: "qlik-sense", Enabled: true, URL: "https://qlik.example.com/hdr",
			AuthType: qrs.AuthHeader, AuthKey: "hdr-usr", AuthValue: `CORP\svc_catalog`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join(dir, tt.file)
			c, err := parseConnFile(t, path, env)
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Path = path
			if got := viewOf(t, c); got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
			for _, out := range []string{c.String(), fmt.Sprintf("%v %+v %#v", c, *c, c)} {
				if strings.Contains(out, connWinPass) || strings.Contains(out, "s3cret-pfx") {
					t.Errorf("printed connection shows a password: %s", out)
				}
			}
		})
	}
}

func TestConnectionAuthString(t *testing.T) {
	for _, tt := range []struct {
		conn qrs.Connection
		want string
	}{
		{qrs.Connection{Code: "c", URL: "https://q/jwt", AuthType: qrs.AuthJWT, JWTKeyPath: "/k.pem", JWTUserIDClaim: "u", JWTDirectoryClaim: "d", UserDirectory: "CORP", UserID: "alice"},
			`qrs.Connection{code "c", url https://q/jwt, disabled, JWT signed RS256 with key /k.pem (claims d, u) as CORP\alice}`},
		{qrs.Connection{Code: "c", URL: "https://q", Enabled: true, AuthType: qrs.AuthWindows, WindowsUser: `A\b`, WindowsPassword: qrs.NewSecret(connWinPass)},
			`qrs.Connection{code "c", url https://q, Windows A\b with password [redacted]}`},
		{qrs.Connection{Code: "c", URL: "https://q:4242", Enabled: true, AuthType: qrs.AuthCertificate, CertificatePath: "/c.pfx", CertificatePassword: qrs.NewSecret("x"), UserDirectory: "INTERNAL", UserID: "sa"},
			`qrs.Connection{code "c", url https://q:4242, client certificate /c.pfx with password [redacted] as INTERNAL\sa}`},
	} {
		if got := tt.conn.String(); got != tt.want {
			t.Errorf("String:\n got %s\nwant %s", got, tt.want)
		}
	}
}

// checkListedAs lists the apps with c and checks that the server
// authenticated every request as user.
func checkListedAs(t *testing.T, srv *testserver.Server, c *qrs.Client, user string) {
	t.Helper()
	apps, err := c.ListApps(t.Context(), nil)
	if err != nil || len(apps) == 0 {
		t.Fatalf("ListApps: %d apps, %v", len(apps), err)
	}
	for _, r := range qrsRequests(srv) {
		if r.Path == "/qrs/app/full" && r.User != user {
			t.Errorf("server authenticated %q, want %q", r.User, user)
		}
	}
}

// TestConnectionAuthEndToEnd reads each mode's fixture and lists the apps
// of a test server in that mode.
func TestConnectionAuthEndToEnd(t *testing.T) {
	load := func(t *testing.T, file string, srv *testserver.Server) *qrs.Client {
		t.Helper()
		t.Setenv("QRS_TEST_URL", srv.URL())
		conn, err := qrs.LoadConnection(filepath.Join("testdata", "connections", file))
		if err != nil {
			t.Fatal(err)
		}
		c, err := conn.NewClient(qrs.WithProxy(""), qrs.WithRetries(0))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	t.Run("jwt", func(t *testing.T) {
		t.Setenv("QRS_TEST_AUDIENCE", "qlik-test")
		srv := pkiServer(t, testserver.Config{Prefix: "jwt", JWT: &testserver.JWTAuth{
			Certificate: readFile(t, "testdata/jwt/signer.pem"), UserIDClaim: "userId", DirectoryClaim: "userDirectory", Audience: "qlik-test"}})
		checkListedAs(t, srv, load(t, "jwt.conf", srv), `CORP\alice`)
		_, claims := tokenParts(t, bearerOf(qrsRequests(srv)[0]))
		if h, _ := tokenParts(t, bearerOf(qrsRequests(srv)[0])); h["alg"] != "RS512" || claims["exp"].(float64)-claims["iat"].(float64) != 300 {
			t.Errorf("token header %v, claims %v; want RS512 and a lifetime of 5 minutes", h, claims)
		}
	})
	t.Run("certificate", func(t *testing.T) {
		srv := startRepository(t)
		t.Setenv("QRS_TEST_CERTIFICATE_PASSWORD", "s3cret-pfx")
		checkListedAs(t, srv, load(t, "certificate.conf", srv), `INTERNAL\sa_repository`)
	})
	t.Run("windows", func(t *testing.T) {
		v := ntlmtest.Start(t, ntlmtest.User{Domain: "EXAMPLE", Name: "alice", Password: connWinPass})
		srv := pkiServer(t, testserver.Config{Windows: &testserver.WindowsAuth{Verifier: v.URL, Pattern: "Mozilla"}})
		t.Setenv("QRS_TEST_WINDOWS_PASSWORD", connWinPass)
		t.Setenv("QRS_TEST_WINDOWS_PATTERN", "Mozilla")
		checkListedAs(t, srv, load(t, "windows.conf", srv), `EXAMPLE\alice`)
	})
}

// connAuthErrorCases are files with one problem of their authentication
// each, and the whole error they give, read as bad.conf with connTestEnv.
var connAuthErrorCases = []struct {
	name, src, want string
}{
	{"unknown mode", connHead + "auth.type = ntlm\n}",
		`qrs: bad.conf:6:13: connection.auth.type: is not an authentication mode: use header, jwt, windows or certificate`},
	{"a mode's key without the mode", connHead + "auth.windows.user = \"A\\\\b\"\n}",
		`qrs: bad.conf:6:21: connection.auth.windows.user: is for Windows authentication: set connection.auth.type to windows (without it, the file is read as header authentication)`},
	{"the user without a mode", connHead + "auth.user_id = alice\n}",
		`qrs: bad.conf:6:16: connection.auth.user_id: is for JWT and client certificate authentication: set connection.auth.type to jwt or certificate (without it, the file is read as header authentication)`},
	{"header keys in JWT mode", connHead + jwtAuthBlock + "auth.key = hdr-usr\nauth.value = ${HDR_USER}\n}",
		"qrs: bad.conf:16:12: connection.auth.key: is for header authentication, but connection.auth.type is jwt\n" +
			"qrs: bad.conf:17:14: connection.auth.value: is for header authentication, but connection.auth.type is jwt"},
	{"header mode written out, keys missing", connHead + "auth.type = header\n}",
		"qrs: bad.conf:6:1: missing connection.auth.key: the header the virtual proxy reads, such as hdr-usr (connection.auth.type is header)\n" +
			`qrs: bad.conf:6:1: missing connection.auth.value: the user, such as "CORP\\svc_catalog" (connection.auth.type is header)`},
	{"JWT keys missing", connHead + "auth.type = jwt\n}",
		"qrs: bad.conf:6:1: missing connection.auth.jwt.key_path: the PEM file of the RSA key whose certificate the JWT virtual proxy holds\n" +
			"qrs: bad.conf:6:1: missing connection.auth.jwt.claims.user_id: the name of the claim the virtual proxy reads the user id from (its JWT attribute for user id), such as userId: there is no default\n" +
			"qrs: bad.conf:6:1: missing connection.auth.jwt.claims.user_directory: the name of the claim the virtual proxy reads the user directory from (its JWT attribute for user directory), such as userDirectory: there is no default\n" +
			"qrs: bad.conf:6:1: missing connection.auth.user_directory: the user directory of connection.auth.user_id, such as CORP\n" +
			"qrs: bad.conf:6:1: missing connection.auth.user_id: the user the catalog acts as, such as svc_catalog (its directory goes in connection.auth.user_directory)"},
	{"JWT values refused", connHead + `auth {
  type = jwt
  user_directory = "CORP\\x"
  user_id = ""
  jwt {
    key_path = ""
    algorithm = HS256
    claims { user_id = exp, user_directory = " dir" }
    audience = "a\u0001b"
    lifetime = 2d
  }
}
}`,
		"qrs: bad.conf:8:20: connection.auth.user_directory: has a '\\': give the user directory and the user id apart (CORP and svc_catalog), not DOMAIN\\user\n" +
			"qrs: bad.conf:9:13: connection.auth.user_id: is empty: the user the catalog acts as, such as svc_catalog (its directory goes in connection.auth.user_directory)\n" +
			"qrs: bad.conf:11:16: connection.auth.jwt.key_path: is empty: give the file, absolute or relative to the folder of this connection file\n" +
			"qrs: bad.conf:12:17: connection.auth.jwt.algorithm: is not RS256, RS384 or RS512, the algorithms of a JWT virtual proxy\n" +
			"qrs: bad.conf:13:24: connection.auth.jwt.claims.user_id: is a claim the Client sets itself (exp, iat, jti, aud, nbf): the user needs a claim of its own\n" +
			"qrs: bad.conf:13:46: connection.auth.jwt.claims.user_directory: has a control character or spaces at an end\n" +
			"qrs: bad.conf:14:16: connection.auth.jwt.audience: has a control character or spaces at an end\n" +
			"qrs: bad.conf:15:16: connection.auth.jwt.lifetime: is out of range 10s to 24h0m0s"},
	{"JWT claims the same", connHead + jwtAuthBlock + "auth.jwt.claims.user_directory = userId\n}",
		"qrs: bad.conf:16:34: connection.auth.jwt.claims.user_directory: is the claim of connection.auth.jwt.claims.user_id too: the user id and the user directory need claims of their own"},
	{"JWT lifetime not a duration", connHead + jwtAuthBlock + "auth.jwt.lifetime = soon\n}",
		"qrs: bad.conf:16:21: connection.auth.jwt.lifetime: expected a duration such as 30s, 500ms or 2m, found an unknown unit"},
	{"Windows keys missing", connHead + "auth.type = windows\n}",
		"qrs: bad.conf:6:1: missing connection.auth.windows.user: the Windows user, \"DOMAIN\\\\user\"\n" +
			"qrs: bad.conf:6:1: missing connection.auth.windows.password: the Windows user's password, from the environment: password = ${QLIK_WINDOWS_PASSWORD}"},
	{"Windows values refused", connHead + "auth.type = windows\nauth.windows { user = alice, password = \"\", user_agent = \"Win dows \" }\n}",
		"qrs: bad.conf:7:23: connection.auth.windows.user: must name its domain: DOMAIN\\user (or user@domain)\n" +
			"qrs: bad.conf:7:41: connection.auth.windows.password: is empty: NTLM needs one\n" +
			"qrs: bad.conf:7:58: connection.auth.windows.user_agent: has a control or non-ASCII character, or spaces at an end: a user agent is US-ASCII"},
	{"Windows with the certificate's keys", connHead + "auth.type = windows\nauth.windows { user = \"A\\\\b\", password = ${PX_PASS} }\nauth.certificate.path = c.pem\n}",
		"qrs: bad.conf:8:25: connection.auth.certificate.path: is for client certificate authentication, but connection.auth.type is windows"},
	{"certificate keys missing", connHead + "auth.type = certificate\n}",
		"qrs: bad.conf:6:1: missing connection.auth.certificate.path: the client certificate the QMC exports: client.pem (with key_path) or client.pfx\n" +
			"qrs: bad.conf:6:1: missing connection.auth.user_directory: the user directory of connection.auth.user_id, such as CORP\n" +
			"qrs: bad.conf:6:1: missing connection.auth.user_id: the user the catalog acts as, such as svc_catalog (its directory goes in connection.auth.user_directory)"},
	{"certificate block missing its path", connHead + "auth.type = certificate\nauth.user_directory = INTERNAL\nauth.user_id = sa\nauth.certificate { key_path = k.pem }\n}",
		"qrs: bad.conf:9:18: missing connection.auth.certificate.path: the client certificate the QMC exports: client.pem (with key_path) or client.pfx"},
	{"JWT over http", strings.Replace(connHead, "https:", "http:", 1) + jwtAuthBlock + "}",
		"qrs: bad.conf:7:10: connection.auth.type: is jwt, which sends its credentials only over https: connection.url is http://"},
	{"mode of the wrong type", connHead + "auth.type = [jwt]\n}",
		"qrs: bad.conf:6:13: connection.auth.type: expected a string, found an array"},
	{"misspelt mode key", connHead + strings.Replace(jwtAuthBlock, "key_path", "key", 1) + "}",
		"qrs: bad.conf:10:7: missing connection.auth.jwt.key_path: the PEM file of the RSA key whose certificate the JWT virtual proxy holds\n" +
			"qrs: bad.conf:11:5: unknown key connection.auth.jwt.key (did you mean connection.auth.jwt.key_path?)"},
}

// connHead opens the connection block of a file with a URL and nothing
// else; jwtAuthBlock completes a JWT mode inside it.
const (
	connHead     = "connector_id = \"qlik-sense\"\ncode = \"qlik-prod\"\nconnection {\nurl = \"https://qlik.example.com/jwt\"\n\n"
	jwtAuthBlock = `auth {
  type = jwt
  user_directory = CORP
  user_id = alice
  jwt {
    key_path = "jwt.key"
    claims.user_id = userId
    claims.user_directory = userDirectory
  }
}
`
)

func TestConnectionAuthErrors(t *testing.T) {
	for _, tt := range connAuthErrorCases {
		t.Run(tt.name, func(t *testing.T) {
			c, err := qrs.ParseConnection("bad.conf", []byte(tt.src), connEnv(connTestEnv))
			if err == nil {
				t.Fatalf("ParseConnection accepted the file: %#v\n%s", c, tt.src)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("ParseConnection:\n got %s\nwant %s\nfile:\n%s", got, tt.want, tt.src)
			}
			var he *hocon.Error
			if !errors.As(err, &he) || he.Pos.File != "bad.conf" || he.Pos.Line < 1 {
				t.Errorf("error has no position: %#v", err)
			}
			checkNoSecret(t, "the error", err.Error(), connSecrets...)
		})
	}
	// The block of the mode, complete: accepted.
	if _, err := qrs.ParseConnection("good.conf", []byte(connHead+jwtAuthBlock+"}"), nil); err != nil {
		t.Errorf("the JWT block: %v", err)
	}
}

// TestConnectionAuthInCode checks a Connection built in code: settings of
// another mode are refused by NewClient, as in a file.
func TestConnectionAuthInCode(t *testing.T) {
	for _, tt := range []struct {
		conn qrs.Connection
		want string
	}{
		{qrs.Connection{URL: "https://q", WindowsUser: `A\b`}, "WindowsUser is set, but the authentication is header"},
		{qrs.Connection{URL: "https://q", AuthType: qrs.AuthJWT, AuthKey: "hdr-usr"}, "AuthKey is set, but the authentication is jwt"},
		{qrs.Connection{URL: "https://q", AuthType: qrs.AuthJWT}, "without JWTKeyPath"},
		{qrs.Connection{URL: "https://q", AuthType: qrs.AuthHeader}, "without AuthKey and AuthValue"},
		{qrs.Connection{URL: "https://q", AuthType: qrs.AuthCertificate}, "without CertificatePath"},
		{qrs.Connection{URL: "https://q", AuthType: "kerberos"}, `AuthType "kerberos" is not header, jwt, windows or certificate`},
		{qrs.Connection{URL: "https://q", AuthType: qrs.AuthWindows, WindowsUser: `A\b`}, "the password is empty"},
		{qrs.Connection{URL: "https://q", AuthType: qrs.AuthJWT, JWTKeyPath: "testdata/jwt/ec.key"}, "must be RSA"},
		{qrs.Connection{URL: "https://q", AuthType: qrs.AuthJWT, JWTKeyPath: "testdata/jwt/signer.key", UserID: "alice"}, "UserIDClaim is empty"},
		{qrs.Connection{URL: "http://q", AuthType: qrs.AuthWindows, WindowsUser: `A\b`, WindowsPassword: qrs.NewSecret(connWinPass)}, "only over https"},
	} {
		tt.conn.Path = "x.conf"
		_, err := tt.conn.NewClient()
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), connWinPass) {
			t.Errorf("%v: err = %v, want %q", tt.conn, err, tt.want)
		}
	}
	// A caller's option of another mode than the file's.
	conn := qrs.Connection{URL: "https://q", AuthKey: "hdr-usr", AuthValue: qrs.NewSecret(`A\b`)}
	if _, err := conn.NewClient(qrs.WithWindowsAuth(`A\b`, "x")); err == nil || !strings.Contains(err.Error(), "WithHeaderAuth and WithWindowsAuth") {
		t.Errorf("header file, Windows option: err = %v", err)
	}
}

// useTestFiles points the files of a connection's authentication (which
// NewClient reads) at the test keys, so that a fuzzed connection can make
// a Client.
func useTestFiles(c *qrs.Connection) {
	if c.JWTKeyPath != "" {
		c.JWTKeyPath = "testdata/jwt/signer.key"
	}
	if c.CertificatePath != "" {
		c.CertificatePath, c.CertificateKeyPath, c.CertificatePassword = "testdata/pki/client.pem", "testdata/pki/client_key.pem", qrs.Secret{}
	}
}

// fuzzAuthKeys are the authentication keys that FuzzConnectionAuth
// writes, each with its value from the environment variable V<i>.
var fuzzAuthKeys = []string{
	"connection.auth.type", "connection.auth.key", "connection.auth.value",
	"connection.auth.user_directory", "connection.auth.user_id",
	"connection.auth.jwt.key_path", "connection.auth.jwt.algorithm", "connection.auth.jwt.claims.user_id",
	"connection.auth.jwt.claims.user_directory", "connection.auth.jwt.audience", "connection.auth.jwt.lifetime",
	"connection.auth.windows.user", "connection.auth.windows.password", "connection.auth.windows.user_agent",
	"connection.auth.certificate.path", "connection.auth.certificate.key_path", "connection.auth.certificate.password",
}

// FuzzConnectionAuth writes a connection file with any of the
// authentication keys (mask chooses which; values come from the
// environment, so that they can be anything), and checks that it is
// refused with positioned errors that show no password, or accepted as a
// Connection that makes a Client and prints no password.
func FuzzConnectionAuth(f *testing.F) {
	all := uint32(1)<<len(fuzzAuthKeys) - 1
	add := func(mask uint32, vals ...string) {
		v := make([]string, len(fuzzAuthKeys))
		copy(v, vals)
		f.Add(mask, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15], v[16])
	}
	// Each mode, complete; then everything at once.
	add(0b111, "header", "hdr-usr", `CORP\svc`)
	add(0b11111111001, "jwt", "", "", "CORP", "alice", "k.pem", "RS384", "userId", "userDirectory", "aud", "5m")
	add(0b11100000000001, "windows", "", "", "", "", "", "", "", "", "", "", `CORP\alice`, "Zq-win-pass-7702", "Mozilla")
	add(0b11100000000000011001, "certificate", "", "", "INTERNAL", "sa", "", "", "", "", "", "", "", "", "", "c.pfx", "", "Zq-cert-pass-51")
	add(all, "jwt", "h", "v", "CORP", "alice", "k.pem", "RS256", "u", "d", "a", "1h", `A\b`, "Zq-win-pass-7702", "W", "c", "k", "Zq-cert-pass-51")
	add(0b110, "", "hdr-usr", "Zq-hdr-value-\r\n")
	f.Fuzz(func(t *testing.T, mask uint32, v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15, v16 string) {
		vals := []string{v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15, v16}
		env := map[string]string{}
		var src strings.Builder
		src.WriteString("connector_id = \"qlik-sense\"\ncode = \"fuzz\"\nconnection.url = \"https://qlik.example.com/hdr\"\n")
		for i, k := range fuzzAuthKeys {
			if mask&(1<<i) != 0 {
				fmt.Fprintf(&src, "%s = ${V%d}\n", k, i)
				env[fmt.Sprintf("V%d", i)] = vals[i]
			}
		}
		// The secrets, and the same file with them replaced, to tell a
		// leak from a message that happens to hold the same text.
		secrets := []string{v2, v12, v16}
		parse := func(env map[string]string) (*qrs.Connection, error) {
			return qrs.ParseConnection("fuzz.conf", []byte(src.String()), connEnv(env))
		}
		masked := maps.Clone(env)
		for _, i := range []int{2, 12, 16} {
			if _, ok := masked[fmt.Sprintf("V%d", i)]; ok {
				masked[fmt.Sprintf("V%d", i)] = strings.Repeat("Q", len(vals[i]))
			}
		}
		leaks := func(what, got, other string) {
			for _, s := range secrets {
				if len(s) >= 6 && strings.Contains(got, s) && !strings.Contains(other, s) {
					t.Fatalf("%s shows a secret %q:\n%s", what, s, got)
				}
			}
		}
		c, err := parse(env)
		_, maskedErr := parse(masked)
		if err != nil {
			if c != nil {
				t.Fatalf("a Connection with the error %v", err)
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "qrs: fuzz.conf:") || len(line) > 1000 {
					t.Fatalf("error line %.300q: want qrs: fuzz.conf:line:col, at most 1000 bytes", line)
				}
			}
			other := ""
			if maskedErr != nil {
				other = maskedErr.Error()
			}
			leaks("the error", err.Error(), other)
			return
		}
		useTestFiles(c)
		if _, err := c.NewClient(); err != nil {
			t.Fatalf("accepted a connection that NewClient refuses: %v\n%s", err, src.String())
		}
		mc, _ := parse(masked)
		other := ""
		if mc != nil {
			other = fmt.Sprintf("%v %+v %#v", mc, *mc, mc)
		}
		leaks("the printed connection", fmt.Sprintf("%v %+v %#v", c, *c, c), other)
	})
}

// TestConnectionTemplateModes uncomments each mode's block of the
// template, in place of the header authentication it has, and reads it.
func TestConnectionTemplateModes(t *testing.T) {
	src := string(readFile(t, "connection.conf.template"))
	lines := strings.Split(src, "\n")
	var live []string // the template without auth.key and auth.value
	for _, l := range lines {
		if !strings.HasPrefix(l, "    auth.key =") && !strings.HasPrefix(l, "    auth.value =") {
			live = append(live, l)
		}
	}
	env := connEnv(map[string]string{"PROXY_PASSWORD": connProxyPass, "QLIK_WINDOWS_PASSWORD": connWinPass, "QLIK_CERTIFICATE_PASSWORD": "s3cret-pfx"})
	want := map[qrs.AuthType]func(c *qrs.Connection) bool{
		qrs.AuthJWT: func(c *qrs.Connection) bool {
			return c.JWTKeyPath == "/etc/catalog/qlik-jwt.key" && c.JWTUserIDClaim == "userId" && c.JWTDirectoryClaim == "userDirectory" &&
				c.UserID == "svc_catalog" && c.JWTAudience != "" && c.JWTLifetime == 10*time.Minute && c.JWTAlgorithm == "RS256"
		},
		qrs.AuthWindows: func(c *qrs.Connection) bool {
			return c.WindowsUser == `CORP\svc_catalog` && c.WindowsPassword.Reveal() == connWinPass && c.WindowsUserAgent == "Windows"
		},
		qrs.AuthCertificate: func(c *qrs.Connection) bool {
			return c.CertificatePath == "/etc/catalog/client.pfx" && c.CertificatePassword.Reveal() == "s3cret-pfx" && c.UserID == "sa_repository"
		},
	}
	found := 0
	for i, l := range live {
		if l != "    # auth {" {
			continue
		}
		found++
		file := slices.Clone(live[:i])
		for _, b := range live[i:] {
			file = append(file, "    "+strings.TrimPrefix(b, "    # "))
			if b == "    # }" {
				break
			}
		}
		file = append(file, live[len(file):]...) // the rest of the template
		c, err := qrs.ParseConnection("connection.conf.template", []byte(strings.Join(file, "\n")), env)
		if err != nil {
			t.Errorf("block %d: %v", found, err)
			continue
		}
		if check := want[c.AuthType]; check == nil || !check(c) {
			t.Errorf("block %d: %+v", found, viewOf(t, c))
		}
		delete(want, c.AuthType)
	}
	if len(want) != 0 {
		t.Errorf("the template has no block for %v", slices.Collect(maps.Keys(want)))
	}
}
