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

	"github.com/qrskit/qrs/internal/keystore"
	"github.com/qrskit/qrs/internal/regfile"
)

// LoadClientCertificate reads a client certificate and its private key, for
// [WithClientCertificate]. It takes either of the forms the Qlik Management
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
// The key must belong to one of the file's certificates, which becomes the
// leaf whatever its place in the file. Encrypted PEM keys are not supported: the error
// says how to decrypt them. What is not a regular file (a named pipe, a
// device) is refused before anything is read. The password never appears
// in an error.
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
	data, err := regfile.Read(path, maxStoreFileSize)
	if err != nil {
		return fail(err)
	}
	format := keystore.Sniff(data)
	if format == keystore.Unknown && (data[0] == 0x30 || storeTypeFromExt(path) == StorePKCS12) {
		format = keystore.PKCS12 // let the PKCS#12 reader say what is wrong
	}
	switch format {
	case keystore.PKCS12:
		if keyPath != "" {
			return fail(fmt.Errorf("the PKCS#12 file holds its own key: leave the key file (%s) empty", keyPath))
		}
		cert, err := keystore.ClientPKCS12(data, password)
		if err != nil {
			return fail(err)
		}
		return cert, nil
	case keystore.PEM, keystore.DER:
	case keystore.JKS, keystore.JCEKS:
		return fail(fmt.Errorf("the file is %s: client certificates are read from PEM or PKCS#12 (.pfx) files; convert it with keytool -importkeystore -deststoretype PKCS12", format))
	case keystore.Empty:
		return fail(errors.New("the file is empty"))
	default:
		return fail(errors.New("neither a PEM certificate nor a PKCS#12 (.pfx) file"))
	}

	certs, err := keystore.Certificates(data, "", keystore.PEM)
	if err != nil {
		return fail(err)
	}
	keyFile, keyData := path, data
	if keyPath != "" {
		keyFile = keyPath
		if keyData, err = regfile.Read(keyPath, maxStoreFileSize); err != nil {
			return fail(fmt.Errorf("key file %s: %w", keyPath, err))
		}
	}
	var keys []*pem.Block
	for _, b := range keystore.PEMBlocks(keyData) {
		if strings.HasSuffix(b.Type, "PRIVATE KEY") {
			keys = append(keys, b)
		}
	}
	switch {
	case len(keys) == 0 && keyPath == "":
		return fail(errors.New("certificate and key must be provided together: the file holds no private key, give the key file too"))
	case len(keys) == 0:
		return fail(fmt.Errorf("key file %s: no PEM private key in it (PKCS#1 RSA PRIVATE KEY, PKCS#8 PRIVATE KEY or EC PRIVATE KEY)", keyPath))
	case len(keys) > 1:
		// tls.X509KeyPair would take the first and say nothing.
		return fail(fmt.Errorf("%s holds %d private keys, expected one", keyFile, len(keys)))
	}
	cert, err := pemKeyPair(certs, keys[0], keyFile)
	if err != nil {
		return fail(err)
	}
	return cert, nil
}

// pemKeyPair returns the tls.Certificate of certs and the private key block
// key read from keyFile, paired by tls.X509KeyPair. The certificate of the
// key goes first, as TLS sends it, wherever the file has it: bundles made
// with the CA first have always loaded.
func pemKeyPair(certs []*x509.Certificate, key *pem.Block, keyFile string) (tls.Certificate, error) {
	if i := certificateOf(certs, key); i > 0 {
		certs = append([]*x509.Certificate{certs[i]}, append(certs[:i:i], certs[i+1:]...)...)
	}
	// Certificates encoded again: the file may be DER, or PEM after a byte
	// order mark, which pem.Decode does not skip.
	var certPEM bytes.Buffer
	for _, c := range certs {
		pem.Encode(&certPEM, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	keyPEM := pem.EncodeToMemory(key)
	defer clear(keyPEM)
	cert, err := tls.X509KeyPair(certPEM.Bytes(), keyPEM)
	if err != nil {
		return tls.Certificate{}, keyPairError(certs, key, keyFile)
	}
	return cert, nil
}

// certificateOf returns the index of the certificate whose public key is
// key's, or -1. tls.X509KeyPair only checks the first certificate.
func certificateOf(certs []*x509.Certificate, key *pem.Block) int {
	k, err := parsePrivateKey(key)
	if err != nil {
		return -1
	}
	signer, ok := k.(crypto.Signer)
	if !ok {
		return -1
	}
	for i, c := range certs {
		if pub, ok := c.PublicKey.(interface{ Equal(crypto.PublicKey) bool }); ok && pub.Equal(signer.Public()) {
			return i
		}
	}
	return -1
}

// parsePrivateKey parses the private key of a PEM block of a form
// LoadClientCertificate takes.
func parsePrivateKey(key *pem.Block) (any, error) {
	switch key.Type {
	case "RSA PRIVATE KEY":
		return x509.ParsePKCS1PrivateKey(key.Bytes)
	case "EC PRIVATE KEY":
		return x509.ParseECPrivateKey(key.Bytes)
	case "PRIVATE KEY":
		return x509.ParsePKCS8PrivateKey(key.Bytes)
	}
	return nil, errUnsupportedKey
}

var errUnsupportedKey = errors.New("unsupported private key type")

// keyPairError says why tls.X509KeyPair refused key (from keyFile) for
// certs: its errors tell neither an encrypted key nor a damaged one from
// another certificate's.
func keyPairError(certs []*x509.Certificate, key *pem.Block, keyFile string) error {
	if key.Type == "ENCRYPTED PRIVATE KEY" || strings.Contains(key.Headers["Proc-Type"], "ENCRYPTED") {
		return fmt.Errorf("key file %s: the private key is encrypted, which is not supported: decrypt it with `openssl pkey -in key.pem -out key-plain.pem`, or use the .pfx file with its password", keyFile)
	}
	k, err := parsePrivateKey(key)
	switch {
	case errors.Is(err, errUnsupportedKey):
		return fmt.Errorf("key file %s: PEM block %q is not a supported private key (PKCS#1 RSA PRIVATE KEY, PKCS#8 PRIVATE KEY or EC PRIVATE KEY)", keyFile, key.Type)
	case err != nil:
		return fmt.Errorf("key file %s: %s: %w", keyFile, key.Type, err)
	}
	if _, ok := k.(crypto.Signer); !ok {
		return fmt.Errorf("key file %s: private key of type %T cannot sign", keyFile, k)
	}
	subject := certs[0].Subject.CommonName
	if subject == "" {
		subject = certs[0].Subject.String()
	}
	if len(certs) > 1 {
		return fmt.Errorf("the private key matches none of the %d certificates (the first is %q; key file %s)", len(certs), subject, keyFile)
	}
	return fmt.Errorf("the private key does not match the certificate %q (key file %s)", subject, keyFile)
}
