package qrs_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/testserver"
)

// startRepository starts the test server as the repository on port 4242
// would be: the server certificate and the client CA made by openssl in
// testdata/pki, client certificates required, X-Qlik-User read.
func startRepository(t *testing.T) *testserver.Server {
	t.Helper()
	clientCAs, err := qrs.LoadTrustStore("testdata/pki/root.pem", "", qrs.StoreAuto)
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := startSite(t, testserver.Config{
		ClientCert:  true,
		ClientCAs:   clientCAs,
		Certificate: pkiServerCert(t),
		Users:       []string{`INTERNAL\sa_repository`},
	})
	return srv
}

func TestClientCertificateMode(t *testing.T) {
	srv := startRepository(t)
	pairs := []struct{ name, cert, key, password string }{
		{"PEM pair", "testdata/pki/client.pem", "testdata/pki/client_key.pem", ""},
		{"PKCS#8 key", "testdata/pki/client.pem", "testdata/pki/client_key_pkcs8.pem", ""},
		{"pfx with password", "testdata/pki/client.pfx", "", "s3cret-pfx"},
		{"pfx without password", "testdata/pki/client_nopass.pfx", "", ""},
	}
	for _, p := range pairs {
		t.Run(p.name, func(t *testing.T) {
			cert, err := qrs.LoadClientCertificate(p.cert, p.key, p.password)
			if err != nil {
				t.Fatal(err)
			}
			c, err := qrs.NewClient(srv.URL(),
				qrs.WithClientCertificate(cert),
				qrs.WithUser("INTERNAL", "sa_repository"),
				qrs.WithTrustStore("testdata/pki/truststore-keytool.p12", "changeit", qrs.StoreAuto))
			if err != nil {
				t.Fatal(err)
			}
			apps, err := c.ListApps(t.Context(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(apps) == 0 {
				t.Error("no apps")
			}
			reqs := qrsRequests(srv)
			last := reqs[len(reqs)-1]
			if got, want := last.Header.Get("X-Qlik-User"), "UserDirectory=INTERNAL; UserId=sa_repository"; got != want {
				t.Errorf("X-Qlik-User = %q, want %q", got, want)
			}
			if len(last.Cookies) != 0 || srv.Sessions() != 0 {
				t.Errorf("cookies or sessions on port 4242: %v, %d", last.Cookies, srv.Sessions())
			}
		})
	}
}

func TestClientCertificateModeFailures(t *testing.T) {
	srv := startRepository(t)
	trust := qrs.WithTrustStore("testdata/pki/truststore-bundle.pem", "", qrs.StoreAuto)
	cert, err := qrs.LoadClientCertificate("testdata/pki/client.pem", "testdata/pki/client_key.pem", "")
	if err != nil {
		t.Fatal(err)
	}
	// No certificate: the handshake fails, and the error says what to bring.
	c, err := qrs.NewClient(srv.URL(), trust, qrs.WithUser("INTERNAL", "sa_repository"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListApps(t.Context(), nil)
	if err == nil || !strings.Contains(err.Error(), "client certificate") {
		t.Errorf("without a certificate: err = %v", err)
	}
	// A user the repository does not know.
	c, err = qrs.NewClient(srv.URL(), trust, qrs.WithClientCertificate(cert), qrs.WithUser("INTERNAL", "nobody"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err = c.ListApps(t.Context(), nil); !errors.Is(err, qrs.ErrUnauthenticated) {
		t.Errorf("unknown user: err = %v, want ErrUnauthenticated", err)
	}
	// The user directory and id are URL-encoded.
	c, err = qrs.NewClient(srv.URL(), trust, qrs.WithClientCertificate(cert), qrs.WithUser("INTERNAL", "sa repository;x=1"))
	if err != nil {
		t.Fatal(err)
	}
	c.ListApps(t.Context(), nil)
	reqs := qrsRequests(srv)
	if got := reqs[len(reqs)-1].Header.Get("X-Qlik-User"); got != "UserDirectory=INTERNAL; UserId=sa%20repository%3Bx%3D1" {
		t.Errorf("X-Qlik-User = %q", got)
	}
}

// A client certificate goes with the TLS handshake whatever the mode: a
// gateway before a header-authentication proxy may ask for one, as it
// always could. X-Qlik-User (WithUser) is a mode of its own.
func TestHeaderAuthWithClientCertificate(t *testing.T) {
	cert, err := qrs.LoadClientCertificate("testdata/pki/client.pem", "testdata/pki/client_key.pem", "")
	if err != nil {
		t.Fatal(err)
	}
	srv, c := startSite(t, testserver.Config{}, qrs.WithClientCertificate(cert))
	if _, err := c.ListApps(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	if r := srv.Requests()[0]; r.Header.Get(authHeader) != authUser {
		t.Errorf("the header authentication was not sent: %v", r.Header)
	}
	if _, err := qrs.NewClient(srv.URL(), qrs.WithHeaderAuth(authHeader, authUser), qrs.WithUser("INTERNAL", "sa_repository")); err == nil {
		t.Error("header authentication and X-Qlik-User were both taken")
	}
}
