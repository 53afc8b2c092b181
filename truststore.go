package qrs

// This file holds the truststore API; the formats themselves (PKCS#12,
// JKS, PEM and DER) are read by internal/keystore.

import (
	"crypto/x509"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/qrskit/qrs/internal/keystore"
	"github.com/qrskit/qrs/internal/regfile"
)

// StoreType names the format of a truststore file.
type StoreType string

// The truststore formats that [LoadTrustStore] reads.
const (
	// StoreAuto takes the format from the file extension: .p12 and .pfx
	// are PKCS12, .jks is JKS, .pem, .crt and .cer are PEM.
	StoreAuto StoreType = ""
	// StorePKCS12 is a PKCS#12 file, as made by keytool (the default store
	// type since Java 9) or by openssl pkcs12 -export.
	StorePKCS12 StoreType = "PKCS12"
	// StoreJKS is Java's legacy JKS keystore.
	StoreJKS StoreType = "JKS"
	// StorePEM is a bundle of PEM "CERTIFICATE" blocks, or a single
	// DER-encoded certificate (as Windows exports .cer files).
	StorePEM StoreType = "PEM"
)

// ParseStoreType returns the [StoreType] that s names, in any letter case:
// "pkcs12" (also "p12" and "pfx"), "jks" or "pem". The empty string gives
// [StoreAuto].
func ParseStoreType(s string) (StoreType, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return StoreAuto, nil
	case "pkcs12", "p12", "pfx":
		return StorePKCS12, nil
	case "jks":
		return StoreJKS, nil
	case "pem":
		return StorePEM, nil
	}
	return "", fmt.Errorf("qrs: unknown truststore type %q: use PKCS12, JKS or PEM, or leave it empty to go by the file extension", s)
}

// LoadTrustStore reads the certificates of a truststore file into a pool,
// for [WithRootCAs]. Every certificate in the file is trusted: the trusted
// certificate entries, and the certificate chains of private key entries
// (the keys themselves are not read).
//
// typ [StoreAuto] takes the format from the file extension (case does not
// matter): .p12 and .pfx for PKCS12, .jks for JKS, .pem, .crt and .cer for
// PEM; any other type given wins over the extension. A file whose content
// is of another format than the type says is an error that names the format
// found. password opens PKCS12 and JKS stores: an empty one opens PKCS12
// stores made without a password; JKS stores always need theirs. PEM files
// ignore it. The password never appears in an error.
//
// A missing file gives an error that matches fs.ErrNotExist. What is not a
// regular file (a directory, a named pipe, a device) is refused before
// anything is read.
func LoadTrustStore(path, password string, typ StoreType) (*x509.CertPool, error) {
	certs, err := loadTrustStoreCerts(path, password, typ)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
}

// loadTrustStoreCerts reads the certificates of the truststore at path; see
// LoadTrustStore.
func loadTrustStoreCerts(path, password string, typ StoreType) ([]*x509.Certificate, error) {
	fail := func(err error) ([]*x509.Certificate, error) {
		return nil, fmt.Errorf("qrs: truststore %s: %w", path, err)
	}
	given, err := ParseStoreType(string(typ))
	if err != nil {
		return nil, err
	}
	if path == "" {
		return nil, errors.New("qrs: truststore: no file name given")
	}
	data, err := regfile.Read(path, maxStoreFileSize)
	if err != nil {
		return fail(err)
	}
	typ = given
	if typ == StoreAuto {
		if typ = storeTypeFromExt(path); typ == StoreAuto {
			msg := fmt.Sprintf("cannot tell the store type from the file name (extension %q): name the file .p12 or .pfx (PKCS12), .jks (JKS), .pem, .crt or .cer (PEM), or set the store type to PKCS12, JKS or PEM", filepath.Ext(path))
			if f := keystore.Sniff(data); storeTypeOf(f) != StoreAuto {
				msg += fmt.Sprintf("; the file looks like %s", f)
			}
			return fail(errors.New(msg))
		}
	}
	certs, err := keystore.Certificates(data, password, storeFormats[typ])
	var ferr *keystore.FormatError
	if errors.As(err, &ferr) {
		hint := "as the store type says"
		if given == StoreAuto {
			hint = "as its extension says"
		}
		if t := storeTypeOf(ferr.Got); t != StoreAuto {
			hint += fmt.Sprintf("; set the store type to %s", t)
			if given == StoreAuto {
				hint += fmt.Sprintf(", or rename the file to %s", storeExtension(t))
			}
		}
		return fail(fmt.Errorf("%w %s", err, hint))
	}
	if err != nil {
		return fail(err)
	}
	return certs, nil
}

// storeFormats maps each StoreType but StoreAuto to the keystore format
// that reads it.
var storeFormats = map[StoreType]keystore.Format{
	StorePKCS12: keystore.PKCS12,
	StoreJKS:    keystore.JKS,
	StorePEM:    keystore.PEM,
}

// storeTypeOf returns the StoreType that reads files of format f, or
// StoreAuto when none does.
func storeTypeOf(f keystore.Format) StoreType {
	for t, g := range storeFormats {
		if g == f.Reader() {
			return t
		}
	}
	return StoreAuto
}

// storeExtensions are the file extensions StoreAuto goes by; the first of
// each type is the one an error suggests.
var storeExtensions = []struct {
	ext string
	typ StoreType
}{
	{".p12", StorePKCS12}, {".pfx", StorePKCS12},
	{".jks", StoreJKS},
	{".pem", StorePEM}, {".crt", StorePEM}, {".cer", StorePEM},
}

// storeTypeFromExt returns the store type that the extension of path
// stands for, or StoreAuto when it stands for none.
func storeTypeFromExt(path string) StoreType {
	ext := strings.ToLower(filepath.Ext(path))
	for _, e := range storeExtensions {
		if e.ext == ext {
			return e.typ
		}
	}
	return StoreAuto
}

// storeExtension returns the extension a file of type t should have.
func storeExtension(t StoreType) string {
	for _, e := range storeExtensions {
		if e.typ == t {
			return e.ext
		}
	}
	return ""
}

// maxStoreFileSize bounds what is read of a truststore, certificate or key
// file: they are kilobytes (Java's whole cacerts is about 200 KiB).
const maxStoreFileSize = 16 << 20
