package qrs_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/hocon"
	"github.com/qrskit/qrs/internal/proxytest"
	"github.com/qrskit/qrs/internal/testserver"
)

// Secrets of the connection tests. They are distinctive, so that finding
// one in an error or a printed value cannot be a coincidence.
const (
	connHdrUser   = `CORP\zq-hdr-4471`      // written in files as "CORP\\zq-hdr-4471"
	connEnvUser   = `CORP\zq-env-user-6620` // from $HDR_USER
	connTSPass    = "Zq-ts-pass-9183"       // from $TS_PASS
	connProxyPass = "Zq-px-pass-5527"       // from $PX_PASS
	connURLPass   = "Zq-url-pass-3141"      // in a URL, refused
)

var connSecrets = []string{"zq-hdr-4471", "zq-env-user-6620", connTSPass, connProxyPass, connURLPass}

// connTestEnv is the environment of the error cases.
var connTestEnv = map[string]string{"HDR_USER": connEnvUser, "TS_PASS": connTSPass, "PX_PASS": connProxyPass}

func connEnv(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

// checkNoConnSecret fails when text holds one of connSecrets, as written
// or hex-encoded.
func checkNoConnSecret(t *testing.T, what, text string) {
	t.Helper()
	for _, s := range connSecrets {
		for _, form := range []string{s, hex.EncodeToString([]byte(s))} {
			if strings.Contains(strings.ToLower(text), strings.ToLower(form)) {
				t.Errorf("%s holds the secret %q:\n%s", what, s, text)
			}
		}
	}
}

// connView is a Connection with its secrets revealed, comparable with ==.
type connView struct {
	Path, Name, Code, ConnectorID      string
	Enabled                            bool
	URL, AuthKey, AuthValue            string
	TrustStorePath, TrustStorePassword string
	TrustStoreType                     qrs.StoreType
	BypassCertificateValidation        bool
	ProxyScheme, ProxyHost             string
	ProxyPort                          int
	ProxyUsername, ProxyPassword       string
}

func viewOf(t *testing.T, c *qrs.Connection) connView {
	t.Helper()
	// A field added to Connection must be added here too.
	if n, want := reflect.TypeOf(*c).NumField(), reflect.TypeOf(connView{}).NumField(); n != want {
		t.Fatalf("Connection has %d fields, connView %d", n, want)
	}
	return connView{
		Path: c.Path, Name: c.Name, Code: c.Code, ConnectorID: c.ConnectorID, Enabled: c.Enabled,
		URL: c.URL, AuthKey: c.AuthKey, AuthValue: c.AuthValue.Reveal(),
		TrustStorePath: c.TrustStorePath, TrustStorePassword: c.TrustStorePassword.Reveal(), TrustStoreType: c.TrustStoreType,
		BypassCertificateValidation: c.BypassCertificateValidation,
		ProxyScheme:                 c.ProxyScheme, ProxyHost: c.ProxyHost, ProxyPort: c.ProxyPort,
		ProxyUsername: c.ProxyUsername, ProxyPassword: c.ProxyPassword.Reveal(),
	}
}

func parseConnFile(t *testing.T, path string, env map[string]string) (*qrs.Connection, error) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return qrs.ParseConnection(path, src, connEnv(env))
}

func TestParseConnectionFiles(t *testing.T) {
	const dir = "testdata/connections"
	tests := []struct {
		file string
		env  map[string]string
		want connView
	}{
		{
			file: "minimal.conf",
			want: connView{Code: "qlik-min", ConnectorID: "qlik-sense", Enabled: true, URL: "https://qlik.example.com"},
		},
		{
			// Nested blocks, '=', the optional password set, the trailing
			// slash of the URL dropped.
			file: "nested.conf",
			env:  map[string]string{"QLIK_TRUSTSTORE_PASSWORD": connTSPass, "PROXY_PASSWORD": connProxyPass},
			want: connView{
				Name: "Qlik Sense Production", Code: "qlik-prod", ConnectorID: "qlik-sense", Enabled: true,
				URL: "https://qlik.example.com/hdr", AuthKey: "hdr-usr", AuthValue: `CORP\svc_catalog`,
				TrustStorePath: "/etc/catalog/qlik.p12", TrustStorePassword: connTSPass,
				ProxyScheme: "https", ProxyHost: "proxy.corp.local", ProxyPort: 3128,
				ProxyUsername: "catalog", ProxyPassword: connProxyPass,
			},
		},
		{
			// The optional password not set: the key is absent.
			file: "nested.conf",
			env:  map[string]string{"PROXY_PASSWORD": connProxyPass},
			want: connView{
				Name: "Qlik Sense Production", Code: "qlik-prod", ConnectorID: "qlik-sense", Enabled: true,
				URL: "https://qlik.example.com/hdr", AuthKey: "hdr-usr", AuthValue: `CORP\svc_catalog`,
				TrustStorePath: "/etc/catalog/qlik.p12",
				ProxyScheme:    "https", ProxyHost: "proxy.corp.local", ProxyPort: 3128,
				ProxyUsername: "catalog", ProxyPassword: connProxyPass,
			},
		},
		{
			// Dotted keys, ':', root braces, unquoted values, yes/off
			// booleans, a port as a string, type and scheme in other
			// letter cases, a truststore path relative to the file.
			file: "dotted.conf",
			env:  map[string]string{"QLIK_HEADER_USER": connEnvUser, "QLIK_TRUSTSTORE_PASSWORD": connTSPass},
			want: connView{
				Name: "Qlik Sense Test", Code: "qlik-test", ConnectorID: "qlik-sense", Enabled: true,
				URL: "https://qlik-test.example.com:8443/catalog", AuthKey: "X-Qlik-Catalog-User", AuthValue: connEnvUser,
				TrustStorePath: filepath.Join(dir, "certs/qlik-test.store"), TrustStorePassword: connTSPass, TrustStoreType: qrs.StoreJKS,
				ProxyScheme: "socks5", ProxyHost: "10.20.30.40", ProxyPort: 1080, ProxyUsername: "svc-catalog",
			},
		},
		{
			file: "dotted.conf",
			env:  map[string]string{"QLIK_HEADER_USER": connEnvUser, "QLIK_TRUSTSTORE_PASSWORD": connTSPass, "SOCKS_PASSWORD": connProxyPass},
			want: connView{
				Name: "Qlik Sense Test", Code: "qlik-test", ConnectorID: "qlik-sense", Enabled: true,
				URL: "https://qlik-test.example.com:8443/catalog", AuthKey: "X-Qlik-Catalog-User", AuthValue: connEnvUser,
				TrustStorePath: filepath.Join(dir, "certs/qlik-test.store"), TrustStorePassword: connTSPass, TrustStoreType: qrs.StoreJKS,
				ProxyScheme: "socks5", ProxyHost: "10.20.30.40", ProxyPort: 1080, ProxyUsername: "svc-catalog", ProxyPassword: connProxyPass,
			},
		},
		{
			// Static directory, disabled, bypass, a proxy without scheme
			// (http) or login.
			file: "static-directory.conf",
			want: connView{
				Name: "Qlik Sense (acceptance)", Code: "qlik-acc", ConnectorID: "qlik-sense", Enabled: false,
				URL: "https://qlik-acc.example.com/catalog", AuthKey: "X-Qlik-User-Static", AuthValue: "svc_catalog",
				BypassCertificateValidation: true,
				ProxyScheme:                 "http", ProxyHost: "proxy.corp.local", ProxyPort: 8080,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join(dir, tt.file)
			c, err := parseConnFile(t, path, tt.env)
			if err != nil {
				t.Fatalf("ParseConnection: %v", err)
			}
			tt.want.Path = path
			if got := viewOf(t, c); got != tt.want {
				t.Errorf("ParseConnection(%s):\n got %+v\nwant %+v", path, got, tt.want)
			}
		})
	}
}

// TestConnectionTemplate reads the template with its placeholders filled
// from the environment, as an administrator's copy would be read.
func TestConnectionTemplate(t *testing.T) {
	t.Setenv("QLIK_TRUSTSTORE_PASSWORD", connTSPass)
	t.Setenv("PROXY_PASSWORD", connProxyPass)
	const path = "connection.conf.template"
	c, err := qrs.LoadConnection(path)
	if err != nil {
		t.Fatalf("LoadConnection: %v", err)
	}
	want := connView{
		Path: path, Name: "Qlik Sense Production", Code: "qlik-prod", ConnectorID: "qlik-sense", Enabled: true,
		URL: "https://qlik.example.com/hdr", AuthKey: "hdr-usr", AuthValue: `CORP\svc_catalog`,
		TrustStorePath: "/etc/catalog/qlik.p12", TrustStorePassword: connTSPass,
		ProxyScheme: "https", ProxyHost: "proxy.corp.local", ProxyPort: 3128,
		ProxyUsername: "catalog", ProxyPassword: connProxyPass,
	}
	if got := viewOf(t, c); got != want {
		t.Errorf("LoadConnection(%s):\n got %+v\nwant %+v", path, got, want)
	}

	// The template documents every key that the format knows.
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	root, err := hocon.Parse(path, src, connEnv(map[string]string{"PROXY_PASSWORD": "x"}))
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, l := range root.Leaves() {
		keys = append(keys, l.Path())
	}
	wantKeys := []string{
		"name", "code", "connector_id", "enabled",
		"connection.url", "connection.auth.key", "connection.auth.value",
		"tls.truststore.path", "tls.truststore.type", "tls.bypass_certificate_validation",
		"proxy.scheme", "proxy.hostname", "proxy.port", "proxy.username", "proxy.password",
	}
	// tls.truststore.password is ${?...}: absent without its variable.
	if !reflect.DeepEqual(keys, wantKeys) {
		t.Errorf("template keys:\n got %q\nwant %q", keys, wantKeys)
	}
	if !bytes.Contains(src, []byte("password = ${?QLIK_TRUSTSTORE_PASSWORD}")) {
		t.Error("template: tls.truststore.password is not read from the environment")
	}
}

// TestLoadConnectionEnvironment checks that LoadConnection takes
// substitutions from the process environment, as ParseConnection takes
// them from its env function.
func TestLoadConnectionEnvironment(t *testing.T) {
	env := map[string]string{"QLIK_HEADER_USER": connEnvUser, "QLIK_TRUSTSTORE_PASSWORD": connTSPass, "SOCKS_PASSWORD": connProxyPass}
	for k, v := range env {
		t.Setenv(k, v)
	}
	path := filepath.Join("testdata", "connections", "dotted.conf")
	loaded, err := qrs.LoadConnection(path)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := parseConnFile(t, path, env)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := viewOf(t, loaded), viewOf(t, parsed); got != want {
		t.Errorf("LoadConnection:\n got %+v\nwant %+v (ParseConnection)", got, want)
	}

	os.Unsetenv("QLIK_HEADER_USER") // restored by t.Setenv's cleanup
	_, err = qrs.LoadConnection(path)
	want := path + ":12:26: ${QLIK_HEADER_USER}: environment variable QLIK_HEADER_USER is not set"
	if err == nil || !strings.HasPrefix(err.Error(), "qrs: "+want) {
		t.Errorf("without $QLIK_HEADER_USER: got %v, want qrs: %s...", err, want)
	}
}

func TestLoadConnectionMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "qlik-prod.conf")
	_, err := qrs.LoadConnection(path)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("got %v, want an error matching fs.ErrNotExist", err)
	}
	if want := "qrs: connection file " + path + ": no such file or directory"; err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}
}

// The first lines of most error cases: a valid file whose header value is
// a secret. Lines of a case start at line 6.
const connBase = `connector_id = "qlik-sense"
code = "qlik-prod"
connection.url = "https://qlik.example.com/hdr"
connection.auth.key = "hdr-usr"
connection.auth.value = "CORP\\zq-hdr-4471"
`

// connErrorCases are files with one problem each (or one kind of problem),
// with the whole error they give, read as bad.conf with connTestEnv.
var connErrorCases = []struct {
	name, src, want string
}{
	{"syntax error", connBase + `name = "Qlik Sense`,
		`qrs: bad.conf:6:8: quoted string is not closed on its line`},
	{"required variable not set", connBase + `proxy.password = ${PROXY_PASSWORD}`,
		`qrs: bad.conf:6:18: ${PROXY_PASSWORD}: environment variable PROXY_PASSWORD is not set, and no key PROXY_PASSWORD is defined above`},

	{"unknown key, misspelt", connBase + `conection.url = "https://qlik.example.com/hdr"`,
		`qrs: bad.conf:6:1: unknown key conection.url (did you mean connection.url?)`},
	{"unknown key, abbreviated", connBase + "proxy {\n  hostname = proxy.corp.local\n  port = 3128\n  user = catalog\n}",
		`qrs: bad.conf:9:3: unknown key proxy.user (did you mean proxy.username?)`},
	{"unknown key, outside its block", connBase + `truststore.path = "/etc/catalog/qlik.p12"`,
		`qrs: bad.conf:6:1: unknown key truststore.path (did you mean tls.truststore.path?)`},
	{"unknown key, unlike any", connBase + `colour = blue`,
		`qrs: bad.conf:6:1: unknown key colour`},
	{"block set to a value", connBase + `tls = true`,
		`qrs: bad.conf:6:7: tls: expected an object (to look up tls.truststore.path), found a boolean`},

	{"connector_id missing", "code = \"qlik-prod\"\nconnection.url = \"https://qlik.example.com/hdr\"",
		`qrs: bad.conf:1:1: missing connector_id: set it to "qlik-sense"`},
	{"connector_id in another case", "connector_id = \"Qlik-Sense\"\ncode = \"qlik-prod\"\nconnection.url = \"https://qlik.example.com/hdr\"",
		`qrs: bad.conf:1:16: connector_id: must be written exactly "qlik-sense"`},
	{"connector_id empty", "connector_id = \"\"\ncode = \"qlik-prod\"\nconnection.url = \"https://qlik.example.com/hdr\"",
		`qrs: bad.conf:1:16: connector_id: is empty: set it to "qlik-sense"`},

	{"code missing", "connector_id = \"qlik-sense\"\nconnection.url = \"https://qlik.example.com/hdr\"",
		`qrs: bad.conf:1:1: missing code: the connection's unique code, the first segment of every catalog key, such as "qlik-prod"`},
	{"code empty", "connector_id = \"qlik-sense\"\ncode = \"\"\nconnection.url = \"https://qlik.example.com/hdr\"",
		`qrs: bad.conf:2:8: code: must not be empty: it is the first segment of every catalog key`},
	{"code with spaces around", "connector_id = \"qlik-sense\"\ncode = \" qlik-prod\"\nconnection.url = \"https://qlik.example.com/hdr\"",
		`qrs: bad.conf:2:8: code: has leading or trailing spaces`},
	{"code with a control character", "connector_id = \"qlik-sense\"\ncode = \"qlik\\tprod\"\nconnection.url = \"https://qlik.example.com/hdr\"",
		`qrs: bad.conf:2:8: code: has a control character`},

	{"url missing, no block", "connector_id = \"qlik-sense\"\ncode = \"qlik-prod\"",
		`qrs: bad.conf:1:1: missing connection.url: the site's address, https://host[:port][/virtual proxy prefix], such as "https://qlik.example.com/hdr"`},
	{"url missing from its block", "connector_id = \"qlik-sense\"\ncode = \"qlik-prod\"\nconnection {\n  auth.key = \"hdr-usr\"\n  auth.value = \"CORP\\\\zq-hdr-4471\"\n}",
		`qrs: bad.conf:3:12: missing connection.url: the site's address, https://host[:port][/virtual proxy prefix], such as "https://qlik.example.com/hdr"`},
	{"url not http", strings.Replace(connBase, "https://qlik.example.com/hdr", "ftp://qlik.example.com/hdr", 1),
		`qrs: bad.conf:3:18: connection.url: base URL: the scheme must be https (or http), as in https://qlik.example.com/prefix`},
	{"url without scheme", strings.Replace(connBase, "https://qlik.example.com/hdr", "qlik.example.com/hdr", 1),
		`qrs: bad.conf:3:18: connection.url: base URL: the scheme must be https (or http), as in https://qlik.example.com/prefix`},
	{"url without host", strings.Replace(connBase, "https://qlik.example.com/hdr", "https:///hdr", 1),
		`qrs: bad.conf:3:18: connection.url: base URL has no host`},
	{"url with credentials", strings.Replace(connBase, "https://qlik.example.com/hdr", "ftp://svc:"+connURLPass+"@qlik.example.com/hdr", 1),
		`qrs: bad.conf:3:18: connection.url: credentials in the URL are not supported: use connection.auth.key and connection.auth.value`},
	{"url ending in /qrs", strings.Replace(connBase, "https://qlik.example.com/hdr", "https://qlik.example.com/hdr/qrs", 1),
		`qrs: bad.conf:3:18: connection.url: base URL ends in /qrs: give the site's address without it (https://host[:port][/prefix])`},
	{"url with a bad port", strings.Replace(connBase, "https://qlik.example.com/hdr", "https://qlik.example.com:0/hdr", 1),
		`qrs: bad.conf:3:18: connection.url: base URL: port must be a number from 1 to 65535`},
	{"url as an array", strings.Replace(connBase, `"https://qlik.example.com/hdr"`, `["https://qlik.example.com/hdr"]`, 1),
		`qrs: bad.conf:3:18: connection.url: expected a string, found an array`},

	{"auth.key without auth.value", strings.Replace(connBase, `connection.auth.value = "CORP\\zq-hdr-4471"`, "", 1),
		`qrs: bad.conf:4:23: connection.auth.key: is set without connection.auth.value (the user, such as DOMAIN\user): give both or neither; if the value comes from ${?VAR}, that variable is not set`},
	{"auth.value without auth.key", strings.Replace(connBase, `connection.auth.key = "hdr-usr"`, "", 1),
		`qrs: bad.conf:5:25: connection.auth.value: is set without connection.auth.key (the header name, such as hdr-usr): give both or neither`},
	{"auth.key not a header name", strings.Replace(connBase, `"hdr-usr"`, `"hdr usr"`, 1),
		`qrs: bad.conf:4:23: connection.auth.key: is not a valid HTTP header name (letters, digits and -, such as hdr-usr)`},
	{"auth.value empty", strings.Replace(connBase, `"CORP\\zq-hdr-4471"`, `""`, 1),
		`qrs: bad.conf:5:25: connection.auth.value: is empty: give the user, DOMAIN\user for a dynamic user directory or the user id for a static one`},
	{"auth.value not ASCII", strings.Replace(connBase, `zq-hdr-4471`, `zq-hdr-4471-jürgen`, 1),
		`qrs: bad.conf:5:25: connection.auth.value: has a control or non-ASCII character at byte 18: header authentication is US-ASCII only`},
	{"auth.value with CR LF", strings.Replace(connBase, `zq-hdr-4471`, `zq-hdr-4471\r\nX-Evil: 1`, 1),
		`qrs: bad.conf:5:25: connection.auth.value: has a control or non-ASCII character at byte 16: header authentication is US-ASCII only`},
	{"auth.value from the environment, not ASCII", strings.Replace(connBase, `"CORP\\zq-hdr-4471"`, `${HDR_USER}" ü"`, 1),
		`qrs: bad.conf:5:25: connection.auth.value: has a control or non-ASCII character at byte 22: header authentication is US-ASCII only`},

	{"enabled not a boolean", connBase + `enabled = maybe`,
		`qrs: bad.conf:6:11: enabled: expected true or false (or yes/no, on/off), found a string that is none of these`},
	{"bypass not a boolean", connBase + `tls.bypass_certificate_validation = sometimes`,
		`qrs: bad.conf:6:37: tls.bypass_certificate_validation: expected true or false (or yes/no, on/off), found a string that is none of these`},

	{"truststore type unknown", connBase + "tls.truststore.path = \"/etc/catalog/qlik.p12\"\ntls.truststore.type = PKCS7",
		`qrs: bad.conf:7:23: tls.truststore.type: unknown truststore type: use PKCS12, JKS or PEM, or leave it empty to go by the file extension`},
	{"truststore password without path", connBase + `tls.truststore.password = ${TS_PASS}`,
		`qrs: bad.conf:6:27: tls.truststore.password: is set without tls.truststore.path`},
	{"truststore type without path", connBase + `tls.truststore.type = JKS`,
		`qrs: bad.conf:6:23: tls.truststore.type: is set without tls.truststore.path`},
	{"truststore path empty", connBase + "tls.truststore {\n  path = \"\"\n  password = ${TS_PASS}\n}",
		`qrs: bad.conf:7:10: tls.truststore.path: is empty: give the truststore file, or remove the key`},

	{"proxy port not a number", connBase + "proxy {\n  hostname = proxy.corp.local\n  port = proxy\n}",
		`qrs: bad.conf:8:10: proxy.port: expected a whole number, found a string that is not one`},
	{"proxy port a fraction", connBase + "proxy {\n  hostname = proxy.corp.local\n  port = 3128.5\n}",
		`qrs: bad.conf:8:10: proxy.port: expected a whole number, found a fraction or exponent`},
	{"proxy port zero", connBase + "proxy {\n  hostname = proxy.corp.local\n  port = 0\n}",
		`qrs: bad.conf:8:10: proxy.port: must be a number from 1 to 65535`},
	{"proxy port too large", connBase + "proxy {\n  hostname = proxy.corp.local\n  port = \"65536\"\n}",
		`qrs: bad.conf:8:10: proxy.port: must be a number from 1 to 65535`},
	{"proxy scheme unknown", connBase + "proxy {\n  scheme = ftp\n  hostname = proxy.corp.local\n  port = 21\n}",
		`qrs: bad.conf:7:12: proxy.scheme: is not supported: use http, https or socks5`},
	{"proxy hostname with scheme and port", connBase + "proxy {\n  hostname = \"http://proxy.corp.local:3128\"\n  port = 3128\n}",
		`qrs: bad.conf:7:14: proxy.hostname: must be a host name or an IP address alone: the scheme and the port go in proxy.scheme and proxy.port`},
	{"proxy hostname without port", connBase + "proxy {\n  hostname = proxy.corp.local\n}",
		`qrs: bad.conf:6:7: missing proxy.port: the proxy's port, such as 3128 or 8080 (there is no default)`},
	{"proxy port without hostname", connBase + `proxy.port = 3128`,
		`qrs: bad.conf:6:14: proxy.port: is set without proxy.hostname`},
	{"proxy scheme without hostname", connBase + `proxy.scheme = socks5`,
		`qrs: bad.conf:6:16: proxy.scheme: is set without proxy.hostname`},
	{"proxy credentials without hostname", connBase + "proxy.username = catalog\nproxy.password = ${PX_PASS}",
		"qrs: bad.conf:6:18: proxy.username: is set without proxy.hostname\n" +
			"qrs: bad.conf:7:18: proxy.password: is set without proxy.hostname"},
	{"proxy password without username", connBase + "proxy {\n  hostname = proxy.corp.local\n  port = 3128\n  password = ${PX_PASS}\n}",
		`qrs: bad.conf:9:14: proxy.password: is set without proxy.username`},
	{"proxy username empty", connBase + "proxy {\n  hostname = proxy.corp.local\n  port = 3128\n  username = \"\"\n  password = ${PX_PASS}\n}",
		`qrs: bad.conf:9:14: proxy.username: is empty: remove proxy.username for a proxy without login`},
	{"proxy username with a colon", connBase + "proxy {\n  hostname = proxy.corp.local\n  port = 3128\n  username = \"svc:catalog\"\n  password = ${PX_PASS}\n}",
		`qrs: bad.conf:9:14: proxy.username: must not contain ':' (proxy logins send user:password)`},

	// Values put in the wrong key by mistake, from the environment: the
	// errors do not repeat them.
	{"code from the environment", strings.Replace(connBase, `"qlik-prod"`, `${PX_PASS}" "`, 1),
		`qrs: bad.conf:2:8: code: has leading or trailing spaces`},
	{"url from the environment", strings.Replace(connBase, `"https://qlik.example.com/hdr"`, `"https://qlik.example.com:"${PX_PASS}`, 1),
		`qrs: bad.conf:3:18: connection.url: base URL cannot be parsed: invalid port after host`},
	{"auth.key from the environment", strings.Replace(connBase, `"hdr-usr"`, `${HDR_USER}`, 1),
		`qrs: bad.conf:4:23: connection.auth.key: is not a valid HTTP header name (letters, digits and -, such as hdr-usr)`},
	{"truststore type from the environment", connBase + "tls.truststore.path = \"/etc/catalog/qlik.p12\"\ntls.truststore.type = ${TS_PASS}",
		`qrs: bad.conf:7:23: tls.truststore.type: unknown truststore type: use PKCS12, JKS or PEM, or leave it empty to go by the file extension`},
	{"proxy scheme from the environment", connBase + "proxy {\n  scheme = ${PX_PASS}\n  hostname = proxy.corp.local\n  port = 3128\n}",
		`qrs: bad.conf:7:12: proxy.scheme: is not supported: use http, https or socks5`},
	{"proxy port from the environment", connBase + "proxy {\n  hostname = proxy.corp.local\n  port = ${PX_PASS}\n}",
		`qrs: bad.conf:8:10: proxy.port: expected a whole number, found a string that is not one`},
}

// TestParseConnectionErrors checks each problem's whole message, position
// included, and that no message holds a secret.
func TestParseConnectionErrors(t *testing.T) {
	for _, tt := range connErrorCases {
		t.Run(tt.name, func(t *testing.T) {
			c, err := qrs.ParseConnection("bad.conf", []byte(tt.src), connEnv(connTestEnv))
			if err == nil {
				t.Fatalf("ParseConnection accepted the file: %#v\n%s", c, tt.src)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("ParseConnection:\n got %s\nwant %s\nfile:\n%s", got, tt.want, tt.src)
			}
			if errors.Is(err, qrs.ErrOtherConnector) {
				t.Errorf("error matches ErrOtherConnector: %v", err)
			}
			var he *hocon.Error
			if !errors.As(err, &he) || he.Pos.File != "bad.conf" || he.Pos.Line < 1 || he.Pos.Col < 1 {
				t.Errorf("error has no position: %#v", err)
			}
			checkNoConnSecret(t, "the error", err.Error())
		})
	}
}

// TestParseConnectionTypos reads a file with several mistakes: all are
// reported, in file order.
func TestParseConnectionTypos(t *testing.T) {
	path := filepath.Join("testdata", "connections", "typos.conf")
	_, err := parseConnFile(t, path, map[string]string{"QLIK_TRUSTSTORE_PASSWORD": connTSPass, "PROXY_PASSWORD": connProxyPass})
	if err == nil {
		t.Fatal("ParseConnection accepted the file")
	}
	want := strings.Join([]string{
		path + `:4:8: code: has leading or trailing spaces`,
		path + `:8:5: unknown key conection.url (did you mean connection.url?)`,
		path + `:10:1: missing connection.url: the site's address, https://host[:port][/virtual proxy prefix], such as "https://qlik.example.com/hdr"`,
		path + `:17:5: unknown key tls.truststore.pasword (did you mean tls.truststore.password?)`,
		path + `:18:12: tls.truststore.type: unknown truststore type: use PKCS12, JKS or PEM, or leave it empty to go by the file extension`,
		path + `:22:5: unknown key proxy.host (did you mean proxy.hostname?)`,
		path + `:23:12: proxy.port: is set without proxy.hostname`,
		path + `:24:16: proxy.username: is set without proxy.hostname`,
		path + `:25:16: proxy.password: is set without proxy.hostname`,
	}, "\n")
	want = "qrs: " + strings.ReplaceAll(want, "\n", "\nqrs: ")
	if got := err.Error(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	checkNoConnSecret(t, "the error", err.Error())
}

func TestParseConnectionOtherConnector(t *testing.T) {
	path := filepath.Join("testdata", "connections", "other-connector.conf")
	// Its own keys (site_id, personal_access_token) are not reported, nor
	// is its variable when it is not set.
	want := `qrs: ` + path + `:5:16: connector_id: the file is a connection of the connector "tableau-server", not of "qlik-sense"`
	for _, env := range []map[string]string{{"TABLEAU_PAT": connTSPass}, nil} {
		c, err := parseConnFile(t, path, env)
		if !errors.Is(err, qrs.ErrOtherConnector) {
			t.Fatalf("env %v: got %v, %v; want an error matching ErrOtherConnector", env, c, err)
		}
		if err.Error() != want {
			t.Errorf("env %v: got %q, want %q", env, err, want)
		}
		checkNoConnSecret(t, "the error", err.Error())
	}
	// A Qlik Sense file whose connector id comes from a variable that is
	// not set is broken, not another connector's.
	_, err := qrs.ParseConnection("env.conf", []byte("connector_id = ${CONNECTOR}\ncode = c"), nil)
	if want := "qrs: env.conf:1:16: ${CONNECTOR}: environment variable CONNECTOR is not set"; err == nil || errors.Is(err, qrs.ErrOtherConnector) || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("connector_id from an unset variable: got %v, want %s...", err, want)
	}
	// Nor does a syntax error hide behind another connector.
	_, err = qrs.ParseConnection("include.conf", []byte("include \"common.conf\"\nconnector_id = \"tableau-server\""), nil)
	if err == nil || errors.Is(err, qrs.ErrOtherConnector) {
		t.Errorf("a file with include: got %v, want a syntax error", err)
	}

	// A connector id that is not written in the file is not repeated.
	_, err = qrs.ParseConnection("env.conf", []byte("connector_id = ${PX_PASS}\nsecret = 1"), connEnv(connTestEnv))
	if !errors.Is(err, qrs.ErrOtherConnector) {
		t.Fatalf("connector_id from the environment: got %v, want an error matching ErrOtherConnector", err)
	}
	if want := `qrs: env.conf:1:16: connector_id: the file is a connection of another connector, not of "qlik-sense"`; err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}

	// A broken Qlik file does not match: the scanner must report it.
	_, err = parseConnFile(t, filepath.Join("testdata", "connections", "typos.conf"), nil)
	if err == nil || errors.Is(err, qrs.ErrOtherConnector) {
		t.Errorf("typos.conf: got %v, want an error that does not match ErrOtherConnector", err)
	}
}

// TestConnectionSecretsRedacted prints, logs and encodes a Connection with
// every secret set, and finds none of them.
func TestConnectionSecretsRedacted(t *testing.T) {
	src := connBase + `
tls.truststore.path = "/etc/catalog/qlik.p12"
tls.truststore.password = ${TS_PASS}
proxy {
  hostname = proxy.corp.local
  port = 3128
  username = catalog
  password = ${PX_PASS}
}
`
	c, err := qrs.ParseConnection("qlik.conf", []byte(src), connEnv(connTestEnv))
	if err != nil {
		t.Fatal(err)
	}
	// The secrets are there, behind Reveal.
	if c.AuthValue.Reveal() != connHdrUser || c.TrustStorePassword.Reveal() != connTSPass || c.ProxyPassword.Reveal() != connProxyPass {
		t.Fatalf("secrets not read: %q %q %q", c.AuthValue.Reveal(), c.TrustStorePassword.Reveal(), c.ProxyPassword.Reveal())
	}

	type holder struct {
		conn  qrs.Connection // unexported: fmt cannot call its methods
		Conns []*qrs.Connection
		M     map[string]qrs.Secret
	}
	h := holder{conn: *c, Conns: []*qrs.Connection{c}, M: map[string]qrs.Secret{"pw": c.ProxyPassword}}

	outputs := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%t", "%10.3v"} {
		outputs[verb+" Connection"] = fmt.Sprintf(verb, *c)
		outputs[verb+" *Connection"] = fmt.Sprintf(verb, c)
		outputs[verb+" Secret"] = fmt.Sprintf(verb, c.ProxyPassword)
		outputs[verb+" holder"] = fmt.Sprintf(verb, h)
	}
	outputs["String"] = c.String()
	outputs["GoString"] = c.GoString()
	for name, v := range map[string]any{"Connection": *c, "*Connection": c, "holder": h} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("json.Marshal(%s): %v", name, err)
		}
		outputs["JSON "+name] = string(b)
	}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("loaded", "conn", c, "value", *c, "pw", c.ProxyPassword)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("loaded", "conn", c, "value", *c, "pw", c.ProxyPassword)
	outputs["slog"] = logs.String()

	for name, out := range outputs {
		checkNoConnSecret(t, name, out)
	}
	// Redacted, not merely absent: the outputs that show secrets say so.
	for _, name := range []string{"%v Connection", "%+v *Connection", "%#v Connection", "%v holder", "String", "JSON Connection", "JSON *Connection", "slog"} {
		if !strings.Contains(outputs[name], "[redacted]") {
			t.Errorf("%s does not show [redacted]: %s", name, outputs[name])
		}
	}
	var decoded map[string]any
	if err := json.Unmarshal([]byte(outputs["JSON Connection"]), &decoded); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"auth_value", "truststore_password", "proxy_password"} {
		if decoded[key] != "[redacted]" {
			t.Errorf("JSON %s = %v, want [redacted]", key, decoded[key])
		}
	}
	if decoded["code"] != "qlik-prod" || decoded["proxy_port"] != float64(3128) {
		t.Errorf("JSON lost the other fields: %s", outputs["JSON Connection"])
	}
	if got, want := c.String(), "qrs.Connection{code \"qlik-prod\", url https://qlik.example.com/hdr, header hdr-usr: [redacted], truststore /etc/catalog/qlik.p12 with password [redacted], proxy http://catalog:xxxxx@proxy.corp.local:3128, from qlik.conf}"; got != want {
		t.Errorf("String:\n got %s\nwant %s", got, want)
	}
	// An unset secret shows as unset.
	if got := fmt.Sprintf("%v|%#v|%s", qrs.Secret{}, qrs.NewSecret(""), qrs.NewSecret("x")); got != `|""|[redacted]` {
		t.Errorf("unset and set secrets print %q", got)
	}
}

// connSiteUser is the header value of the end-to-end tests.
const connSiteUser = `QTSEL\zq-hdr-4471`

// startConnSite starts the test server with header authentication behind
// the prefix hdr and the testdata server certificate, for 127.0.0.1.
func startConnSite(t *testing.T) *testserver.Server {
	t.Helper()
	cert, err := tls.LoadX509KeyPair("testdata/pki/server.pem", "testdata/pki/server.key")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := testserver.Start(testserver.Config{
		Prefix:      "hdr",
		Header:      "hdr-usr",
		Site:        testserver.DemoSite(),
		Certificate: &cert,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// writeConnFile writes a connection file for the site at siteURL, with
// extra lines at the end, into a temporary folder, and returns its path.
func writeConnFile(t *testing.T, siteURL, extra string) string {
	t.Helper()
	src := fmt.Sprintf(`name = "qrs test site"
code = "qrs-test"
connector_id = "qlik-sense"
connection {
  url = %q
  auth.key = "hdr-usr"
  auth.value = %q
}
%s
`, siteURL, connSiteUser, extra)
	path := filepath.Join(t.TempDir(), "qlik-test.conf")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func absPKI(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", "pki", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func connContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// checkAppsListed lists the apps of srv with c and checks that the request
// reached the server with the connection's header.
func checkAppsListed(t *testing.T, srv *testserver.Server, c *qrs.Client, wantUser string) {
	t.Helper()
	apps, err := c.ListApps(connContext(t), nil)
	if err != nil {
		t.Fatalf("ListApps: %v", err)
	}
	if len(apps) == 0 {
		t.Fatal("ListApps listed no apps")
	}
	n := 0
	for _, r := range srv.Requests() {
		if r.Path != "/qrs/app/full" {
			continue
		}
		n++
		if got := r.Header.Get("hdr-usr"); got != wantUser {
			t.Errorf("request header hdr-usr = %q, want %q", got, wantUser)
		}
		if r.User != wantUser {
			t.Errorf("server authenticated %q, want %q", r.User, wantUser)
		}
	}
	if n == 0 {
		t.Error("the server got no request for /qrs/app/full")
	}
}

// TestConnectionNewClient lists apps from the test server with a
// connection file for each kind of truststore.
func TestConnectionNewClient(t *testing.T) {
	t.Setenv("QRS_CONN_TEST_STOREPASS", "changeit")
	tests := []struct {
		name, tls string
	}{
		{"keytool PKCS12", fmt.Sprintf("tls.truststore {\n  path = %q\n  password = ${QRS_CONN_TEST_STOREPASS}\n}", absPKI(t, "truststore-keytool.p12"))},
		{"openssl PKCS12 .pfx", fmt.Sprintf("tls.truststore.path = %q\ntls.truststore.password = \"s3cret-store\"", absPKI(t, "truststore-openssl-3des.pfx"))},
		{"JKS", fmt.Sprintf("tls.truststore.path = %q\ntls.truststore.password = ${QRS_CONN_TEST_STOREPASS}", absPKI(t, "truststore-keytool.jks"))},
		{"PEM bundle", fmt.Sprintf("tls.truststore.path = %q", absPKI(t, "truststore-bundle.pem"))},
		{"DER .cer", fmt.Sprintf("tls.truststore.path = %q", absPKI(t, "truststore-ca-der.cer"))},
		{"PKCS12 named .jks, type given", fmt.Sprintf("tls.truststore {\n  path = %q\n  password = ${QRS_CONN_TEST_STOREPASS}\n  type = pkcs12\n}", absPKI(t, "truststore-pkcs12-named.jks"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startConnSite(t)
			path := writeConnFile(t, srv.URL(), tt.tls)
			conn, err := qrs.LoadConnection(path)
			if err != nil {
				t.Fatalf("LoadConnection: %v", err)
			}
			c, err := conn.NewClient(qrs.WithProxy(""), qrs.WithRetries(0))
			if err != nil {
				t.Fatalf("NewClient: %v", err)
			}
			checkAppsListed(t, srv, c, connSiteUser)
		})
	}
}

// TestConnectionNewClientRelativeTrustStore reads the testdata connection
// file whose truststore path is relative to it.
func TestConnectionNewClientRelativeTrustStore(t *testing.T) {
	srv := startConnSite(t)
	t.Setenv("QRS_TEST_URL", srv.URL())
	t.Setenv("QRS_TEST_USER", connSiteUser)
	t.Setenv("QRS_TEST_TRUSTSTORE_PASSWORD", "changeit")
	conn, err := qrs.LoadConnection(filepath.Join("testdata", "connections", "test-site.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join("testdata", "pki", "truststore-keytool.p12"); conn.TrustStorePath != want {
		t.Errorf("TrustStorePath = %q, want %q", conn.TrustStorePath, want)
	}
	c, err := conn.NewClient(qrs.WithProxy(""), qrs.WithRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	checkAppsListed(t, srv, c, connSiteUser)

	// The code reaches the keys.
	for v, err := range c.Visualizations(connContext(t), nil) {
		if err != nil {
			t.Fatal(err)
		}
		if v.Key.Code != "qrs-test" {
			t.Errorf("key %v: code %q, want qrs-test", v.Key, v.Key.Code)
		}
		break
	}
}

// TestConnectionNewClientOptionsWin checks that the caller's options come
// after the connection's.
func TestConnectionNewClientOptionsWin(t *testing.T) {
	srv := startConnSite(t)
	conn, err := qrs.LoadConnection(writeConnFile(t, srv.URL(), fmt.Sprintf("tls.truststore.path = %q", absPKI(t, "ca.pem"))))
	if err != nil {
		t.Fatal(err)
	}
	const other = `QTSEL\someone-else`
	c, err := conn.NewClient(qrs.WithProxy(""), qrs.WithHeaderAuth("hdr-usr", other))
	if err != nil {
		t.Fatal(err)
	}
	checkAppsListed(t, srv, c, other)
}

// TestConnectionNewClientTrust checks the failures and the bypass of
// certificate validation.
func TestConnectionNewClientTrust(t *testing.T) {
	srv := startConnSite(t)

	t.Run("other CA", func(t *testing.T) {
		conn, err := qrs.LoadConnection(writeConnFile(t, srv.URL(), fmt.Sprintf("tls.truststore.path = %q\ntls.truststore.password = changeit", absPKI(t, "truststore-other-ca.p12"))))
		if err != nil {
			t.Fatal(err)
		}
		c, err := conn.NewClient(qrs.WithProxy(""), qrs.WithRetries(0))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.ListApps(connContext(t), nil)
		if err == nil || !strings.Contains(err.Error(), "signed by an unknown authority") {
			t.Errorf("ListApps: got %v, want an unknown authority error", err)
		}
	})

	t.Run("bypass", func(t *testing.T) {
		conn, err := qrs.LoadConnection(writeConnFile(t, srv.URL(), "tls.bypass_certificate_validation = true"))
		if err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		c, err := conn.NewClient(qrs.WithProxy(""), qrs.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
		if err != nil {
			t.Fatal(err)
		}
		checkAppsListed(t, srv, c, connSiteUser)
		if !strings.Contains(logs.String(), "certificate verification is off") {
			t.Errorf("no warning logged: %q", logs.String())
		}
		checkNoConnSecret(t, "the log", logs.String())
	})

	t.Run("without truststore", func(t *testing.T) {
		conn, err := qrs.LoadConnection(writeConnFile(t, srv.URL(), ""))
		if err != nil {
			t.Fatal(err)
		}
		c, err := conn.NewClient(qrs.WithProxy(""), qrs.WithRetries(0))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.ListApps(connContext(t), nil); err == nil {
			t.Error("ListApps trusted the test CA without a truststore")
		}
	})

	t.Run("wrong password", func(t *testing.T) {
		t.Setenv("QRS_CONN_TEST_STOREPASS", connTSPass)
		path := writeConnFile(t, srv.URL(), fmt.Sprintf("tls.truststore.path = %q\ntls.truststore.password = ${QRS_CONN_TEST_STOREPASS}", absPKI(t, "truststore-keytool.jks")))
		conn, err := qrs.LoadConnection(path)
		if err != nil {
			t.Fatal(err)
		}
		_, err = conn.NewClient()
		if err == nil {
			t.Fatal("NewClient accepted a wrong truststore password")
		}
		want := "qrs: connection " + path + ": truststore " + absPKI(t, "truststore-keytool.jks") + ": wrong password"
		if !strings.HasPrefix(err.Error(), want) {
			t.Errorf("got %q, want %q...", err, want)
		}
		checkNoConnSecret(t, "the error", err.Error())
	})

	t.Run("missing truststore", func(t *testing.T) {
		path := writeConnFile(t, srv.URL(), "tls.truststore.path = qlik.p12\ntls.truststore.password = ${?QRS_CONN_TEST_STOREPASS}")
		conn, err := qrs.LoadConnection(path)
		if err != nil {
			t.Fatal(err)
		}
		_, err = conn.NewClient()
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("got %v, want an error matching fs.ErrNotExist", err)
		}
		store := filepath.Join(filepath.Dir(path), "qlik.p12")
		if want := "qrs: connection " + path + ": truststore " + store + ": no such file or directory"; err.Error() != want {
			t.Errorf("got %q, want %q", err, want)
		}
	})
}

// TestConnectionNewClientInvalid checks a Connection built in code: its
// problems are reported by NewClient, naming the connection, without
// secrets.
func TestConnectionNewClientInvalid(t *testing.T) {
	ok := qrs.Connection{Path: "code.conf", Code: "c", URL: "https://qlik.example.com/hdr"}
	tests := []struct {
		name string
		edit func(c *qrs.Connection)
		want string
	}{
		{"no URL", func(c *qrs.Connection) { c.URL = "" }, "base URL \"\": the scheme must be https"},
		{"auth key without value", func(c *qrs.Connection) { c.AuthKey = "hdr-usr" }, "WithHeaderAuth: the value of header hdr-usr is empty"},
		{"auth value without key", func(c *qrs.Connection) { c.AuthValue = qrs.NewSecret(connHdrUser) }, `WithHeaderAuth: "" is not a valid header name`},
		{"auth value with LF", func(c *qrs.Connection) { c.AuthKey, c.AuthValue = "hdr-usr", qrs.NewSecret(connHdrUser+"\n") }, "US-ASCII only"},
		{"truststore password without path", func(c *qrs.Connection) { c.TrustStorePassword = qrs.NewSecret(connTSPass) }, "a truststore password or type without a truststore path"},
		{"truststore type unknown", func(c *qrs.Connection) { c.TrustStorePath, c.TrustStoreType = "x.p12", "PKCS7" }, `unknown truststore type "PKCS7"`},
		{"proxy port without host", func(c *qrs.Connection) { c.ProxyPort = 3128 }, "proxy settings without a proxy host"},
		{"proxy password without host", func(c *qrs.Connection) { c.ProxyPassword = qrs.NewSecret(connProxyPass) }, "proxy settings without a proxy host"},
		{"proxy host without port", func(c *qrs.Connection) { c.ProxyHost = "proxy.corp.local" }, "proxy port 0: must be a number from 1 to 65535"},
		{"proxy password without user", func(c *qrs.Connection) {
			c.ProxyHost, c.ProxyPort, c.ProxyPassword = "proxy.corp.local", 3128, qrs.NewSecret(connProxyPass)
		}, "a proxy password without a proxy user name"},
		{"proxy scheme unknown", func(c *qrs.Connection) {
			c.ProxyScheme, c.ProxyHost, c.ProxyPort, c.ProxyUsername, c.ProxyPassword = "ftp", "proxy.corp.local", 21, "u", qrs.NewSecret(connProxyPass)
		}, `proxy scheme "ftp" is not supported`},
		{"code with spaces", func(c *qrs.Connection) { c.Code = "c " }, `WithConnectionCode: code "c " has leading or trailing spaces`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn := ok
			tt.edit(&conn)
			_, err := conn.NewClient()
			if err == nil {
				t.Fatalf("NewClient accepted %#v", conn)
			}
			if !strings.HasPrefix(err.Error(), "qrs: connection code.conf: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, want qrs: connection code.conf: ...%s...", err, tt.want)
			}
			checkNoConnSecret(t, "the error", err.Error())
		})
	}
	if _, err := ok.NewClient(); err != nil {
		t.Errorf("the valid connection: %v", err)
	}
	var nilConn *qrs.Connection
	if _, err := nilConn.NewClient(); err == nil {
		t.Error("a nil *Connection made a Client")
	}
}

// TestConnectionProxy lists apps through real proxies (squid, microsocks)
// named by the proxy block of a connection file, with a login.
func TestConnectionProxy(t *testing.T) {
	const user = "catalog"
	for _, tt := range []struct {
		scheme string
		start  func(t *testing.T) *proxytest.Proxy
	}{
		{"http", func(t *testing.T) *proxytest.Proxy { return proxytest.StartHTTP(t, user, connProxyPass) }},
		{"socks5", func(t *testing.T) *proxytest.Proxy { return proxytest.StartSOCKS5(t, user, connProxyPass) }},
	} {
		t.Run(tt.scheme, func(t *testing.T) {
			t.Setenv("QRS_CONN_TEST_PROXY_PASSWORD", connProxyPass)
			p := tt.start(t)
			pu, err := url.Parse(p.URL)
			if err != nil {
				t.Fatal(err)
			}
			srv := startConnSite(t)
			path := writeConnFile(t, srv.URL(), fmt.Sprintf(`tls.truststore.path = %q
proxy {
  scheme = %s
  hostname = %s
  port = %s
  username = %s
  password = ${QRS_CONN_TEST_PROXY_PASSWORD}
}`, absPKI(t, "ca.pem"), tt.scheme, pu.Hostname(), pu.Port(), user))
			conn, err := qrs.LoadConnection(path)
			if err != nil {
				t.Fatal(err)
			}
			c, err := conn.NewClient(qrs.WithRetries(0))
			if err != nil {
				t.Fatal(err)
			}
			checkAppsListed(t, srv, c, connSiteUser)
			target := strings.TrimPrefix(srv.URL(), "https://")
			target = target[:strings.IndexByte(target, '/')]
			if !p.Tunnelled(target) {
				t.Errorf("the proxy did not connect to %s:\n%s", target, p.Log())
			}
			if p.Contains(connSiteUser) {
				t.Error("the proxy saw the authentication header's value")
			}
			checkNoConnSecret(t, "Client.String", c.String())
		})
	}
}

// FuzzParseConnection checks that no input panics or takes long, that
// every error starts with "qrs: " and holds no value of the environment
// that the input does not hold itself, and that an accepted Connection
// makes a Client.
func FuzzParseConnection(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "connections", "*.conf"))
	for _, name := range append(files, "connection.conf.template") {
		src, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	for _, tt := range connErrorCases {
		f.Add([]byte(tt.src))
	}
	env := map[string]string{
		"HDR_USER": connEnvUser, "TS_PASS": connTSPass, "PX_PASS": connProxyPass,
		"PROXY_PASSWORD": connProxyPass, "QLIK_TRUSTSTORE_PASSWORD": connTSPass, "QLIK_HEADER_USER": connEnvUser,
		"QRS_TEST_URL": "https://127.0.0.1:8443/hdr", "QRS_TEST_USER": connEnvUser, "QRS_TEST_TRUSTSTORE_PASSWORD": connTSPass,
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		start := time.Now()
		c, err := qrs.ParseConnection("fuzz.conf", src, connEnv(env))
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("ParseConnection took %v for %d bytes", d, len(src))
		}
		if err != nil {
			if c != nil {
				t.Fatalf("ParseConnection returned a Connection with the error %v", err)
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "qrs: ") {
					t.Fatalf("error line %q does not start with qrs: ", line)
				}
			}
			for _, secret := range []string{connEnvUser, connTSPass, connProxyPass} {
				if strings.Contains(err.Error(), secret) && !bytes.Contains(src, []byte(secret)) {
					t.Fatalf("error holds the secret %q:\n%v", secret, err)
				}
			}
			return
		}
		if c.Code == "" || c.ConnectorID != qrs.ConnectorID {
			t.Fatalf("accepted a connection with code %q and connector %q", c.Code, c.ConnectorID)
		}
		if _, err := qrs.NewClient(c.URL, qrs.WithConnectionCode(c.Code)); err != nil {
			t.Fatalf("accepted URL %q or code %q that NewClient refuses: %v", c.URL, c.Code, err)
		}
		// Everything but the truststore (which would be read) must make
		// a Client as it is.
		noStore := *c
		noStore.TrustStorePath, noStore.TrustStorePassword, noStore.TrustStoreType = "", qrs.Secret{}, qrs.StoreAuto
		if _, err := noStore.NewClient(); err != nil {
			t.Fatalf("accepted a connection that NewClient refuses: %v\n%#v", err, c)
		}
	})
}
