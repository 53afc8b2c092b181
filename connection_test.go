package qrs_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/qrskit/qrs"
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

	AuthType                                                    qrs.AuthType
	UserDirectory, UserID                                       string
	JWTKeyPath, JWTAlgorithm, JWTUserIDClaim, JWTDirectoryClaim string
	JWTAudience                                                 string
	JWTLifetime                                                 time.Duration
	WindowsUser, WindowsPassword, WindowsUserAgent              string
	CertificatePath, CertificateKeyPath, CertificatePassword    string
	Scope                                                       string // the Scope as %+v prints it, "" for the whole site
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
		AuthType: c.AuthType, UserDirectory: c.UserDirectory, UserID: c.UserID,
		JWTKeyPath: c.JWTKeyPath, JWTAlgorithm: c.JWTAlgorithm, JWTUserIDClaim: c.JWTUserIDClaim, JWTDirectoryClaim: c.JWTDirectoryClaim,
		JWTAudience: c.JWTAudience, JWTLifetime: c.JWTLifetime,
		WindowsUser: c.WindowsUser, WindowsPassword: c.WindowsPassword.Reveal(), WindowsUserAgent: c.WindowsUserAgent,
		CertificatePath: c.CertificatePath, CertificateKeyPath: c.CertificateKeyPath, CertificatePassword: c.CertificatePassword.Reveal(),
		Scope: scopeView(c.Scope),
	}
}

func scopeView(s qrs.Scope) string {
	if s.IsZero() {
		return ""
	}
	return fmt.Sprintf("%+v", s)
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
		checkNoSecret(t, name, out, connSecrets...)
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
