package qrs

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qrskit/qrs/internal/keystore"
)

// handshake runs a real TLS handshake in memory: a server that requires a
// client certificate signed by the test CA, and a client that trusts the
// test CA through a truststore and presents cert. It returns the common
// name of the certificate the server saw.
func handshake(t *testing.T, cert tls.Certificate) (string, error) {
	t.Helper()
	serverCert, err := LoadClientCertificate(pki("server.pem"), pki("server.key"), "")
	if err != nil {
		t.Fatalf("server certificate: %v", err)
	}
	clientCAs, err := LoadTrustStore(pki("root.pem"), "", StoreAuto)
	if err != nil {
		t.Fatal(err)
	}
	roots, err := LoadTrustStore(pki("truststore-keytool.p12"), passKeytool, StoreAuto)
	if err != nil {
		t.Fatal(err)
	}
	c1, c2 := net.Pipe()
	defer c1.Close()
	defer c2.Close()
	deadline := time.Now().Add(10 * time.Second)
	c1.SetDeadline(deadline)
	c2.SetDeadline(deadline)
	server := tls.Server(c1, &tls.Config{
		Certificates: []tls.Certificate{serverCert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    clientCAs,
		MinVersion:   tls.VersionTLS12,
	})
	client := tls.Client(c2, &tls.Config{
		Certificates: []tls.Certificate{cert},
		RootCAs:      roots,
		ServerName:   "localhost",
		MinVersion:   tls.VersionTLS12,
	})
	serverErr := make(chan error, 1)
	go func() {
		err := server.Handshake()
		c1.Close() // unblock the client if the server gave up
		serverErr <- err
	}()
	clientErr := client.Handshake()
	if err := <-serverErr; err != nil {
		return "", err
	}
	if clientErr != nil {
		return "", clientErr
	}
	peers := server.ConnectionState().PeerCertificates
	if len(peers) == 0 {
		return "", errors.New("server saw no client certificate")
	}
	return peers[0].Subject.CommonName, nil
}

func TestLoadClientCertificate(t *testing.T) {
	tests := []struct {
		name      string
		path      string
		keyPath   string
		password  string
		wantCN    string
		wantChain int // certificates in cert.Certificate
	}{
		{"Qlik client.pem + PKCS#1 client_key.pem", "client.pem", "client_key.pem", "", clientCAName, 1},
		{"PKCS#8 key", "client.pem", "client_key_pkcs8.pem", "", clientCAName, 1},
		{"EC key", "client_ec.pem", "client_ec_key.pem", "", "qrs test client ec", 1},
		{"password ignored for PEM", "client.pem", "client_key.pem", passWrong, clientCAName, 1},
		{"cert and key in one PEM", "client_combined.pem", "", "", clientCAName, 1},
		{"client.pfx with password", "client.pfx", "", passPFX, clientCAName, 2},
		{"legacy client.pfx", "client_legacy.pfx", "", passPFX, clientCAName, 2},
		{"client.pfx with empty password", "client_nopass.pfx", "", "", clientCAName, 2},
		{"client.pfx without MAC or encryption", "client_nomac.pfx", "", "", clientCAName, 2},
		{"keytool PKCS12 key store", "keystore-keytool.p12", "", passKeytool, clientCAName, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keyPath := ""
			if tt.keyPath != "" {
				keyPath = pki(tt.keyPath)
			}
			cert, err := LoadClientCertificate(pki(tt.path), keyPath, tt.password)
			if err != nil {
				t.Fatalf("LoadClientCertificate: %v", err)
			}
			if cert.Leaf == nil || cert.Leaf.Subject.CommonName != tt.wantCN {
				t.Fatalf("leaf %v, want CN %q", cert.Leaf, tt.wantCN)
			}
			if got := len(cert.Certificate); got != tt.wantChain {
				t.Errorf("%d certificates in the chain, want %d", got, tt.wantChain)
			}
			if string(cert.Certificate[0]) != string(cert.Leaf.Raw) {
				t.Errorf("the first certificate of the chain is not the leaf")
			}
			cn, err := handshake(t, cert)
			if err != nil {
				t.Fatalf("TLS handshake with the loaded certificate: %v", err)
			}
			if cn != tt.wantCN {
				t.Errorf("server saw client %q, want %q", cn, tt.wantCN)
			}
		})
	}
}

func TestLoadClientCertificateErrors(t *testing.T) {
	dir := t.TempDir()
	bogus := filepath.Join(dir, "cert.txt")
	if err := os.WriteFile(bogus, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		path     string
		keyPath  string
		password string
		is       error
		want     []string
	}{
		{"certificate without key", pki("client.pem"), "", "", nil, []string{"certificate and key must be provided together"}},
		{"key without certificate", "", pki("client_key.pem"), "", nil, []string{"certificate and key must be provided together"}},
		{"nothing", "", "", "", nil, []string{"no certificate file"}},
		{"key of another certificate", pki("client.pem"), pki("server.key"), "", nil, []string{"does not match", clientCAName}},
		{"encrypted PKCS#8 key", pki("client.pem"), pki("client_key_encrypted.pem"), passPFX, nil, []string{"encrypted", "not supported", "openssl pkey"}},
		{"encrypted legacy PEM key", pki("client.pem"), pki("client_key_encrypted_legacy.pem"), passPFX, nil, []string{"encrypted", "not supported"}},
		{"wrong pfx password", pki("client.pfx"), "", passWrong, keystore.ErrWrongPassword, []string{"wrong password"}},
		{"missing pfx password", pki("client.pfx"), "", "", keystore.ErrWrongPassword, []string{"none was given"}},
		{"wrong legacy pfx password", pki("client_legacy.pfx"), "", passWrong, keystore.ErrWrongPassword, []string{"wrong password"}},
		{"pfx with a key file", pki("client.pfx"), pki("client_key.pem"), passPFX, nil, []string{"holds its own key"}},
		{"truststore as pfx", pki("truststore-openssl.p12"), "", passOpenSSL, nil, []string{"no private key"}},
		{"missing certificate file", pki("no-such-client.pem"), pki("client_key.pem"), "", fs.ErrNotExist, []string{"no-such-client.pem"}},
		{"missing key file", pki("client.pem"), pki("no-such-key.pem"), "", fs.ErrNotExist, []string{"key file", "no-such-key.pem"}},
		{"missing pfx", pki("no-such-client.pfx"), "", passPFX, fs.ErrNotExist, nil},
		{"key file without key", pki("client.pem"), pki("ca.pem"), "", nil, []string{"no PEM private key"}},
		{"JKS", pki("keystore-keytool.jks"), "", passKeytool, nil, []string{"JKS", "PKCS12"}},
		{"empty file", pki("bad-empty.pem"), pki("client_key.pem"), "", nil, []string{"empty"}},
		{"garbage", bogus, pki("client_key.pem"), "", nil, []string{"neither a PEM certificate nor a PKCS#12"}},
		{"key only", pki("bad-key-only.pem"), "", "", keystore.ErrNoCertificate, nil},
		{"truncated pfx", pki("bad-truncated.p12"), "", passOpenSSL, nil, []string{"not a valid PKCS#12 file", "data truncated"}},
		{"garbage pfx", pki("bad-garbage.p12"), "", passOpenSSL, nil, []string{"not a valid PKCS#12 file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadClientCertificate(tt.path, tt.keyPath, tt.password)
			if err == nil {
				t.Fatal("LoadClientCertificate succeeded, want an error")
			}
			msg := err.Error()
			t.Log(msg)
			if !strings.HasPrefix(msg, "qrs: client certificate") {
				t.Errorf("error %q lacks the qrs: client certificate prefix", msg)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q is not %v", msg, tt.is)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
			for _, pw := range allTestPasswords {
				if strings.Contains(msg, pw) {
					t.Errorf("error %q contains the password %q", msg, pw)
				}
			}
		})
	}
}

// TestLoadClientCertificateKeyErrors: keys that tls.X509KeyPair refuses
// get an error that says why.
func TestLoadClientCertificateKeyErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, parts ...[]byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, bytes.Join(parts, nil), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	block := func(typ string, der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}) }
	x25519, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	x25519DER, err := x509.MarshalPKCS8PrivateKey(x25519)
	if err != nil {
		t.Fatal(err)
	}
	key, ca := readPKI(t, "client_key.pem"), readPKI(t, "ca.pem")
	for _, tt := range []struct {
		name, cert, key string
		want            []string
	}{
		{"damaged PKCS#1 key", pki("client.pem"), write("damaged.pem", block("RSA PRIVATE KEY", []byte("not a key"))),
			[]string{"key file", "damaged.pem: RSA PRIVATE KEY: "}},
		{"DSA key", pki("client.pem"), write("dsa.pem", block("DSA PRIVATE KEY", []byte("not a key"))),
			[]string{"key file", `PEM block "DSA PRIVATE KEY" is not a supported private key`}},
		{"X25519 key", pki("client.pem"), write("x25519.pem", block("PRIVATE KEY", x25519DER)),
			[]string{"key file", "x25519.pem: private key of type *ecdh.PrivateKey cannot sign"}},
		{"two keys", pki("client.pem"), write("two.pem", key, readPKI(t, "client_key_pkcs8.pem")),
			[]string{"two.pem holds 2 private keys, expected one"}},
		{"key of none of two certificates", write("two-cas.pem", ca, readPKI(t, "other-ca.pem")), pki("client_key.pem"),
			[]string{`the private key matches none of the 2 certificates (the first is "qrs test CA"`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadClientCertificate(tt.cert, tt.key, "")
			if err == nil {
				t.Fatal("LoadClientCertificate succeeded, want an error")
			}
			t.Log(err)
			for _, w := range append(tt.want, "qrs: client certificate "+tt.cert+": ") {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// TestLoadClientCertificateChain: a PEM file with the CA after the client
// certificate, or a byte order mark in front, gives the whole chain.
func TestLoadClientCertificateChain(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "chain.pem")
	data := bytes.Join([][]byte{[]byte("\xEF\xBB\xBF"), readPKI(t, "client.pem"), readPKI(t, "ca.pem")}, nil)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := LoadClientCertificate(path, pki("client_key.pem"), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(cert.Certificate) != 2 || cert.Leaf == nil || cert.Leaf.Subject.CommonName != clientCAName {
		t.Fatalf("%d certificates, leaf %v; want 2, %q", len(cert.Certificate), cert.Leaf, clientCAName)
	}
	if cn, err := handshake(t, cert); err != nil || cn != clientCAName {
		t.Errorf("handshake: client %q, %v; want %q", cn, err, clientCAName)
	}
}

// TestLoadClientCertificateFIFO: a named pipe given as the certificate or
// the key is refused before it is opened for reading, which would wait
// for a writer forever.
func TestLoadClientCertificateFIFO(t *testing.T) {
	const fifo = ": is a named pipe (FIFO), not a regular file"
	pemCert := mkfifo(t, "client.pem")
	pfx := mkfifo(t, "client.pfx")
	key := mkfifo(t, "client_key.pem")
	for _, tt := range []struct{ cert, key, want string }{
		{pemCert, pki("client_key.pem"), pemCert + fifo},
		{pfx, "", pfx + fifo},
		{pki("client.pem"), key, pki("client.pem") + ": key file " + key + fifo},
	} {
		err := returnsSoon(t, "LoadClientCertificate", func() error {
			_, err := LoadClientCertificate(tt.cert, tt.key, passPFX)
			return err
		})
		if want := "qrs: client certificate " + tt.want; err == nil || err.Error() != want {
			t.Errorf("LoadClientCertificate(%s, %s) = %v; want %s", tt.cert, tt.key, err, want)
		}
	}
}

// FuzzLoadClientCertificate writes arbitrary certificate and key files and
// loads them: no panic, and a success is a usable certificate.
func FuzzLoadClientCertificate(f *testing.F) {
	for _, s := range []struct{ cert, key, pw string }{
		{"client.pem", "client_key.pem", ""},
		{"client_ec.pem", "client_ec_key.pem", ""},
		{"client_combined.pem", "", ""},
		{"client.pfx", "", passPFX},
		{"client_legacy.pfx", "", passPFX},
		{"client_nomac.pfx", "", ""},
	} {
		var key []byte
		if s.key != "" {
			key = readPKI(f, s.key)
		}
		f.Add(readPKI(f, s.cert), key, s.pw)
	}
	f.Fuzz(func(t *testing.T, certData, keyData []byte, password string) {
		dir := t.TempDir()
		certPath := filepath.Join(dir, "client.pem")
		keyPath := ""
		if err := os.WriteFile(certPath, certData, 0o600); err != nil {
			t.Fatal(err)
		}
		if keyData != nil {
			keyPath = filepath.Join(dir, "client_key.pem")
			if err := os.WriteFile(keyPath, keyData, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		cert, err := LoadClientCertificate(certPath, keyPath, password)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "qrs: client certificate") {
				t.Errorf("error %q lacks its prefix", err)
			}
			return
		}
		if cert.Leaf == nil || cert.PrivateKey == nil || len(cert.Certificate) == 0 {
			t.Errorf("incomplete certificate: leaf %v, key %T, %d certificates", cert.Leaf, cert.PrivateKey, len(cert.Certificate))
		}
	})
}

// A bundle with the CA before the client's own certificate loads, as it
// always has: the key's certificate becomes the leaf.
func TestLoadClientCertificateCAFirst(t *testing.T) {
	dir := t.TempDir()
	var b []byte
	b = append(b, readPKI(t, "ca.pem")...)
	b = append(b, readPKI(t, "client.pem")...)
	path := filepath.Join(dir, "ca-first.pem")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	want := parsePKICert(t, "client.pem")
	for _, key := range []string{pki("client_key.pem"), ""} {
		p := path
		if key == "" {
			p = filepath.Join(dir, "ca-first-key.pem")
			if err := os.WriteFile(p, append(append([]byte(nil), b...), readPKI(t, "client_key.pem")...), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		cert, err := LoadClientCertificate(p, key, "")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(cert.Certificate[0], want.Raw) || len(cert.Certificate) != 2 {
			t.Errorf("key %q: the leaf is not the client's certificate, or the CA was dropped", key)
		}
		if _, err := handshake(t, cert); err != nil {
			t.Errorf("key %q: handshake: %v", key, err)
		}
	}
}
