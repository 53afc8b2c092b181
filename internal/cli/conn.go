// Package cli holds what the example programs share: the connection flags
// and the Source they make a *qrs.Client from (a real site, or the built-in
// demo site), the list flags, the JSON Lines and table writers, the progress
// line and the exit codes.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/qrskit/qrs"
)

// The environment variables that carry secrets, which never go in flags
// since the command line of a process is visible to every user (ps).
const (
	EnvTrustStorePassword = "QRS_TRUSTSTORE_PASSWORD"
	EnvClientKeyPassword  = "QRS_CLIENT_KEY_PASSWORD"
	EnvProxyPassword      = "QRS_PROXY_PASSWORD"
	EnvJWTToken           = "QRS_JWT_TOKEN"
	EnvWindowsPassword    = "QRS_WINDOWS_PASSWORD"
	EnvSessionCookie      = "QRS_SESSION_COOKIE"
)

// The demo site that the programs read when no -url is given.
const (
	DemoPrefix = "demo"
	DemoHeader = "hdr-usr"
	DemoUser   = `DEMO\catalog`
	DemoCode   = "demo"
)

// Defaults of the connection flags.
const (
	DefaultHeader = "hdr-usr"
	DefaultCode   = "qlik"
)

// Feature selects the optional flags of AddConnFlags.
type Feature uint

// The optional connection flags.
const (
	// FlagCode adds -code, the connection code of the keys.
	FlagCode Feature = 1 << iota
	// FlagPartitions adds -partitions, for sheet listings.
	FlagPartitions
)

// Conn holds the connection flags after parsing. Its fields are the flag
// values; it holds no secret, since passwords come from the environment
// when a Source opens.
type Conn struct {
	URL            string
	Header         string
	User           string
	Code           string
	TrustStore     string
	TrustStoreType string
	Cert           string
	Key            string
	QlikUser       string
	JWTKey         string
	JWTClaims      string
	JWTAudience    string
	JWTToken       bool
	WindowsUser    string
	WindowsPattern string
	SessionCookie  string
	DemoAuth       string
	Proxy          string
	Insecure       bool
	Timeout        time.Duration
	Partitions     int
	Verbose        bool

	prog     string
	fs       *flag.FlagSet
	features Feature
}

// realOnly are the flags that only make sense with -url.
var realOnly = []string{"header", "user", "truststore", "truststore-type", "cert", "key", "qlik-user",
	"jwt-key", "jwt-claims", "jwt-audience", "jwt-token", "windows-user", "windows-pattern", "session-cookie", "proxy", "insecure"}

// AddConnFlags defines the connection flags on fs and returns where their
// values land.
func AddConnFlags(fs *flag.FlagSet, features Feature) *Conn {
	c := &Conn{prog: fs.Name(), fs: fs, features: features}
	fs.StringVar(&c.URL, "url", "", "site `URL`: https://host/prefix through a virtual proxy, https://host:4242 with -cert\n(without -url: the built-in demo site, on 127.0.0.1)")
	fs.StringVar(&c.Header, "header", DefaultHeader, "`name` of the virtual proxy's authentication header, with -user")
	fs.StringVar(&c.User, "user", "", "`DIRECTORY\\user` for header authentication (the user id alone for a static directory),\nor the user of -jwt-key")
	if features&FlagCode != 0 {
		fs.StringVar(&c.Code, "code", DefaultCode, "connection `code`, the first segment of every key (\"demo\" for the demo site unless given)")
	}
	fs.StringVar(&c.TrustStore, "truststore", "", "trust the certificates of this `file` (.p12/.pfx, .jks, .pem/.crt/.cer) instead of the system's;\npassword from $"+EnvTrustStorePassword)
	fs.StringVar(&c.TrustStoreType, "truststore-type", "", "truststore `type`: PKCS12, JKS or PEM (default: from the file extension)")
	fs.StringVar(&c.Cert, "cert", "", "client certificate `file` for port 4242: client.pem with -key, or a .pfx/.p12\n(password from $"+EnvClientKeyPassword+")")
	fs.StringVar(&c.Key, "key", "", "client key `file` (client_key.pem), with -cert")
	fs.StringVar(&c.QlikUser, "qlik-user", "", "`DIRECTORY\\user` to act as (X-Qlik-User), with -cert")
	fs.StringVar(&c.JWTKey, "jwt-key", "", "sign JWTs with this RSA private key `file` (PEM) for a JWT virtual proxy, as -user,\nunder the claim names of -jwt-claims")
	fs.StringVar(&c.JWTClaims, "jwt-claims", "", "the `names` of the claims of the user id and the user directory, as the JWT virtual\nproxy reads them, such as userId,userDirectory (there is no default)")
	fs.StringVar(&c.JWTAudience, "jwt-audience", "", "the `aud` claim of the JWTs of -jwt-key (default: none)")
	fs.BoolVar(&c.JWTToken, "jwt-token", false, "authenticate to a JWT virtual proxy with the token in $"+EnvJWTToken)
	fs.StringVar(&c.WindowsUser, "windows-user", "", "Windows authentication (NTLM) as `DOMAIN\\user`, password from $"+EnvWindowsPassword)
	fs.StringVar(&c.WindowsPattern, "windows-pattern", "", "the virtual proxy's Windows authentication `pattern`, which the user agent holds\n(default: Windows; sites that changed it mostly use Mozilla)")
	fs.StringVar(&c.SessionCookie, "session-cookie", "", "use an existing proxy session: the cookie's `name` (X-Qlik-Session or X-Qlik-Session-prefix),\nits value from $"+EnvSessionCookie)
	fs.StringVar(&c.DemoAuth, "demo-auth", "header", "how the demo site (without -url) authenticates: header, jwt, windows (needs apache2),\nsession or certificate")
	fs.StringVar(&c.Proxy, "proxy", "", "send requests through this proxy `URL`: http://, https:// or socks5://, with user@ for a login\n(password from $"+EnvProxyPassword+" when the URL has none) (default: $HTTPS_PROXY)")
	fs.BoolVar(&c.Insecure, "insecure", false, "do not verify the server's certificate (anyone on the path can read the traffic)")
	fs.DurationVar(&c.Timeout, "timeout", 0, "limit for each request, from sending it to the end of its body (default: none)")
	if features&FlagPartitions != 0 {
		fs.IntVar(&c.Partitions, "partitions", 0, "fetch sheets in batches of `N` apps, 4 at a time (default: one request for all sheets)")
	}
	fs.BoolVar(&c.Verbose, "v", false, "log every request on stderr")
	return c
}

// Source makes the Client a program runs against: the demo site, a site
// named by the connection flags or a connection file (ConnectionSource). It holds no
// secret: passwords are read from the environment by Open.
type Source interface {
	// Open returns a Client with the source's own options followed by opts,
	// and a function that releases what the source holds (the demo server),
	// which must be called when the Client is no longer used.
	Open(opts ...qrs.Option) (*qrs.Client, func(), error)
	// String describes the source, without secrets.
	String() string
}

// Source checks the connection flags together and returns the Source they
// name: the demo site when no -url is given. Notices (which site the demo
// is at) go to stderr. The errors are *UsageError.
func (c *Conn) Source(stderr io.Writer) (Source, error) {
	set := c.given()
	if err := c.checkRun(); err != nil {
		return nil, err
	}
	if c.features&FlagCode != 0 && c.Code == "" {
		return nil, Usagef("-code must not be empty: it is the first segment of every key")
	}
	if c.URL == "" {
		for _, name := range realOnly {
			if set[name] {
				return nil, Usagef("-%s needs -url (without -url, %s reads the built-in demo site)", name, c.prog)
			}
		}
		code := DemoCode
		if set["code"] {
			code = c.Code
		}
		if !slices.Contains(DemoAuthModes, c.DemoAuth) {
			return nil, Usagef("-demo-auth %q: use %s", c.DemoAuth, strings.Join(DemoAuthModes, ", "))
		}
		return &demoSource{prog: c.prog, code: code, auth: c.DemoAuth, notice: stderr}, nil
	}
	if set["demo-auth"] {
		return nil, Usagef("-demo-auth is for the built-in demo site: it cannot be used with -url")
	}
	s := &flagSource{conn: *c}
	if err := s.checkAuth(set); err != nil {
		return nil, err
	}
	if c.TrustStoreType != "" {
		if c.TrustStore == "" {
			return nil, Usagef("-truststore-type needs -truststore")
		}
		typ, err := qrs.ParseStoreType(c.TrustStoreType)
		if err != nil {
			return nil, &UsageError{err: err}
		}
		s.storeType = typ
	}
	return s, nil
}

// given returns the names of the flags set on the command line.
func (c *Conn) given() map[string]bool {
	set := map[string]bool{}
	c.fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// checkRun checks the flags of the run itself, which apply whatever the
// Source (see Options).
func (c *Conn) checkRun() error {
	if c.Timeout < 0 {
		return Usagef("-timeout must not be negative")
	}
	if c.Partitions < 0 {
		return Usagef("-partitions must not be negative")
	}
	return nil
}

// Options returns the options of the run itself, which apply whatever the
// Source: the logger on stderr and -timeout.
func (c *Conn) Options(stderr io.Writer) []qrs.Option {
	level := slog.LevelWarn
	if c.Verbose {
		level = slog.LevelDebug
	}
	opts := []qrs.Option{qrs.WithLogger(NewLogger(stderr, level))}
	if c.Timeout > 0 {
		opts = append(opts, qrs.WithTimeout(c.Timeout))
	}
	return opts
}

// NewLogger returns a text logger on w at level, without timestamps.
func NewLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
}

// flagSource is a site named by the connection flags.
type flagSource struct {
	conn            Conn
	qlikDir, qlikID string
	userDir, userID string   // -user, for -jwt-key
	claims          []string // -jwt-claims: user id, user directory
	storeType       qrs.StoreType
}

func (s *flagSource) String() string {
	return fmt.Sprintf("the site at %s", s.conn.URL)
}

func (s *flagSource) Open(opts ...qrs.Option) (*qrs.Client, func(), error) {
	c := &s.conn
	var own []qrs.Option
	if c.Code != "" {
		own = append(own, qrs.WithConnectionCode(c.Code))
	}
	auth, err := s.authOptions()
	if err != nil {
		return nil, nil, err
	}
	own = append(own, auth...)
	if c.Cert != "" {
		cert, err := qrs.LoadClientCertificate(c.Cert, c.Key, os.Getenv(EnvClientKeyPassword))
		if err != nil {
			return nil, nil, err
		}
		own = append(own, qrs.WithClientCertificate(cert), qrs.WithUser(s.qlikDir, s.qlikID))
	}
	if c.TrustStore != "" {
		own = append(own, qrs.WithTrustStore(c.TrustStore, os.Getenv(EnvTrustStorePassword), s.storeType))
	}
	if c.Proxy != "" {
		proxy, err := proxyWithPassword(c.Proxy, os.Getenv(EnvProxyPassword))
		if err != nil {
			return nil, nil, err
		}
		own = append(own, qrs.WithProxy(proxy))
	}
	if c.Insecure {
		own = append(own, qrs.WithInsecureSkipVerify(true))
	}
	client, err := qrs.NewClient(c.URL, append(own, opts...)...)
	if err != nil {
		return nil, nil, err
	}
	return client, func() {}, nil
}

// proxyWithPassword adds password to a proxy URL that names a user without
// a password. Its errors never hold the URL, which may hold a password.
func proxyWithPassword(proxy, password string) (string, error) {
	if password == "" {
		return proxy, nil
	}
	u, err := url.Parse(proxy)
	if err != nil {
		return "", errors.New("-proxy is not a valid URL")
	}
	if u.User == nil {
		return proxy, nil
	}
	if _, has := u.User.Password(); has {
		return proxy, nil
	}
	u.User = url.UserPassword(u.User.Username(), password)
	return u.String(), nil
}
