package qrs

import (
	"bytes"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

// LoadClientCertificate reads a client certificate and its private key, for
// WithClientCertificate. It takes either of the forms the Qlik Management
// Console exports:
//
//   - a PEM pair: path is the certificate (client.pem; it may hold the
//     chain after the leaf) and keyPath the private key (client_key.pem),
//     unencrypted, in PKCS#1 ("RSA PRIVATE KEY"), PKCS#8 ("PRIVATE KEY") or
//     SEC 1 ("EC PRIVATE KEY") form. password is not used. With keyPath
//     empty, a PEM file at path must hold both the certificate and the key.
//   - a PKCS#12 file (client.pfx, .p12) at path with keyPath empty, opened
//     with password, which may be empty for a file exported without one.
//
// The key must belong to the certificate. Encrypted PEM keys are not
// supported: the error says how to decrypt them. The password never
// appears in an error.
func LoadClientCertificate(path, keyPath, password string) (tls.Certificate, error) {
	fail := func(err error) (tls.Certificate, error) {
		return tls.Certificate{}, fmt.Errorf("qrs: client certificate %s: %w", path, err)
	}
	if path == "" {
		if keyPath != "" {
			return tls.Certificate{}, fmt.Errorf("qrs: client certificate: certificate and key must be provided together: key file %s given without a certificate file", keyPath)
		}
		return tls.Certificate{}, errors.New("qrs: client certificate: no certificate file given")
	}
	data, err := readStoreFile(path)
	if err != nil {
		return fail(err)
	}
	kind := sniffStore(data)
	if kind == kindUnknown && (data[0] == 0x30 || storeTypeFromExt(path) == StorePKCS12) {
		kind = kindPKCS12 // let the PKCS#12 reader say what is wrong
	}
	switch kind {
	case kindPKCS12:
		if keyPath != "" {
			return fail(fmt.Errorf("the PKCS#12 file holds its own key: leave the key file (%s) empty", keyPath))
		}
		cert, err := parsePKCS12ClientCertificate(data, password)
		if err != nil {
			return fail(err)
		}
		return cert, nil
	case kindPEM, kindDERCert:
	case kindJKS, kindJCEKS:
		return fail(fmt.Errorf("the file is %s: client certificates are read from PEM or PKCS#12 (.pfx) files; convert it with keytool -importkeystore -deststoretype PKCS12", kind))
	case kindEmpty:
		return fail(errors.New("the file is empty"))
	default:
		return fail(errors.New("neither a PEM certificate nor a PKCS#12 (.pfx) file"))
	}

	var certs []*x509.Certificate
	var keyBlocks []*pem.Block
	if kind == kindDERCert {
		if certs, err = x509.ParseCertificates(data); err != nil {
			return fail(err)
		}
	} else {
		if certs, _, err = parsePEMCertificates(data); err != nil {
			return fail(err)
		}
		if len(certs) == 0 {
			return fail(fmt.Errorf("%w: no PEM CERTIFICATE block", errNoCertificate))
		}
		keyBlocks = pemPrivateKeys(data)
	}
	keyFile := path
	if keyPath != "" {
		keyFile = keyPath
		keyData, err := readStoreFile(keyPath)
		if err != nil {
			return fail(fmt.Errorf("key file %s: %w", keyPath, err))
		}
		if keyBlocks = pemPrivateKeys(keyData); len(keyBlocks) == 0 {
			return fail(fmt.Errorf("key file %s: no PEM private key in it (PKCS#1 RSA PRIVATE KEY, PKCS#8 PRIVATE KEY or EC PRIVATE KEY)", keyPath))
		}
	} else if len(keyBlocks) == 0 {
		return fail(errors.New("certificate and key must be provided together: the file holds no private key, give the key file too"))
	}
	if len(keyBlocks) > 1 {
		return fail(fmt.Errorf("%s holds %d private keys, expected one", keyFile, len(keyBlocks)))
	}
	key, err := parsePEMPrivateKey(keyBlocks[0])
	if err != nil {
		return fail(fmt.Errorf("key file %s: %w", keyFile, err))
	}
	cert, err := certificateForKey(key, certs)
	if err != nil {
		return fail(fmt.Errorf("%w (key file %s)", err, keyFile))
	}
	return cert, nil
}

// pemPrivateKeys returns the private key blocks of a PEM file, encrypted
// or not.
func pemPrivateKeys(data []byte) []*pem.Block {
	var keys []*pem.Block
	rest := bytes.TrimPrefix(data, []byte(utf8BOM))
	for {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			return keys
		}
		if strings.HasSuffix(b.Type, "PRIVATE KEY") {
			keys = append(keys, b)
		}
	}
}

// parsePEMPrivateKey parses an unencrypted PKCS#1, PKCS#8 or SEC 1 key.
func parsePEMPrivateKey(b *pem.Block) (crypto.Signer, error) {
	if b.Type == "ENCRYPTED PRIVATE KEY" || strings.Contains(b.Headers["Proc-Type"], "ENCRYPTED") {
		return nil, errors.New("the private key is encrypted, which is not supported: decrypt it with `openssl pkey -in key.pem -out key-plain.pem`, or use the .pfx file with its password")
	}
	var key any
	var err error
	switch b.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(b.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(b.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(b.Bytes)
	default:
		return nil, fmt.Errorf("PEM block %q is not a supported private key (PKCS#1 RSA PRIVATE KEY, PKCS#8 PRIVATE KEY or EC PRIVATE KEY)", b.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Type, err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("private key of type %T cannot sign", key)
	}
	return signer, nil
}

// certificateForKey returns a tls.Certificate of key and the certificate
// among certs that it belongs to, followed by the others as its chain.
func certificateForKey(key crypto.Signer, certs []*x509.Certificate) (tls.Certificate, error) {
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok {
		return tls.Certificate{}, fmt.Errorf("private key of type %T is not supported", key)
	}
	for i, leaf := range certs {
		if !pub.Equal(leaf.PublicKey) {
			continue
		}
		chain := [][]byte{leaf.Raw}
		for j, c := range certs {
			if j != i {
				chain = append(chain, c.Raw)
			}
		}
		return tls.Certificate{Certificate: chain, PrivateKey: key, Leaf: leaf}, nil
	}
	subject := certs[0].Subject.CommonName
	if subject == "" {
		subject = certs[0].Subject.String()
	}
	return tls.Certificate{}, fmt.Errorf("the private key does not match the certificate %q", subject)
}

// parsePKCS12ClientCertificate reads the key, leaf and chain of a PKCS#12
// file.
func parsePKCS12ClientCertificate(data []byte, password string) (tls.Certificate, error) {
	if _, _, err := openPFX(data); err != nil {
		return tls.Certificate{}, err
	}
	key, leaf, chain, err := pkcs12.DecodeChain(data, password)
	if err != nil {
		if isPKCS12KeyMissing(err) {
			return tls.Certificate{}, errors.New("the PKCS#12 file holds no private key (is it a truststore?)")
		}
		return tls.Certificate{}, pkcs12Error(err, password)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return tls.Certificate{}, fmt.Errorf("private key of type %T cannot sign", key)
	}
	return certificateForKey(signer, append([]*x509.Certificate{leaf}, chain...))
}
