package qrs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/qrskit/qrs/internal/hocon"
)

// ConnectorID is the connector_id of Qlik Sense connection files.
const ConnectorID = "qlik-sense"

// ErrOtherConnector is matched (with errors.Is) by the error of
// LoadConnection and ParseConnection for a well-formed file whose
// connector_id names another connector than ConnectorID, so that a program
// reading a folder of connections of several connectors can skip those
// files and still report broken ones. The error's message names the file,
// the position and the connector (when the file writes it out rather than
// take it from a variable); the rest of such a file is not checked.
var ErrOtherConnector = errors.New("qrs: the connection file is for another connector")

// otherConnectorError is the error of a file of another connector. id is
// "" when it is not written as such in the file (it may come from the
// environment, which could hold a secret).
type otherConnectorError struct {
	pos hocon.Pos
	id  string
}

func (e *otherConnectorError) Error() string {
	other := "another connector"
	if e.id != "" {
		other = fmt.Sprintf("the connector %q", e.id)
	}
	return fmt.Sprintf("qrs: %s: connector_id: the file is a connection of %s, not of %q", e.pos, other, ConnectorID)
}

func (e *otherConnectorError) Is(target error) bool { return target == ErrOtherConnector }

// A Secret holds a credential: a password or the value of an
// authentication header, from a connection file or an option. It never shows its value when it
// is printed (with any fmt verb, alone or inside a struct, a slice or a
// map, even through unexported fields), logged or encoded as JSON or text:
// it shows "[redacted]" when it is set and "" when it is not. Reveal
// returns the value. The zero Secret is unset.
//
// The value is held by a closure, which fmt and reflection-based printers
// can only show as an address; as a consequence a Secret, and a struct that
// holds one, cannot be compared with ==.
type Secret struct{ get func() string }

// NewSecret returns a Secret holding value; an empty value gives the unset
// Secret.
func NewSecret(value string) Secret {
	if value == "" {
		return Secret{}
	}
	return Secret{get: func() string { return value }}
}

// Reveal returns the secret's value, "" when it is unset.
func (s Secret) Reveal() string {
	if s.get == nil {
		return ""
	}
	return s.get()
}

// IsSet reports whether the secret holds a non-empty value.
func (s Secret) IsSet() bool { return s.get != nil }

const redacted = "[redacted]"

// String returns "[redacted]", or "" when the secret is unset.
func (s Secret) String() string {
	if s.IsSet() {
		return redacted
	}
	return ""
}

// GoString returns String quoted, for %#v.
func (s Secret) GoString() string { return strconv.Quote(s.String()) }

// Format prints String for every verb (GoString for %#v, quoted for %q),
// so that no verb can print the value.
func (s Secret) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'), verb == 'q':
		io.WriteString(f, s.GoString())
	default:
		io.WriteString(f, s.String())
	}
}

// MarshalText returns String, so that JSON, XML and text encodings show
// "[redacted]" (or "" when unset) in place of the value.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// LogValue returns String, for log/slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// Connection holds every parameter of a Qlik Sense connection file, the
// HOCON file that catalog administrators write (see
// connection.conf.template at the root of the module for the format and
// the meaning of each key). LoadConnection reads and checks one;
// Connection.NewClient makes a Client from it. A program may also fill a
// Connection itself.
//
// The secrets (AuthValue, TrustStorePassword, ProxyPassword) are of type
// Secret, so that printing, logging or encoding a Connection never shows
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
	// AuthKey is the name of the header that the virtual proxy reads for
	// header authentication (connection.auth.key), e.g. hdr-usr.
	AuthKey string `json:"auth_key,omitzero"`
	// AuthValue is the header's value (connection.auth.value): DOMAIN\user
	// for a dynamic user directory, the user id for a static one. It
	// authenticates, so it is a Secret.
	AuthValue Secret `json:"auth_value,omitzero"`
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
	if c.AuthKey != "" || c.AuthValue.IsSet() {
		parts = append(parts, fmt.Sprintf("header %s: %s", c.AuthKey, c.AuthValue))
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

// LoadConnection reads and checks the connection file at path, with
// substitutions (${VAR}, ${?VAR}) taken from the process environment. See
// ParseConnection for what is checked and how errors read.
func LoadConnection(path string) (*Connection, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("qrs: connection file %s: %w", path, unwrapPathError(err))
	}
	defer f.Close()
	// One byte more than Parse accepts, for its "too large" error.
	src, err := io.ReadAll(io.LimitReader(f, hocon.MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("qrs: connection file %s: %w", path, unwrapPathError(err))
	}
	return ParseConnection(path, src, os.LookupEnv)
}

// ParseConnection reads and checks the connection file src, naming it
// filename in errors (and resolving a relative truststore path against
// filename's folder). env looks up the environment variables of
// substitutions (nil: none).
//
// The syntax is the strict subset of HOCON that connection files use:
// comments (# and //), key = value or key : value, nested blocks and dotted
// keys alike, quoted and unquoted strings, ${VAR} (required) and ${?VAR}
// (optional) substitutions. Every problem is an error that starts with
// "qrs: " and names the file, line and column of the offending value, or,
// for a missing key, of the block where it belongs (line 1, column 1 for a
// top-level key). Syntax errors stop the reading; all other problems are
// reported together, one per line in file order (errors.Join). Errors name
// keys and positions but do not repeat values, since a value may come from
// the environment and hold a secret.
//
// The file must say connector_id = "qlik-sense". A file of another
// connector gives an error matching ErrOtherConnector, and its keys are not
// checked, nor are its substitutions (${VAR} of a variable that is not
// set); a file that the syntax refuses is an error, whatever its connector.
// Keys the format does not know are errors, with a suggestion for misspelt
// ones.
func ParseConnection(filename string, src []byte, env func(string) (string, bool)) (*Connection, error) {
	root, err := hocon.Parse(filename, src, env)
	if err != nil {
		if other := otherConnector(filename, src); other != nil {
			return nil, other
		}
		// Every error of Parse is a *hocon.Error with its position.
		return nil, fmt.Errorf("qrs: %w", err)
	}
	return connectionFrom(filename, src, root)
}

// otherConnector tells whether a file that does not parse with the
// caller's environment is another connector's, whose variables the
// caller's environment need not have: it parses the file again with every
// variable set, and returns the error of another connector when the file
// then names one, literally. It returns nil otherwise, and for a file
// that the syntax refuses whatever the environment.
func otherConnector(filename string, src []byte) error {
	const placeholder = "qrs-placeholder-for-a-variable"
	root, err := hocon.Parse(filename, src, func(string) (string, bool) { return placeholder, true })
	if err != nil {
		return nil
	}
	v, err := root.Get("connector_id")
	if err != nil || v == nil {
		return nil
	}
	id, err := v.AsString()
	if err != nil || id == "" || strings.Contains(id, placeholder) || strings.EqualFold(strings.TrimSpace(id), ConnectorID) ||
		!bytes.Contains(src, []byte(id)) {
		return nil
	}
	return &otherConnectorError{pos: v.Pos(), id: id}
}

// quotedText matches the quoted strings of an error message.
var quotedText = regexp.MustCompile(` ?"(?:[^"\\]|\\.)*"`)

// withoutValues removes the "qrs: " prefix and every quoted string from the
// message of err, for messages of checks shared with the options, which
// quote the value that the file's position already points at.
func withoutValues(err error) string {
	return quotedText.ReplaceAllString(strings.TrimPrefix(err.Error(), "qrs: "), "")
}

// The keys of a connection file, and the blocks that hold them.
var (
	connectionKeys = []string{
		"name", "code", "connector_id", "enabled",
		"connection.url", "connection.auth.key", "connection.auth.value",
		"tls.truststore.path", "tls.truststore.password", "tls.truststore.type",
		"tls.bypass_certificate_validation",
		"proxy.scheme", "proxy.hostname", "proxy.port", "proxy.username", "proxy.password",
	}
	connectionBlocks = []string{"connection", "connection.auth", "tls", "tls.truststore", "proxy"}
)

// connReader collects the problems of one connection file.
type connReader struct {
	file string
	root *hocon.Object
	errs []connProblem
	bad  map[string]bool // keys whose value was refused: not "missing" too
}

// connProblem is one problem of a connection file. Problems with values
// are kept one per position (a block set to a string fails every key
// looked up under it); missing keys share positions and are kept each.
type connProblem struct {
	err     *hocon.Error
	missing bool
}

// connectionFrom checks the parsed file and fills a Connection.
func connectionFrom(file string, src []byte, root *hocon.Object) (*Connection, error) {
	r := &connReader{file: file, root: root, bad: map[string]bool{}}
	c := &Connection{Path: file, Enabled: true}

	// The connector first: another connector's keys are its own business.
	if id, v := r.str("connector_id"); v != nil {
		switch {
		case id == ConnectorID:
			c.ConnectorID = id
		case id == "":
			r.errorf(v, "is empty: set it to %q", ConnectorID)
		case strings.EqualFold(strings.TrimSpace(id), ConnectorID):
			r.errorf(v, "must be written exactly %q", ConnectorID)
		default:
			e := &otherConnectorError{pos: v.Pos()}
			if bytes.Contains(src, []byte(id)) {
				e.id = id
			}
			return nil, e
		}
	} else {
		r.missing("connector_id", fmt.Sprintf("set it to %q", ConnectorID))
	}
	r.unknownKeys()

	c.Name, _ = r.str("name")
	if code, v := r.str("code"); v != nil {
		if code == "" {
			r.errorf(v, "must not be empty: it is the first segment of every catalog key")
		} else if err := validCode(code); err != nil {
			r.errorf(v, "%s", strings.TrimPrefix(withoutValues(err), "code "))
		} else {
			c.Code = code
		}
	} else {
		r.missing("code", `the connection's unique code, the first segment of every catalog key, such as "qlik-prod"`)
	}
	if on, v := r.boolean("enabled"); v != nil {
		c.Enabled = on
	}
	r.readURL(c)
	r.readAuth(c)
	r.readTLS(c)
	r.readProxy(c)
	if err := r.err(); err != nil {
		return nil, err
	}
	return c, nil
}

// err returns the problems found, one per position, in file order.
func (r *connReader) err() error {
	if len(r.errs) == 0 {
		return nil
	}
	errs := slices.Clone(r.errs)
	slices.SortStableFunc(errs, func(a, b connProblem) int {
		if a.err.Pos.Line != b.err.Pos.Line {
			return a.err.Pos.Line - b.err.Pos.Line
		}
		return a.err.Pos.Col - b.err.Pos.Col
	})
	var out []error
	seen := map[hocon.Pos]bool{}
	for _, p := range errs {
		if !p.missing {
			if seen[p.err.Pos] {
				continue
			}
			seen[p.err.Pos] = true
		}
		out = append(out, fmt.Errorf("qrs: %w", p.err))
	}
	return errors.Join(out...)
}

func (r *connReader) add(path string, err error) {
	r.bad[path] = true
	var he *hocon.Error
	if !errors.As(err, &he) {
		he = &hocon.Error{Pos: hocon.Pos{File: r.file}, Msg: path + ": " + err.Error()}
	}
	r.errs = append(r.errs, connProblem{err: he})
}

// errorf records a problem with the value v.
func (r *connReader) errorf(v *hocon.Value, format string, args ...any) {
	r.errs = append(r.errs, connProblem{err: v.Errorf(format, args...)})
}

// missing records that a required key is not set, at the block where it
// belongs, unless its value was already refused.
func (r *connReader) missing(path, hint string) {
	if r.bad[path] {
		return
	}
	pos := hocon.Pos{File: r.file, Line: 1, Col: 1}
	segs := strings.Split(path, ".")
	for i := len(segs) - 1; i > 0; i-- {
		if obj, ok, _ := r.root.GetObject(strings.Join(segs[:i], ".")); ok {
			pos = obj.Pos()
			break
		}
	}
	r.errs = append(r.errs, connProblem{err: &hocon.Error{Pos: pos, Msg: "missing " + path + ": " + hint}, missing: true})
}

// value returns the value at path, nil when it is not set or null.
func (r *connReader) value(path string) *hocon.Value {
	v, err := r.root.Get(path)
	if err != nil {
		r.add(path, err)
		return nil
	}
	if v == nil || v.IsNull() {
		return nil
	}
	return v
}

// str returns the string at path and its value; a nil value means not set
// (or refused, and recorded).
func (r *connReader) str(path string) (string, *hocon.Value) {
	v := r.value(path)
	if v == nil {
		return "", nil
	}
	s, err := v.AsString()
	if err != nil {
		r.add(path, err)
		return "", nil
	}
	return s, v
}

func (r *connReader) boolean(path string) (bool, *hocon.Value) {
	v := r.value(path)
	if v == nil {
		return false, nil
	}
	b, err := v.AsBool()
	if err != nil {
		r.add(path, err)
		return false, nil
	}
	return b, v
}

func (r *connReader) integer(path string) (int64, *hocon.Value) {
	v := r.value(path)
	if v == nil {
		return 0, nil
	}
	n, err := v.AsInt()
	if err != nil {
		r.add(path, err)
		return 0, nil
	}
	return n, v
}

// unknownKeys records every key that the format does not know.
func (r *connReader) unknownKeys() {
	for _, leaf := range r.root.Leaves() {
		path := leaf.Path()
		if slices.Contains(connectionKeys, path) || slices.Contains(connectionBlocks, path) {
			// A block set to a value is reported by the getters below it.
			continue
		}
		msg := "unknown key " + path
		if s := suggestKey(path); s != "" {
			msg += " (did you mean " + s + "?)"
		}
		r.errs = append(r.errs, connProblem{err: &hocon.Error{Pos: leaf.KeyPos, Msg: msg}})
	}
}

// suggestKey returns the known key that an unknown one probably meant: one
// it is the end of (a key outside its block), one of the same block that
// its last segment abbreviates (proxy.host, proxy.user), or the closest in
// spelling.
func suggestKey(unknown string) string {
	for _, k := range connectionKeys {
		if strings.HasSuffix(k, "."+unknown) {
			return k
		}
	}
	block, last := splitLast(unknown)
	for _, k := range connectionKeys {
		if kb, kl := splitLast(k); kb == block && last != "" && strings.HasPrefix(kl, last) {
			return k
		}
	}
	best, bestDist := "", 0
	for _, k := range connectionKeys {
		d := editDistance(unknown, k)
		if d <= max(2, len(k)/3) && (best == "" || d < bestDist) {
			best, bestDist = k, d
		}
	}
	return best
}

// splitLast splits a dotted path into its block and its last segment.
func splitLast(path string) (block, last string) {
	i := strings.LastIndexByte(path, '.')
	return path[:i+1], path[i+1:]
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func (r *connReader) readURL(c *Connection) {
	s, v := r.str("connection.url")
	if v == nil {
		r.missing("connection.url", `the site's address, https://host[:port][/virtual proxy prefix], such as "https://qlik.example.com/hdr"`)
		return
	}
	// Credentials in the URL are refused before parseBaseURL, whose
	// messages quote the URL.
	u, err := url.Parse(strings.TrimSpace(s))
	switch {
	case err == nil && u.User != nil:
		r.errorf(v, "credentials in the URL are not supported: use connection.auth.key and connection.auth.value")
	case err != nil && strings.Contains(s, "@"):
		r.errorf(v, "cannot be parsed as a URL: give https://host[:port][/prefix]")
	default:
		base, err := parseBaseURL(s)
		if err != nil {
			r.errorf(v, "%s", withoutValues(err))
			return
		}
		c.URL = base.String()
	}
}

func (r *connReader) readAuth(c *Connection) {
	key, kv := r.str("connection.auth.key")
	value, vv := r.str("connection.auth.value")
	if kv != nil {
		if validHeaderName(key) {
			c.AuthKey = key
		} else {
			r.errorf(kv, "is not a valid HTTP header name (letters, digits and -, such as hdr-usr)")
		}
	}
	if vv != nil {
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
	case kv != nil && vv == nil && !r.bad["connection.auth.value"]:
		r.errorf(kv, "is set without connection.auth.value (the user, such as DOMAIN\\user): give both or neither; if the value comes from ${?VAR}, that variable is not set")
	case vv != nil && kv == nil && !r.bad["connection.auth.key"]:
		r.errorf(vv, "is set without connection.auth.key (the header name, such as hdr-usr): give both or neither")
	}
}

func (r *connReader) readTLS(c *Connection) {
	path, pv := r.str("tls.truststore.path")
	password, wv := r.str("tls.truststore.password")
	typ, tv := r.str("tls.truststore.type")
	if pv != nil {
		if path == "" {
			r.errorf(pv, "is empty: give the truststore file, or remove the key")
		} else {
			if !filepath.IsAbs(path) {
				path = filepath.Join(filepath.Dir(r.file), path)
			}
			c.TrustStorePath = path
		}
	}
	if tv != nil {
		if t, err := ParseStoreType(typ); err != nil {
			r.errorf(tv, "%s", withoutValues(err))
		} else {
			c.TrustStoreType = t
		}
	}
	c.TrustStorePassword = NewSecret(password)
	if pv == nil && !r.bad["tls.truststore.path"] {
		if wv != nil {
			r.errorf(wv, "is set without tls.truststore.path")
		}
		if tv != nil && typ != "" {
			r.errorf(tv, "is set without tls.truststore.path")
		}
	}
	c.BypassCertificateValidation, _ = r.boolean("tls.bypass_certificate_validation")
}

func (r *connReader) readProxy(c *Connection) {
	scheme, sv := r.str("proxy.scheme")
	host, hv := r.str("proxy.hostname")
	port, nv := r.integer("proxy.port")
	user, uv := r.str("proxy.username")
	password, wv := r.str("proxy.password")
	if sv != nil {
		switch s := strings.ToLower(scheme); s {
		case "http", "https", "socks5":
			c.ProxyScheme = s
		default:
			r.errorf(sv, "is not supported: use http, https or socks5")
		}
	}
	if hv != nil {
		if validProxyHost(host) {
			c.ProxyHost = host
		} else {
			r.errorf(hv, "must be a host name or an IP address alone: the scheme and the port go in proxy.scheme and proxy.port")
		}
	}
	if nv != nil {
		if port < 1 || port > 65535 {
			r.errorf(nv, "must be a number from 1 to 65535")
		} else {
			c.ProxyPort = int(port)
		}
	}
	if uv != nil {
		switch {
		case user == "":
			r.errorf(uv, "is empty: remove proxy.username for a proxy without login")
		case strings.ContainsRune(user, ':'):
			r.errorf(uv, "must not contain ':' (proxy logins send user:password)")
		default:
			c.ProxyUsername = user
		}
	}
	if wv != nil {
		c.ProxyPassword = NewSecret(password)
	}
	if hv == nil {
		if r.bad["proxy.hostname"] {
			return
		}
		for _, v := range []*hocon.Value{sv, nv, uv, wv} {
			if v != nil {
				r.errorf(v, "is set without proxy.hostname")
			}
		}
		return
	}
	if c.ProxyScheme == "" && sv == nil {
		c.ProxyScheme = "http"
	}
	if nv == nil {
		r.missing("proxy.port", "the proxy's port, such as 3128 or 8080 (there is no default)")
	}
	if wv != nil && uv == nil && !r.bad["proxy.username"] {
		r.errorf(wv, "is set without proxy.username")
	}
}

// validProxyHost reports whether h is an IP address or a host name of
// letters, digits, '-', '_' and '.'.
func validProxyHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	if h == "" || h[0] == '-' || h[0] == '.' {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

// proxyURL builds the proxy URL of WithProxy from the proxy fields; nil
// when the connection names no proxy.
func (c *Connection) proxyURL() (*url.URL, error) {
	if c.ProxyHost == "" {
		if c.ProxyScheme != "" || c.ProxyPort != 0 || c.ProxyUsername != "" || c.ProxyPassword.IsSet() {
			return nil, errors.New("proxy settings without a proxy host")
		}
		return nil, nil
	}
	if c.ProxyPort < 1 || c.ProxyPort > 65535 {
		return nil, fmt.Errorf("proxy port %d: must be a number from 1 to 65535", c.ProxyPort)
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

// NewClient returns a Client for the connection's site, with the options
// its parameters stand for, followed by opts (which therefore win):
// WithHeaderAuth(AuthKey, AuthValue) when they are set; the truststore's
// certificates, read now (LoadTrustStore, WithRootCAs); WithInsecureSkipVerify
// when BypassCertificateValidation is set; WithProxy with the proxy's
// scheme, host, port and login when ProxyHost is set (otherwise the
// environment decides); and WithConnectionCode(Code). Enabled is not
// looked at.
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
