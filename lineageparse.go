package qrs

import (
	"net/url"
	"strconv"
	"strings"
)

// Reading the rows of GetLineage (lineage.go makes entries of them). Each
// row has a discriminator, which says where data came from or went to,
// and mostly the statement behind it:
//
//	[lib://Data/Sales/orders.qvd](qvd)          a file loaded (lib://, UNC, drive, relative path)
//	[https://host/x.csv?k=v](txt, ...)          a web file loaded
//	STORE - [lib://Data/Sales/orders.qvd] (qvd) a file written by STORE
//	LIB CONNECT TO 'SalesDB';                   a data connection, and the SELECT in the statement
//	ODBC CONNECT32 TO [DSN=...;PWD=...];        a connection written in the script (OLEDB, CUSTOM too)
//	EXTENSION                                   a server-side extension, named in the statement
//	INLINE; RESIDENT Orders; AUTOGENERATE(366); data from inside the script
//
// Both texts are scrubbed of credentials (connstring.go's scrubber) before
// anything is read from them, so that nothing derived from them, keys
// included, can hold one. A discriminator of another form is kept as a
// source of type "other".

// lineageClass is what a row of GetLineage names.
type lineageClass int

const (
	lineageOther      lineageClass = iota // a form the library does not know
	lineageFile                           // a file loaded
	lineageStore                          // a file written by STORE
	lineageConnection                     // LIB CONNECT TO 'name'
	lineageConnect                        // ODBC, OLEDB or CUSTOM CONNECT TO in the script
	lineageExtension                      // a server-side extension
	lineageInternal                       // INLINE, RESIDENT, AUTOGENERATE
)

// Bounds of what a row keeps: its texts (the evidence), after scrubbing,
// and the location of a file, which goes into keys.
const (
	maxStatement = 4096
	maxLocation  = 2048
)

// A lineageRow is one row of GetLineage, scrubbed and classified.
type lineageRow struct {
	class lineageClass
	// discriminator and statement are the row's texts, scrubbed and
	// bounded: the evidence of the edge it makes.
	discriminator, statement string
	// path and format are a file's location as written (scrubbed) and its
	// format (qvd, ooxml, txt, ...).
	path, format string
	// name is the data connection of LIB CONNECT TO, the extension, the
	// kind of a connection in the script (odbc, oledb, custom), or the
	// kind of internal data (inline, resident, autogenerate).
	name string
	// connect is a connection written in the script: the discriminator
	// without its statement end, scrubbed.
	connect string
}

// classifyLineage reads one row of GetLineage.
func classifyLineage(discriminator, statement string) lineageRow {
	d := scrubStatement(strings.TrimSpace(discriminator))
	st := scrubStatement(strings.TrimSpace(statement))
	row := lineageRow{discriminator: truncate(d, maxStatement), statement: truncate(st, maxStatement)}
	core := strings.TrimSpace(strings.TrimRight(d, "; \t\r\n"))
	switch {
	case hasWordFold(core, "STORE"):
		row.path, row.format = fileSpec(strings.TrimLeft(core[len("STORE"):], " \t-"))
		if row.path == "" { // STORE t INTO [path] (qvd), in the statement
			if i := indexFold(st, " into ", 0); i >= 0 {
				row.path, row.format = fileSpec(strings.TrimRight(st[i+len(" into "):], "; \t\r\n"))
			}
		}
		if row.path != "" {
			row.class = lineageStore
		}
	case hasWordFold(core, "INLINE"), hasWordFold(core, "RESIDENT"), hasWordFold(core, "AUTOGENERATE"):
		row.class = lineageInternal
		row.name = strings.ToLower(firstWord(core))
	case hasWordFold(core, "EXTENSION"):
		row.class = lineageExtension
		row.name = identifierAfter(core, "extension")
		if row.name == "" {
			row.name = identifierAfter(st, "extension")
		}
	case hasWordsFold(core, "LIB", "CONNECT", "TO"):
		row.name = quotedName(afterWords(core, 3))
		if row.name != "" {
			row.class = lineageConnection
		}
	default:
		if kind, ok := connectKind(core); ok {
			row.class, row.name, row.connect = lineageConnect, kind, core
			break
		}
		if strings.HasPrefix(core, "[") || isLocation(core) {
			row.path, row.format = fileSpec(core)
			if row.path != "" {
				row.class = lineageFile
			}
		}
	}
	return row
}

// scrubStatement scrubs a script statement as a connection string, with
// its end (';' and white space) kept aside: the scrubber would take it
// for the end of the last value, and the closing bracket before it for a
// part of that value.
func scrubStatement(s string) string {
	body := strings.TrimRight(s, "; \t\r\n")
	return scrubConnectionString(body) + s[len(body):]
}

// hasWordFold reports whether s starts with the word w, in any case.
func hasWordFold(s, w string) bool {
	return len(s) >= len(w) && strings.EqualFold(s[:len(w)], w) && (len(s) == len(w) || !isWordByte(s[len(w)]))
}

// hasWordsFold reports whether s starts with the words ws, separated by
// white space.
func hasWordsFold(s string, ws ...string) bool {
	for _, w := range ws {
		if !hasWordFold(s, w) {
			return false
		}
		s = strings.TrimLeft(s[len(w):], " \t\r\n")
	}
	return true
}

// afterWords returns what follows the first n words of s.
func afterWords(s string, n int) string {
	for range n {
		s = strings.TrimLeft(s, " \t\r\n")
		i := 0
		for i < len(s) && isWordByte(s[i]) {
			i++
		}
		s = s[i:]
	}
	return strings.TrimSpace(s)
}

func firstWord(s string) string {
	i := 0
	for i < len(s) && isWordByte(s[i]) {
		i++
	}
	return s[:i]
}

// identifierAfter returns the identifier after the word w (lower-case) in
// s: EXTENSION PythonSSE.Score(...) names PythonSSE.
func identifierAfter(s, w string) string {
	for from := 0; ; {
		i := indexFold(s, w, from)
		if i < 0 {
			return ""
		}
		from = i + len(w)
		if i > 0 && isWordByte(s[i-1]) || from < len(s) && isWordByte(s[from]) {
			continue
		}
		if name := firstWord(strings.TrimLeft(s[from:], " \t\r\n")); name != "" {
			return name
		}
	}
}

// quotedName reads the name after LIB CONNECT TO: 'name' (a doubled quote
// inside stands for one), "name" or [name], or a word.
func quotedName(s string) string {
	if s == "" {
		return ""
	}
	closer := map[byte]byte{'\'': '\'', '"': '"', '[': ']'}[s[0]]
	if closer == 0 {
		return strings.TrimSpace(strings.TrimRight(s, ";"))
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] == closer {
			if closer != ']' && i+1 < len(s) && s[i+1] == closer {
				b.WriteByte(closer)
				i++
				continue
			}
			return strings.TrimSpace(b.String())
		}
		b.WriteByte(s[i])
	}
	return strings.TrimSpace(b.String()) // never closed: all of it
}

// connectKind reads a connection written in the script, [ODBC|OLEDB|CUSTOM]
// CONNECT[32|64] TO ..., and returns its kind: odbc, oledb (CONNECT
// alone is OLE DB's, as in Qlik's script) or custom.
func connectKind(s string) (string, bool) {
	kind := "oledb"
	for _, k := range []string{"ODBC", "OLEDB", "CUSTOM"} {
		if hasWordFold(s, k) {
			kind = strings.ToLower(k)
			s = strings.TrimLeft(s[len(k):], " \t\r\n")
			break
		}
	}
	if len(s) < len("CONNECT") || !strings.EqualFold(s[:len("CONNECT")], "CONNECT") {
		return "", false
	}
	s = s[len("CONNECT"):]
	if strings.HasPrefix(s, "32") || strings.HasPrefix(s, "64") {
		s = s[2:]
	}
	if s == "" || isWordByte(s[0]) {
		return "", false
	}
	return kind, hasWordFold(strings.TrimLeft(s, " \t\r\n"), "TO")
}

// isLocation reports whether s starts as a file's location does without
// brackets: lib://, a web URL, a UNC or drive path.
func isLocation(s string) bool {
	for _, p := range []string{"lib://", "http://", "https://", "ftp://", "ftps://"} {
		if _, ok := cutPrefixFold(s, p); ok {
			return true
		}
	}
	return isFolderPath(s)
}

// fileSpec reads a file's location and format: [location](format, ...)
// or location (format, ...). Without a format, the file's extension is
// taken for it.
func fileSpec(s string) (path, format string) {
	s = strings.TrimSpace(s)
	rest := ""
	switch {
	case strings.HasPrefix(s, "["):
		if end := strings.IndexByte(s, ']'); end >= 0 {
			path, rest = s[1:end], s[end+1:]
		} else {
			path = s[1:]
		}
	case strings.HasSuffix(s, ")") && strings.LastIndexByte(s, '(') > 0:
		i := strings.LastIndexByte(s, '(')
		path, rest = s[:i], s[i:]
	default:
		path = s
	}
	path = strings.TrimSpace(strings.Trim(strings.TrimSpace(path), "\"'`"))
	if rest = strings.TrimSpace(rest); strings.HasPrefix(rest, "(") {
		f := rest[1:]
		if i := strings.IndexAny(f, ",)"); i >= 0 {
			f = f[:i]
		}
		format = strings.ToLower(strings.TrimSpace(f))
	}
	if format == "" {
		format = extension(path)
	}
	return path, format
}

// extension returns a path's extension, lower-case, without the dot:
// letters and digits only, else "".
func extension(p string) string {
	if u, err := url.Parse(p); err == nil && u.Scheme != "" && u.Host != "" {
		p = u.Path
	}
	i := strings.LastIndexAny(p, `./\`)
	if i < 0 || p[i] != '.' || len(p)-i-1 > 8 {
		return ""
	}
	ext := strings.ToLower(p[i+1:])
	for j := 0; j < len(ext); j++ {
		if !(ext[j] >= 'a' && ext[j] <= 'z' || ext[j] >= '0' && ext[j] <= '9') {
			return ""
		}
	}
	return ext
}

// A fileLocation is where a file is, as the script names it.
type fileLocation struct {
	scheme string // lib, path (UNC or drive), relative, web
	conn   string // the data connection of a lib:// path, as written
	rest   string // the path after lib://Connection/
	// key is the location normalized as Windows compares paths: case
	// folded, / and \ alike, . and .. resolved; a URL's scheme and host
	// folded, its user and fragment dropped.
	key string
}

// File schemes, as LineageFile.Scheme says them.
const (
	fileLib      = "lib"
	filePath     = "path"
	fileRelative = "relative"
	fileWeb      = "web"
)

// parseLocation reads a file's location.
func parseLocation(p string) fileLocation {
	if rest, ok := cutPrefixFold(p, "lib://"); ok {
		conn, after := rest, ""
		if i := strings.IndexAny(rest, `/\`); i >= 0 {
			conn, after = rest[:i], rest[i+1:]
		}
		conn = strings.TrimSpace(conn)
		return fileLocation{scheme: fileLib, conn: conn, rest: after,
			key: "lib://" + strings.ToLower(conn) + "/" + cleanPath(after, "/", false)}
	}
	for _, prefix := range []string{"http://", "https://", "ftp://", "ftps://"} {
		if _, ok := cutPrefixFold(p, prefix); ok {
			return fileLocation{scheme: fileWeb, key: webKey(p)}
		}
	}
	if isFolderPath(p) {
		return fileLocation{scheme: filePath, key: cleanPath(p, `\`, true)}
	}
	return fileLocation{scheme: fileRelative, key: cleanPath(p, `\`, false)}
}

// cleanPath folds the case of a path, separates its parts with sep, and
// resolves "." and ".." (never above the first part of an absolute path:
// the drive, or the UNC path's server). A UNC path keeps its leading \\.
func cleanPath(p, sep string, absolute bool) string {
	p = strings.ToLower(strings.TrimSpace(p))
	lead := ""
	if absolute && (strings.HasPrefix(p, `\\`) || strings.HasPrefix(p, "//")) {
		lead, p = `\\`, p[2:]
	}
	var parts []string
	for part := range strings.FieldsFuncSeq(p, func(r rune) bool { return r == '/' || r == '\\' }) {
		switch {
		case part == ".":
		case part != "..":
			parts = append(parts, part)
		case len(parts) > 0 && parts[len(parts)-1] != ".." && (!absolute || len(parts) > 1):
			parts = parts[:len(parts)-1]
		case !absolute:
			parts = append(parts, part) // above where a relative path starts: kept
		}
	}
	return lead + strings.Join(parts, sep)
}

// webKey normalizes a web file's URL (already scrubbed): its address
// (webAddress) with scheme and host folded.
func webKey(raw string) string {
	u, ok := webURL(raw)
	if !ok {
		return strings.TrimSpace(raw)
	}
	u.Scheme, u.Host = strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	return u.String()
}

// webAddress is a web file's URL without its user and fragment; path and
// query as written.
func webAddress(raw string) string {
	u, ok := webURL(raw)
	if !ok {
		return strings.TrimSpace(raw)
	}
	return u.String()
}

func webURL(raw string) (*url.URL, bool) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return nil, false
	}
	u.User, u.Fragment, u.RawFragment = nil, "", ""
	return u, true
}

// resolvedPath is a file's address outside Qlik: a lib:// path joined to
// its folder connection's path (or web connection's URL), a UNC or drive
// path as it is, a web file's address; "" when it cannot be told.
func resolvedPath(loc fileLocation, path string, t ConnectionTarget) string {
	switch loc.scheme {
	case fileLib:
		rest := strings.TrimLeft(loc.rest, `/\`)
		switch {
		case t.Path != "" && rest == "":
			return t.Path
		case t.Path != "":
			return strings.TrimRight(t.Path, `\/`) + `\` + strings.ReplaceAll(rest, "/", `\`)
		case t.URL != "" && rest == "":
			return t.URL
		case t.URL != "":
			return strings.TrimRight(t.URL, "/") + "/" + strings.ReplaceAll(rest, `\`, "/")
		}
		return ""
	case filePath:
		return path
	case fileWeb:
		return webAddress(path)
	}
	return ""
}

// targetLocator is the id of a connection written in the script, in a
// source's key: what it points at (its DSN, its host and database, its
// URL or path), folded; else the scrubbed connection itself.
func targetLocator(t ConnectionTarget, connect string) string {
	switch {
	case t.DSN != "":
		return "dsn=" + strings.ToLower(t.DSN)
	case t.Host != "":
		s := strings.ToLower(t.Host)
		if t.Port != 0 {
			s += ":" + strconv.Itoa(t.Port)
		}
		if t.Database != "" {
			s += "/" + strings.ToLower(t.Database)
		}
		return s
	case t.URL != "":
		return webKey(t.URL)
	case t.Path != "":
		return cleanPath(t.Path, `\`, true)
	}
	return strings.Join(strings.Fields(strings.ToLower(connect)), " ")
}
