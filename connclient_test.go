package qrs_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/proxytest"
	"github.com/qrskit/qrs/internal/testserver"
)

// connSiteUser is the header value of the end-to-end tests.
const connSiteUser = `QTSEL\zq-hdr-4471`

// startConnSite starts the test server with header authentication behind
// the prefix hdr and the testdata server certificate, for 127.0.0.1.
func startConnSite(t *testing.T) *testserver.Server {
	t.Helper()
	srv, _ := startSite(t, testserver.Config{Site: testserver.DemoSite(), Certificate: pkiServerCert(t)})
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

// checkAppsListed lists the apps of srv with c and checks that the request
// reached the server with the connection's header.
func checkAppsListed(t *testing.T, srv *testserver.Server, c *qrs.Client, wantUser string) {
	t.Helper()
	apps, err := c.ListApps(testContext(t), nil)
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
	for v, err := range c.Visualizations(testContext(t), nil) {
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
		_, err = c.ListApps(testContext(t), nil)
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
		checkNoSecret(t, "the log", logs.String(), connSecrets...)
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
		if _, err := c.ListApps(testContext(t), nil); err == nil {
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
		checkNoSecret(t, "the error", err.Error(), connSecrets...)
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
		{"no URL", func(c *qrs.Connection) { c.URL = "" }, "base URL \"\" must start with https://"},
		{"auth key without value", func(c *qrs.Connection) { c.AuthKey = "hdr-usr" }, "WithHeaderAuth: the value of header hdr-usr is empty"},
		{"auth value without key", func(c *qrs.Connection) { c.AuthValue = qrs.NewSecret(connHdrUser) }, `WithHeaderAuth: "" is not a valid header name`},
		{"auth value with LF", func(c *qrs.Connection) { c.AuthKey, c.AuthValue = "hdr-usr", qrs.NewSecret(connHdrUser+"\n") }, "US-ASCII only"},
		{"truststore password without path", func(c *qrs.Connection) { c.TrustStorePassword = qrs.NewSecret(connTSPass) }, "a truststore password or type without a truststore path"},
		{"truststore type unknown", func(c *qrs.Connection) { c.TrustStorePath, c.TrustStoreType = "x.p12", "PKCS7" }, `unknown truststore type "PKCS7"`},
		{"proxy port without host", func(c *qrs.Connection) { c.ProxyPort = 3128 }, "proxy settings without a proxy host"},
		{"proxy password without host", func(c *qrs.Connection) { c.ProxyPassword = qrs.NewSecret(connProxyPass) }, "proxy settings without a proxy host"},
		{"proxy host without port", func(c *qrs.Connection) { c.ProxyHost = "proxy.corp.local" }, "proxy port 0 must be a number from 1 to 65535"},
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
			checkNoSecret(t, "the error", err.Error(), connSecrets...)
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
			checkNoSecret(t, "Client.String", c.String(), connSecrets...)
		})
	}
}
