package keystore

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"
)

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

// hasMAC reports whether the file has an integrity MAC.
func (p *pfxPDU) hasMAC() bool {
	return len(p.MacData.Mac.Algorithm.Algorithm) > 0
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
// decodes it with password, and returns the items of its authenticated
// safe.
func openPFX(data []byte, password string) (*pfxPDU, []asn1.RawValue, error) {
	p, err := parsePFX(data)
	if err != nil {
		if len(data) > 0 && data[0] != 0x30 {
			err = errors.New("it does not start with a DER sequence")
		}
		return nil, nil, notA(PKCS12, data, fmt.Errorf("not a valid PKCS#12 file (damaged, truncated or of another format): %s", asn1Reason(err)))
	}
	items, err := p.authSafeItems()
	if err != nil {
		return nil, nil, fmt.Errorf("damaged PKCS#12 file: %s", asn1Reason(err))
	}
	if err := checkPFXWork(p, items); err != nil {
		return nil, nil, err
	}
	// go-pkcs12 refuses a password for a file without MAC, as here, but
	// says so only in the text of its error.
	if !p.hasMAC() && password != "" {
		return nil, nil, fmt.Errorf("%w: the PKCS#12 file was made without a password (it has no integrity MAC); give an empty password", ErrWrongPassword)
	}
	return p, items, nil
}
