package qrs

// Reading and checking a connection file into a Connection (connection.go).
// Its authentication keys are read in connauth.go; the checks it shares
// with the options are in validate.go.

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/qrskit/qrs/internal/hocon"
	"github.com/qrskit/qrs/internal/regfile"
)

// LoadConnection reads and checks the connection file at path, with
// substitutions (${VAR}, ${?VAR}) taken from the process environment. See
// [ParseConnection] for what is checked and how errors read. What is not a
// regular file (a folder, a named pipe, a device) is refused before
// anything is read, as is a file larger than 1 MiB.
func LoadConnection(path string) (*Connection, error) {
	src, err := regfile.Read(path, hocon.MaxSize)
	if err != nil {
		return nil, fmt.Errorf("qrs: connection file %s: %w", path, err)
	}
	return ParseConnection(path, src, os.LookupEnv)
}

// ParseConnection reads and checks the connection file src into a
// [Connection], naming it filename in errors (and resolving a relative
// truststore path against filename's folder). env looks up the environment
// variables of substitutions (nil: none).
//
// The syntax is the strict subset of HOCON that connection files use:
// comments (# and //), key = value or key : value, nested blocks and dotted
// keys alike, quoted and unquoted strings, ${VAR} (required) and ${?VAR}
// (optional) substitutions. Every problem is an error that starts with
// "qrs: " and names the file, line and column of the offending value, or,
// for a missing key, of the block where it belongs (line 1, column 1 for a
// top-level key). Syntax errors stop the reading; all other problems are
// reported together, one per line in file order ([errors.Join]), the first
// 20 of them and then how many more there are. Errors name keys and
// positions but do not repeat values, since a value may come from the
// environment and hold a secret; a long key is cut short.
//
// The file must say connector_id = "qlik-sense". A file of another
// connector gives an error matching [ErrOtherConnector], and its keys are not
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
		other = fmt.Sprintf("the connector %q", hocon.Clip(e.id))
	}
	return fmt.Sprintf("qrs: %s: connector_id: the file is a connection of %s, not of %q", e.pos, other, ConnectorID)
}

func (e *otherConnectorError) Is(target error) bool { return target == ErrOtherConnector }

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
	// unknown is the key of an unknown-key problem, whose message (and its
	// costly suggestion) is made only if the problem is listed: err.Msg
	// is empty until then.
	unknown string
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
			r.errorf(v, "%s", reasonOf(err))
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
	r.readScope(c)
	if err := r.err(); err != nil {
		return nil, err
	}
	return c, nil
}

// maxProblems is the most problems that the error of a file lists: a file
// of a hundred thousand unknown keys is not worth a line for each.
const maxProblems = 20

// err returns the problems found, one per position, in file order, the
// first maxProblems of them and then how many more there are.
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
	more := 0
	for _, p := range errs {
		if !p.missing {
			if seen[p.err.Pos] {
				continue
			}
			seen[p.err.Pos] = true
		}
		if len(out) == maxProblems {
			more++
			continue
		}
		if p.unknown != "" {
			p.err.Msg = unknownKeyMessage(p.unknown)
		}
		out = append(out, fmt.Errorf("qrs: %w", p.err))
	}
	if more > 0 {
		msg := fmt.Sprintf("... and %d more problems", more)
		if more == 1 {
			msg = "... and 1 more problem"
		}
		out = append(out, fmt.Errorf("qrs: %w", &hocon.Error{Pos: hocon.Pos{File: r.file}, Msg: msg}))
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

func (r *connReader) readURL(c *Connection) {
	s, v := r.str("connection.url")
	if v == nil {
		r.missing("connection.url", `the site's address, https://host[:port][/virtual proxy prefix], such as "https://qlik.example.com/hdr"`)
		return
	}
	base, err := parseBaseURL(s)
	switch {
	case errors.Is(err, errURLCredentials):
		r.errorf(v, "credentials in the URL are not supported: use connection.auth.key and connection.auth.value")
	case err != nil:
		r.errorf(v, "%s", reasonOf(err))
	default:
		c.URL = base.String()
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
			// ParseStoreType's error quotes the value: say it anew.
			r.errorf(tv, "unknown truststore type: use PKCS12, JKS or PEM, or leave it empty to go by the file extension")
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
		if err := checkPort(port); err != nil {
			r.errorf(nv, "%s", reasonOf(err))
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
