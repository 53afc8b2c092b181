package qrs

import (
	"crypto/x509"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/qrskit/qrs/internal/keystore"
)

// The fixed passwords of testdata/pki (see its README.md).
const (
	pkiDir       = "testdata/pki"
	passKeytool  = "changeit"
	passOpenSSL  = "s3cret-store"
	passPFX      = "s3cret-pfx"
	passWrong    = "wr0ng-Pa55word"
	testCAName   = "qrs test CA"
	otherCAName  = "qrs other CA"
	clientCAName = "qrs test client"
)

// allTestPasswords are checked against every error string.
var allTestPasswords = []string{passKeytool, passOpenSSL, passPFX, passWrong}

func pki(name string) string { return filepath.Join(pkiDir, name) }

func readPKI(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(pki(name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func parsePKICert(t testing.TB, name string) *x509.Certificate {
	t.Helper()
	certs, err := loadTrustStoreCerts(pki(name), "", StorePEM)
	if err != nil || len(certs) != 1 {
		t.Fatalf("%s: %d certificates, %v", name, len(certs), err)
	}
	return certs[0]
}

// verifyServer checks the test server certificates against pool the way a
// TLS client does.
func verifyServer(t *testing.T, pool *x509.CertPool) error {
	t.Helper()
	for _, c := range []struct{ file, name string }{
		{"server.pem", "localhost"},
		{"server.pem", "127.0.0.1"},
		{"server.pem", "::1"},
		{"server-qlik-node1.pem", "qlik-node1"},
	} {
		opts := x509.VerifyOptions{Roots: pool, DNSName: c.name, CurrentTime: time.Now()}
		if _, err := parsePKICert(t, c.file).Verify(opts); err != nil {
			return err
		}
	}
	return nil
}

func TestParseStoreType(t *testing.T) {
	tests := []struct {
		in      string
		want    StoreType
		wantErr bool
	}{
		{"", StoreAuto, false},
		{"  ", StoreAuto, false},
		{"PKCS12", StorePKCS12, false},
		{"pkcs12", StorePKCS12, false},
		{"P12", StorePKCS12, false},
		{"pfx", StorePKCS12, false},
		{"JKS", StoreJKS, false},
		{"jks", StoreJKS, false},
		{"Pem", StorePEM, false},
		{"pkcs11", "", true},
		{"jceks", "", true},
		{"der", "", true},
	}
	for _, tt := range tests {
		got, err := ParseStoreType(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseStoreType(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err != nil && (!strings.HasPrefix(err.Error(), "qrs: ") || !strings.Contains(err.Error(), "PKCS12, JKS or PEM")) {
			t.Errorf("ParseStoreType(%q) error %q does not list the accepted types", tt.in, err)
		}
	}
}

func TestLoadTrustStore(t *testing.T) {
	// Copies under other names, for case-insensitive extensions.
	dir := t.TempDir()
	upper := filepath.Join(dir, "TRUSTSTORE.P12")
	if err := os.WriteFile(upper, readPKI(t, "truststore-openssl.p12"), 0o600); err != nil {
		t.Fatal(err)
	}
	upperJKS := filepath.Join(dir, "Trust.JKS")
	if err := os.WriteFile(upperJKS, readPKI(t, "truststore-keytool.jks"), 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name      string
		path      string
		password  string
		typ       StoreType
		wantNames []string // common names of the certificates, in order
	}{
		{"keytool PKCS12", pki("truststore-keytool.p12"), passKeytool, StoreAuto, []string{testCAName}},
		{"keytool JKS", pki("truststore-keytool.jks"), passKeytool, StoreAuto, []string{testCAName}},
		{"openssl PKCS12 AES", pki("truststore-openssl.p12"), passOpenSSL, StoreAuto, []string{testCAName}},
		{"openssl PKCS12 legacy RC2", pki("truststore-openssl-legacy.p12"), passOpenSSL, StoreAuto, []string{testCAName}},
		{"openssl PKCS12 3DES .pfx", pki("truststore-openssl-3des.pfx"), passOpenSSL, StoreAuto, []string{testCAName}},
		{"openssl PKCS12 empty password", pki("truststore-openssl-nopass.p12"), "", StoreAuto, []string{testCAName}},
		{"openssl PKCS12 legacy empty password", pki("truststore-openssl-nopass-legacy.p12"), "", StoreAuto, []string{testCAName}},
		{"openssl PKCS12 no MAC no encryption", pki("truststore-openssl-plain.p12"), "", StoreAuto, []string{testCAName}},
		{"openssl PKCS12 with key and chain", pki("keystore-openssl.p12"), passPFX, StoreAuto, []string{clientCAName, testCAName}},
		{"client.pfx as truststore", pki("client.pfx"), passPFX, StoreAuto, []string{clientCAName, testCAName}},
		{"keytool PKCS12 with key entry", pki("keystore-keytool.p12"), passKeytool, StoreAuto, []string{clientCAName, testCAName}},
		{"keytool JKS with key entry", pki("keystore-keytool.jks"), passKeytool, StoreAuto, []string{clientCAName, testCAName}},
		{"PEM bundle", pki("truststore-bundle.pem"), "", StoreAuto, []string{otherCAName, testCAName}},
		{"PEM with keys mixed in", pki("truststore-with-keys.pem"), "", StoreAuto, []string{testCAName}},
		{"PEM .crt", pki("truststore-ca.crt"), "", StoreAuto, []string{testCAName}},
		{"DER .cer", pki("truststore-ca-der.cer"), "", StoreAuto, []string{testCAName}},
		{"Qlik root.pem", pki("root.pem"), "", StoreAuto, []string{testCAName}},
		{"PEM ignores a password", pki("ca.pem"), passWrong, StoreAuto, []string{testCAName}},
		{"upper-case .P12", upper, passOpenSSL, StoreAuto, []string{testCAName}},
		{"mixed-case .JKS", upperJKS, passKeytool, StoreAuto, []string{testCAName}},
		{"type wins: PKCS12 named .jks", pki("truststore-pkcs12-named.jks"), passKeytool, StorePKCS12, []string{testCAName}},
		{"type wins: JKS named .p12", pki("bad-jks-named.p12"), passKeytool, StoreJKS, []string{testCAName}},
		{"type wins: PEM named .p12", pki("bad-pem-named.p12"), "", StorePEM, []string{testCAName}},
		{"type wins: unknown extension", pki("bad-unknown-extension.store"), passKeytool, StorePKCS12, []string{testCAName}},
		{"type in lower case", pki("truststore-keytool.jks"), passKeytool, StoreType("jks"), []string{testCAName}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pool, err := LoadTrustStore(tt.path, tt.password, tt.typ)
			if err != nil {
				t.Fatalf("LoadTrustStore: %v", err)
			}
			if err := verifyServer(t, pool); err != nil {
				t.Errorf("server certificate does not verify with the loaded pool: %v", err)
			}
			certs, err := loadTrustStoreCerts(tt.path, tt.password, tt.typ)
			if err != nil {
				t.Fatalf("loadTrustStoreCerts: %v", err)
			}
			var got []string
			for _, c := range certs {
				got = append(got, c.Subject.CommonName)
			}
			if strings.Join(got, "|") != strings.Join(tt.wantNames, "|") {
				t.Errorf("certificates %q, want %q", got, tt.wantNames)
			}
		})
	}
}

func TestLoadTrustStoreUnrelatedCA(t *testing.T) {
	for _, tt := range []struct{ file, password string }{
		{"truststore-other-ca.p12", passKeytool},
		{"truststore-other-ca.jks", passKeytool},
		{"truststore-other-ca.pem", ""},
	} {
		t.Run(tt.file, func(t *testing.T) {
			pool, err := LoadTrustStore(pki(tt.file), tt.password, StoreAuto)
			if err != nil {
				t.Fatal(err)
			}
			err = verifyServer(t, pool)
			var uae x509.UnknownAuthorityError
			if !errors.As(err, &uae) {
				t.Errorf("verify with the unrelated CA: got %v, want x509.UnknownAuthorityError", err)
			}
		})
	}
}

func TestLoadTrustStoreErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	jceks := write("store.jks", append([]byte{0xCE, 0xCE, 0xCE, 0xCE, 0, 0, 0, 2}, make([]byte, 40)...))
	emptyP12 := write("empty.p12", nil)
	emptyJKS := write("empty.jks", []byte("\n"))
	jksTampered := readPKI(t, "truststore-keytool.jks")
	jksTampered[len(jksTampered)-30] ^= 1 // inside the certificate, before the digest
	jksAltered := write("tampered.jks", jksTampered)
	jksHuge := write("huge.jks", []byte{0xFE, 0xED, 0xFE, 0xED, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 1, 'a', 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 'X', '.', '5', '0', '9', 0xFF, 0xFF, 0xFF, 0xF0})

	var kindErr *keystore.FormatError
	tests := []struct {
		name     string
		path     string
		password string
		typ      StoreType
		is       error    // errors.Is target, if any
		kind     bool     // a *keystore.FormatError
		want     []string // substrings of the message
	}{
		{"missing file", pki("no-such-store.p12"), passKeytool, StoreAuto, fs.ErrNotExist, false, []string{"no-such-store.p12"}},
		{"missing file, unknown extension", pki("no-such-store.xyz"), "", StoreAuto, fs.ErrNotExist, false, nil},
		{"no path", "", "", StoreAuto, nil, false, []string{"no file name"}},
		{"directory", pkiDir, "", StorePEM, nil, false, []string{"directory"}},
		{"unknown type", pki("truststore-keytool.p12"), passKeytool, StoreType("PKCS11"), nil, false, []string{"unknown truststore type", "PKCS12, JKS or PEM"}},
		{"wrong password keytool PKCS12", pki("truststore-keytool.p12"), passWrong, StoreAuto, keystore.ErrWrongPassword, false, []string{"wrong password"}},
		{"wrong password openssl PKCS12", pki("truststore-openssl.p12"), passWrong, StoreAuto, keystore.ErrWrongPassword, false, []string{"wrong password"}},
		{"wrong password legacy PKCS12", pki("truststore-openssl-legacy.p12"), passWrong, StoreAuto, keystore.ErrWrongPassword, false, []string{"wrong password"}},
		{"missing password PKCS12", pki("truststore-openssl.p12"), "", StoreAuto, keystore.ErrWrongPassword, false, []string{"none was given"}},
		{"password for a store without one", pki("truststore-openssl-nopass.p12"), passOpenSSL, StoreAuto, keystore.ErrWrongPassword, false, []string{"wrong password"}},
		{"password for a store without MAC", pki("truststore-openssl-plain.p12"), passOpenSSL, StoreAuto, keystore.ErrWrongPassword, false, []string{"give an empty password"}},
		{"wrong password JKS", pki("truststore-keytool.jks"), passWrong, StoreAuto, keystore.ErrWrongPassword, false, []string{"wrong password"}},
		{"wrong password JKS key store", pki("keystore-keytool.jks"), passWrong, StoreAuto, keystore.ErrWrongPassword, false, []string{"wrong password"}},
		{"missing password JKS", pki("truststore-keytool.jks"), "", StoreAuto, keystore.ErrWrongPassword, false, []string{"needs its password"}},
		{"non-Latin-1 JKS password", pki("truststore-keytool.jks"), "пароль", StoreAuto, nil, false, []string{"Latin-1"}},
		{"altered JKS", jksAltered, passKeytool, StoreAuto, keystore.ErrWrongPassword, false, []string{"integrity"}},
		{"unknown extension", pki("bad-unknown-extension.store"), passKeytool, StoreAuto, nil, false, []string{`".store"`, ".p12", ".jks", ".pem", "set the store type", "looks like a PKCS#12 store"}},
		{"no extension", pki("make.sh"), "", StoreAuto, nil, false, []string{"cannot tell the store type"}},
		{"JKS named .p12", pki("bad-jks-named.p12"), passKeytool, StoreAuto, nil, true, []string{"is a JKS keystore, not a PKCS#12 store as its extension says", "set the store type to JKS", "rename the file to .jks"}},
		{"PKCS12 named .jks (keytool's default type)", pki("truststore-pkcs12-named.jks"), passKeytool, StoreAuto, nil, true, []string{"is a PKCS#12 store, not a JKS keystore", "set the store type to PKCS12"}},
		{"PEM named .p12", pki("bad-pem-named.p12"), "", StoreAuto, nil, true, []string{"is a PEM file", "set the store type to PEM"}},
		{"PKCS12 named .pem", pki("bad-p12-named.pem"), passKeytool, StoreAuto, nil, true, []string{"is a PKCS#12 store", "set the store type to PKCS12"}},
		{"DER certificate as PKCS12", pki("truststore-ca-der.cer"), "", StorePKCS12, nil, true, []string{"DER-encoded certificate", "as the store type says", "set the store type to PEM"}},
		{"JKS as PEM by type", pki("truststore-keytool.jks"), "", StorePEM, nil, true, []string{"is a JKS keystore", "as the store type says"}},
		{"JCEKS", jceks, passKeytool, StoreAuto, nil, false, []string{"JCEKS", "not supported"}},
		{"empty keytool PKCS12", pki("truststore-empty.p12"), passKeytool, StoreAuto, keystore.ErrNoCertificate, false, nil},
		{"empty keytool JKS", pki("truststore-empty.jks"), passKeytool, StoreAuto, keystore.ErrNoCertificate, false, nil},
		{"empty .p12 file", emptyP12, passKeytool, StoreAuto, keystore.ErrNoCertificate, false, []string{"the file is empty"}},
		{"blank .jks file", emptyJKS, passKeytool, StoreAuto, keystore.ErrNoCertificate, false, []string{"the file is empty"}},
		{"empty PEM", pki("bad-empty.pem"), "", StoreAuto, keystore.ErrNoCertificate, false, []string{"empty"}},
		{"PEM with only a key", pki("bad-key-only.pem"), "", StoreAuto, keystore.ErrNoCertificate, false, []string{"PRIVATE KEY"}},
		{"truncated PKCS12", pki("bad-truncated.p12"), passOpenSSL, StoreAuto, nil, false, []string{"truncated"}},
		{"truncated JKS", pki("bad-truncated.jks"), passKeytool, StoreAuto, nil, false, []string{"truncated"}},
		{"JKS claiming a 4 GiB certificate", jksHuge, passKeytool, StoreAuto, nil, false, []string{"truncated"}},
		{"garbage .p12", pki("bad-garbage.p12"), passOpenSSL, StoreAuto, nil, false, []string{"not a valid PKCS#12 file"}},
		{"garbage .jks", pki("bad-garbage.jks"), passKeytool, StoreAuto, nil, false, []string{"not a JKS keystore"}},
		{"garbage .pem", pki("bad-garbage.pem"), "", StoreAuto, nil, false, []string{"neither PEM"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			pool, err := LoadTrustStore(tt.path, tt.password, tt.typ)
			if err == nil {
				t.Fatalf("LoadTrustStore = %v, nil; want an error", pool)
			}
			if time.Since(start) > 2*time.Second {
				t.Errorf("took %v", time.Since(start))
			}
			msg := err.Error()
			t.Log(msg)
			if !strings.HasPrefix(msg, "qrs: ") {
				t.Errorf("error %q lacks the qrs: prefix", msg)
			}
			if tt.path == "" && msg != "qrs: truststore: no file name given" {
				t.Errorf("error %q, want qrs: truststore: no file name given", msg)
			}
			if tt.path != "" && tt.typ != StoreType("PKCS11") && !strings.HasPrefix(msg, "qrs: truststore "+tt.path+": ") {
				t.Errorf("error %q does not start with qrs: truststore %s: ", msg, tt.path)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q is not %v", msg, tt.is)
			}
			if got := errors.As(err, &kindErr); got != tt.kind {
				t.Errorf("error %q: errors.As(*keystore.FormatError) = %v, want %v", msg, got, tt.kind)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
			for _, pw := range append(allTestPasswords, tt.password) {
				if pw != "" && strings.Contains(msg, pw) {
					t.Errorf("error %q contains the password %q", msg, pw)
				}
			}
		})
	}
}

// mkfifo makes a named pipe called name in a fresh folder, skipping the
// test where there are none. Its cleanup opens the pipe for writing, which
// frees a reader blocked in opening it, so a failing test does not leave
// one behind.
func mkfifo(t *testing.T, name string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	t.Cleanup(func() {
		if w, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
	})
	return path
}

// returnsSoon runs f and returns its error, failing the test at once if f
// has not returned within ten seconds.
func returnsSoon(t *testing.T, what string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatalf("%s blocked: still reading after 10 s", what)
		return nil
	}
}

// TestLoadTrustStoreFIFO: a named pipe given as a truststore is refused
// before it is opened for reading, which would wait for a writer forever.
func TestLoadTrustStoreFIFO(t *testing.T) {
	for _, typ := range []StoreType{StoreAuto, StorePKCS12, StoreJKS, StorePEM} {
		path := mkfifo(t, "truststore.p12")
		err := returnsSoon(t, "LoadTrustStore", func() error {
			_, err := LoadTrustStore(path, passKeytool, typ)
			return err
		})
		want := "qrs: truststore " + path + ": is a named pipe (FIFO), not a regular file"
		if err == nil || err.Error() != want {
			t.Errorf("LoadTrustStore(FIFO, %q) = %v; want %s", typ, err, want)
		}
	}
}

// TestTrustStoreErrorsNeverShowPasswords loads every test file as every
// store type with every test password and checks the errors.
func TestTrustStoreErrorsNeverShowPasswords(t *testing.T) {
	files, err := filepath.Glob(pki("*"))
	if err != nil || len(files) < 40 {
		t.Fatalf("found %d files in %s: %v", len(files), pkiDir, err)
	}
	passwords := append([]string{""}, allTestPasswords...)
	errs := 0
	for _, f := range files {
		for _, typ := range []StoreType{StoreAuto, StorePKCS12, StoreJKS, StorePEM} {
			for _, pw := range passwords {
				_, err := LoadTrustStore(f, pw, typ)
				if err == nil {
					continue
				}
				errs++
				for _, secret := range allTestPasswords {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("LoadTrustStore(%s, %s): error %q shows a password", f, typ, err)
					}
				}
			}
		}
	}
	if errs < 100 {
		t.Errorf("only %d errors: the test looked at too little", errs)
	}
}

// fuzzSeeds returns every file of testdata/pki with the password it opens
// with.
func fuzzSeeds(t testing.TB) map[string]string {
	files, err := filepath.Glob(pki("*"))
	if err != nil {
		t.Fatal(err)
	}
	seeds := map[string]string{}
	for _, f := range files {
		name := filepath.Base(f)
		pw := ""
		switch {
		case strings.Contains(name, "nopass"), strings.Contains(name, "plain"), strings.Contains(name, "nomac"):
		case strings.Contains(name, "openssl") && strings.HasPrefix(name, "truststore"):
			pw = passOpenSSL
		case strings.HasSuffix(name, ".pfx"), name == "keystore-openssl.p12":
			pw = passPFX
		case strings.HasSuffix(name, ".p12"), strings.HasSuffix(name, ".jks"):
			pw = passKeytool
		}
		seeds[name] = pw
	}
	return seeds
}

// FuzzLoadTrustStore writes arbitrary bytes to files named with each
// extension and loads them: no panic, a clear error or certificates.
func FuzzLoadTrustStore(f *testing.F) {
	for name, pw := range fuzzSeeds(f) {
		if strings.HasPrefix(name, "truststore") || strings.HasPrefix(name, "bad") {
			f.Add(readPKI(f, name), pw)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, password string) {
		dir := t.TempDir()
		for _, ext := range []string{".p12", ".jks", ".pem", ".cer", ".bin"} {
			path := filepath.Join(dir, "store"+ext)
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			pool, err := LoadTrustStore(path, password, StoreAuto)
			if (pool == nil) == (err == nil) {
				t.Errorf("%s: pool %v, error %v", ext, pool, err)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "qrs: truststore "+path+": ") {
				t.Errorf("%s: error %q lacks its prefix", ext, err)
			}
		}
	})
}
