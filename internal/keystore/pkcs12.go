package keystore

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"

	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

// pkcs12Certificates returns every certificate of a PKCS#12 file: the
// trusted certificates of a truststore and the certificates (leaf and
// chain) of a key store alike.
//
// go-pkcs12 has no call for that: DecodeTrustStore wants every certificate
// marked with Java's trusted-key-usage attribute, which openssl pkcs12
// -export -nokeys does not add, and DecodeChain wants a private key (see
// TestGoPKCS12StillNeedsPlaceholderKey). So: DecodeChain first; if it
// decoded the whole file (MAC checked, safes decrypted, certificates
// parsed) and found only that the key is missing, decode it once more
// with a throwaway unencrypted key added (see withPlaceholderKey) and keep
// the certificates.
func pkcs12Certificates(data []byte, password string) ([]*x509.Certificate, error) {
	p, items, err := openPFX(data, password)
	if err != nil {
		return nil, err
	}
	_, leaf, chain, err := pkcs12.DecodeChain(data, password)
	if err != nil && isPKCS12Missing(err, "private key") {
		var repacked []byte
		if repacked, err = withPlaceholderKey(p, items, password); err != nil {
			return nil, err
		}
		_, leaf, chain, err = pkcs12.DecodeChain(repacked, password)
	}
	if err != nil {
		if len(items) == 0 && !errors.Is(err, pkcs12.ErrIncorrectPassword) {
			return nil, fmt.Errorf("%w: the PKCS#12 store is empty", ErrNoCertificate)
		}
		return nil, pkcs12Error(err, password)
	}
	return append([]*x509.Certificate{leaf}, chain...), nil
}

// ClientPKCS12 returns the private key of a PKCS#12 file with its
// certificate as the leaf and the file's other certificates as the chain.
func ClientPKCS12(data []byte, password string) (tls.Certificate, error) {
	if _, _, err := openPFX(data, password); err != nil {
		return tls.Certificate{}, err
	}
	key, leaf, chain, err := pkcs12.DecodeChain(data, password)
	if err != nil {
		if isPKCS12Missing(err, "private key") {
			return tls.Certificate{}, errors.New("the PKCS#12 file holds no private key (is it a truststore?)")
		}
		return tls.Certificate{}, pkcs12Error(err, password)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return tls.Certificate{}, fmt.Errorf("private key of type %T cannot sign", key)
	}
	pub, ok := signer.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok {
		return tls.Certificate{}, fmt.Errorf("private key of type %T is not supported", key)
	}
	// go-pkcs12 takes the first certificate for the leaf, but files
	// exported on Windows put the root first; tls.X509KeyPair would take
	// the first too, and pairs PEM only.
	certs := append([]*x509.Certificate{leaf}, chain...)
	i := slices.IndexFunc(certs, func(c *x509.Certificate) bool { return pub.Equal(c.PublicKey) })
	if i < 0 {
		return tls.Certificate{}, fmt.Errorf("the private key belongs to none of the %d certificates of the PKCS#12 file", len(certs))
	}
	der := [][]byte{certs[i].Raw}
	for j, c := range certs {
		if j != i {
			der = append(der, c.Raw)
		}
	}
	return tls.Certificate{Certificate: der, PrivateKey: signer, Leaf: certs[i]}, nil
}

// isPKCS12Missing reports whether err is go-pkcs12's DecodeChain finding
// no certificate or no private key (what), which it returns only after the
// MAC, the decryption and the certificates all passed. go-pkcs12 exports
// no sentinel for either.
func isPKCS12Missing(err error, what string) bool {
	return err.Error() == "pkcs12: "+what+" missing"
}

// pkcs12Error turns a go-pkcs12 error into one of ours.
func pkcs12Error(err error, password string) error {
	var ni pkcs12.NotImplementedError
	switch {
	case errors.Is(err, pkcs12.ErrIncorrectPassword):
		if password == "" {
			return fmt.Errorf("%w: the PKCS#12 file is protected by a password and none was given", ErrWrongPassword)
		}
		return fmt.Errorf("%w for the PKCS#12 file (its integrity check failed)", ErrWrongPassword)
	case errors.Is(err, pkcs12.ErrDecryption):
		return fmt.Errorf("%w, or a damaged PKCS#12 file: decryption failed", ErrWrongPassword)
	case isPKCS12Missing(err, "certificate"):
		return fmt.Errorf("%w: the PKCS#12 file holds no certificate", ErrNoCertificate)
	case errors.As(err, &ni):
		return fmt.Errorf("unsupported PKCS#12 file: %v", err)
	}
	return fmt.Errorf("damaged PKCS#12 file: %v", err)
}
