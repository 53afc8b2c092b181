package qrs

// Reading the connection strings of data connections (dataconnections.go):
// scrubbing their credentials, and finding what they point at. The strings
// come in many forms: Qlik's script statements (OLEDB CONNECT TO [...],
// ODBC CONNECT TO [...], CUSTOM CONNECT TO "..."), ODBC and OLE DB
// attribute lists (Key=Value;..., values "quoted" or {braced}), JDBC URLs,
// the REST connector's encoded parameters (name%2value joined by %1),
// folder paths and web URLs. Scrubbing does not parse them as a grammar:
// it finds every place where a credential can sit and blanks it, so that
// a form it does not know loses too much rather than leaks.

import (
	"net/url"
	"strconv"
	"strings"
)

// scrubbed is what a credential's value becomes in a scrubbed connection
// string, as a proxy's password does in the Client's messages.
const scrubbed = "xxxxx"

// maxKeyLen bounds how far back from " is " a name is looked for.
const maxKeyLen = 64

// A span is a part [start, end) of a string.
type span struct{ start, end int }

// scrubConnectionString returns s with the value of every credential
// replaced by "xxxxx": attributes whose name says password, pwd, secret,
// token, API key, credential, access or account key, signature or
// authorization (in any case, with or without _ - . or spaces, and
// followed by = or, as in old script statements, by " is "), whatever the
// quoting ("...", '...', {...}); the password of user:password@ in URLs
// and of user/password@ in Oracle thin JDBC URLs; the value of a
// credential in the REST connector's encoded parameters and headers; and
// the token after Bearer or Basic.
func scrubConnectionString(s string) string {
	var spans []span
	spans = appendAttributeSecrets(spans, s)
	spans = appendEncodedSecrets(spans, s)
	spans = appendURLPasswords(spans, s)
	spans = appendSchemeTokens(spans, s)
	if len(spans) == 0 {
		return s
	}
	return redactSpans(s, spans)
}

// redactSpans replaces each span of s (in any order, overlapping or not)
// with scrubbed.
func redactSpans(s string, spans []span) string {
	// Sort by start (few spans: insertion sort), then merge.
	for i := 1; i < len(spans); i++ {
		for j := i; j > 0 && spans[j].start < spans[j-1].start; j-- {
			spans[j], spans[j-1] = spans[j-1], spans[j]
		}
	}
	var b strings.Builder
	b.Grow(len(s))
	at := 0
	for i := 0; i < len(spans); {
		start, end := spans[i].start, spans[i].end
		for i++; i < len(spans) && spans[i].start <= end; i++ {
			end = max(end, spans[i].end)
		}
		if start < at {
			start = at
		}
		b.WriteString(s[at:start])
		b.WriteString(scrubbed)
		at = end
	}
	b.WriteString(s[at:])
	return b.String()
}

// isSecretKey reports whether an attribute's name names a credential.
func isSecretKey(key string) bool {
	k := normalizeKey(key)
	switch k {
	case "":
		return false
	case "pass", "pw", "key", "sig", "auth", "authorization", "code":
		return true
	}
	for _, end := range []string{"url", "uri", "endpoint", "type", "length", "policy", "expiry", "expiration"} {
		if strings.HasSuffix(k, end) {
			return false // tokenUrl, passwordType: about a credential, not one
		}
	}
	for _, part := range []string{"password", "passwd", "pwd", "secret", "token", "apikey", "credential",
		"accountkey", "accesskey", "privatekey", "passphrase", "sessionkey", "signature", "sharedkey", "clientkey"} {
		if strings.Contains(k, part) {
			return true
		}
	}
	return false
}

// normalizeKey lower-cases an attribute's name and drops the characters
// that names write differently: "Initial Catalog", "initial_catalog" and
// "initialCatalog" are one name.
func normalizeKey(key string) string {
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case c >= 'A' && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
		case c == ' ' || c == '_' || c == '-' || c == '.' || c == '\t':
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isKeyByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == ' ' || c == '\t'
}

// keySeparators are the bytes after which an attribute's name may start.
const keySeparators = ";[\"'({,?&\n\r|"

// scanAttributes calls fn for each '=' of s that follows an attribute's
// name (spaces around it dropped), with the byte before the name (0 at the
// start of s) and the index of the '='; fn returns where the scan goes on,
// after the value or just after the '='. A name starts at the start of s
// or after a separator; names are found going forward, so that the scan
// is linear whatever s holds.
func scanAttributes(s string, fn func(key string, before byte, eq int) int) {
	keyStart, before := 0, byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '=':
			next := i + 1
			if key := strings.TrimSpace(s[keyStart:i]); key != "" && (keyStart == 0 || strings.IndexByte(keySeparators, before) >= 0) {
				next = max(fn(key, before, i), i+1)
			}
			i = next - 1
			keyStart, before = next, '='
		case !isKeyByte(c):
			keyStart, before = i+1, c
		}
	}
}

// valueEnd returns where the value that starts at s[start] ends: after its
// closing quote or brace when it is quoted or braced (a doubled quote or
// closing brace inside stands for itself, as in ODBC), else at the first
// byte of stops, or at the end of s less one closing ']', '"' or ')' of
// the statement around the attributes.
func valueEnd(s string, start int, stops string) int {
	i := start
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	if i < len(s) {
		if closer := closerOf(s[i]); closer != 0 {
			for j := i + 1; j < len(s); j++ {
				if s[j] == closer {
					if j+1 < len(s) && s[j+1] == closer {
						j++
						continue
					}
					if j+1 == len(s) || strings.IndexByte(afterQuoted, s[j+1]) >= 0 {
						return j + 1
					}
					// Text right after the closing quote: the quotes do
					// not pair up as written (a quote that never closed,
					// met another's opening one). Take in the rest of the
					// attribute, so that what follows cannot leak.
					i = j + 1
					break
				}
				if j == len(s)-1 {
					return len(s)
				}
			}
		}
	}
	for j := i; j < len(s); j++ {
		if strings.IndexByte(stops, s[j]) >= 0 {
			return j
		}
	}
	end := len(s)
	if end > i && strings.IndexByte("]\")", s[end-1]) >= 0 {
		end--
	}
	return end
}

// closerOf returns the byte that closes a value opened by c: a quote or
// an ODBC brace; 0 for any other byte.
func closerOf(c byte) byte {
	switch c {
	case '"', '\'':
		return c
	case '{':
		return '}'
	}
	return 0
}

// afterQuoted are the bytes that may follow a quoted value.
const afterQuoted = "; \t\r\n]),&\"'}"

// Where unquoted values end: an attribute's at ';', a URL query
// parameter's also at '&', '#', quotes, brackets and white space.
const (
	attrStops  = ";"
	queryStops = ";&#\"' \t\r\n])"
)

// appendAttributeSecrets appends the values of credential attributes:
// Key=Value, and Key is Value as in "(XUserId is ..., XPassword is ...)".
func appendAttributeSecrets(spans []span, s string) []span {
	scanAttributes(s, func(key string, before byte, eq int) int {
		if !isSecretKey(key) {
			return eq + 1
		}
		stops := attrStops
		if before == '?' || before == '&' {
			stops = queryStops
		}
		end := valueEnd(s, eq+1, stops)
		if end > eq+1 {
			spans = append(spans, span{eq + 1, end})
		}
		return end
	})
	// "XPassword is secret": the name is the word before " is ".
	for i := 1; i+2 < len(s); i++ {
		if s[i-1] != ' ' || s[i] != 'i' && s[i] != 'I' || s[i+1] != 's' && s[i+1] != 'S' || s[i+2] != ' ' {
			continue
		}
		j := i - 1
		for j > 0 && s[j-1] == ' ' {
			j--
		}
		k := j
		for k > 0 && j-k < maxKeyLen && isWordByte(s[k-1]) {
			k--
		}
		if k == j || !isSecretKey(s[k:j]) {
			continue
		}
		start := i + 3
		end := valueEnd(s, start, ",);")
		if end > start {
			spans = append(spans, span{start, end})
		}
		i = max(i, end-1)
	}
	return spans
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// appendEncodedSecrets appends the values of credentials in the REST
// connector's encoded lists: queryParameters=apiKey%2VALUE and
// queryHeaders=Authorization%2Bearer VALUE%1Accept%2..., where %2 ends a
// name and %1 a pair.
func appendEncodedSecrets(spans []span, s string) []span {
	nameStart := 0 // where the name before the next %2 would start
	for i := 0; i+1 < len(s); i++ {
		c := s[i]
		if c != '%' || s[i+1] != '2' {
			if !isWordByte(c) && c != '-' && c != '.' {
				nameStart = i + 1
			}
			continue
		}
		j := nameStart
		afterPair := j > 0 && s[j-1] == '%' && j < i && s[j] == '1' // the 1 of a pair's %1
		if afterPair {
			j++
		}
		nameStart = i + 1
		// The name follows '=' or a pair's %1.
		if j == i || !(afterPair || j > 0 && s[j-1] == '=') || !isSecretKey(s[j:i]) {
			continue
		}
		start := i + 2
		end := start
		for end < len(s) && s[end] != ';' && s[end] != '"' && !(s[end] == '%' && end+1 < len(s) && s[end+1] == '1') {
			end++
		}
		if end > start {
			spans = append(spans, span{start, end})
		}
		i = end - 1
		nameStart = end
	}
	return spans
}

// appendURLPasswords appends the password of user:password@host after
// every "://", and of user/password@ in Oracle's jdbc:oracle:thin: form.
func appendURLPasswords(spans []span, s string) []span {
	for i := 0; i+2 < len(s); i++ {
		var from int
		switch {
		case s[i] == ':' && s[i+1] == '/' && s[i+2] == '/':
			from = i + 3
		case i > 0 && s[i-1] == ':' && i+5 <= len(s) && strings.EqualFold(s[i:i+5], "thin:"):
			from = i + 5
		default:
			continue
		}
		// The authority ends where a path, query, attribute or quote
		// begins; the userinfo is what comes before its last '@'.
		end := from
		for end < len(s) && strings.IndexByte("/?#;\"' \t\r\n[]()", s[end]) < 0 {
			end++
		}
		thin := s[i] != ':'
		if thin {
			// user/password@host: the '/' belongs to the userinfo.
			end = from
			for end < len(s) && strings.IndexByte("?#;\"' \t\r\n()", s[end]) < 0 && s[end] != '@' {
				end++
			}
			if end < len(s) && s[end] == '@' {
				if slash := strings.IndexByte(s[from:end], '/'); slash >= 0 && from+slash+1 < end {
					spans = append(spans, span{from + slash + 1, end})
				}
			}
			continue
		}
		at := strings.LastIndexByte(s[from:end], '@')
		if at < 0 {
			continue
		}
		if colon := strings.IndexByte(s[from:from+at], ':'); colon >= 0 && colon+1 < at {
			spans = append(spans, span{from + colon + 1, from + at})
		}
		i = from + at
	}
	return spans
}

// appendSchemeTokens appends the credential after an HTTP authorization
// scheme, Bearer or Basic, wherever it appears (a header in an encoded
// list, a script's HTTPHEADER "Authorization" "Bearer ...").
func appendSchemeTokens(spans []span, s string) []span {
	for _, scheme := range []string{"bearer", "basic"} {
		for at := 0; ; {
			k := indexFold(s, scheme, at)
			if k < 0 {
				break
			}
			at = k + len(scheme)
			if k > 0 && isWordByte(s[k-1]) && !(k > 1 && s[k-2] == '%') { // %2Bearer is "%2" then "Bearer"
				continue
			}
			start := at
			for start < len(s) && (s[start] == ' ' || s[start] == '\t') {
				start++
			}
			if start == at || start == len(s) {
				continue // "bearer" as a word of its own, or at the end
			}
			end := start
			for end < len(s) && strings.IndexByte(" \t\r\n;\"',])&", s[end]) < 0 && !(s[end] == '%' && end+1 < len(s) && s[end+1] == '1') {
				end++
			}
			if end > start {
				spans = append(spans, span{start, end})
			}
			at = end
		}
	}
	return spans
}

// indexFold returns the index of the first sub (lower-case ASCII) in s at
// or after from, matching ASCII letters without regard to case, or -1.
// Other bytes, invalid UTF-8 included, compare as they are, so that the
// index is one into s.
func indexFold(s, sub string, from int) int {
	for i := from; i+len(sub) <= len(s); i++ {
		j := 0
		for ; j < len(sub); j++ {
			c := s[i+j]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != sub[j] {
				break
			}
		}
		if j == len(sub) {
			return i
		}
	}
	return -1
}

// A ConnectionTarget is what a data connection's string points at, as far
// as it names it: for lineage, never a credential. Fields the string does
// not name stay empty.
type ConnectionTarget struct {
	// Host is the server: a database host (host=, server=, Data Source=,
	// with its \instance if any), a URL's host, or the server of a UNC path.
	Host string `json:"host,omitzero"`
	// Port is the port the string names (port=, host,port, a URL's).
	Port int `json:"port,omitzero"`
	// Database is the database (database=, db=, Initial Catalog=,
	// databaseName=, a JDBC URL's path).
	Database string `json:"database,omitzero"`
	// DSN is the ODBC data source name (DSN=, or ODBC CONNECT TO [name]).
	DSN string `json:"dsn,omitzero"`
	// Driver is the ODBC driver or OLE DB provider (driver=, Provider=).
	Driver string `json:"driver,omitzero"`
	// Path is a folder connection's path: \\server\share\..., C:\....
	Path string `json:"path,omitzero"`
	// URL is the address of a web, REST or JDBC connection without its
	// user, query and fragment, such as https://api.example.com/v2/orders,
	// or s3://bucket for an Amazon S3 bucket.
	URL string `json:"url,omitzero"`
}

// String says in a few words what the target is: its URL, its path, its
// host and database, its host, or its DSN; "" when the string named none.
func (t ConnectionTarget) String() string {
	switch {
	case t.URL != "":
		return t.URL
	case t.Path != "":
		return t.Path
	case t.Host != "" && t.Database != "":
		return t.Host + "/" + t.Database
	case t.Host != "":
		return t.Host
	case t.DSN != "":
		return "DSN " + t.DSN
	}
	return ""
}

// resolveTarget finds what the scrubbed connection string s of a
// connection of type typ points at.
func resolveTarget(typ, s string) ConnectionTarget {
	var t ConnectionTarget
	s = strings.TrimSpace(s)
	if strings.EqualFold(typ, "folder") || isFolderPath(s) {
		t.Path = s
		if strings.HasPrefix(s, `\\`) {
			host, _, _ := strings.Cut(s[2:], `\`)
			t.Host = host
		}
		return t
	}
	if isWebURL(s) {
		t.setURL(s)
		return t
	}
	attrs := attributes(s)
	get := func(names ...string) string {
		for _, n := range names {
			if v, ok := attrs[n]; ok && v != "" {
				return v
			}
		}
		return ""
	}
	if h := get("host", "hostname", "server", "servername", "datasource", "address", "addr"); h != "" {
		h = strings.TrimPrefix(h, "tcp:")
		if host, port, ok := strings.Cut(h, ","); ok {
			h = host
			t.Port = parsePort(port)
		}
		t.Host = strings.TrimSpace(h)
	}
	if p := parsePort(get("port")); p != 0 {
		t.Port = p
	}
	t.Database = get("database", "db", "initialcatalog", "databasename", "dbname", "defaultdatabase")
	t.DSN = get("dsn")
	t.Driver = strings.Trim(get("driver"), "{}")
	if t.Driver == "" && !strings.HasSuffix(strings.ToLower(get("provider")), ".exe") {
		t.Driver = get("provider") // OLE DB's; a connector's .exe is its type
	}
	if u := get("url", "loginurl", "baseurl", "endpoint"); u != "" {
		t.setURL(u)
	}
	if b := get("bucketname", "bucket"); b != "" && t.URL == "" {
		t.URL = "s3://" + b
	}
	if t.DSN == "" && len(attrs) == 0 {
		t.DSN = bracketName(s) // ODBC CONNECT TO [DSN name]
	}
	return t
}

// setURL records a URL's address without its user, query and fragment,
// and its host, port and (for JDBC) database. A JDBC URL's own
// attributes (;databaseName=...) are the connection string's.
func (t *ConnectionTarget) setURL(raw string) {
	raw, _, _ = strings.Cut(raw, ";")
	rest, jdbc := cutPrefixFold(raw, "jdbc:")
	u, err := url.Parse(rest)
	if err != nil || u.Host == "" {
		return
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	if t.Host == "" {
		t.Host = u.Hostname()
	}
	if t.Port == 0 {
		t.Port = parsePort(u.Port())
	}
	if jdbc {
		if db := strings.Trim(u.Path, "/"); db != "" && t.Database == "" && !strings.Contains(db, "/") {
			t.Database = db
		}
		t.URL = "jdbc:" + u.String()
		return
	}
	t.URL = u.String()
}

// attributes reads the Key=Value pairs of s, by normalized key (the first
// value of each), with quotes and braces taken off.
func attributes(s string) map[string]string {
	out := map[string]string{}
	scanAttributes(s, func(key string, before byte, eq int) int {
		if before == '?' || before == '&' {
			return eq + 1 // a URL's query parameter
		}
		end := valueEnd(s, eq+1, attrStops)
		v := strings.TrimSpace(s[eq+1 : end])
		if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'' || v[0] == '{' && v[len(v)-1] == '}') {
			v = v[1 : len(v)-1]
		}
		k := normalizeKey(key)
		if _, seen := out[k]; !seen {
			out[k] = v
		}
		return end
	})
	return out
}

// bracketName returns what stands between the first '[' and the next ']'.
func bracketName(s string) string {
	open := strings.IndexByte(s, '[')
	if open < 0 {
		return ""
	}
	end := strings.IndexByte(s[open+1:], ']')
	if end < 0 {
		return ""
	}
	return strings.TrimSpace(s[open+1 : open+1+end])
}

func isFolderPath(s string) bool {
	return strings.HasPrefix(s, `\\`) || len(s) >= 3 && s[1] == ':' && (s[2] == '\\' || s[2] == '/') &&
		(s[0] >= 'A' && s[0] <= 'Z' || s[0] >= 'a' && s[0] <= 'z')
}

func isWebURL(s string) bool {
	_, http := cutPrefixFold(s, "http://")
	_, https := cutPrefixFold(s, "https://")
	return (http || https) && !strings.ContainsAny(s, " ;")
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

func parsePort(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n <= 0 || n > 65535 {
		return 0
	}
	return n
}
