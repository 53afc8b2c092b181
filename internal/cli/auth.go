package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/qrskit/qrs"
)

// The authentication flags of a site named by -url: which mode they
// choose, checked together (checkAuth), and the options of that mode
// (authOptions), whose secrets come from the environment.

// checkAuth checks that the flags choose one authentication mode, with
// what it needs.
func (s *flagSource) checkAuth(set map[string]bool) error {
	c := &s.conn
	var modes []string
	add := func(on bool, flag string) {
		if on {
			modes = append(modes, flag)
		}
	}
	add(c.User != "" && c.JWTKey == "", "-user")
	add(c.JWTKey != "", "-jwt-key")
	add(c.JWTToken, "-jwt-token")
	add(c.WindowsUser != "", "-windows-user")
	add(c.SessionCookie != "", "-session-cookie")
	add(c.Cert != "", "-cert")
	switch {
	case len(modes) > 1:
		return Usagef("%s choose different authentication modes: give one", strings.Join(modes, " and "))
	case len(modes) == 0:
		return Usagef("-url needs an authentication: -user (a virtual proxy's header), -jwt-key with -user and -jwt-claims, " +
			"-jwt-token, -windows-user, -session-cookie, or -cert with -qlik-user (port 4242)")
	case set["header"] && (c.User == "" || c.JWTKey != ""):
		return Usagef("-header needs -user, for header authentication")
	case c.Key != "" && c.Cert == "":
		return Usagef("-key needs -cert")
	case c.QlikUser != "" && c.Cert == "":
		return Usagef("-qlik-user needs -cert: the repository trusts X-Qlik-User only from a client certificate")
	case (c.JWTClaims != "" || c.JWTAudience != "") && c.JWTKey == "":
		return Usagef("-jwt-claims and -jwt-audience need -jwt-key")
	case c.WindowsPattern != "" && c.WindowsUser == "":
		return Usagef("-windows-pattern needs -windows-user")
	}
	switch {
	case c.JWTKey != "":
		dir, id, ok := strings.Cut(c.User, `\`)
		if !ok || dir == "" || id == "" {
			return Usagef(`-jwt-key needs -user DIRECTORY\user, the user of the tokens`)
		}
		claims := strings.Split(c.JWTClaims, ",")
		if len(claims) != 2 || strings.TrimSpace(claims[0]) == "" || strings.TrimSpace(claims[1]) == "" {
			return Usagef("-jwt-key needs -jwt-claims USERID,DIRECTORY: the names of the claims the virtual proxy reads, such as userId,userDirectory")
		}
		s.userDir, s.userID = dir, id
		s.claims = []string{strings.TrimSpace(claims[0]), strings.TrimSpace(claims[1])}
	case c.Cert != "":
		if c.QlikUser == "" {
			return Usagef(`-cert needs -qlik-user DIRECTORY\user, the user to act as`)
		}
		dir, id, ok := strings.Cut(c.QlikUser, `\`)
		if !ok || dir == "" || id == "" {
			return Usagef(`-qlik-user must be DIRECTORY\user`)
		}
		s.qlikDir, s.qlikID = dir, id
	}
	return nil
}

// authOptions returns the options of the mode the flags chose (the client
// certificate apart, see Open); tokens, passwords and cookie values come
// from the environment, never from the command line, which every user of
// the machine can read.
func (s *flagSource) authOptions() ([]qrs.Option, error) {
	c := &s.conn
	env := func(name, what string) (string, error) {
		v := os.Getenv(name)
		if v == "" {
			return "", fmt.Errorf("%s: $%s is not set", what, name)
		}
		return v, nil
	}
	switch {
	case c.JWTKey != "":
		key, err := qrs.LoadJWTKey(c.JWTKey)
		if err != nil {
			return nil, err
		}
		return []qrs.Option{qrs.WithJWTSigner(key, qrs.JWTClaims{
			UserIDClaim: s.claims[0], UserID: s.userID, DirectoryClaim: s.claims[1], Directory: s.userDir, Audience: c.JWTAudience,
		})}, nil
	case c.JWTToken:
		token, err := env(EnvJWTToken, "-jwt-token")
		if err != nil {
			return nil, err
		}
		return []qrs.Option{qrs.WithJWT(token)}, nil
	case c.WindowsUser != "":
		password, err := env(EnvWindowsPassword, "-windows-user")
		if err != nil {
			return nil, err
		}
		own := []qrs.Option{qrs.WithWindowsAuth(c.WindowsUser, password)}
		if c.WindowsPattern != "" {
			own = append(own, qrs.WithWindowsUserAgent(c.WindowsPattern))
		}
		return own, nil
	case c.SessionCookie != "":
		value, err := env(EnvSessionCookie, "-session-cookie")
		if err != nil {
			return nil, err
		}
		return []qrs.Option{qrs.WithSessionCookie(c.SessionCookie, value)}, nil
	case c.User != "":
		return []qrs.Option{qrs.WithHeaderAuth(c.Header, c.User)}, nil
	}
	return nil, nil
}
