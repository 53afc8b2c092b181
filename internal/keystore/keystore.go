// Package keystore reads the certificates of certificate files: PEM
// bundles, DER certificates, Java's JKS keystores and PKCS#12 stores
// (Certificates), and the key and certificates of a PKCS#12 client
// certificate (ClientPKCS12). It tells formats apart by their bytes
// (Sniff) and bounds the work a crafted file can cause. Its errors name
// neither the file, which callers put in front, nor the password.
package keystore

import (
	"bytes"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
)

// Format is the format of a certificate file.
type Format int

// The formats that Sniff tells apart. Certificates reads PKCS12, JKS and
// PEM (which also takes DER).
const (
	Unknown Format = iota // none of the others
	Empty                 // no bytes, or only white space
	PEM                   // text with -----BEGIN lines
	JKS                   // Java's legacy keystore
	JCEKS                 // Java's JCE keystore, which nothing here reads
	PKCS12                // PKCS#12 (.p12, .pfx)
	DER                   // one or more DER-encoded certificates
)

// String describes f as an error message puts it: "a JKS keystore".
func (f Format) String() string {
	switch f {
	case Empty:
		return "empty"
	case PEM:
		return "a PEM file"
	case JKS:
		return "a JKS keystore"
	case JCEKS:
		return "a JCEKS keystore"
	case PKCS12:
		return "a PKCS#12 store"
	case DER:
		return "a DER-encoded certificate"
	}
	return "not a certificate store"
}

// Reader returns the format that Certificates reads files of format f
// as: PEM for DER, Unknown for formats it does not read.
func (f Format) Reader() Format {
	switch f {
	case PEM, DER:
		return PEM
	case JKS, PKCS12:
		return f
	}
	return Unknown
}

var (
	// ErrWrongPassword is wrapped by the errors of a store whose
	// integrity check or decryption fails with the password given.
	ErrWrongPassword = errors.New("wrong password")
	// ErrNoCertificate is wrapped by the errors of a file without a
	// certificate.
	ErrNoCertificate = errors.New("no certificate in the file")
)

// FormatError reports a file whose content is of another format than the
// one it was read as.
type FormatError struct {
	Want Format // the format it was read as
	Got  Format // the format its bytes show
}

func (e *FormatError) Error() string {
	want := e.Want.String()
	if e.Want == PEM {
		want = "a PEM or DER certificate file"
	}
	return fmt.Sprintf("the file is %s, not %s", e.Got, want)
}

const (
	jksMagic   = 0xFEEDFEED
	jceksMagic = 0xCECECECE
)

// Sniff tells the format of data from its bytes: JKS and JCEKS by their
// magic numbers, PEM by a "-----BEGIN " line, PKCS#12 and DER certificates
// by parsing them.
func Sniff(data []byte) Format {
	if len(bytes.TrimSpace(data)) == 0 {
		return Empty
	}
	if len(data) >= 4 {
		switch binary.BigEndian.Uint32(data) {
		case jksMagic:
			return JKS
		case jceksMagic:
			return JCEKS
		}
	}
	if data[0] == 0x30 { // a DER SEQUENCE
		if _, err := parsePFX(data); err == nil {
			return PKCS12
		}
		if _, err := x509.ParseCertificate(data); err == nil {
			return DER
		}
		return Unknown
	}
	if bytes.Contains(data, []byte("-----BEGIN ")) {
		return PEM
	}
	return Unknown
}

// Certificates returns every certificate of data read as format f: the
// trusted certificates of a store and the certificate chains of its
// private key entries alike (the keys are not read). f is PKCS12, JKS or
// PEM; PEM also reads one or more DER certificates. password opens PKCS12
// and JKS stores (an empty one opens PKCS12 stores made without one); PEM
// ignores it.
//
// A file of another format than f gives a *FormatError; a wrong password
// an error that wraps ErrWrongPassword; a file without certificates one
// that wraps ErrNoCertificate.
func Certificates(data []byte, password string, f Format) ([]*x509.Certificate, error) {
	switch f {
	case PKCS12:
		return pkcs12Certificates(data, password)
	case JKS:
		return jksCertificates(data, password)
	case PEM:
		return pemCertificates(data)
	}
	return nil, fmt.Errorf("keystore: cannot read %v", f)
}

// notA returns the error for data that could not be read as f: a
// *FormatError when its bytes show another format, ErrNoCertificate when
// there are none, else cause.
func notA(f Format, data []byte, cause error) error {
	got := Sniff(data)
	if got == Empty {
		return fmt.Errorf("%w: the file is empty", ErrNoCertificate)
	}
	if got != Unknown && got.Reader() != f {
		return &FormatError{Want: f, Got: got}
	}
	return cause
}
