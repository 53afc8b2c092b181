package keystore

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// utf8BOM is the byte order mark that Windows editors put in front of text.
const utf8BOM = "\xEF\xBB\xBF"

// PEMBlocks returns the PEM blocks of data in order. A byte order mark in
// front is dropped: pem.Decode wants "-----BEGIN" at the start of a line,
// and Windows editors write one.
func PEMBlocks(data []byte) []*pem.Block {
	var blocks []*pem.Block
	rest := bytes.TrimPrefix(data, []byte(utf8BOM))
	for {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			return blocks
		}
		blocks = append(blocks, b)
	}
}

// pemCertificates returns the certificates of a PEM bundle (every
// CERTIFICATE block; other blocks such as private keys are skipped), or of
// a file holding one or more DER certificates. A CERTIFICATE block that
// does not parse is an error.
func pemCertificates(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	var others []string
	for i, b := range PEMBlocks(data) {
		if b.Type != "CERTIFICATE" {
			others = append(others, b.Type)
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("PEM block %d (CERTIFICATE): %w", i+1, err)
		}
		certs = append(certs, c)
	}
	if len(certs) > 0 {
		return certs, nil
	}
	if len(others) > 0 {
		return nil, fmt.Errorf("%w: the PEM blocks are %s, none is a CERTIFICATE", ErrNoCertificate, strings.Join(others, ", "))
	}
	switch f := Sniff(data); f {
	case DER:
		return x509.ParseCertificates(data)
	case Empty:
		return nil, fmt.Errorf("%w: the file is empty", ErrNoCertificate)
	case PEM:
		return nil, errors.New("malformed PEM: no complete -----BEGIN/-----END block could be read")
	case Unknown:
		if data[0] == 0x30 {
			if certs, err := x509.ParseCertificates(data); err == nil {
				return certs, nil
			}
		}
		return nil, errors.New("neither PEM (no -----BEGIN CERTIFICATE----- block) nor a DER certificate")
	default:
		return nil, &FormatError{Want: PEM, Got: f}
	}
}
