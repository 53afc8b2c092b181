package cli

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"time"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/ntlmtest"
	"github.com/qrskit/qrs/internal/testserver"
)

// DemoAuthModes are the authentication modes the demo site can be started
// in (-demo-auth).
var DemoAuthModes = []string{"header", "jwt", "windows", "session", "certificate"}

// demoPassword is the demo user's Windows password: the demo's own
// verifier knows it, and nothing else does.
const demoPassword = "demo-catalog-pass"

// demoSource is the built-in demo site, served by the test server on
// 127.0.0.1 for as long as the Client is used, in one of DemoAuthModes.
type demoSource struct {
	prog   string
	code   string
	auth   string
	notice io.Writer
}

func (s *demoSource) String() string { return "the built-in demo site" }

// demoSite is a running demo site: its server, the options of a Client
// that authenticates to it, and what stops it.
type demoSite struct {
	srv   *testserver.Server
	opts  []qrs.Option
	close func()
}

func (s *demoSource) Open(opts ...qrs.Option) (*qrs.Client, func(), error) {
	d, err := startDemo(s.auth)
	if err != nil {
		return nil, nil, fmt.Errorf("starting the demo site (-demo-auth %s): %w", s.auth, err)
	}
	own := append([]qrs.Option{qrs.WithRootCAs(d.srv.CACertPool()), qrs.WithConnectionCode(s.code)}, d.opts...)
	client, err := qrs.NewClient(d.srv.URL(), append(own, opts...)...)
	if err != nil {
		d.close()
		return nil, nil, err
	}
	if s.notice != nil {
		how := ""
		if s.auth != "header" {
			how = " with " + s.auth + " authentication"
		}
		fmt.Fprintf(s.notice, "%s: no -url given: reading the built-in demo site at %s as %s%s (see -help)\n", s.prog, d.srv.URL(), DemoUser, how)
	}
	return client, d.close, nil
}

// startDemo starts the demo site in the mode auth, with the demo user.
func startDemo(auth string) (*demoSite, error) {
	cfg := testserver.Config{Prefix: DemoPrefix, Site: testserver.DemoSite(), Users: []string{DemoUser}}
	dir, id, _ := strings.Cut(DemoUser, `\`)
	d := &demoSite{close: func() {}}
	switch auth {
	case "header", "session":
		cfg.Header = DemoHeader
	case "jwt":
		// A key made now, whose certificate the demo's JWT proxy holds.
		key, certPEM, err := demoSigner()
		if err != nil {
			return nil, err
		}
		cfg.JWT = &testserver.JWTAuth{Certificate: certPEM, UserIDClaim: "userId", DirectoryClaim: "userDirectory"}
		d.opts = []qrs.Option{qrs.WithJWTSigner(key, qrs.JWTClaims{UserIDClaim: "userId", UserID: id, DirectoryClaim: "userDirectory", Directory: dir})}
	case "windows":
		// A real NTLM verifier, as the tests use: apache2 with
		// mod_auth_gssapi and gss-ntlmssp.
		v, err := ntlmtest.Launch(ntlmtest.User{Domain: dir, Name: id, Password: demoPassword})
		if me, ok := errors.AsType[*ntlmtest.MissingError](err); ok {
			return nil, fmt.Errorf("Windows authentication needs a real NTLM verifier, apache2 with mod_auth_gssapi and gss-ntlmssp: %s (or run .ci/install-deps)", me)
		}
		if err != nil {
			return nil, err
		}
		d.close = func() { v.Close() }
		cfg.Prefix = "" // the default virtual proxy, as on real sites
		cfg.Windows = &testserver.WindowsAuth{Verifier: v.URL}
		d.opts = []qrs.Option{qrs.WithWindowsAuth(DemoUser, demoPassword)}
	case "certificate":
		cfg.Prefix = "" // the repository, as on port 4242
		cfg.ClientCert = true
	default:
		return nil, fmt.Errorf("unknown mode %q", auth)
	}
	srv, err := testserver.Start(cfg)
	if err != nil {
		d.close()
		return nil, err
	}
	d.srv = srv
	stop := d.close
	d.close = func() { srv.Close(); stop() }
	switch auth {
	case "header":
		d.opts = []qrs.Option{qrs.WithHeaderAuth(DemoHeader, DemoUser)}
	case "session":
		// A session opened as a person's browser would have.
		name, value, err := srv.NewSession(DemoUser)
		if err != nil {
			d.close()
			return nil, err
		}
		d.opts = []qrs.Option{qrs.WithSessionCookie(name, value)}
	case "certificate":
		cert, err := srv.IssueClientCertificate("qrs demo catalog")
		if err != nil {
			d.close()
			return nil, err
		}
		d.opts = []qrs.Option{qrs.WithClientCertificate(cert), qrs.WithUser(dir, id)}
	}
	return d, nil
}

// demoSigner makes an RSA key and its self-signed certificate, as an
// administrator would with openssl for a JWT virtual proxy.
func demoSigner() (*rsa.PrivateKey, []byte, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "qrs demo JWT signer"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	return key, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}
