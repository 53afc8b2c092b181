package testserver

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// The tokens of these tests are signed here, with crypto/rsa (and
// crypto/ecdsa, crypto/hmac for the refused algorithms), by the keys that
// openssl made in ../../testdata/jwt (see make.sh there).

const jwtDir = "../../testdata/jwt/"

func readPEM(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(jwtDir + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readKey reads a PKCS#8 private key made by openssl genpkey.
func readKey(t testing.TB, name string) crypto.Signer {
	t.Helper()
	block, _ := pem.Decode(readPEM(t, name))
	if block == nil {
		t.Fatalf("%s: no PEM", name)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return k.(crypto.Signer)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func b64JSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b64(b)
}

// signJWT makes a compact JWS of header and claims (JSON values, or raw
// JSON text when a string) signed with alg by key: an RSA or EC private
// key, or the HMAC secret for HS256; "none" signs nothing.
func signJWT(t testing.TB, alg string, key any, header map[string]any, claims any) string {
	t.Helper()
	if header == nil {
		header = map[string]any{"alg": alg, "typ": "JWT"}
	}
	var payload string
	if raw, ok := claims.(string); ok {
		payload = b64([]byte(raw))
	} else {
		payload = b64JSON(t, claims)
	}
	input := b64JSON(t, header) + "." + payload
	var sig []byte
	var err error
	switch alg {
	case "RS256", "RS384", "RS512":
		h, d := sumOf(alg, input)
		sig, err = rsa.SignPKCS1v15(nil, key.(*rsa.PrivateKey), h, d)
	case "PS256":
		h, d := sumOf(alg, input)
		sig, err = rsa.SignPSS(rand.Reader, key.(*rsa.PrivateKey), h, d, nil)
	case "ES256":
		_, d := sumOf(alg, input)
		var r, s *big.Int
		if r, s, err = ecdsa.Sign(rand.Reader, key.(*ecdsa.PrivateKey), d); err == nil {
			sig = append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
		}
	case "HS256":
		m := hmac.New(sha256.New, key.([]byte))
		m.Write([]byte(input))
		sig = m.Sum(nil)
	case "none":
	default:
		t.Fatalf("signJWT: no %s", alg)
	}
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + b64(sig)
}

// sumOf hashes the signing input as alg's name says (written out here
// rather than shared with the server, so that a wrong hash there fails).
func sumOf(alg, input string) (crypto.Hash, []byte) {
	switch alg[2:] {
	case "384":
		d := sha512.Sum384([]byte(input))
		return crypto.SHA384, d[:]
	case "512":
		d := sha512.Sum512([]byte(input))
		return crypto.SHA512, d[:]
	}
	d := sha256.Sum256([]byte(input))
	return crypto.SHA256, d[:]
}

// aliceClaims are the claims of a valid token under the default claim
// names of these tests.
func aliceClaims() map[string]any {
	return map[string]any{
		"userId":        "alice",
		"userDirectory": "CORP",
		"exp":           time.Now().Add(time.Hour).Unix(),
		"iat":           time.Now().Unix(),
	}
}

func jwtConfig(t testing.TB) Config {
	return Config{
		Prefix: "jwt",
		Site:   DemoSite(),
		JWT: &JWTAuth{
			Certificate:    readPEM(t, "signer.pem"),
			UserIDClaim:    "userId",
			DirectoryClaim: "userDirectory",
		},
	}
}

func bearer(token string) string { return "Authorization: Bearer " + token }

func TestJWTAlgorithmsAccepted(t *testing.T) {
	key := readKey(t, "signer.key")
	for _, alg := range []string{"RS256", "RS384", "RS512"} {
		t.Run(alg, func(t *testing.T) {
			s := start(t, jwtConfig(t))
			r := call(t, client(s), "GET", qrsURL(s, "/qrs/about"), bearer(signJWT(t, alg, key, nil, aliceClaims())), xrfHeader)
			if r.status != 200 || !strings.Contains(r.body, "buildVersion") {
				t.Fatalf("status %d %q, want 200 with /qrs/about (%s)", r.status, r.body, logged(t, s, 0).AuthError)
			}
			ck := (&http.Response{Header: r.header}).Cookies()
			if len(ck) != 1 || ck[0].Name != "X-Qlik-Session-jwt" || !IsGUID(ck[0].Value) {
				t.Errorf("cookies %v, want one X-Qlik-Session-jwt", ck)
			}
			if got := logged(t, s, 0).User; got != `CORP\alice` {
				t.Errorf("user %q, want CORP\\alice", got)
			}
		})
	}
}

// TestJWTOpenSSLSigned: a token whose signature openssl made, not Go.
func TestJWTOpenSSLSigned(t *testing.T) {
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed (apt-get install openssl)")
	}
	input := b64JSON(t, map[string]any{"alg": "RS384", "typ": "JWT"}) + "." + b64JSON(t, aliceClaims())
	cmd := exec.Command(bin, "dgst", "-sha384", "-sign", jwtDir+"signer_pkcs1.key", "-binary")
	cmd.Stdin = strings.NewReader(input)
	sig, err := cmd.Output()
	if err != nil {
		t.Fatalf("openssl dgst: %v", err)
	}
	s := start(t, jwtConfig(t))
	r := call(t, client(s), "GET", qrsURL(s, "/qrs/about"), bearer(input+"."+b64(sig)), xrfHeader)
	if r.status != 200 {
		t.Fatalf("status %d (%s), want 200", r.status, logged(t, s, 0).AuthError)
	}
}

func TestJWTRefused(t *testing.T) {
	key := readKey(t, "signer.key").(*rsa.PrivateKey)
	other := readKey(t, "other.key")
	ec := readKey(t, "ec.key")
	// The classic confusion: HS256 keyed with the public certificate.
	certSecret := readPEM(t, "signer.pem")
	with := func(mod func(map[string]any)) map[string]any {
		c := aliceClaims()
		mod(c)
		return c
	}
	valid := signJWT(t, "RS256", key, nil, aliceClaims())
	parts := strings.Split(valid, ".")
	tampered := parts[0] + "." + b64JSON(t, with(func(c map[string]any) { c["userId"] = "admin" })) + "." + parts[2]

	tests := []struct {
		name   string
		header []string // besides the xrfkey
		cfg    func(*Config)
		why    string // in Request.AuthError
	}{
		{"HS256 keyed with the certificate", []string{bearer(signJWT(t, "HS256", certSecret, nil, aliceClaims()))}, nil, `algorithm "HS256"`},
		{"alg none", []string{bearer(signJWT(t, "none", nil, nil, aliceClaims()))}, nil, `algorithm "none"`},
		{"ES256", []string{bearer(signJWT(t, "ES256", ec, nil, aliceClaims()))}, nil, `algorithm "ES256"`},
		{"PS256 by the right key", []string{bearer(signJWT(t, "PS256", key, nil, aliceClaims()))}, nil, `algorithm "PS256"`},
		{"alg in lower case", []string{bearer(signJWT(t, "RS256", key, map[string]any{"alg": "rs256"}, aliceClaims()))}, nil, `algorithm "rs256"`},
		{"no alg", []string{bearer(signJWT(t, "RS256", key, map[string]any{"typ": "JWT"}, aliceClaims()))}, nil, `no "alg" in the header`},
		{"crit header", []string{bearer(signJWT(t, "RS256", key, map[string]any{"alg": "RS256", "crit": []string{"b64"}, "b64": false}, aliceClaims()))}, nil, "crit"},
		{"wrong key", []string{bearer(signJWT(t, "RS256", other, nil, aliceClaims()))}, nil, "signature does not verify"},
		{"tampered claims", []string{bearer(tampered)}, nil, "signature does not verify"},
		{"signature cut", []string{bearer(valid[:len(valid)-4])}, nil, "signature"},
		{"expired", []string{bearer(signJWT(t, "RS256", key, nil, with(func(c map[string]any) { c["exp"] = time.Now().Add(-time.Minute).Unix() })))}, nil, "token expired"},
		{"not yet valid", []string{bearer(signJWT(t, "RS256", key, nil, with(func(c map[string]any) { c["nbf"] = time.Now().Add(time.Hour).Unix() })))}, nil, "not valid before"},
		{"exp a string", []string{bearer(signJWT(t, "RS256", key, nil, with(func(c map[string]any) { c["exp"] = "tomorrow" })))}, nil, `claim "exp" is not a number`},
		{"renamed claims", []string{bearer(signJWT(t, "RS256", key, nil, map[string]any{"UserId": "alice", "UserDirectory": "CORP", "exp": time.Now().Add(time.Hour).Unix()}))}, nil, `no "userDirectory" in the claims`},
		{"user id a number", []string{bearer(signJWT(t, "RS256", key, nil, with(func(c map[string]any) { c["userId"] = 42 })))}, nil, `"userId" is not a non-empty string`},
		{"empty user id", []string{bearer(signJWT(t, "RS256", key, nil, with(func(c map[string]any) { c["userId"] = "" })))}, nil, `"userId" is not a non-empty string`},
		{"backslash in the user id", []string{bearer(signJWT(t, "RS256", key, nil, with(func(c map[string]any) { c["userId"] = `X\alice` })))}, nil, `holds a '\'`},
		{"duplicate claim", []string{bearer(signJWT(t, "RS256", key, nil, `{"userId":"alice","userDirectory":"CORP","userId":"admin"}`))}, nil, "claim set is not a JSON object"},
		{"claims an array", []string{bearer(signJWT(t, "RS256", key, nil, `["alice"]`))}, nil, "claim set is not a JSON object"},
		{"claims null", []string{bearer(signJWT(t, "RS256", key, nil, `null`))}, nil, "claim set is not a JSON object"},
		{"unknown user", []string{bearer(valid)}, func(c *Config) { c.Users = []string{`CORP\bob`} }, `unknown user CORP\alice`},
		{"two parts", []string{bearer(parts[0] + "." + parts[1])}, nil, "2 parts"},
		{"encrypted", []string{bearer("a.b.c.d.e")}, nil, "encrypted token"},
		{"padded base64", []string{bearer(parts[0] + "=." + parts[1] + "." + parts[2])}, nil, "header is not base64url"},
		{"standard base64 signature", []string{bearer(parts[0] + "." + parts[1] + "." + strings.NewReplacer("-", "+", "_", "/").Replace(parts[2]) + "+")}, nil, "signature is not base64url"},
		{"too long", []string{bearer(strings.Repeat("a", maxTokenLength+1))}, nil, "over"},
		{"basic, not bearer", []string{"Authorization: Basic YWxpY2U6cGFzcw=="}, nil, "not Bearer"},
		{"two authorization headers", []string{bearer(valid), bearer(valid)}, nil, "2 Authorization headers"},
		{"no authorization", nil, nil, "0 Authorization headers"},
		{"Bearer without a token", []string{"Authorization: Bearer"}, nil, "not Bearer"},
	}
	shared := start(t, jwtConfig(t))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := shared
			if tt.cfg != nil {
				cfg := jwtConfig(t)
				tt.cfg(&cfg)
				s = start(t, cfg)
			}
			s.ResetLog()
			r := call(t, client(s), "GET", qrsURL(s, "/qrs/about"), append(tt.header, xrfHeader)...)
			if r.status != 401 || !strings.Contains(r.body, "401") || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
				t.Fatalf("status %d %q, want 401 with an HTML page", r.status, r.body)
			}
			if got := logged(t, s, 0).AuthError; !strings.Contains(got, tt.why) {
				t.Errorf("AuthError %q, want it to say %q", got, tt.why)
			}
			if r.header.Get("Set-Cookie") != "" || s.Sessions() != 0 {
				t.Errorf("a refused token made a session: %q, %d", r.header.Get("Set-Cookie"), s.Sessions())
			}
		})
	}
}

func TestJWTAudience(t *testing.T) {
	key := readKey(t, "signer.key")
	cfg := jwtConfig(t)
	cfg.JWT.Audience = "qlik.example"
	cfg.MaxSessionsPerUser = 10
	s := start(t, cfg)
	c := client(s)
	for _, tt := range []struct {
		name string
		aud  any // nil: no aud claim
		want int
	}{
		{"the audience", "qlik.example", 200},
		{"among others", []string{"other", "qlik.example"}, 200},
		{"another", "other", 401},
		{"none of the array", []string{"a", "b"}, 401},
		{"missing", nil, 401},
		{"a number", 7, 401},
	} {
		claims := aliceClaims()
		if tt.aud != nil {
			claims["aud"] = tt.aud
		}
		r := call(t, c, "GET", qrsURL(s, "/qrs/about"), bearer(signJWT(t, "RS256", key, nil, claims)), xrfHeader)
		if r.status != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, r.status, tt.want)
		}
	}
}

// TestJWTOneSession: one Bearer request opens the session; then 40
// concurrent requests with the cookie alone are all answered, by that one
// session.
func TestJWTOneSession(t *testing.T) {
	s := start(t, jwtConfig(t))
	c := client(s)
	first := call(t, c, "GET", qrsURL(s, "/qrs/about"), bearer(signJWT(t, "RS512", readKey(t, "signer.key"), nil, aliceClaims())), xrfHeader)
	cookies := (&http.Response{Header: first.header}).Cookies()
	if first.status != 200 || len(cookies) != 1 {
		t.Fatalf("bootstrap: %d, cookies %v", first.status, cookies)
	}
	cookie := "Cookie: " + cookies[0].Name + "=" + cookies[0].Value
	var wg sync.WaitGroup
	statuses := make([]int, 40)
	for i := range statuses {
		wg.Go(func() {
			r := call(t, c, "GET", qrsURL(s, "/qrs/app/full"), cookie, xrfHeader)
			statuses[i] = r.status
		})
	}
	wg.Wait()
	for i, st := range statuses {
		if st != 200 {
			t.Errorf("request %d: %d", i, st)
		}
	}
	if n := s.Sessions(); n != 1 {
		t.Errorf("Sessions() = %d, want 1", n)
	}
	for _, r := range s.Requests()[1:] {
		if r.User != `CORP\alice` || r.Header.Get("Authorization") != "" {
			t.Errorf("request %s: user %q, Authorization %q", r.Path, r.User, r.Header.Get("Authorization"))
		}
	}
}

func TestJWTSessionCap(t *testing.T) {
	s := start(t, jwtConfig(t))
	c := client(s)
	token := signJWT(t, "RS256", readKey(t, "signer.key"), nil, aliceClaims())
	for i := range 5 {
		if r := call(t, c, "GET", qrsURL(s, "/qrs/about"), bearer(token), xrfHeader); r.status != 200 {
			t.Fatalf("bootstrap %d: %d", i+1, r.status)
		}
	}
	r := call(t, c, "GET", qrsURL(s, "/qrs/about"), bearer(token), xrfHeader)
	if r.status != 403 || !strings.Contains(r.body, "too many sessions") {
		t.Errorf("sixth bootstrap: %d %q, want 403", r.status, r.body)
	}
	if n := s.Sessions(); n != 5 {
		t.Errorf("Sessions() = %d, want 5", n)
	}
}

// TestJWTClock: expiry follows the proxy's clock.
func TestJWTClock(t *testing.T) {
	s := start(t, jwtConfig(t))
	token := signJWT(t, "RS256", readKey(t, "signer.key"), nil, aliceClaims())
	s.skew.Store(int64(2 * time.Hour))
	r := call(t, client(s), "GET", qrsURL(s, "/qrs/about"), bearer(token), xrfHeader)
	if r.status != 401 || !strings.Contains(logged(t, s, 0).AuthError, "expired") {
		t.Errorf("two hours later: %d (%s), want 401 expired", r.status, logged(t, s, 0).AuthError)
	}
}

func TestJWTConfigRefused(t *testing.T) {
	cert := readPEM(t, "signer.pem")
	tests := []struct {
		name string
		jwt  JWTAuth
		more func(*Config)
	}{
		{"no user id claim", JWTAuth{Certificate: cert, DirectoryClaim: "d"}, nil},
		{"no directory claim", JWTAuth{Certificate: cert, UserIDClaim: "u"}, nil},
		{"same claim", JWTAuth{Certificate: cert, UserIDClaim: "u", DirectoryClaim: "u"}, nil},
		{"no certificate", JWTAuth{UserIDClaim: "u", DirectoryClaim: "d"}, nil},
		{"a private key", JWTAuth{Certificate: readPEM(t, "signer.key"), UserIDClaim: "u", DirectoryClaim: "d"}, nil},
		{"two certificates", JWTAuth{Certificate: append(append([]byte(nil), cert...), cert...), UserIDClaim: "u", DirectoryClaim: "d"}, nil},
		{"an EC certificate", JWTAuth{Certificate: readPEM(t, "ec.pem"), UserIDClaim: "u", DirectoryClaim: "d"}, nil},
		{"with header authentication", JWTAuth{Certificate: cert, UserIDClaim: "u", DirectoryClaim: "d"}, func(c *Config) { c.Header = "hdr-usr" }},
		{"with client certificates", JWTAuth{Certificate: cert, UserIDClaim: "u", DirectoryClaim: "d"}, func(c *Config) { c.ClientCert = true }},
	}
	for _, tt := range tests {
		cfg := Config{JWT: &tt.jwt}
		if tt.more != nil {
			tt.more(&cfg)
		}
		if s, err := Start(cfg); err == nil {
			s.Close()
			t.Errorf("%s: Start accepted it", tt.name)
		} else if !strings.HasPrefix(err.Error(), "testserver: ") {
			t.Errorf("%s: error %q lacks the package prefix", tt.name, err)
		}
	}
}

// FuzzJWTVerify: no input panics the verifier, and whatever it accepts
// carries a signature that the certificate's key verifies by the test's
// own hashing (the fuzzer cannot forge one: only seeds pass).
func FuzzJWTVerify(f *testing.F) {
	key := readKey(f, "signer.key")
	v, err := newJWTVerifier(jwtConfig(f).JWT)
	if err != nil {
		f.Fatal(err)
	}
	for _, alg := range []string{"RS256", "RS384", "RS512"} {
		f.Add(signJWT(f, alg, key, nil, aliceClaims()))
	}
	f.Add(signJWT(f, "none", nil, nil, aliceClaims()))
	f.Add(signJWT(f, "HS256", readPEM(f, "signer.pem"), nil, aliceClaims()))
	f.Add(signJWT(f, "RS256", key, nil, `{"userId":"alice","userDirectory":"CORP","exp":1e400}`))
	for _, s := range []string{"", ".", "..", "a.b.c", "e30.e30.", "e30.e30.e30.e30.e30", "\x00.\xff.\x80"} {
		f.Add(s)
	}
	pub := key.Public().(*rsa.PublicKey)
	f.Fuzz(func(t *testing.T, token string) {
		user, err := v.verify(token, time.Now())
		if err != nil {
			return
		}
		parts := strings.Split(token, ".")
		var header struct{ Alg string }
		raw, _ := base64.RawURLEncoding.DecodeString(parts[0])
		if json.Unmarshal(raw, &header) != nil {
			t.Fatalf("accepted %q with an unreadable header", token)
		}
		sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
		h, d := sumOf(header.Alg, parts[0]+"."+parts[1])
		if rsa.VerifyPKCS1v15(pub, h, d, sig) != nil || user != `CORP\alice` {
			t.Fatalf("accepted %q as %q without a valid signature", token, user)
		}
	})
}
