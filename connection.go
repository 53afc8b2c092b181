package qrs

// The Connection type: what a Qlik Sense connection file says. Reading and
// checking the file is in connfile.go, making a Client of it in
// connclient.go, and the Secret type of its credentials in secret.go.

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// ConnectorID is the connector_id of Qlik Sense connection files.
const ConnectorID = "qlik-sense"

// AuthType is the authentication mode of a [Connection]
// (connection.auth.type in a file).
type AuthType string

// The authentication modes of a connection file.
const (
	// AuthHeader is header authentication through a virtual proxy
	// ([WithHeaderAuth]): AuthKey and AuthValue.
	AuthHeader AuthType = "header"
	// AuthJWT signs JWTs for a JWT virtual proxy ([WithJWTSigner]):
	// JWTKeyPath, the claim names, UserDirectory and UserID.
	AuthJWT AuthType = "jwt"
	// AuthWindows is Windows authentication ([WithWindowsAuth]):
	// WindowsUser and WindowsPassword.
	AuthWindows AuthType = "windows"
	// AuthCertificate is the repository's client certificate on port 4242
	// ([WithClientCertificate], [WithUser]): CertificatePath, UserDirectory
	// and UserID.
	AuthCertificate AuthType = "certificate"
)

// ErrOtherConnector is matched (with [errors.Is]) by the error of
// [LoadConnection] and [ParseConnection] for a well-formed file whose
// connector_id names another connector than [ConnectorID], so that a program
// reading a folder of connections of several connectors can skip those
// files and still report broken ones. The error's message names the file,
// the position and the connector (when the file writes it out rather than
// take it from a variable); the rest of such a file is not checked.
var ErrOtherConnector = errors.New("qrs: the connection file is for another connector")

// Connection holds every parameter of a Qlik Sense connection file, the
// HOCON file that catalog administrators write (see
// connection.conf.template at the root of the module for the format and
// the meaning of each key). [LoadConnection] reads and checks one;
// [Connection.NewClient] makes a [Client] from it. A program may also fill a
// Connection itself.
//
// The secrets (AuthValue, WindowsPassword, CertificatePassword,
// TrustStorePassword, ProxyPassword) are of type
// [Secret], so that printing, logging or encoding a Connection never shows
// them; String, GoString and JSON encoding are safe to use in logs.
type Connection struct {
	// Path is the file the connection was read from ("" when built in code).
	Path string `json:"path,omitzero"`
	// Name is the connection's display name (name); optional.
	Name string `json:"name,omitzero"`
	// Code is the connection's unique code (code), the first segment of
	// every Key (WithConnectionCode). Required in a file.
	Code string `json:"code"`
	// ConnectorID is the connector the file is for (connector_id); always
	// ConnectorID for a file that LoadConnection accepts.
	ConnectorID string `json:"connector_id"`
	// Enabled says whether the connection should be scanned (enabled;
	// default true). NewClient does not look at it: skipping disabled
	// connections is the caller's decision.
	Enabled bool `json:"enabled"`
	// URL is the site's address: https://host[:port][/prefix], the prefix
	// being the virtual proxy's (connection.url). A file's URL is stored
	// as NewClient normalises it (no trailing slash). Required.
	URL string `json:"url"`
	// AuthType is the authentication mode (connection.auth.type): "" or
	// AuthHeader for header authentication, AuthJWT, AuthWindows or
	// AuthCertificate. A file without the key has "" (header
	// authentication, or none when AuthKey and AuthValue are unset too).
	AuthType AuthType `json:"auth_type,omitzero"`
	// AuthKey is the name of the header that the virtual proxy reads for
	// header authentication (connection.auth.key), e.g. hdr-usr.
	AuthKey string `json:"auth_key,omitzero"`
	// AuthValue is the header's value (connection.auth.value): DOMAIN\user
	// for a dynamic user directory, the user id for a static one. It
	// authenticates, so it is a Secret.
	AuthValue Secret `json:"auth_value,omitzero"`
	// UserDirectory and UserID are the user the catalog acts as, apart
	// (connection.auth.user_directory, connection.auth.user_id): in the
	// claims of the tokens of AuthJWT, in X-Qlik-User with AuthCertificate.
	UserDirectory string `json:"user_directory,omitzero"`
	UserID        string `json:"user_id,omitzero"`
	// JWTKeyPath is the PEM file of the RSA key that signs the tokens of
	// AuthJWT (connection.auth.jwt.key_path), read by NewClient
	// ([LoadJWTKey]); a relative path in a file is taken relative to the
	// file's folder, and stored so resolved.
	JWTKeyPath string `json:"jwt_key_path,omitzero"`
	// JWTAlgorithm is RS256, RS384 or RS512 (connection.auth.jwt.algorithm);
	// "" is RS256.
	JWTAlgorithm string `json:"jwt_algorithm,omitzero"`
	// JWTUserIDClaim and JWTDirectoryClaim name the claims of the user id
	// and the user directory, as the virtual proxy is configured
	// (connection.auth.jwt.claims.user_id, .user_directory). Required with
	// AuthJWT: there is no default.
	JWTUserIDClaim    string `json:"jwt_user_id_claim,omitzero"`
	JWTDirectoryClaim string `json:"jwt_user_directory_claim,omitzero"`
	// JWTAudience is the tokens' aud claim (connection.auth.jwt.audience);
	// "" for none.
	JWTAudience string `json:"jwt_audience,omitzero"`
	// JWTLifetime is how long each token is valid
	// (connection.auth.jwt.lifetime); 0 for the default of
	// [JWTClaims.Lifetime].
	JWTLifetime time.Duration `json:"jwt_lifetime,omitzero"`
	// WindowsUser is the DOMAIN\user of AuthWindows
	// (connection.auth.windows.user).
	WindowsUser string `json:"windows_user,omitzero"`
	// WindowsPassword is its password (connection.auth.windows.password).
	WindowsPassword Secret `json:"windows_password,omitzero"`
	// WindowsUserAgent is the virtual proxy's Windows authentication
	// pattern (connection.auth.windows.user_agent); "" for "Windows". See
	// [WithWindowsUserAgent].
	WindowsUserAgent string `json:"windows_user_agent,omitzero"`
	// CertificatePath is the client certificate of AuthCertificate
	// (connection.auth.certificate.path): client.pem with
	// CertificateKeyPath, or a .pfx with CertificatePassword (see
	// [LoadClientCertificate]). Relative paths in a file are taken
	// relative to the file's folder.
	CertificatePath    string `json:"certificate_path,omitzero"`
	CertificateKeyPath string `json:"certificate_key_path,omitzero"`
	// CertificatePassword opens a PKCS#12 certificate file
	// (connection.auth.certificate.password).
	CertificatePassword Secret `json:"certificate_password,omitzero"`
	// TrustStorePath is the truststore file (tls.truststore.path). A
	// relative path in a file is taken relative to the file's folder, and
	// stored so resolved.
	TrustStorePath string `json:"truststore_path,omitzero"`
	// TrustStorePassword opens the truststore (tls.truststore.password).
	TrustStorePassword Secret `json:"truststore_password,omitzero"`
	// TrustStoreType is the truststore's format (tls.truststore.type);
	// StoreAuto takes it from the file extension.
	TrustStoreType StoreType `json:"truststore_type,omitzero"`
	// BypassCertificateValidation turns off the verification of the
	// server's certificate (tls.bypass_certificate_validation; default
	// false). See WithInsecureSkipVerify.
	BypassCertificateValidation bool `json:"bypass_certificate_validation,omitzero"`
	// ProxyScheme is http, https or socks5 (proxy.scheme); a file with a
	// proxy host and no scheme gets http.
	ProxyScheme string `json:"proxy_scheme,omitzero"`
	// ProxyHost is the proxy's host name or IP address (proxy.hostname).
	// Without it, the environment's HTTPS_PROXY, HTTP_PROXY and NO_PROXY
	// apply.
	ProxyHost string `json:"proxy_hostname,omitzero"`
	// ProxyPort is the proxy's port (proxy.port), required with a host.
	ProxyPort int `json:"proxy_port,omitzero"`
	// ProxyUsername is the proxy login's user (proxy.username); optional.
	ProxyUsername string `json:"proxy_username,omitzero"`
	// ProxyPassword is the proxy login's password (proxy.password).
	ProxyPassword Secret `json:"proxy_password,omitzero"`
	// Scope is the part of the site that a catalog of the connection
	// covers (the filter block: filter.streams.include and .exclude, the
	// same for filter.apps and filter.tags, filter.published_only), for
	// CatalogOptions.Scope. NewClient does not look at it. Default: the
	// whole site.
	Scope Scope `json:"scope,omitzero"`
}

// String describes the connection in one line, without any secret.
func (c Connection) String() string {
	parts := []string{fmt.Sprintf("code %q", c.Code)}
	if c.Name != "" {
		parts = append(parts, fmt.Sprintf("name %q", c.Name))
	}
	parts = append(parts, "url "+c.URL)
	if !c.Enabled {
		parts = append(parts, "disabled")
	}
	if auth := c.authString(); auth != "" {
		parts = append(parts, auth)
	}
	if c.TrustStorePath != "" {
		s := "truststore " + c.TrustStorePath
		if c.TrustStoreType != StoreAuto {
			s += " (" + string(c.TrustStoreType) + ")"
		}
		if c.TrustStorePassword.IsSet() {
			s += " with password " + c.TrustStorePassword.String()
		}
		parts = append(parts, s)
	}
	if c.BypassCertificateValidation {
		parts = append(parts, "certificate validation bypassed")
	}
	if c.ProxyHost != "" {
		parts = append(parts, "proxy "+c.redactedProxyURL())
	}
	if c.Path != "" {
		parts = append(parts, "from "+c.Path)
	}
	return "qrs.Connection{" + strings.Join(parts, ", ") + "}"
}

// GoString prints every field in Go syntax, secrets as "[redacted]".
func (c Connection) GoString() string {
	v := reflect.ValueOf(c)
	t := v.Type()
	var b strings.Builder
	b.WriteString("qrs.Connection{")
	for i := range t.NumField() {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s:%#v", t.Field(i).Name, v.Field(i).Interface())
	}
	b.WriteString("}")
	return b.String()
}

// authString describes the connection's authentication for String.
func (c *Connection) authString() string {
	user := ""
	if c.UserDirectory != "" || c.UserID != "" {
		user = " as " + c.UserDirectory + `\` + c.UserID
	}
	switch c.AuthType {
	case AuthJWT:
		alg := c.JWTAlgorithm
		if alg == "" {
			alg = "RS256"
		}
		return fmt.Sprintf("JWT signed %s with key %s (claims %s, %s)%s", alg, c.JWTKeyPath, c.JWTDirectoryClaim, c.JWTUserIDClaim, user)
	case AuthWindows:
		return fmt.Sprintf("Windows %s with password %s", c.WindowsUser, c.WindowsPassword)
	case AuthCertificate:
		s := "client certificate " + c.CertificatePath
		if c.CertificatePassword.IsSet() {
			s += " with password " + c.CertificatePassword.String()
		}
		return s + user
	}
	if c.AuthKey != "" || c.AuthValue.IsSet() {
		return fmt.Sprintf("header %s: %s", c.AuthKey, c.AuthValue)
	}
	return ""
}
