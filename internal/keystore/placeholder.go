package keystore

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
)

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
