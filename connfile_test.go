package qrs_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/hocon"
)

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
		keys = append(keys, strings.Join(l.Keys, "."))
	}
	wantKeys := []string{
		"name", "code", "connector_id", "enabled",
		"connection.url", "connection.auth.key", "connection.auth.value",
		"tls.truststore.path", "tls.truststore.type", "tls.bypass_certificate_validation",
		"proxy.scheme", "proxy.hostname", "proxy.port", "proxy.username", "proxy.password",
		"filter.streams.include", "filter.streams.exclude", "filter.apps.include", "filter.apps.exclude",
		"filter.tags.include", "filter.tags.exclude", "filter.published_only",
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
		`qrs: bad.conf:3:18: connection.url: must start with https:// (or http://), as in https://qlik.example.com/prefix`},
	{"url without scheme", strings.Replace(connBase, "https://qlik.example.com/hdr", "qlik.example.com/hdr", 1),
		`qrs: bad.conf:3:18: connection.url: must start with https:// (or http://), as in https://qlik.example.com/prefix`},
	{"url without host", strings.Replace(connBase, "https://qlik.example.com/hdr", "https:///hdr", 1),
		`qrs: bad.conf:3:18: connection.url: has no host`},
	{"url with credentials", strings.Replace(connBase, "https://qlik.example.com/hdr", "ftp://svc:"+connURLPass+"@qlik.example.com/hdr", 1),
		`qrs: bad.conf:3:18: connection.url: credentials in the URL are not supported: use connection.auth.key and connection.auth.value`},
	{"url ending in /qrs", strings.Replace(connBase, "https://qlik.example.com/hdr", "https://qlik.example.com/hdr/qrs", 1),
		`qrs: bad.conf:3:18: connection.url: ends in /qrs: give the site's address without it (https://host[:port][/prefix])`},
	{"url with a bad port", strings.Replace(connBase, "https://qlik.example.com/hdr", "https://qlik.example.com:0/hdr", 1),
		`qrs: bad.conf:3:18: connection.url: has a port that is not a number from 1 to 65535`},
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
		`qrs: bad.conf:3:18: connection.url: cannot be parsed: invalid port after host`},
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
			checkNoSecret(t, "the error", err.Error(), connSecrets...)
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
	checkNoSecret(t, "the error", err.Error(), connSecrets...)
}

// TestParseConnectionBoundedErrors reads files made to give huge errors:
// many unknown keys, and names of hundreds of kilobytes. The error lists
// at most 20 problems, then counts the others, and cuts long names short.
func TestParseConnectionBoundedErrors(t *testing.T) {
	// unknownKeys returns connBase with n unknown keys, and the lines of
	// the error that lists the first 20.
	unknownKeys := func(n int) (src string, lines []string) {
		var b strings.Builder
		b.WriteString(connBase)
		for i := range n {
			fmt.Fprintf(&b, "colour%d = blue\n", i)
			if i < 20 {
				lines = append(lines, fmt.Sprintf("qrs: bad.conf:%d:1: unknown key colour%d", 6+i, i))
			}
		}
		return b.String(), lines
	}
	many, manyLines := unknownKeys(50000)
	some, someLines := unknownKeys(21)
	long := strings.Repeat("k", 300<<10)
	for _, tc := range []struct {
		name, src string
		want      []string // the lines of the error
	}{
		{"many unknown keys", many, append(manyLines, "qrs: bad.conf: ... and 49980 more problems")},
		{"21 unknown keys", some, append(someLines, "qrs: bad.conf: ... and 1 more problem")},
		{"a long unknown key", connBase + long + " = 1",
			[]string{"qrs: bad.conf:6:1: unknown key " + long[:80] + "…"}},
		{"a long quoted unknown key", connBase + `"` + long + `\n" = 1`,
			[]string{"qrs: bad.conf:6:1: unknown key \"" + long[:79] + "…"}},
		{"a long key without a value", connBase + long,
			[]string{"qrs: bad.conf:6:1: expected '=', ':' or '{' after key " + long[:80] + "…"}},
		{"a long variable", connBase + "name = ${" + long + "}",
			[]string{"qrs: bad.conf:6:8: ${" + long[:78] + "…: environment variable " + long[:80] + "… is not set, and no key " + long[:80] + "… is defined above"}},
		{"a long connector", "connector_id = " + long,
			[]string{`qrs: bad.conf:1:16: connector_id: the file is a connection of the connector "` + long[:80] + `…", not of "qlik-sense"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := qrs.ParseConnection("bad.conf", []byte(tc.src), nil)
			if err == nil {
				t.Fatal("ParseConnection accepted the file")
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tc.want) {
				t.Fatalf("%d lines of error (%d bytes), want %d:\n%.2000s", len(lines), len(err.Error()), len(tc.want), err)
			}
			for i, line := range lines {
				if line != tc.want[i] {
					t.Errorf("line %d:\n got %.300s\nwant %.300s", i+1, line, tc.want[i])
				}
				if len(line) > 400 {
					t.Errorf("line %d is %d bytes long", i+1, len(line))
				}
			}
		})
	}
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
		checkNoSecret(t, "the error", err.Error(), connSecrets...)
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

// FuzzParseConnection checks that no input panics or takes long, that
// every error starts with "qrs: ", is of at most 21 lines of at most 1000
// bytes (20 problems and their count) and holds no value of the environment
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
		"QRS_TEST_WINDOWS_PASSWORD": connWinPass, "QRS_TEST_CERTIFICATE_PASSWORD": connTSPass,
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
			lines := strings.Split(err.Error(), "\n")
			if len(lines) > 21 {
				t.Fatalf("the error has %d lines, more than 20 problems and their count", len(lines))
			}
			for _, line := range lines {
				if !strings.HasPrefix(line, "qrs: ") {
					t.Fatalf("error line %.300q does not start with qrs: ", line)
				}
				if len(line) > 1000 {
					t.Fatalf("error line of %d bytes: %.300q...", len(line), line)
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
		useTestFiles(&noStore)
		if _, err := noStore.NewClient(); err != nil {
			t.Fatalf("accepted a connection that NewClient refuses: %v\n%#v", err, c)
		}
	})
}
