package qrs

// JWT authentication through a JWT virtual proxy: WithJWT, WithJWTSigner,
// LoadJWTKey. This is the only file that uses github.com/golang-jwt/jwt/v5,
// for encoding and signing tokens (and for reading the header and claims of
// a token a caller gives).

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	_ "crypto/sha256" // RS256
	_ "crypto/sha512" // RS384, RS512
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/qrskit/qrs/internal/keystore"
	"github.com/qrskit/qrs/internal/regfile"
)

// JWTClaims is what the tokens that [WithJWTSigner] signs say: the user,
// under the claim names the JWT virtual proxy is configured with, and how
// long each token is valid. Every token also has iat (issued at), exp
// (iat + Lifetime) and jti (a random id).
type JWTClaims struct {
	// UserIDClaim names the claim that holds the user id, as the virtual
	// proxy is configured ("JWT attribute for user ID" in the QMC): sites
	// use userId, UserId, user, sub, and others. Required: there is no
	// default.
	UserIDClaim string
	// UserID is the user id, such as svc_catalog, without the directory.
	// Required.
	UserID string
	// DirectoryClaim names the claim that holds the user directory ("JWT
	// attribute for user directory"), such as userDirectory. Required.
	DirectoryClaim string
	// Directory is the user directory, such as CORP. Required.
	Directory string
	// Audience, when set, is the aud claim, for a virtual proxy that
	// checks it. Default: no aud claim.
	Audience string
	// Lifetime is how long each token is valid, from 10 seconds to 24
	// hours. A token opens the session and is not sent again while the
	// session lasts; a new one is signed when a session is opened after
	// three quarters of the lifetime (or all but one minute of it) have
	// passed. Default: 10 minutes.
	Lifetime time.Duration
	// Algorithm is RS256, RS384 or RS512, the algorithms a Qlik JWT virtual
	// proxy verifies. Default: RS256.
	Algorithm string
}

// Bounds of the JWT settings.
const (
	defaultJWTLifetime = 10 * time.Minute
	minJWTLifetime     = 10 * time.Second
	maxJWTLifetime     = 24 * time.Hour
	maxClaimName       = 256
	maxClaimValue      = 1024
	maxJWTLength       = 16 << 10 // a proxy reads no more
	minJWTKeyBits      = 2048
)

// jwtAlgorithms are the algorithms of a Qlik JWT virtual proxy.
var jwtAlgorithms = map[string]*jwt.SigningMethodRSA{
	"RS256": jwt.SigningMethodRS256,
	"RS384": jwt.SigningMethodRS384,
	"RS512": jwt.SigningMethodRS512,
}

// reservedClaims are the claims the Client sets itself (and nbf, which a
// proxy would read as a time): no user claim may take their names.
var reservedClaims = []string{"exp", "iat", "jti", "aud", "nbf"}

// jwtAuth is JWT authentication: the Bearer token goes only on requests
// without the session cookie, to open the session; afterwards the cookie
// alone, so that a whole inventory uses one session.
type jwtAuth struct {
	// WithJWT: the caller's token and its expiry (zero: none).
	static    Secret
	staticExp time.Time

	// WithJWTSigner: the key, held by a closure so that no printing of the
	// Client's settings can reach it, the claims and the method.
	key    func() crypto.Signer
	claims JWTClaims
	method jwt.SigningMethod
	now    func() time.Time

	mu    sync.Mutex
	token string    // the last token signed, "" to sign anew
	exp   time.Time // its expiry
}

// newStaticJWT checks a token given with WithJWT: a compact JWS of RS256,
// RS384 or RS512, not expired. Its errors never show the token.
func newStaticJWT(token string) (*jwtAuth, error) {
	fail := func(format string, args ...any) (*jwtAuth, error) {
		return nil, fmt.Errorf("qrs: WithJWT: "+format, args...)
	}
	switch {
	case token == "":
		return fail("the token is empty")
	case len(token) > maxJWTLength:
		return fail("the token is %d bytes long, more than a virtual proxy reads (%d)", len(token), maxJWTLength)
	case invalidHeaderValue(token) >= 0 || strings.ContainsRune(token, ' '):
		return fail("the token has a space, a control or a non-ASCII character at byte %d: give the token alone, without \"Bearer \"", max(invalidHeaderValue(token), strings.IndexByte(token, ' ')))
	case strings.Count(token, ".") == 4:
		return fail("the token is encrypted (JWE, five parts): a JWT virtual proxy takes signed tokens (three parts) only")
	case strings.Count(token, ".") != 2:
		return fail("the token is not a JWT in compact form (three base64url parts separated by dots)")
	}
	claims := jwt.MapClaims{}
	parsed, _, err := jwt.NewParser().ParseUnverified(token, claims)
	if err != nil {
		// The parser's words may quote parts of the token: say it anew.
		return fail("the token's header or claims are not base64url JSON objects")
	}
	alg, _ := parsed.Header["alg"].(string)
	if _, ok := jwtAlgorithms[alg]; !ok {
		return fail("the token is signed with %q: a JWT virtual proxy verifies RS256, RS384 and RS512 only", truncate(alg, 20))
	}
	a := &jwtAuth{static: NewSecret(token), now: time.Now}
	exp, err := claims.GetExpirationTime()
	if err != nil {
		return fail("the token's exp claim is not a time (seconds since 1970)")
	}
	if exp != nil {
		a.staticExp = exp.Time
		if !a.now().Before(a.staticExp) {
			return fail("the token expired at %s: give a fresh one, or let the Client sign its own (WithJWTSigner)", a.staticExp.UTC().Format(time.RFC3339))
		}
	}
	return a, nil
}

// newJWTSigner checks the key and claims of WithJWTSigner.
func newJWTSigner(key crypto.Signer, claims JWTClaims) (*jwtAuth, error) {
	fail := func(format string, args ...any) (*jwtAuth, error) {
		return nil, fmt.Errorf("qrs: WithJWTSigner: "+format, args...)
	}
	if key == nil {
		return fail("the key is nil")
	}
	pub, ok := key.Public().(*rsa.PublicKey)
	if !ok {
		return fail("the key is %T: a JWT virtual proxy verifies RS256, RS384 and RS512 only, so the key must be RSA", key.Public())
	}
	if bits := pub.N.BitLen(); bits < minJWTKeyBits {
		return fail("the RSA key has %d bits: use %d or more (openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:%d)", bits, minJWTKeyBits, minJWTKeyBits)
	}
	if err := checkJWTClaims(&claims); err != nil {
		return fail("%v", err)
	}
	return &jwtAuth{
		key:    func() crypto.Signer { return key },
		claims: claims,
		method: signerMethod{jwtAlgorithms[claims.Algorithm]},
		now:    time.Now,
	}, nil
}

// checkJWTClaims checks the claims and fills in the defaults. Its errors
// name the field at fault; the values are not secrets, but are clipped.
func checkJWTClaims(c *JWTClaims) error {
	for _, n := range []struct{ field, name string }{{"UserIDClaim", c.UserIDClaim}, {"DirectoryClaim", c.DirectoryClaim}} {
		if err := checkClaimName(n.name); err != nil {
			return fmt.Errorf("%s %s: it names the claim as the virtual proxy is configured (there is no default)", n.field, reasonOf(err))
		}
	}
	if c.UserIDClaim == c.DirectoryClaim {
		return fmt.Errorf("UserIDClaim and DirectoryClaim are both %q: the user id and the user directory need claims of their own", truncate(c.UserIDClaim, 40))
	}
	for _, v := range []struct{ field, value string }{{"UserID", c.UserID}, {"Directory", c.Directory}} {
		if err := checkClaimValue(v.value); err != nil {
			return fmt.Errorf("%s %s", v.field, reasonOf(err))
		}
	}
	if c.Audience != "" {
		if reason := claimTextReason(c.Audience, maxClaimValue); reason != "" {
			return fmt.Errorf("Audience %s", reason)
		}
	}
	if c.Lifetime == 0 {
		c.Lifetime = defaultJWTLifetime
	}
	if err := checkJWTLifetime(c.Lifetime); err != nil {
		return fmt.Errorf("Lifetime %v %s", c.Lifetime, reasonOf(err))
	}
	alg, err := parseJWTAlgorithm(c.Algorithm)
	if err != nil {
		return fmt.Errorf("Algorithm %q %s", truncate(c.Algorithm, 20), reasonOf(err))
	}
	c.Algorithm = alg
	return nil
}

// signerMethod signs with any crypto.Signer holding an RSA key (a key in
// memory, a hardware module, a key service), where golang-jwt's RSA methods
// take an *rsa.PrivateKey only. Alg and Verify are the method's own.
type signerMethod struct{ *jwt.SigningMethodRSA }

func (m signerMethod) Sign(signingString string, key any) ([]byte, error) {
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, jwt.ErrInvalidKeyType
	}
	h := m.Hash.New()
	h.Write([]byte(signingString))
	// With a crypto.Hash as options, an RSA signer signs PKCS #1 v1.5,
	// which RS256, RS384 and RS512 are.
	return signer.Sign(rand.Reader, h.Sum(nil), m.Hash)
}

func (a *jwtAuth) String() string {
	if a.key == nil {
		return "JWT (a token given)"
	}
	return fmt.Sprintf("JWT signed %s for %s\\%s (claims %s, %s)", a.claims.Algorithm, a.claims.Directory, a.claims.UserID,
		a.claims.DirectoryClaim, a.claims.UserIDClaim)
}

func (a *jwtAuth) authorize(h http.Header, withSession bool) error {
	if withSession {
		return nil // the cookie alone: a Bearer header would open another session
	}
	token, err := a.current()
	if err != nil {
		return err
	}
	h.Set("Authorization", "Bearer "+token)
	return nil
}

// current returns the token to send: the caller's while it has not
// expired, or the last one signed while at least a quarter of its
// lifetime (and at most a minute) is left, else a new one.
func (a *jwtAuth) current() (string, error) {
	now := a.now()
	if a.key == nil {
		if !a.staticExp.IsZero() && !now.Before(a.staticExp) {
			return "", &authError{msg: fmt.Sprintf("the token of WithJWT expired at %s, and the proxy refuses expired tokens: give a fresh one, or let the Client sign its own (WithJWTSigner)",
				a.staticExp.UTC().Format(time.RFC3339))}
		}
		return a.static.Reveal(), nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	margin := min(a.claims.Lifetime/4, time.Minute)
	if a.token != "" && now.Before(a.exp.Add(-margin)) {
		return a.token, nil
	}
	exp := now.Add(a.claims.Lifetime)
	claims := jwt.MapClaims{
		a.claims.UserIDClaim:    a.claims.UserID,
		a.claims.DirectoryClaim: a.claims.Directory,
		"iat":                   now.Unix(),
		"exp":                   exp.Unix(),
		"jti":                   rand.Text(),
	}
	if a.claims.Audience != "" {
		claims["aud"] = a.claims.Audience
	}
	token, err := jwt.NewWithClaims(a.method, claims).SignedString(a.key())
	if err != nil {
		return "", fmt.Errorf("qrs: JWT: the key of WithJWTSigner could not sign the token: %v", err)
	}
	a.token, a.exp = token, time.Unix(exp.Unix(), 0)
	return token, nil
}

// refused forgets the signed token the proxy refused, so that the next
// session opens with a new one.
func (a *jwtAuth) refused() {
	a.mu.Lock()
	a.token = ""
	a.mu.Unlock()
}

func (a *jwtAuth) opensSessions() bool  { return true }
func (a *jwtAuth) renewsSessions() bool { return true }

func (a *jwtAuth) secrets() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return []string{a.static.Reveal(), a.token}
}

func (a *jwtAuth) hint() string {
	return "check the token: signed (RS256, RS384 or RS512) by the key whose certificate the JWT virtual proxy holds, " +
		"not expired by the proxy's clock, with the audience the proxy wants if any, and the user id and the user directory " +
		"under the claim names the virtual proxy is configured with, for a user the site knows"
}

// LoadJWTKey reads the RSA private key that signs the tokens of
// [WithJWTSigner] from a PEM file: PKCS #8 ("PRIVATE KEY", as openssl
// genpkey writes it) or PKCS #1 ("RSA PRIVATE KEY"), unencrypted. The
// virtual proxy holds the certificate of this key. Encrypted keys are not
// supported: the error says how to decrypt them. What is not a regular file
// is refused before anything is read, as is a file over 1 MiB; no error
// shows the key.
func LoadJWTKey(path string) (crypto.Signer, error) {
	fail := func(err error) (crypto.Signer, error) {
		return nil, fmt.Errorf("qrs: JWT key %s: %w", path, err)
	}
	if path == "" {
		return nil, errors.New("qrs: JWT key: no file given")
	}
	data, err := regfile.Read(path, maxStoreFileSize)
	if err != nil {
		return fail(err)
	}
	var keys []string
	var block int
	blocks := keystore.PEMBlocks(data)
	for i, b := range blocks {
		if strings.HasSuffix(b.Type, "PRIVATE KEY") {
			keys = append(keys, b.Type)
			block = i
		}
	}
	switch {
	case len(keys) == 0 && len(blocks) > 0:
		return fail(fmt.Errorf("no private key in it (its PEM blocks are %s): give the key the certificate of the virtual proxy was made from", pemTypes(blocks)))
	case len(keys) == 0:
		return fail(errors.New("not a PEM file: the key must be PEM, PKCS #8 (PRIVATE KEY) or PKCS #1 (RSA PRIVATE KEY)"))
	case len(keys) > 1:
		return fail(fmt.Errorf("it holds %d private keys, expected one", len(keys)))
	}
	b := blocks[block]
	if b.Type == "ENCRYPTED PRIVATE KEY" || strings.Contains(b.Headers["Proc-Type"], "ENCRYPTED") {
		return fail(errors.New("the key is encrypted, which is not supported: decrypt it with `openssl pkey -in key.pem -out key-plain.pem` and keep that file readable by the catalog only"))
	}
	k, err := parsePrivateKey(b)
	switch {
	case errors.Is(err, errUnsupportedKey):
		return fail(fmt.Errorf("PEM block %q is not a supported private key (PKCS #8 PRIVATE KEY or PKCS #1 RSA PRIVATE KEY)", b.Type))
	case err != nil:
		return fail(fmt.Errorf("%s: %w", b.Type, err))
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return fail(fmt.Errorf("the key is %T: a JWT virtual proxy verifies RS256, RS384 and RS512 only, so the key must be RSA", k))
	}
	return rk, nil
}

// pemTypes lists the types of PEM blocks, for an error.
func pemTypes(blocks []*pem.Block) string {
	var types []string
	for i, b := range blocks {
		if i == 4 {
			types = append(types, "...")
			break
		}
		types = append(types, truncate(b.Type, 40))
	}
	return strings.Join(types, ", ")
}
