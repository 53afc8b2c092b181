package qrs

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	keystore "github.com/pavlo-v-chernykh/keystore-go/v4"
	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

// StoreType names the format of a truststore file.
type StoreType string

// The truststore formats that LoadTrustStore reads.
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

// ParseStoreType returns the StoreType that s names, in any letter case:
// "pkcs12" (also "p12" and "pfx"), "jks" or "pem". The empty string gives
// StoreAuto.
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
// for WithRootCAs. Every certificate in the file is trusted: the trusted
// certificate entries, and the certificate chains of private key entries
// (the keys themselves are not read).
//
// typ StoreAuto takes the format from the file extension (case does not
// matter): .p12 and .pfx for PKCS12, .jks for JKS, .pem, .crt and .cer for
// PEM; any other type given wins over the extension. A file whose content
// is of another format than the type says is an error that names the format
// found. password opens PKCS12 and JKS stores: an empty one opens PKCS12
// stores made without a password; JKS stores always need theirs. PEM files
// ignore it. The password never appears in an error.
//
// A missing file gives an error that matches fs.ErrNotExist.
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
	data, err := readStoreFile(path)
	if err != nil {
		return fail(err)
	}
	typ = given
	if typ == StoreAuto {
		if typ = storeTypeFromExt(path); typ == StoreAuto {
			msg := fmt.Sprintf("cannot tell the store type from the file name (extension %q): name the file .p12 or .pfx (PKCS12), .jks (JKS), .pem, .crt or .cer (PEM), or set the store type to PKCS12, JKS or PEM", filepath.Ext(path))
			if k := sniffStore(data); k.storeType() != StoreAuto {
				msg += fmt.Sprintf("; the file looks like %s", k)
			}
			return fail(errors.New(msg))
		}
	}
	certs, err := parseTrustStore(data, password, typ)
	var kerr *storeKindError
	if errors.As(err, &kerr) {
		hint := "as the store type says"
		if given == StoreAuto {
			hint = "as its extension says"
		}
		if t := kerr.got.storeType(); t != StoreAuto {
			hint += fmt.Sprintf("; set the store type to %s", t)
			if given == StoreAuto {
				hint += fmt.Sprintf(", or rename the file to %s", map[StoreType]string{StorePKCS12: ".p12", StoreJKS: ".jks", StorePEM: ".pem"}[t])
			}
		}
		return fail(fmt.Errorf("%w %s", err, hint))
	}
	if err != nil {
		return fail(err)
	}
	return certs, nil
}

// parseTrustStore returns the certificates of a truststore held in data, of
// type typ (not StoreAuto). Its errors do not name the file.
func parseTrustStore(data []byte, password string, typ StoreType) ([]*x509.Certificate, error) {
	switch typ {
	case StorePKCS12:
		return parsePKCS12Store(data, password)
	case StoreJKS:
		return parseJKSStore(data, password)
	case StorePEM:
		return parsePEMStore(data)
	}
	return nil, fmt.Errorf("unknown truststore type %q: use PKCS12, JKS or PEM", string(typ))
}

// storeTypeFromExt returns the store type that the extension of path
// stands for, or StoreAuto when it stands for none.
func storeTypeFromExt(path string) StoreType {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".p12", ".pfx":
		return StorePKCS12
	case ".jks":
		return StoreJKS
	case ".pem", ".crt", ".cer":
		return StorePEM
	}
	return StoreAuto
}

var (
	// errWrongPassword is wrapped by the errors of a store or key file
	// whose integrity check or decryption fails with the password given.
	errWrongPassword = errors.New("wrong password")
	// errNoCertificate is wrapped by the errors of a store without a
	// certificate.
	errNoCertificate = errors.New("no certificate in the file")
)

// maxStoreFileSize bounds what readStoreFile reads: stores and key files
// are kilobytes (Java's whole cacerts is about 200 KiB).
const maxStoreFileSize = 16 << 20

// readStoreFile reads a truststore, certificate or key file. Its errors do
// not repeat the path, which the caller puts in front; a missing file
// matches fs.ErrNotExist.
func readStoreFile(path string) ([]byte, error) {
	if path == "" {
		return nil, errors.New("no file name given")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, unwrapPathError(err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, errors.New("is a directory, not a file")
	}
	data, err := io.ReadAll(io.LimitReader(f, maxStoreFileSize+1))
	if err != nil {
		return nil, unwrapPathError(err)
	}
	if len(data) > maxStoreFileSize {
		return nil, fmt.Errorf("file is larger than %d MiB: not a certificate store", maxStoreFileSize>>20)
	}
	return data, nil
}

// unwrapPathError drops the operation and path from an *fs.PathError,
// keeping the cause (which still matches fs.ErrNotExist and friends).
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// storeKind is the format of a file as its bytes show it.
type storeKind int

const (
	kindUnknown storeKind = iota
	kindEmpty
	kindPEM
	kindJKS
	kindJCEKS
	kindPKCS12
	kindDERCert
)

func (k storeKind) String() string {
	switch k {
	case kindEmpty:
		return "empty"
	case kindPEM:
		return "a PEM file"
	case kindJKS:
		return "a JKS keystore"
	case kindJCEKS:
		return "a JCEKS keystore"
	case kindPKCS12:
		return "a PKCS#12 store"
	case kindDERCert:
		return "a DER-encoded certificate"
	}
	return "not a certificate store"
}

// storeType returns the StoreType that reads files of kind k, or StoreAuto
// when none does.
func (k storeKind) storeType() StoreType {
	switch k {
	case kindPEM, kindDERCert:
		return StorePEM
	case kindJKS:
		return StoreJKS
	case kindPKCS12:
		return StorePKCS12
	}
	return StoreAuto
}

const (
	jksMagic   = 0xFEEDFEED
	jceksMagic = 0xCECECECE
)

// sniffStore tells the format of data from its first bytes: JKS and JCEKS
// by their magic numbers, PEM by a "-----BEGIN " line, PKCS#12 and DER
// certificates by parsing them.
func sniffStore(data []byte) storeKind {
	if len(bytes.TrimSpace(data)) == 0 {
		return kindEmpty
	}
	if len(data) >= 4 {
		switch binary.BigEndian.Uint32(data) {
		case jksMagic:
			return kindJKS
		case jceksMagic:
			return kindJCEKS
		}
	}
	if data[0] == 0x30 { // a DER SEQUENCE
		if _, err := parsePFX(data); err == nil {
			return kindPKCS12
		}
		if _, err := x509.ParseCertificate(data); err == nil {
			return kindDERCert
		}
		return kindUnknown
	}
	if bytes.Contains(data, []byte("-----BEGIN ")) {
		return kindPEM
	}
	return kindUnknown
}

// storeKindError reports a file whose content is of another format than
// the one it was read as.
type storeKindError struct {
	want StoreType
	got  storeKind
}

func (e *storeKindError) Error() string {
	want := map[StoreType]string{
		StorePKCS12: "a PKCS#12 store",
		StoreJKS:    "a JKS keystore",
		StorePEM:    "a PEM or DER certificate file",
	}[e.want]
	return fmt.Sprintf("the file is %s, not %s", e.got, want)
}

// notA returns the error for data that could not be read as typ: a
// *storeKindError when the bytes show another format, errNoCertificate
// when there are none, else cause.
func notA(typ StoreType, data []byte, cause error) error {
	k := sniffStore(data)
	if k == kindEmpty {
		return fmt.Errorf("%w: the file is empty", errNoCertificate)
	}
	if k != kindUnknown && k.storeType() != typ {
		return &storeKindError{want: typ, got: k}
	}
	return cause
}

// --- PEM ---

// parsePEMStore returns the certificates of a PEM bundle (every
// CERTIFICATE block; other blocks such as private keys are skipped), or of
// a file holding one or more DER certificates.
func parsePEMStore(data []byte) ([]*x509.Certificate, error) {
	certs, others, err := parsePEMCertificates(data)
	if err != nil {
		return nil, err
	}
	if len(certs) > 0 {
		return certs, nil
	}
	if len(others) > 0 {
		return nil, fmt.Errorf("%w: the PEM blocks are %s, none is a CERTIFICATE", errNoCertificate, strings.Join(others, ", "))
	}
	switch k := sniffStore(data); k {
	case kindDERCert:
		return x509.ParseCertificates(data)
	case kindEmpty:
		return nil, fmt.Errorf("%w: the file is empty", errNoCertificate)
	case kindPEM:
		return nil, errors.New("malformed PEM: no complete -----BEGIN/-----END block could be read")
	case kindUnknown:
		if data[0] == 0x30 {
			if certs, err := x509.ParseCertificates(data); err == nil {
				return certs, nil
			}
		}
		return nil, errors.New("neither PEM (no -----BEGIN CERTIFICATE----- block) nor a DER certificate")
	default:
		return nil, &storeKindError{want: StorePEM, got: k}
	}
}

// utf8BOM is the byte order mark that Windows editors put in front of text.
const utf8BOM = "\xEF\xBB\xBF"

// parsePEMCertificates parses every CERTIFICATE block of data, and lists
// the types of the other blocks. A CERTIFICATE block that does not parse is
// an error.
func parsePEMCertificates(data []byte) (certs []*x509.Certificate, others []string, err error) {
	// pem.Decode wants "-----BEGIN" at the start of a line: drop the byte
	// order mark that Windows editors write.
	rest := bytes.TrimPrefix(data, []byte(utf8BOM))
	for n := 1; ; n++ {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			return certs, others, nil
		}
		if b.Type != "CERTIFICATE" {
			others = append(others, b.Type)
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, nil, fmt.Errorf("PEM block %d (CERTIFICATE): %w", n, err)
		}
		certs = append(certs, c)
	}
}

// --- JKS ---

// parseJKSStore returns the trusted certificates of a JKS keystore and the
// certificate chains of its private key entries, after checking the
// keystore's integrity with password.
func parseJKSStore(data []byte, password string) ([]*x509.Certificate, error) {
	switch k := sniffStore(data); k {
	case kindJKS:
	case kindJCEKS:
		return nil, errors.New("JCEKS keystores are not supported: convert it with keytool -importkeystore -deststoretype PKCS12")
	default:
		return nil, notA(StoreJKS, data, errors.New("not a JKS keystore (no JKS magic number)"))
	}
	// keystore-go allocates whatever lengths the file claims: check them
	// against the data first.
	if err := checkJKSLayout(data); err != nil {
		return nil, fmt.Errorf("damaged JKS keystore: %w", err)
	}
	if password == "" {
		return nil, fmt.Errorf("%w: a JKS keystore needs its password and none was given", errWrongPassword)
	}
	pw, err := jksPassword(password)
	if err != nil {
		return nil, err
	}
	defer clear(pw)
	ks := keystore.New(keystore.WithCaseExactAliases(), keystore.WithOrderedAliases())
	if err := ks.Load(bytes.NewReader(data), pw); err != nil {
		if err.Error() == "got invalid digest" {
			return nil, fmt.Errorf("%w, or the keystore was altered (its integrity check failed)", errWrongPassword)
		}
		return nil, fmt.Errorf("damaged JKS keystore: %v", err)
	}
	var certs []*x509.Certificate
	for _, alias := range ks.Aliases() {
		var entries []keystore.Certificate
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
		return nil, fmt.Errorf("%w: the JKS keystore has no entries", errNoCertificate)
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

// --- PKCS#12 ---

// The outer layers of a PKCS#12 file (RFC 7292), parsed here to bound the
// work of decoding it and to add a placeholder key (see
// withPlaceholderKey). Each is at least as lenient as go-pkcs12's own.
type pfxPDU struct {
	Version  int
	AuthSafe contentInfo
	MacData  macData `asn1:"optional"`
}

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"tag:0,explicit,optional"`
}

type macData struct {
	Mac        digestInfo
	MacSalt    []byte
	Iterations int `asn1:"optional,default:1"`
}

type digestInfo struct {
	Algorithm pkix.AlgorithmIdentifier
	Digest    []byte
}

type encryptedData struct {
	Version              int
	EncryptedContentInfo struct {
		ContentType                asn1.ObjectIdentifier
		ContentEncryptionAlgorithm pkix.AlgorithmIdentifier
		EncryptedContent           []byte `asn1:"tag:0,optional"`
	}
}

type safeBag struct {
	ID         asn1.ObjectIdentifier
	Value      asn1.RawValue   `asn1:"tag:0,explicit"`
	Attributes []asn1.RawValue `asn1:"set,optional"`
}

type encryptedPrivateKeyInfo struct {
	Algorithm pkix.AlgorithmIdentifier
	Data      []byte
}

type pbeParams struct {
	Salt       []byte
	Iterations int
}

type pbes2Params struct {
	KDF              pkix.AlgorithmIdentifier
	EncryptionScheme pkix.AlgorithmIdentifier
}

type pbkdf2Params struct {
	Salt       asn1.RawValue
	Iterations int
	KeyLength  int                      `asn1:"optional"`
	PRF        pkix.AlgorithmIdentifier `asn1:"optional"`
}

type pbmac1Params struct {
	KDF    pkix.AlgorithmIdentifier
	MacAlg pkix.AlgorithmIdentifier
}

var (
	oidData           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidEncryptedData  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}
	oidKeyBag         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 1}
	oidShroudedKeyBag = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 2}
	oidPKCS12PBE      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1} // + .1 to .6
	oidPBKDF2         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidPBES2          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBMAC1         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 14}
	oidHMACWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
)

// maxPBEIterations bounds the key-derivation iterations of a PKCS#12 file,
// summed over its MAC and its encrypted parts, so that a crafted file
// cannot stall the caller (a million iterations of PBKDF2-SHA256 take about
// half a second). OpenSSL 3 uses 2048 per part, Java 17's keytool 10000.
const maxPBEIterations = 1_000_000

// parsePFX parses the outer layer of a PKCS#12 file.
func parsePFX(data []byte) (*pfxPDU, error) {
	var p pfxPDU
	rest, err := asn1.Unmarshal(data, &p)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, errors.New("trailing data after the PKCS#12 structure")
	}
	if p.Version != 3 {
		return nil, fmt.Errorf("PKCS#12 version %d is not supported (only 3)", p.Version)
	}
	return &p, nil
}

// authSafeItems returns the ContentInfo items of a PKCS#12 file's
// authenticated safe, undecoded.
func (p *pfxPDU) authSafeItems() ([]asn1.RawValue, error) {
	if !p.AuthSafe.ContentType.Equal(oidData) {
		return nil, errors.New("PKCS#12 files signed with a public key are not supported, only password-protected ones")
	}
	var octets []byte
	if _, err := asn1.Unmarshal(p.AuthSafe.Content.Bytes, &octets); err != nil {
		return nil, err
	}
	var items []asn1.RawValue
	if _, err := asn1.Unmarshal(octets, &items); err != nil {
		return nil, err
	}
	return items, nil
}

// asn1Reason returns the message of an encoding/asn1 error without the
// dump of Go struct-tag parameters that some of them carry.
func asn1Reason(err error) string {
	s := err.Error()
	if i := strings.Index(s, " {"); i > 0 {
		s = s[:i]
	}
	return s
}

// checkPFXWork refuses a PKCS#12 file whose key derivations would add up
// to more than maxPBEIterations: its MAC, its encrypted safes and the
// encrypted keys of its plain safes. (Keys inside encrypted safes are
// reached only after the MAC and the decryption succeeded with the
// caller's password.) Parts that do not parse here do not parse in
// go-pkcs12 either, which then refuses them without deriving a key.
func checkPFXWork(p *pfxPDU, items []asn1.RawValue) error {
	total := clampIterations(p.MacData.Iterations)
	if p.MacData.Mac.Algorithm.Algorithm.Equal(oidPBMAC1) {
		var params pbmac1Params
		if _, err := asn1.Unmarshal(p.MacData.Mac.Algorithm.Parameters.FullBytes, &params); err == nil {
			total = pbeIterations(params.KDF)
		}
	}
	for _, item := range items {
		if total > maxPBEIterations {
			break
		}
		var ci contentInfo
		if _, err := asn1.Unmarshal(item.FullBytes, &ci); err != nil {
			continue
		}
		switch {
		case ci.ContentType.Equal(oidEncryptedData):
			var ed encryptedData
			if _, err := asn1.Unmarshal(ci.Content.Bytes, &ed); err == nil {
				total += pbeIterations(ed.EncryptedContentInfo.ContentEncryptionAlgorithm)
			}
		case ci.ContentType.Equal(oidData):
			var octets []byte
			var bags []safeBag
			if _, err := asn1.Unmarshal(ci.Content.Bytes, &octets); err != nil {
				continue
			}
			if _, err := asn1.Unmarshal(octets, &bags); err != nil {
				continue
			}
			for _, bag := range bags {
				var key encryptedPrivateKeyInfo
				if !bag.ID.Equal(oidShroudedKeyBag) {
					continue
				}
				if _, err := asn1.Unmarshal(bag.Value.Bytes, &key); err == nil {
					total += pbeIterations(key.Algorithm)
				}
			}
		}
	}
	if total > maxPBEIterations {
		return fmt.Errorf("the PKCS#12 file asks for more key-derivation iterations than the %d (MAC and encryption together) this reader allows", maxPBEIterations)
	}
	return nil
}

// pbeIterations returns the iteration count of a password-based
// encryption or key-derivation algorithm (PKCS#12 PBE, PBES2, PBKDF2), or
// 0 when it is none of those or does not parse.
func pbeIterations(alg pkix.AlgorithmIdentifier) int {
	params := alg.Parameters.FullBytes
	switch {
	case alg.Algorithm.Equal(oidPBKDF2):
		var p pbkdf2Params
		if _, err := asn1.Unmarshal(params, &p); err == nil {
			return clampIterations(p.Iterations)
		}
	case alg.Algorithm.Equal(oidPBES2):
		var p pbes2Params
		if _, err := asn1.Unmarshal(params, &p); err == nil {
			return pbeIterations(p.KDF)
		}
	case len(alg.Algorithm) == len(oidPKCS12PBE)+1 && alg.Algorithm[:len(oidPKCS12PBE)].Equal(oidPKCS12PBE):
		var p pbeParams
		if _, err := asn1.Unmarshal(params, &p); err == nil {
			return clampIterations(p.Iterations)
		}
	}
	return 0
}

// clampIterations keeps an iteration count read from a file within
// [0, maxPBEIterations+1], so that sums of them cannot overflow.
func clampIterations(n int) int {
	return min(max(n, 0), maxPBEIterations+1)
}

// openPFX parses a PKCS#12 file far enough to check it before go-pkcs12
// decodes it, and returns the items of its authenticated safe.
func openPFX(data []byte) (*pfxPDU, []asn1.RawValue, error) {
	p, err := parsePFX(data)
	if err != nil {
		if len(data) > 0 && data[0] != 0x30 {
			err = errors.New("it does not start with a DER sequence")
		}
		return nil, nil, notA(StorePKCS12, data, fmt.Errorf("not a valid PKCS#12 file (damaged, truncated or of another format): %s", asn1Reason(err)))
	}
	items, err := p.authSafeItems()
	if err != nil {
		return nil, nil, fmt.Errorf("damaged PKCS#12 file: %s", asn1Reason(err))
	}
	if err := checkPFXWork(p, items); err != nil {
		return nil, nil, err
	}
	return p, items, nil
}

// parsePKCS12Store returns every certificate of a PKCS#12 file: the
// trusted certificates of a truststore and the certificates (leaf and
// chain) of a key store alike.
//
// go-pkcs12 has no call for that: DecodeTrustStore wants every certificate
// marked with Java's trusted-key-usage attribute, which openssl pkcs12
// -export -nokeys does not add, and DecodeChain wants a private key. So:
// DecodeChain first; if it decoded the whole file (MAC checked, safes
// decrypted, certificates parsed) and found only that the key is missing,
// decode it once more with a throwaway unencrypted key added (see
// withPlaceholderKey) and keep the certificates.
func parsePKCS12Store(data []byte, password string) ([]*x509.Certificate, error) {
	p, items, err := openPFX(data)
	if err != nil {
		return nil, err
	}
	_, leaf, chain, err := pkcs12.DecodeChain(data, password)
	if err != nil && isPKCS12KeyMissing(err) {
		var repacked []byte
		if repacked, err = withPlaceholderKey(p, items, password); err != nil {
			return nil, err
		}
		_, leaf, chain, err = pkcs12.DecodeChain(repacked, password)
	}
	if err != nil {
		if len(items) == 0 && !errors.Is(err, pkcs12.ErrIncorrectPassword) {
			return nil, fmt.Errorf("%w: the PKCS#12 store is empty", errNoCertificate)
		}
		return nil, pkcs12Error(err, password)
	}
	return append([]*x509.Certificate{leaf}, chain...), nil
}

// isPKCS12KeyMissing reports whether err is go-pkcs12's DecodeChain
// finding no private key, which it returns only after the MAC, the
// decryption and the certificates all passed.
func isPKCS12KeyMissing(err error) bool {
	return err.Error() == "pkcs12: private key missing"
}

// pkcs12Error turns a go-pkcs12 error into one of ours.
func pkcs12Error(err error, password string) error {
	var ni pkcs12.NotImplementedError
	switch {
	case errors.Is(err, pkcs12.ErrIncorrectPassword):
		if password == "" {
			return fmt.Errorf("%w: the PKCS#12 file is protected by a password and none was given", errWrongPassword)
		}
		return fmt.Errorf("%w for the PKCS#12 file (its integrity check failed)", errWrongPassword)
	case errors.Is(err, pkcs12.ErrDecryption):
		return fmt.Errorf("%w, or a damaged PKCS#12 file: decryption failed", errWrongPassword)
	case err.Error() == "pkcs12: no MAC in data":
		return fmt.Errorf("%w: the PKCS#12 file was made without a password (it has no integrity MAC); give an empty password", errWrongPassword)
	case err.Error() == "pkcs12: certificate missing":
		return fmt.Errorf("%w: the PKCS#12 file holds no certificate", errNoCertificate)
	case errors.As(err, &ni):
		return fmt.Errorf("unsupported PKCS#12 file: %v", err)
	}
	return fmt.Errorf("damaged PKCS#12 file: %v", err)
}

// withPlaceholderKey returns the PKCS#12 file p with one more item in its
// authenticated safe: an unencrypted safe holding a throwaway Ed25519 key,
// so that go-pkcs12's DecodeChain, which insists on a key, returns the
// certificates of a certificate-only store. Adding an item invalidates the
// file's MAC, so a new PBMAC1 MAC (RFC 9579) is made with the same
// password. This is only called after DecodeChain has verified the
// original MAC with that password (or, for an empty password, accepted a
// file without MAC), so nothing unverified is let through; the encrypted
// items are kept byte for byte and go-pkcs12 decrypts them as before.
func withPlaceholderKey(p *pfxPDU, items []asn1.RawValue, password string) ([]byte, error) {
	key, err := x509.MarshalPKCS8PrivateKey(ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)))
	if err != nil {
		return nil, err
	}
	bags, err := asn1.Marshal([]safeBag{{
		ID:    oidKeyBag,
		Value: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: key},
	}})
	if err != nil {
		return nil, err
	}
	plain, err := marshalDataContentInfo(bags)
	if err != nil {
		return nil, err
	}
	all := append(append([]asn1.RawValue(nil), items...), asn1.RawValue{FullBytes: plain})
	safe, err := asn1.Marshal(all)
	if err != nil {
		return nil, err
	}
	authSafe, err := marshalDataContentInfo(safe)
	if err != nil {
		return nil, err
	}
	mac, err := pbmac1(safe, password)
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(struct {
		Version  int
		AuthSafe asn1.RawValue
		MacData  macData
	}{p.Version, asn1.RawValue{FullBytes: authSafe}, mac})
}

// marshalDataContentInfo returns a PKCS#7 ContentInfo of type data
// holding content.
func marshalDataContentInfo(content []byte) ([]byte, error) {
	return asn1.Marshal(struct {
		ContentType asn1.ObjectIdentifier
		Content     []byte `asn1:"tag:0,explicit"`
	}{oidData, content})
}

// pbmac1 returns a PKCS#12 MacData with a PBMAC1 HMAC-SHA256 MAC of
// message under password. It guards nothing (see withPlaceholderKey), so
// one iteration and a fixed salt do.
func pbmac1(message []byte, password string) (macData, error) {
	salt := make([]byte, 16)
	const keyLen = sha256.Size
	key, err := pbkdf2.Key(sha256.New, password, salt, 1, keyLen)
	if err != nil {
		return macData{}, err
	}
	saltDER, err := asn1.Marshal(salt)
	if err != nil {
		return macData{}, err
	}
	kdf, err := asn1.Marshal(pbkdf2Params{
		Salt:       asn1.RawValue{FullBytes: saltDER},
		Iterations: 1,
		KeyLength:  keyLen,
		PRF:        pkix.AlgorithmIdentifier{Algorithm: oidHMACWithSHA256},
	})
	if err != nil {
		return macData{}, err
	}
	params, err := asn1.Marshal(pbmac1Params{
		KDF:    pkix.AlgorithmIdentifier{Algorithm: oidPBKDF2, Parameters: asn1.RawValue{FullBytes: kdf}},
		MacAlg: pkix.AlgorithmIdentifier{Algorithm: oidHMACWithSHA256},
	})
	if err != nil {
		return macData{}, err
	}
	h := hmac.New(sha256.New, key)
	h.Write(message)
	return macData{
		Mac: digestInfo{
			Algorithm: pkix.AlgorithmIdentifier{Algorithm: oidPBMAC1, Parameters: asn1.RawValue{FullBytes: params}},
			Digest:    h.Sum(nil),
		},
		MacSalt:    salt,
		Iterations: 1,
	}, nil
}
