package testserver

import (
	"crypto"
	"crypto/rsa"
	_ "crypto/sha256" // registers SHA-256 for crypto.Hash.New
	_ "crypto/sha512" // registers SHA-384 and SHA-512
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// JWTAuth configures a JWT virtual proxy ([Config.JWT]). A request without
// a session cookie authenticates with "Authorization: Bearer <token>": a
// JSON Web Signature in compact form, signed with RS256, RS384 or RS512
// (any other algorithm, "none" and HS256 included, is refused) by the key
// of Certificate, whose claims name the user. Checked: the signature; exp
// and nbf when present (NumericDate, no leeway); the audience when
// Audience is set; both user claims, non-empty strings; the user against
// Config.Users. A token that passes opens a session (the cookie
// X-Qlik-Session-{prefix}, counted against MaxSessionsPerUser); every
// failure is 401, whatever Config.AuthFailure says.
type JWTAuth struct {
	// Certificate is the PEM certificate configured on the virtual proxy;
	// its RSA public key verifies the tokens.
	Certificate []byte
	// UserIDClaim and DirectoryClaim name the claims that hold the user id
	// and the user directory, matched with regard to case (sites use
	// userId/userDirectory, UserId/UserDirectory, user/directory). Both
	// are required: there is no default.
	UserIDClaim, DirectoryClaim string
	// Audience, if set, must be the token's aud claim, or one of its
	// values when aud is an array. Default: aud is not checked.
	Audience string
}

// maxTokenLength bounds the tokens the proxy reads.
const maxTokenLength = 16 << 10

// jwtAlgorithms are the algorithms a Qlik JWT virtual proxy accepts.
var jwtAlgorithms = map[string]crypto.Hash{
	"RS256": crypto.SHA256,
	"RS384": crypto.SHA384,
	"RS512": crypto.SHA512,
}

// jwtVerifier checks tokens for a JWT virtual proxy.
type jwtVerifier struct {
	key                 *rsa.PublicKey
	userClaim, dirClaim string
	audience            string
}

func newJWTVerifier(c *JWTAuth) (*jwtVerifier, error) {
	if c.UserIDClaim == "" || c.DirectoryClaim == "" {
		return nil, errors.New("testserver: JWT needs UserIDClaim and DirectoryClaim (there is no default)")
	}
	if c.UserIDClaim == c.DirectoryClaim {
		return nil, errors.New("testserver: JWT UserIDClaim and DirectoryClaim must differ")
	}
	block, rest := pem.Decode(c.Certificate)
	if block == nil || block.Type != "CERTIFICATE" || len(strings.TrimSpace(string(rest))) != 0 {
		return nil, errors.New("testserver: JWT Certificate must be one PEM CERTIFICATE block")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("testserver: JWT Certificate: %w", err)
	}
	key, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("testserver: JWT Certificate has a %T key; the proxy verifies RS256, RS384 and RS512 only", cert.PublicKey)
	}
	return &jwtVerifier{key: key, userClaim: c.UserIDClaim, dirClaim: c.DirectoryClaim, audience: c.Audience}, nil
}

// jwtUser authenticates a request by its Bearer token, or answers 401.
func (s *Server) jwtUser(w http.ResponseWriter, r *http.Request, entry *Request) (string, bool) {
	user, err := s.bearerUser(r)
	if err != nil {
		s.refuse(entry, err.Error())
		writeBody(w, http.StatusUnauthorized, "text/html; charset=utf-8", unauthorizedPage)
		return "", false
	}
	return user, true
}

func (s *Server) bearerUser(r *http.Request) (string, error) {
	vals := r.Header.Values("Authorization")
	if len(vals) != 1 {
		return "", fmt.Errorf("%d Authorization headers, want one Bearer", len(vals))
	}
	scheme, token, _ := strings.Cut(vals[0], " ")
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", errors.New("authorization is not Bearer <token>")
	}
	user, err := s.jwt.verify(token, s.now())
	if err != nil {
		return "", err
	}
	if !s.allowed(user) {
		return "", fmt.Errorf("unknown user %s", user)
	}
	return user, nil
}

// verify checks a compact JWS and returns its user as DIR\user.
func (v *jwtVerifier) verify(token string, now time.Time) (string, error) {
	if len(token) > maxTokenLength {
		return "", fmt.Errorf("token of %d bytes, over %d", len(token), maxTokenLength)
	}
	parts := strings.Split(token, ".")
	switch len(parts) {
	case 3:
	case 5:
		return "", errors.New("encrypted token (JWE): not supported")
	default:
		return "", fmt.Errorf("token has %d parts, want 3", len(parts))
	}
	header, err := decodeSegment("header", parts[0])
	if err != nil {
		return "", err
	}
	alg, err := stringMember(header, "alg", "header")
	if err != nil {
		return "", err
	}
	hash, ok := jwtAlgorithms[alg]
	if !ok {
		return "", fmt.Errorf("algorithm %q not accepted (RS256, RS384 or RS512)", alg)
	}
	if _, ok := header["crit"]; ok {
		return "", errors.New("header has crit: no extension is understood")
	}
	sig, err := base64.RawURLEncoding.Strict().DecodeString(parts[2])
	if err != nil {
		return "", errors.New("signature is not base64url")
	}
	if err := rsa.VerifyPKCS1v15(v.key, hash, digest(hash, parts[0]+"."+parts[1]), sig); err != nil {
		return "", errors.New("signature does not verify with the configured certificate")
	}
	claims, err := decodeSegment("claim set", parts[1])
	if err != nil {
		return "", err
	}
	if err := checkTime(claims, "exp", func(t float64) bool { return unixSeconds(now) < t }); err != nil {
		return "", err
	}
	if err := checkTime(claims, "nbf", func(t float64) bool { return unixSeconds(now) >= t }); err != nil {
		return "", err
	}
	if v.audience != "" {
		if err := checkAudience(claims, v.audience); err != nil {
			return "", err
		}
	}
	dir, err := stringMember(claims, v.dirClaim, "claims")
	if err != nil {
		return "", err
	}
	id, err := stringMember(claims, v.userClaim, "claims")
	if err != nil {
		return "", err
	}
	if strings.Contains(id, `\`) || strings.Contains(dir, `\`) {
		return "", errors.New(`user id or directory holds a '\'`)
	}
	return dir + `\` + id, nil
}

func digest(h crypto.Hash, s string) []byte {
	d := h.New()
	d.Write([]byte(s))
	return d.Sum(nil)
}

// decodeSegment reads a base64url JSON object; duplicate member names and
// invalid UTF-8 are refused (encoding/json/v2's defaults).
func decodeSegment(what, seg string) (map[string]jsontext.Value, error) {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(seg)
	if err != nil {
		return nil, fmt.Errorf("the %s is not base64url", what)
	}
	var m map[string]jsontext.Value
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, fmt.Errorf("the %s is not a JSON object", what)
	}
	return m, nil
}

func stringMember(m map[string]jsontext.Value, name, where string) (string, error) {
	v, ok := m[name]
	if !ok {
		return "", fmt.Errorf("no %q in the %s", name, where)
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil || s == "" {
		return "", fmt.Errorf("%s: %q is not a non-empty string", where, name)
	}
	return s, nil
}

// checkTime checks a NumericDate claim, when present, with ok.
func checkTime(claims map[string]jsontext.Value, name string, ok func(float64) bool) error {
	v, present := claims[name]
	if !present {
		return nil
	}
	var t float64
	if err := json.Unmarshal(v, &t); err != nil {
		return fmt.Errorf("claim %q is not a number", name)
	}
	if !ok(t) {
		if name == "exp" {
			return fmt.Errorf("token expired at %s", time.Unix(int64(t), 0).UTC().Format(time.RFC3339))
		}
		return fmt.Errorf("token not valid before %s", time.Unix(int64(t), 0).UTC().Format(time.RFC3339))
	}
	return nil
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// checkAudience wants aud to be want, or an array holding it.
func checkAudience(claims map[string]jsontext.Value, want string) error {
	v, ok := claims["aud"]
	if !ok {
		return fmt.Errorf("claims lack \"aud\" (want %q)", want)
	}
	var one string
	if json.Unmarshal(v, &one) == nil {
		if one == want {
			return nil
		}
		return fmt.Errorf("audience %q, want %q", one, want)
	}
	var many []string
	if err := json.Unmarshal(v, &many); err != nil {
		return errors.New(`claim "aud" is neither a string nor an array of strings`)
	}
	for _, a := range many {
		if a == want {
			return nil
		}
	}
	return fmt.Errorf("audience %q lacks %q", many, want)
}
