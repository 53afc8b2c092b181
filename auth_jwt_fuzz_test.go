package qrs

import (
	"crypto"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// FuzzJWTClaims gives WithJWTSigner any claim configuration: it is refused
// with a one-line error of the option, or the token the Client signs
// carries exactly the claims asked for, verifies with the key, and can go
// in a header.
func FuzzJWTClaims(f *testing.F) {
	f.Add("userId", "alice", "userDirectory", "CORP", "", int64(0), "")
	f.Add("UserId", "svc_catalog", "UserDirectory", "CORP", "qlik.example.com", int64(3600), "RS512")
	f.Add("user", "é😀", "directory", "DIR", "aud", int64(10), "rs384")
	f.Add("sub", "alice", "sub", "CORP", "", int64(0), "")
	f.Add("exp", "alice", "dir", "CORP", "", int64(0), "")
	f.Add("userId", `CORP\alice`, "dir", "CORP", "", int64(0), "HS256")
	f.Add("a\x00b", "alice", "dir", " CORP", "a\nb", int64(-1), "none")
	key, err := LoadJWTKey("testdata/jwt/signer.key")
	if err != nil {
		f.Fatal(err)
	}
	pub := key.Public().(*rsa.PublicKey)
	f.Fuzz(func(t *testing.T, userClaim, userID, dirClaim, dir, aud string, lifetime int64, alg string) {
		claims := JWTClaims{UserIDClaim: userClaim, UserID: userID, DirectoryClaim: dirClaim, Directory: dir,
			Audience: aud, Lifetime: time.Duration(lifetime) * time.Second, Algorithm: alg}
		c, err := NewClient("https://qlik.example.com/jwt", WithJWTSigner(key, claims))
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, "qrs: WithJWTSigner: ") || strings.ContainsAny(msg, "\r\n") || len(msg) > 1000 {
				t.Fatalf("error %.300q: want one line of at most 1000 bytes from WithJWTSigner", msg)
			}
			return
		}
		token, err := c.auth.(*jwtAuth).current()
		if err != nil {
			t.Fatalf("signing: %v", err)
		}
		if len(token) > maxJWTLength || invalidHeaderValue(token) >= 0 || strings.Count(token, ".") != 2 {
			t.Fatalf("token of %d bytes, not a header value or not three parts", len(token))
		}
		parts := strings.Split(token, ".")
		var header map[string]any
		var got map[string]any
		for i, dst := range []*map[string]any{&header, &got} {
			b, err := base64.RawURLEncoding.DecodeString(parts[i])
			if err != nil || json.Unmarshal(b, dst) != nil {
				t.Fatalf("part %d is not base64url JSON", i)
			}
		}
		wantAlg := strings.ToUpper(alg)
		if wantAlg == "" {
			wantAlg = "RS256"
		}
		hash := map[string]crypto.Hash{"RS256": crypto.SHA256, "RS384": crypto.SHA384, "RS512": crypto.SHA512}[wantAlg]
		if header["alg"] != wantAlg || hash == 0 {
			t.Fatalf("alg %v, want %s", header["alg"], wantAlg)
		}
		h := hash.New()
		h.Write([]byte(parts[0] + "." + parts[1]))
		sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
		if rsa.VerifyPKCS1v15(pub, hash, h.Sum(nil), sig) != nil {
			t.Fatal("the signature does not verify")
		}
		if got[userClaim] != userID || got[dirClaim] != dir {
			t.Fatalf("claims %q=%v %q=%v, want %q and %q", userClaim, got[userClaim], dirClaim, got[dirClaim], userID, dir)
		}
		if (aud == "" && got["aud"] != nil) || (aud != "" && got["aud"] != aud) {
			t.Fatalf("aud %v, want %q", got["aud"], aud)
		}
		want := lifetime
		if want == 0 {
			want = int64(defaultJWTLifetime / time.Second)
		}
		exp, _ := got["exp"].(float64)
		iat, _ := got["iat"].(float64)
		if int64(exp-iat) != want {
			t.Fatalf("exp - iat = %v, want %d", exp-iat, want)
		}
		if n, wantN := len(got), 5+min(len(aud), 1); n != wantN {
			t.Fatalf("%d claims, want the user's two, iat, exp, jti and aud if set: %v", n, got)
		}
	})
}
