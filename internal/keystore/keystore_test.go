package keystore

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The fixed passwords of testdata/pki (see its README.md).
const (
	passKeytool = "changeit"
	passOpenSSL = "s3cret-store"
	passPFX     = "s3cret-pfx"
	passWrong   = "wr0ng-Pa55word"
)

var allTestPasswords = []string{passKeytool, passOpenSSL, passPFX, passWrong}

// pkiDir holds the root package's test PKI, made by its make.sh.
const pkiDir = "../../testdata/pki"

func readPKI(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(pkiDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestSniff(t *testing.T) {
	tests := []struct {
		file string
		want Format
	}{
		{"truststore-keytool.p12", PKCS12},
		{"truststore-openssl-legacy.p12", PKCS12},
		{"truststore-keytool.jks", JKS},
		{"truststore-pkcs12-named.jks", PKCS12},
		{"truststore-bundle.pem", PEM},
		{"truststore-ca-der.cer", DER},
		{"bad-empty.pem", Empty},
		{"bad-garbage.p12", Unknown},
		{"bad-truncated.p12", Unknown},
		{"bad-truncated.jks", JKS},
	}
	for _, tt := range tests {
		if got := Sniff(readPKI(t, tt.file)); got != tt.want {
			t.Errorf("Sniff(%s) = %v, want %v", tt.file, got, tt.want)
		}
	}
	jceks := append([]byte{0xCE, 0xCE, 0xCE, 0xCE, 0, 0, 0, 2}, make([]byte, 40)...)
	if got := Sniff(jceks); got != JCEKS {
		t.Errorf("Sniff(JCEKS magic) = %v, want %v", got, JCEKS)
	}
}

// TestPEMPreamble: text before the first block, a byte order mark
// included, does not hide the certificates.
func TestPEMPreamble(t *testing.T) {
	for _, prefix := range []string{utf8BOM, utf8BOM + "\r\n\r\n", "subject=CN = qrs test CA\n"} {
		data := append([]byte(prefix), readPKI(t, "ca.pem")...)
		if got := Sniff(data); got != PEM {
			t.Errorf("Sniff(%q + PEM) = %v, want %v", prefix, got, PEM)
		}
		certs, err := Certificates(data, "", PEM)
		if err != nil || len(certs) != 1 {
			t.Errorf("Certificates(%q + PEM) = %d certificates, %v; want 1", prefix, len(certs), err)
		}
	}
	if _, err := Certificates([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n"), "", PEM); err == nil || !strings.Contains(err.Error(), "malformed PEM") {
		t.Errorf("unterminated PEM block: error %v, want malformed PEM", err)
	}
}

// TestCertificatesCraftedPKCS12: PKCS#12 files altered in ways only the
// format's own structures can make.
func TestCertificatesCraftedPKCS12(t *testing.T) {
	store := readPKI(t, "truststore-openssl.p12")
	for _, tt := range []struct {
		name string
		data []byte
		is   error
		want string
	}{
		{"too many MAC iterations", withMACIterations(t, store, 5_000_000), nil, "key-derivation iterations"},
		{"altered encrypted safe", tamperEncryptedSafe(t, store), ErrWrongPassword, "integrity"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := Certificates(tt.data, passOpenSSL, PKCS12)
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Certificates = %v; want an error saying %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q is not %v", err, tt.is)
			}
		})
	}
}

// FuzzCertificates feeds arbitrary bytes to each reader: no panic,
// bounded time, a success always has certificates, and no error shows a
// password.
func FuzzCertificates(f *testing.F) {
	files, err := filepath.Glob(filepath.Join(pkiDir, "*"))
	if err != nil || len(files) < 40 {
		f.Fatalf("found %d files in %s: %v", len(files), pkiDir, err)
	}
	for _, file := range files {
		for _, pw := range append([]string{""}, allTestPasswords...) {
			f.Add(readPKI(f, filepath.Base(file)), pw)
		}
	}
	f.Add([]byte{0xFE, 0xED, 0xFE, 0xED, 0, 0, 0, 2, 0xFF, 0xFF, 0xFF, 0xFF}, passKeytool)
	f.Add([]byte("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"), "")
	f.Fuzz(func(t *testing.T, data []byte, password string) {
		for _, format := range []Format{PKCS12, JKS, PEM} {
			start := time.Now()
			certs, err := Certificates(data, password, format)
			if err == nil && len(certs) == 0 {
				t.Errorf("%v: no error and no certificate", format)
			}
			for _, c := range certs {
				if c == nil {
					t.Errorf("%v: nil certificate", format)
				}
			}
			if err != nil && len(password) >= 4 && strings.Contains(err.Error(), password) {
				t.Errorf("%v: error %q shows the password", format, err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("%v: took %v", format, d)
			}
		}
	})
}
