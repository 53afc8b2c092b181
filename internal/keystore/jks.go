package keystore

import (
	"bytes"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"

	jks "github.com/pavlo-v-chernykh/keystore-go/v4"
)

// jksCertificates returns the trusted certificates of a JKS keystore and
// the certificate chains of its private key entries, after checking the
// keystore's integrity with password.
func jksCertificates(data []byte, password string) ([]*x509.Certificate, error) {
	switch f := Sniff(data); f {
	case JKS:
	case JCEKS:
		return nil, errors.New("JCEKS keystores are not supported: convert it with keytool -importkeystore -deststoretype PKCS12")
	default:
		return nil, notA(JKS, data, errors.New("not a JKS keystore (no JKS magic number)"))
	}
	// keystore-go allocates whatever lengths the file claims: check them
	// against the data first.
	if err := checkJKSLayout(data); err != nil {
		return nil, fmt.Errorf("damaged JKS keystore: %w", err)
	}
	if password == "" {
		return nil, fmt.Errorf("%w: a JKS keystore needs its password and none was given", ErrWrongPassword)
	}
	pw, err := jksPassword(password)
	if err != nil {
		return nil, err
	}
	defer clear(pw)
	ks := jks.New(jks.WithCaseExactAliases(), jks.WithOrderedAliases())
	if err := ks.Load(bytes.NewReader(data), pw); err != nil {
		// keystore-go exports no sentinel for a failed integrity check.
		if err.Error() == "got invalid digest" {
			return nil, fmt.Errorf("%w, or the keystore was altered (its integrity check failed)", ErrWrongPassword)
		}
		return nil, fmt.Errorf("damaged JKS keystore: %v", err)
	}
	var certs []*x509.Certificate
	for _, alias := range ks.Aliases() {
		var entries []jks.Certificate
		if ks.IsTrustedCertificateEntry(alias) {
			e, err := ks.GetTrustedCertificateEntry(alias)
			if err != nil {
				return nil, fmt.Errorf("JKS entry %q: %v", alias, err)
			}
			entries = append(entries, e.Certificate)
		} else if ks.IsPrivateKeyEntry(alias) {
			if entries, err = ks.GetPrivateKeyEntryCertificateChain(alias); err != nil {
				return nil, fmt.Errorf("JKS entry %q: %v", alias, err)
			}
		}
		for _, e := range entries {
			if e.Type != "X.509" && e.Type != "X509" {
				return nil, fmt.Errorf("JKS entry %q: certificate type %q is not supported", alias, e.Type)
			}
			c, err := x509.ParseCertificate(e.Content)
			if err != nil {
				return nil, fmt.Errorf("JKS entry %q: %w", alias, err)
			}
			certs = append(certs, c)
		}
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%w: the JKS keystore has no entries", ErrNoCertificate)
	}
	return certs, nil
}

// jksPassword encodes password as keystore-go expects it: one byte per
// character, which it widens to Java's two. Characters past U+00FF cannot
// be passed that way.
func jksPassword(password string) ([]byte, error) {
	pw := make([]byte, 0, len(password))
	for _, r := range password {
		if r > 0xFF {
			clear(pw)
			return nil, errors.New("the password has characters beyond Latin-1, which this JKS reader cannot use: convert the keystore to PKCS12 with keytool -importkeystore")
		}
		pw = append(pw, byte(r))
	}
	return pw, nil
}

// checkJKSLayout walks a JKS keystore (magic, version, entries, SHA-1
// digest) and checks that every length and count it holds fits the data.
func checkJKSLayout(data []byte) error {
	r := jksReader{b: data}
	if r.u32() != jksMagic {
		return errors.New("no JKS magic number")
	}
	version := r.u32()
	if r.err == nil && version != 1 && version != 2 {
		return fmt.Errorf("unknown JKS version %d", version)
	}
	cert := func() {
		if version == 2 {
			r.skip(uint32(r.u16())) // certificate type
		}
		r.skip(r.u32())
	}
	for n := r.u32(); n > 0 && r.err == nil; n-- {
		tag := r.u32()
		r.skip(uint32(r.u16())) // alias
		r.skip(8)               // creation time
		switch tag {
		case 1: // private key: protected key, then its certificate chain
			r.skip(r.u32())
			for c := r.u32(); c > 0 && r.err == nil; c-- {
				cert()
			}
		case 2: // trusted certificate
			cert()
		default:
			if r.err == nil {
				return fmt.Errorf("unknown JKS entry tag %d", tag)
			}
		}
	}
	r.skip(sha1Size) // integrity digest
	return r.err
}

const sha1Size = 20

// jksReader reads big-endian fields, remembering the first overrun.
type jksReader struct {
	b   []byte
	err error
}

func (r *jksReader) skip(n uint32) []byte {
	if r.err != nil {
		return nil
	}
	if uint64(n) > uint64(len(r.b)) {
		r.err = errors.New("truncated: a length points past the end of the file")
		return nil
	}
	p := r.b[:n]
	r.b = r.b[n:]
	return p
}

func (r *jksReader) u16() uint16 {
	if p := r.skip(2); p != nil {
		return binary.BigEndian.Uint16(p)
	}
	return 0
}

func (r *jksReader) u32() uint32 {
	if p := r.skip(4); p != nil {
		return binary.BigEndian.Uint32(p)
	}
	return 0
}
