package qrs

// Making a Client of a Connection: the options that its parameters stand
// for. The Connection type is in connection.go; reading it from a file is
// in connfile.go.

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// NewClient returns a [Client] for the connection's site, with the options
// its parameters stand for, followed by opts (which therefore win):
// [WithHeaderAuth](AuthKey, AuthValue) when they are set; the truststore's
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
	var own []Option
	if c.AuthKey != "" || c.AuthValue.IsSet() {
		own = append(own, WithHeaderAuth(c.AuthKey, c.AuthValue.Reveal()))
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
