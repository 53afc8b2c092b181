package qrs

// Reading the authentication of a connection file (connection.auth.*)
// into a Connection; the rest of the file is read in connfile.go, and the
// options the authentication stands for are made in connclient.go.

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/qrskit/qrs/internal/hocon"
)

// The authentication keys of a connection file: the mode, and the keys of
// each mode (the user's own belong to two).
const (
	keyAuthType      = "connection.auth.type"
	keyAuthKey       = "connection.auth.key"
	keyAuthValue     = "connection.auth.value"
	keyUserDirectory = "connection.auth.user_directory"
	keyUserID        = "connection.auth.user_id"
	keyJWTKeyPath    = "connection.auth.jwt.key_path"
	keyJWTAlgorithm  = "connection.auth.jwt.algorithm"
	keyJWTUserClaim  = "connection.auth.jwt.claims.user_id"
	keyJWTDirClaim   = "connection.auth.jwt.claims.user_directory"
	keyJWTAudience   = "connection.auth.jwt.audience"
	keyJWTLifetime   = "connection.auth.jwt.lifetime"
	keyWinUser       = "connection.auth.windows.user"
	keyWinPassword   = "connection.auth.windows.password"
	keyWinUserAgent  = "connection.auth.windows.user_agent"
	keyCertPath      = "connection.auth.certificate.path"
	keyCertKeyPath   = "connection.auth.certificate.key_path"
	keyCertPassword  = "connection.auth.certificate.password"
)

// authModeKeys are the keys of each mode, in the order they are checked.
var authModeKeys = []struct {
	mode AuthType
	name string // as errors say it: "JWT authentication"
	keys []string
}{
	{AuthHeader, "header", []string{keyAuthKey, keyAuthValue}},
	{AuthJWT, "JWT", []string{keyJWTKeyPath, keyJWTAlgorithm, keyJWTUserClaim, keyJWTDirClaim, keyJWTAudience, keyJWTLifetime, keyUserDirectory, keyUserID}},
	{AuthWindows, "Windows", []string{keyWinUser, keyWinPassword, keyWinUserAgent}},
	{AuthCertificate, "client certificate", []string{keyCertPath, keyCertKeyPath, keyCertPassword, keyUserDirectory, keyUserID}},
}

// authKeys are all the keys of authModeKeys, each once.
var authKeys = func() []string {
	var out []string
	for _, m := range authModeKeys {
		for _, k := range m.keys {
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	return out
}()

// authValues are the values of the authentication keys that a file sets.
type authValues map[string]*hocon.Value

// readAuth reads the mode and the keys it needs; a key of another mode is
// an error at the key.
func (r *connReader) readAuth(c *Connection) {
	vals := authValues{}
	for _, k := range authKeys {
		if v := r.value(k); v != nil {
			vals[k] = v
		}
	}
	mode, given := AuthHeader, false
	if s, v := r.str(keyAuthType); v != nil {
		given = true
		switch t := AuthType(strings.ToLower(strings.TrimSpace(s))); t {
		case AuthHeader, AuthJWT, AuthWindows, AuthCertificate:
			mode, c.AuthType = t, t
			if (t == AuthJWT || t == AuthWindows) && strings.HasPrefix(c.URL, "http://") {
				r.errorf(v, "is %s, which sends its credentials only over https: connection.url is http://", t)
			}
		default:
			r.errorf(v, "is not an authentication mode: use header, jwt, windows or certificate")
			return // which keys belong is unknown
		}
	} else if r.bad[keyAuthType] {
		return
	}
	for _, k := range authKeys {
		v := vals[k]
		if v == nil || slices.Contains(keysOf(mode), k) {
			continue
		}
		owners := ownersOf(k)
		if given {
			r.errorf(v, "is for %s authentication, but connection.auth.type is %s", strings.Join(owners, " and "), mode)
		} else {
			r.errorf(v, "is for %s authentication: set connection.auth.type to %s (without it, the file is read as header authentication)",
				strings.Join(owners, " and "), strings.Join(modesOf(k), " or "))
		}
	}
	switch mode {
	case AuthHeader:
		r.readHeaderAuth(c, vals, given)
	case AuthJWT:
		r.readJWTAuth(c, vals)
	case AuthWindows:
		r.readWindowsAuth(c, vals)
	case AuthCertificate:
		r.readCertificateAuth(c, vals)
	}
}

func keysOf(mode AuthType) []string {
	for _, m := range authModeKeys {
		if m.mode == mode {
			return m.keys
		}
	}
	return nil
}

// ownersOf and modesOf name the modes a key belongs to, as errors say
// them and as connection.auth.type writes them.
func ownersOf(key string) []string {
	var out []string
	for _, m := range authModeKeys {
		if slices.Contains(m.keys, key) {
			out = append(out, m.name)
		}
	}
	return out
}

func modesOf(key string) []string {
	var out []string
	for _, m := range authModeKeys {
		if slices.Contains(m.keys, key) {
			out = append(out, string(m.mode))
		}
	}
	return out
}

// text returns the string of an authentication key, recording a value of
// another kind; ok is false when the key is not set or was refused.
func (r *connReader) text(vals authValues, key string) (string, *hocon.Value, bool) {
	v := vals[key]
	if v == nil {
		return "", nil, false
	}
	s, err := v.AsString()
	if err != nil {
		r.add(key, err)
		return "", nil, false
	}
	return s, v, true
}

// required returns the string of a key the mode needs, recording it
// missing with hint.
func (r *connReader) required(vals authValues, key, hint string) (string, *hocon.Value, bool) {
	s, v, ok := r.text(vals, key)
	if !ok {
		r.missing(key, hint)
	}
	return s, v, ok
}

// path resolves a file path of the connection against the file's folder;
// an empty one is an error.
func (r *connReader) path(s string, v *hocon.Value) (string, bool) {
	if s == "" {
		r.errorf(v, "is empty: give the file, absolute or relative to the folder of this connection file")
		return "", false
	}
	if !filepath.IsAbs(s) {
		s = filepath.Join(filepath.Dir(r.file), s)
	}
	return s, true
}

// readHeaderAuth reads header authentication: both keys or, without
// connection.auth.type, neither (no authentication).
func (r *connReader) readHeaderAuth(c *Connection, vals authValues, given bool) {
	key, kv, kok := r.text(vals, keyAuthKey)
	value, vv, vok := r.text(vals, keyAuthValue)
	if kok {
		if validHeaderName(key) {
			c.AuthKey = key
		} else {
			r.errorf(kv, "is not a valid HTTP header name (letters, digits and -, such as hdr-usr)")
		}
	}
	if vok {
		switch i := invalidHeaderValue(value); {
		case value == "":
			r.errorf(vv, "is empty: give the user, DOMAIN\\user for a dynamic user directory or the user id for a static one")
		case i >= 0:
			// The position is enough: never echo the value.
			r.errorf(vv, "has a control or non-ASCII character at byte %d: header authentication is US-ASCII only", i)
		default:
			c.AuthValue = NewSecret(value)
		}
	}
	switch {
	case given && !kok:
		r.missing(keyAuthKey, "the header the virtual proxy reads, such as hdr-usr (connection.auth.type is header)")
		if !vok {
			r.missing(keyAuthValue, `the user, such as "CORP\\svc_catalog" (connection.auth.type is header)`)
		}
	case given && !vok:
		r.missing(keyAuthValue, `the user, such as "CORP\\svc_catalog" (connection.auth.type is header)`)
	case kok && !vok && !r.bad[keyAuthValue]:
		r.errorf(kv, "is set without connection.auth.value (the user, such as DOMAIN\\user): give both or neither; if the value comes from ${?VAR}, that variable is not set")
	case vok && !kok && !r.bad[keyAuthKey]:
		r.errorf(vv, "is set without connection.auth.key (the header name, such as hdr-usr): give both or neither")
	}
}

// readUser reads the user of JWT and certificate authentication, checked
// with check (nil: any non-empty value).
func (r *connReader) readUser(c *Connection, vals authValues, check func(string) error) {
	for _, u := range []struct {
		key, hint string
		dst       *string
	}{
		{keyUserDirectory, "the user directory of connection.auth.user_id, such as CORP", &c.UserDirectory},
		{keyUserID, "the user the catalog acts as, such as svc_catalog (its directory goes in connection.auth.user_directory)", &c.UserID},
	} {
		s, v, ok := r.required(vals, u.key, u.hint)
		if !ok {
			continue
		}
		switch {
		case s == "":
			r.errorf(v, "is empty: %s", u.hint)
		case check != nil && check(s) != nil:
			r.errorf(v, "%s", reasonOf(check(s)))
		default:
			*u.dst = s
		}
	}
}

func (r *connReader) readJWTAuth(c *Connection, vals authValues) {
	if s, v, ok := r.required(vals, keyJWTKeyPath, "the PEM file of the RSA key whose certificate the JWT virtual proxy holds"); ok {
		c.JWTKeyPath, _ = r.path(s, v)
	}
	if s, v, ok := r.text(vals, keyJWTAlgorithm); ok {
		if alg, err := parseJWTAlgorithm(s); err != nil {
			r.errorf(v, "%s", reasonOf(err))
		} else {
			c.JWTAlgorithm = alg
		}
	}
	claims := []struct {
		key, what string
		dst       *string
	}{
		{keyJWTUserClaim, "user id", &c.JWTUserIDClaim},
		{keyJWTDirClaim, "user directory", &c.JWTDirectoryClaim},
	}
	for _, cl := range claims {
		hint := fmt.Sprintf("the name of the claim the virtual proxy reads the %s from (its JWT attribute for %s), such as %s: there is no default",
			cl.what, cl.what, map[string]string{"user id": "userId", "user directory": "userDirectory"}[cl.what])
		s, v, ok := r.required(vals, cl.key, hint)
		if !ok {
			continue
		}
		switch err := checkClaimName(s); {
		case err != nil:
			r.errorf(v, "%s", reasonOf(err))
		case s == c.JWTUserIDClaim:
			r.errorf(v, "is the claim of connection.auth.jwt.claims.user_id too: the user id and the user directory need claims of their own")
		default:
			*cl.dst = s
		}
	}
	if s, v, ok := r.text(vals, keyJWTAudience); ok {
		if reason := claimTextReason(s, maxClaimValue); reason != "" {
			r.errorf(v, "%s", reason)
		} else {
			c.JWTAudience = s
		}
	}
	if v := vals[keyJWTLifetime]; v != nil {
		d, err := v.AsDuration()
		switch {
		case err != nil:
			r.add(keyJWTLifetime, err)
		case checkJWTLifetime(d) != nil:
			r.errorf(v, "%s", reasonOf(checkJWTLifetime(d)))
		default:
			c.JWTLifetime = d
		}
	}
	r.readUser(c, vals, checkClaimValue)
}

func (r *connReader) readWindowsAuth(c *Connection, vals authValues) {
	if s, v, ok := r.required(vals, keyWinUser, `the Windows user, "DOMAIN\\user"`); ok {
		if err := checkWindowsUser(s); err != nil {
			r.errorf(v, "%s", reasonOf(err))
		} else {
			c.WindowsUser = s
		}
	}
	if s, v, ok := r.required(vals, keyWinPassword, "the Windows user's password, from the environment: password = ${QLIK_WINDOWS_PASSWORD}"); ok {
		if err := checkWindowsPassword(s); err != nil {
			r.errorf(v, "%s", reasonOf(err))
		} else {
			c.WindowsPassword = NewSecret(s)
		}
	}
	if s, v, ok := r.text(vals, keyWinUserAgent); ok {
		if err := checkWindowsPattern(s); err != nil {
			r.errorf(v, "%s", reasonOf(err))
		} else {
			c.WindowsUserAgent = s
		}
	}
}

func (r *connReader) readCertificateAuth(c *Connection, vals authValues) {
	if s, v, ok := r.required(vals, keyCertPath, "the client certificate the QMC exports: client.pem (with key_path) or client.pfx"); ok {
		c.CertificatePath, _ = r.path(s, v)
	}
	if s, v, ok := r.text(vals, keyCertKeyPath); ok {
		c.CertificateKeyPath, _ = r.path(s, v)
	}
	if s, _, ok := r.text(vals, keyCertPassword); ok {
		c.CertificatePassword = NewSecret(s)
	}
	r.readUser(c, vals, func(s string) error {
		if strings.ContainsFunc(s, isControl) {
			return &valueError{subject: "user", reason: "has a control character"}
		}
		return nil
	})
}
