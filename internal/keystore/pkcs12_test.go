package keystore

import (
	"bytes"
	"encoding/asn1"
	"slices"
	"strings"
	"testing"

	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

// TestGoPKCS12StillNeedsPlaceholderKey shows what pkcs12Certificates works
// around: go-pkcs12 reads no certificate-only store made by openssl
// pkcs12 -export -nokeys, as Qlik admins make truststores. DecodeTrustStore
// wants Java's trusted-key-usage attribute on every certificate, and
// DecodeChain wants a private key. The day this test fails because
// go-pkcs12 reads them, the placeholder key can go.
func TestGoPKCS12StillNeedsPlaceholderKey(t *testing.T) {
	for _, tt := range []struct{ file, password string }{
		{"truststore-openssl.p12", passOpenSSL},
		{"truststore-openssl-legacy.p12", passOpenSSL},
		{"truststore-openssl-3des.pfx", passOpenSSL},
		{"truststore-openssl-nopass.p12", ""},
		{"truststore-openssl-plain.p12", ""},
	} {
		data := readPKI(t, tt.file)
		if certs, err := pkcs12.DecodeTrustStore(data, tt.password); err == nil {
			t.Errorf("%s: go-pkcs12's DecodeTrustStore now reads an openssl -nokeys store (%d certificates): "+
				"the workaround can go: read such stores with DecodeTrustStore and drop withPlaceholderKey and pbmac1", tt.file, len(certs))
		} else {
			t.Logf("%s: DecodeTrustStore: %v", tt.file, err)
		}
		_, leaf, _, err := pkcs12.DecodeChain(data, tt.password)
		switch {
		case err == nil:
			t.Errorf("%s: go-pkcs12's DecodeChain now reads a store without a private key (leaf %q): "+
				"the workaround can go: drop withPlaceholderKey and pbmac1", tt.file, leaf.Subject.CommonName)
		case !isPKCS12Missing(err, "private key"):
			// Then pkcs12Certificates no longer sees the missing key, and
			// fails on every such store: the text it matches has changed.
			t.Errorf("%s: DecodeChain: %v; want go-pkcs12's \"private key missing\", which isPKCS12Missing matches", tt.file, err)
		}
		certs, err := Certificates(data, tt.password, PKCS12)
		if err != nil || len(certs) != 1 || certs[0].Subject.CommonName != "qrs test CA" {
			t.Errorf("%s: Certificates = %d certificates, %v; want the test CA", tt.file, len(certs), err)
		}
	}
}

// TestPBEIterations reads the iteration counts that the two tools wrote.
func TestPBEIterations(t *testing.T) {
	for _, tt := range []struct {
		file    string
		mac, pb int
	}{
		{"truststore-openssl.p12", 2048, 2048},
		{"truststore-openssl-legacy.p12", 2048, 2048},
		{"truststore-keytool.p12", 10000, 10000},
	} {
		p, items := pfxItems(t, readPKI(t, tt.file))
		if len(items) != 1 {
			t.Fatalf("%s: %d items, want 1", tt.file, len(items))
		}
		ed := encryptedItem(t, items[0])
		if got := p.MacData.Iterations; got != tt.mac {
			t.Errorf("%s: MAC iterations %d, want %d", tt.file, got, tt.mac)
		}
		if got := pbeIterations(ed.EncryptedContentInfo.ContentEncryptionAlgorithm); got != tt.pb {
			t.Errorf("%s: encryption iterations %d, want %d", tt.file, got, tt.pb)
		}
	}
}

// TestClientPKCS12CertificateOrder: the key's own certificate is the
// leaf wherever the file puts it (Windows exports put the root first),
// and a key without its certificate is refused.
func TestClientPKCS12CertificateOrder(t *testing.T) {
	pfx := readPKI(t, "client_nomac.pfx") // no MAC, no encryption: bags can be moved
	rootFirst := rebag(t, pfx, func(bags []asn1.RawValue) []asn1.RawValue { slices.Reverse(bags); return bags })
	if _, leaf, _, err := pkcs12.DecodeChain(rootFirst, ""); err != nil || leaf.Subject.CommonName != "qrs test CA" {
		t.Fatalf("the reordered file does not start with the CA: leaf %v, %v", leaf, err)
	}
	cert, err := ClientPKCS12(rootFirst, "")
	if err != nil {
		t.Fatal(err)
	}
	if cert.Leaf.Subject.CommonName != "qrs test client" || len(cert.Certificate) != 2 || !bytes.Equal(cert.Certificate[0], cert.Leaf.Raw) {
		t.Errorf("leaf %q, %d certificates; want the client first, then the CA", cert.Leaf.Subject.CommonName, len(cert.Certificate))
	}

	// Without the client's certificate (the first bag of the two), the key
	// belongs to none.
	caOnly := rebag(t, pfx, func(bags []asn1.RawValue) []asn1.RawValue {
		if len(bags) == 2 {
			return bags[1:]
		}
		return bags
	})
	if _, err := ClientPKCS12(caOnly, ""); err == nil || !strings.Contains(err.Error(), "belongs to none of the 1 certificates") {
		t.Errorf("ClientPKCS12 without the client certificate = %v; want a key that belongs to none", err)
	}
}

// rebag returns a PKCS#12 file without MAC or encryption with the bags of
// each safe changed by edit.
func rebag(t *testing.T, data []byte, edit func([]asn1.RawValue) []asn1.RawValue) []byte {
	t.Helper()
	p, items := pfxItems(t, data)
	if p.hasMAC() {
		t.Fatal("the file has a MAC")
	}
	var out []asn1.RawValue
	for _, item := range items {
		var ci contentInfo
		var octets []byte
		var bags []asn1.RawValue
		if _, err := asn1.Unmarshal(item.FullBytes, &ci); err != nil || !ci.ContentType.Equal(oidData) {
			t.Fatalf("not a plain safe: %v", err)
		}
		if _, err := asn1.Unmarshal(ci.Content.Bytes, &octets); err != nil {
			t.Fatal(err)
		}
		if _, err := asn1.Unmarshal(octets, &bags); err != nil {
			t.Fatal(err)
		}
		safe, err := asn1.Marshal(edit(bags))
		if err != nil {
			t.Fatal(err)
		}
		c, err := marshalDataContentInfo(safe)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, asn1.RawValue{FullBytes: c})
	}
	safes, err := asn1.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	authSafe, err := marshalDataContentInfo(safes)
	if err != nil {
		t.Fatal(err)
	}
	pfx, err := asn1.Marshal(struct {
		Version  int
		AuthSafe asn1.RawValue
	}{p.Version, asn1.RawValue{FullBytes: authSafe}})
	if err != nil {
		t.Fatal(err)
	}
	return pfx
}

func pfxItems(t testing.TB, data []byte) (*pfxPDU, []asn1.RawValue) {
	t.Helper()
	p, err := parsePFX(data)
	if err != nil {
		t.Fatal(err)
	}
	items, err := p.authSafeItems()
	if err != nil {
		t.Fatal(err)
	}
	return p, items
}

func encryptedItem(t testing.TB, item asn1.RawValue) encryptedData {
	t.Helper()
	var ci contentInfo
	var ed encryptedData
	if _, err := asn1.Unmarshal(item.FullBytes, &ci); err != nil {
		t.Fatal(err)
	}
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &ed); err != nil {
		t.Fatal(err)
	}
	return ed
}

// withMACIterations returns a PKCS#12 file with its MAC iteration count
// replaced (which also breaks the MAC, but the count is checked first).
func withMACIterations(t testing.TB, data []byte, n int) []byte {
	t.Helper()
	p, err := parsePFX(data)
	if err != nil {
		t.Fatal(err)
	}
	p.MacData.Iterations = n
	out, err := asn1.Marshal(*p)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// tamperEncryptedSafe flips a bit inside the encrypted certificates of a
// one-item PKCS#12 file, keeping its structure.
func tamperEncryptedSafe(t testing.TB, data []byte) []byte {
	t.Helper()
	_, items := pfxItems(t, data)
	enc := encryptedItem(t, items[0]).EncryptedContentInfo.EncryptedContent
	i := bytes.Index(data, enc)
	if i < 0 || len(enc) < 32 {
		t.Fatalf("encrypted content not found")
	}
	out := bytes.Clone(data)
	out[i+len(enc)/2] ^= 0x40
	return out
}
