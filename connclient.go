package qrs

// Making a Client of a Connection: the options that its parameters stand
// for. The Connection type is in connection.go; reading it from a file is
// in connfile.go.

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// NewClient returns a [Client] for the connection's site, with the options
// its parameters stand for, followed by opts (which therefore win within
// a mode; an option of another authentication mode is an error). The
// authentication of AuthType: [WithHeaderAuth](AuthKey, AuthValue) when
// they are set (AuthHeader, or ""); [WithJWTSigner] with the key of
// JWTKeyPath, read now ([LoadJWTKey]), and the claims (AuthJWT);
// [WithWindowsAuth](WindowsUser, WindowsPassword) and
// [WithWindowsUserAgent] (AuthWindows); [WithClientCertificate] with the
// certificate of CertificatePath, read now ([LoadClientCertificate]), and
// [WithUser](UserDirectory, UserID) (AuthCertificate). Then the truststore's
// certificates, read now ([LoadTrustStore], [WithRootCAs]);
// [WithInsecureSkipVerify] when BypassCertificateValidation is set;
// [WithProxy] with the proxy's scheme, host, port and login when ProxyHost
// is set (otherwise the environment decides); and
// [WithConnectionCode](Code). Enabled is not looked at.
//
// Errors about the connection's own parameters (an unreadable truststore,
// a wrong truststore password, an invalid setting of a Connection built in
// code) name the connection file; none holds a secret.
func (c *Connection) NewClient(opts ...Option) (*Client, error) {
	if c == nil {
		return nil, errors.New("qrs: Connection.NewClient: the connection is nil")
	}
	own, err := c.options()
	if err != nil {
		return nil, &connectionError{path: c.Path, err: err}
	}
	return NewClient(c.URL, append(own, opts...)...)
}

// options returns the connection's own options, checked.
func (c *Connection) options() ([]Option, error) {
	if _, err := parseBaseURL(c.URL); err != nil {
		return nil, err
	}
	own, err := c.authOptions()
	if err != nil {
		return nil, err
	}
	switch {
	case c.TrustStorePath != "":
		pool, err := LoadTrustStore(c.TrustStorePath, c.TrustStorePassword.Reveal(), c.TrustStoreType)
		if err != nil {
			return nil, err
		}
		own = append(own, WithRootCAs(pool))
	case c.TrustStorePassword.IsSet() || c.TrustStoreType != StoreAuto:
		return nil, errors.New("a truststore password or type without a truststore path")
	}
	if c.BypassCertificateValidation {
		own = append(own, WithInsecureSkipVerify(true))
	}
	proxy, err := c.proxyURL()
	if err != nil {
		return nil, err
	}
	if proxy != nil {
		own = append(own, WithProxy(proxy.String()))
	}
	own = append(own, WithConnectionCode(c.Code))
	// Apply them once here, so that their errors can be told from those
	// of the caller's options; the truststore is not read again.
	cfg := defaultConfig()
	for _, opt := range own {
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	return own, nil
}

// connectionError puts the connection file in front of an error about the
// connection's own parameters.
type connectionError struct {
	path string
	err  error
}

func (e *connectionError) Error() string {
	where := "connection"
	if e.path != "" {
		where = "connection " + e.path
	}
	return "qrs: " + where + ": " + strings.TrimPrefix(e.err.Error(), "qrs: ")
}

func (e *connectionError) Unwrap() error { return e.err }

// proxyURL builds the proxy URL of WithProxy from the proxy fields; nil
// when the connection names no proxy.
func (c *Connection) proxyURL() (*url.URL, error) {
	if c.ProxyHost == "" {
		if c.ProxyScheme != "" || c.ProxyPort != 0 || c.ProxyUsername != "" || c.ProxyPassword.IsSet() {
			return nil, errors.New("proxy settings without a proxy host")
		}
		return nil, nil
	}
	if !validProxyHost(c.ProxyHost) {
		return nil, fmt.Errorf("proxy host %q: must be a host name or an IP address alone", c.ProxyHost)
	}
	if err := checkPort(int64(c.ProxyPort)); err != nil {
		return nil, fmt.Errorf("proxy %w", err)
	}
	if c.ProxyPassword.IsSet() && c.ProxyUsername == "" {
		return nil, errors.New("a proxy password without a proxy user name")
	}
	u := &url.URL{Scheme: c.ProxyScheme, Host: net.JoinHostPort(c.ProxyHost, strconv.Itoa(c.ProxyPort))}
	if u.Scheme == "" {
		u.Scheme = "http"
	}
	switch {
	case c.ProxyPassword.IsSet():
		u.User = url.UserPassword(c.ProxyUsername, c.ProxyPassword.Reveal())
	case c.ProxyUsername != "":
		u.User = url.User(c.ProxyUsername)
	}
	return u, nil
}

// redactedProxyURL describes the proxy for String.
func (c *Connection) redactedProxyURL() string {
	u, err := c.proxyURL()
	if err != nil || u == nil {
		return c.ProxyHost
	}
	return u.Redacted()
}

// authOptions returns the options of the connection's authentication. A
// setting of another mode than AuthType is an error, as in a file.
func (c *Connection) authOptions() ([]Option, error) {
	mode := c.AuthType
	if mode == "" {
		mode = AuthHeader
	}
	if field := c.strayAuthField(mode); field != "" {
		return nil, fmt.Errorf("%s is set, but the authentication is %s (AuthType %q)", field, mode, c.AuthType)
	}
	switch mode {
	case AuthHeader:
		switch {
		case c.AuthKey != "" || c.AuthValue.IsSet():
			return []Option{WithHeaderAuth(c.AuthKey, c.AuthValue.Reveal())}, nil
		case c.AuthType == AuthHeader:
			return nil, errors.New("header authentication without AuthKey and AuthValue")
		}
		return nil, nil
	case AuthJWT:
		if c.JWTKeyPath == "" {
			return nil, errors.New("JWT authentication without JWTKeyPath")
		}
		key, err := LoadJWTKey(c.JWTKeyPath)
		if err != nil {
			return nil, err
		}
		return []Option{WithJWTSigner(key, JWTClaims{
			UserIDClaim: c.JWTUserIDClaim, UserID: c.UserID, DirectoryClaim: c.JWTDirectoryClaim, Directory: c.UserDirectory,
			Audience: c.JWTAudience, Lifetime: c.JWTLifetime, Algorithm: c.JWTAlgorithm,
		})}, nil
	case AuthWindows:
		own := []Option{WithWindowsAuth(c.WindowsUser, c.WindowsPassword.Reveal())}
		if c.WindowsUserAgent != "" {
			own = append(own, WithWindowsUserAgent(c.WindowsUserAgent))
		}
		return own, nil
	case AuthCertificate:
		if c.CertificatePath == "" {
			return nil, errors.New("client certificate authentication without CertificatePath")
		}
		cert, err := LoadClientCertificate(c.CertificatePath, c.CertificateKeyPath, c.CertificatePassword.Reveal())
		if err != nil {
			return nil, err
		}
		return []Option{WithClientCertificate(cert), WithUser(c.UserDirectory, c.UserID)}, nil
	}
	return nil, fmt.Errorf("AuthType %q is not header, jwt, windows or certificate", truncate(string(c.AuthType), 40))
}

// strayAuthField names the first authentication setting that does not
// belong to mode, or returns "".
func (c *Connection) strayAuthField(mode AuthType) string {
	fields := []struct {
		name  string
		set   bool
		modes []AuthType
	}{
		{"AuthKey", c.AuthKey != "", []AuthType{AuthHeader}},
		{"AuthValue", c.AuthValue.IsSet(), []AuthType{AuthHeader}},
		{"UserDirectory", c.UserDirectory != "", []AuthType{AuthJWT, AuthCertificate}},
		{"UserID", c.UserID != "", []AuthType{AuthJWT, AuthCertificate}},
		{"JWTKeyPath", c.JWTKeyPath != "", []AuthType{AuthJWT}},
		{"JWTAlgorithm", c.JWTAlgorithm != "", []AuthType{AuthJWT}},
		{"JWTUserIDClaim", c.JWTUserIDClaim != "", []AuthType{AuthJWT}},
		{"JWTDirectoryClaim", c.JWTDirectoryClaim != "", []AuthType{AuthJWT}},
		{"JWTAudience", c.JWTAudience != "", []AuthType{AuthJWT}},
		{"JWTLifetime", c.JWTLifetime != 0, []AuthType{AuthJWT}},
		{"WindowsUser", c.WindowsUser != "", []AuthType{AuthWindows}},
		{"WindowsPassword", c.WindowsPassword.IsSet(), []AuthType{AuthWindows}},
		{"WindowsUserAgent", c.WindowsUserAgent != "", []AuthType{AuthWindows}},
		{"CertificatePath", c.CertificatePath != "", []AuthType{AuthCertificate}},
		{"CertificateKeyPath", c.CertificateKeyPath != "", []AuthType{AuthCertificate}},
		{"CertificatePassword", c.CertificatePassword.IsSet(), []AuthType{AuthCertificate}},
	}
	for _, f := range fields {
		if f.set && !slices.Contains(f.modes, mode) {
			return f.name
		}
	}
	return ""
}
