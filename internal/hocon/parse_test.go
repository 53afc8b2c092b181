package hocon

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// validCases are inputs that must parse, with the tree they must give (see dump).
var validCases = []struct {
	name string
	src  string
	env  map[string]string
	want string
}{
	// Layout, separators and comments.
	{"empty file", "", nil, ""},
	{"only comments and blank lines", "# one\n\n  // two\n\t\n", nil, ""},
	{"equals", "a = 1", nil, lines(`a number "1" 1:5`)},
	{"colon", "a : 1", nil, lines(`a number "1" 1:5`)},
	{"no spaces", "a=1\nb:2", nil, lines(`a number "1" 1:3`, `b number "2" 2:3`)},
	{"brace without separator", "a { b = 1 }", nil, lines(`a.b number "1" 1:9`)},
	{"brace with equals", "a = { b = 1 }", nil, lines(`a.b number "1" 1:11`)},
	{"brace with colon, no spaces", "a:{b:1}", nil, lines(`a.b number "1" 1:6`)},
	{"empty object", "a {}", nil, lines(`a {} 1:3`)},
	{"hash comment after value", "a = 1 # note\nb = 2", nil, lines(`a number "1" 1:5`, `b number "2" 2:5`)},
	{"slash comment after value", "a = 1 // note", nil, lines(`a number "1" 1:5`)},
	{"comment touching a quoted value", `a = "x"# note`, nil, lines(`a string "x" 1:5`)},
	{"comment after brace", "a { # open\n b = 1 // in\n} # close", nil, lines(`a.b number "1" 2:6`)},
	{"root braces", "{ a = 1 }", nil, lines(`a number "1" 1:7`)},
	{"root braces with comments around", "# head\n{\n  a = 1\n}\n// tail\n", nil, lines(`a number "1" 3:7`)},
	{"JSON", `{"a": {"b": [1, "x", true, null]}, "c": -2.5e3}`, nil,
		lines(`a.b[0] number "1" 1:14`, `a.b[1] string "x" 1:17`, `a.b[2] boolean "true" 1:22`,
			`a.b[3] null "null" 1:28`, `c number "-2.5e3" 1:41`)},

	// Commas.
	{"commas on one line", "a = 1, b = 2,c=3", nil, lines(`a number "1" 1:5`, `b number "2" 1:12`, `c number "3" 1:16`)},
	{"trailing comma in block", "x { a = 1, }", nil, lines(`x.a number "1" 1:9`)},
	{"trailing comma at root", "a = 1,\n", nil, lines(`a number "1" 1:5`)},
	{"comma after newline", "a = 1\n, b = 2", nil, lines(`a number "1" 1:5`, `b number "2" 2:7`)},

	// Paths and merging.
	{"dotted key equals nested blocks", "connection { auth.key = x }\nconnection.auth.value = y", nil,
		lines(`connection.auth.key string "x" 1:25`, `connection.auth.value string "y" 2:25`)},
	{"quoted key is one segment", `"a.b" = 1`, nil, lines(`"a.b" number "1" 1:9`)},
	{"quoted segment inside a path", `a."b.c".d = 1`, nil, lines(`a."b.c".d number "1" 1:13`)},
	{"empty quoted key", `"" = 1`, nil, lines(`"" number "1" 1:6`)},
	{"adjacent quoted and unquoted key parts", `a"b"c = 1`, nil, lines(`abc number "1" 1:9`)},
	{"key like a number", "10.5 = x\ntrue = y", nil, lines(`10.5 string "x" 1:8`, `true string "y" 2:8`)},
	{"unicode key and columns", "clé = \"é\", b = 1", nil, lines(`clé string "é" 1:7`, `b number "1" 1:16`)},
	{"later value wins", "a = 1\na = 2", nil, lines(`a number "2" 2:5`)},
	{"objects merge", "a { x = 1 }\na { y = 2 }", nil, lines(`a.x number "1" 1:9`, `a.y number "2" 2:9`)},
	{"merge replaces a leaf", "a { x = 1, y = 1 }\na { y = 2 }", nil, lines(`a.x number "1" 1:9`, `a.y number "2" 2:9`)},
	{"object replaces scalar", "a = 1\na { y = 2 }", nil, lines(`a.y number "2" 2:9`)},
	{"scalar replaces object", "a { x = 1 }\na = 2", nil, lines(`a number "2" 2:5`)},
	{"dotted key replaces scalar", "a = 1\na.b = 2", nil, lines(`a.b number "2" 2:7`)},
	{"null stops a merge", "a { x = 1 }\na = null\na { y = 2 }", nil, lines(`a.y number "2" 3:9`)},
	{"include is only special at the start of a key", "includes = 1\n\"include\" = 2\ninclude.x = 3\nv = include", nil,
		lines(`includes number "1" 1:12`, `"include".x number "3" 3:13`, `v string "include" 4:5`)},
	{"quoted include key", "\"include\" = 2", nil, lines(`"include" number "2" 1:13`)},

	// Strings.
	{"json escapes", `a = "q\" b\\ s\/ \b\f\n\r\t é\u00e9 \uD83D\uDE00 \u0041"`, nil,
		lines(`a string "q\" b\\ s/ \b\f\n\r\t éé 😀 A" 1:5`)},
	{"unquoted strings", "scheme = https\nhostname = proxy.corp.local\npath = /etc/x.p12", nil,
		lines(`scheme string "https" 1:10`, `hostname string "proxy.corp.local" 2:12`, `path string "/etc/x.p12" 3:8`)},
	{"unquoted trimmed before comment", "a =   foo bar   # c", nil, lines(`a string "foo bar" 1:7`)},
	{"unquoted ends at brace", "x { a = foo}", nil, lines(`x.a string "foo" 1:9`)},
	{"unquoted with unicode and dashes", "a = café-au_lait~1", nil, lines(`a string "café-au_lait~1" 1:5`)},
	{"single slash in unquoted", "a = a/b/c", nil, lines(`a string "a/b/c" 1:5`)},
	{"empty quoted string", `a = ""`, nil, lines(`a string "" 1:5`)},

	// Numbers, booleans, null.
	{"numbers", "a = 3128\nb = -5\nc = 1.5\nd = 1e5\ne = 1E+5\nf = -0.5e-3\ng = 0", nil,
		lines(`a number "3128" 1:5`, `b number "-5" 2:5`, `c number "1.5" 3:5`, `d number "1e5" 4:5`,
			`e number "1E+5" 5:5`, `f number "-0.5e-3" 6:5`, `g number "0" 7:5`)},
	{"not numbers", "ip = 10.0.0.1\nz = 0123\nm = -foo\nx = 1.\ny = .5", nil,
		lines(`ip string "10.0.0.1" 1:6`, `z string "0123" 2:5`, `m string "-foo" 3:5`, `x string "1." 4:5`, `y string ".5" 5:5`)},
	{"booleans and null", "t = true\nf = false\nn = null\ny = yes", nil,
		lines(`t boolean "true" 1:5`, `f boolean "false" 2:5`, `n null "null" 3:5`, `y string "yes" 4:5`)},
	{"quoted true is a string", `t = "true"`, nil, lines(`t string "true" 1:5`)},

	// Concatenation.
	{"unquoted words keep inner whitespace", "a = foo   bar\tbaz", nil, lines(`a string "foo   bar\tbaz" 1:5`)},
	{"quoted and unquoted", `a = "x" y "z"`, nil, lines(`a string "x y z" 1:5`)},
	{"adjacent quoted parts", `a = "a"b"c"`, nil, lines(`a string "abc" 1:5`)},
	{"numbers concatenate to a string", "a = 1 2\nb = true false", nil, lines(`a string "1 2" 1:5`, `b string "true false" 2:5`)},
	{"optional missing in concatenation is empty", `a = "x" ${?Y}`, nil, lines(`a string "x " 1:5`)},
	{"optional found in concatenation", `a = "x" ${?Y}`, map[string]string{"Y": "y"}, lines(`a string "x y" 1:5`)},
	{"substitutions adjacent", "a = ${X}${Y}/z", map[string]string{"X": "x", "Y": "y"}, lines(`a string "xy/z" 1:5`)},
	{"text then substitution", "a = foo${X}", map[string]string{"X": "1"}, lines(`a string "foo1" 1:5`)},
	{"adjacent optional substitutions all missing leave the key unset", "a = 1\na = ${?A}${?B}", nil, lines(`a number "1" 1:5`)},
	{"one of two optional substitutions found", "a = ${?A}${?B}", map[string]string{"B": "b"}, lines(`a string "b" 1:5`)},

	// Substitutions.
	{"required from environment", "p = ${PASS}", map[string]string{"PASS": "s3cret"}, lines(`p string "s3cret" 1:5`)},
	{"environment value that looks like a number stays a string", "port = ${PORT}", map[string]string{"PORT": "3128"}, lines(`port string "3128" 1:8`)},
	{"empty environment value", "p = ${E}", map[string]string{"E": ""}, lines(`p string "" 1:5`)},
	{"optional missing leaves the key unset", "p = ${?PASS}", nil, ""},
	{"optional missing keeps the earlier value", "p = one\np = ${?PASS}", nil, lines(`p string "one" 1:5`)},
	{"optional missing creates the path's objects", "a.b = ${?PASS}", nil, lines(`a {} 1:1`)},
	{"optional found replaces", "p = one\np = ${?PASS}", map[string]string{"PASS": "two"}, lines(`p string "two" 2:5`)},
	{"key above wins over environment", "X = file\na = ${X}", map[string]string{"X": "env"}, lines(`X string "file" 1:5`, `a string "file" 2:5`)},
	{"reference keeps the kind", "port = 3128\np = ${port}\nb = true\nc = ${b}", nil,
		lines(`port number "3128" 1:8`, `p number "3128" 2:5`, `b boolean "true" 3:5`, `c boolean "true" 4:5`)},
	{"reference to a nested key", "proxy { host = h, port = 1 }\nurl = \"http://\"${proxy.host}\":\"${proxy.port}", nil,
		lines(`proxy.host string "h" 1:16`, `proxy.port number "1" 1:26`, `url string "http://h:1" 2:7`)},
	{"reference inside the same block", "a { x = 1, y = ${a.x} }", nil, lines(`a.x number "1" 1:9`, `a.y number "1" 1:16`)},
	{"reference to a quoted key", "\"a.b\" = v\nc = ${\"a.b\"}", nil, lines(`"a.b" string "v" 1:9`, `c string "v" 2:5`)},
	{"null blocks the environment", "X = null\na = ${X}", map[string]string{"X": "env"}, lines(`X null "null" 1:5`, `a null "null" 2:5`)},
	{"null in concatenation", "X = null\na = ${X}x", nil, lines(`X null "null" 1:5`, `a string "nullx" 2:5`)},
	{"self reference reads the earlier value", "path = \"a:b\"\npath = ${path}\":c\"", nil, lines(`path string "a:b:c" 2:8`)},
	{"self reference to the environment", "HOME = ${HOME}/x", map[string]string{"HOME": "/home/u"}, lines(`HOME string "/home/u/x" 1:8`)},
	{"optional self reference with nothing earlier", "a = ${?a}foo", nil, lines(`a string "foo" 1:5`)},
	{"self reference below the key", "f { a = 1 }\nf = ${f.a}", nil, lines(`f number "1" 2:5`)},
	{"self reference in a merged block", "a { b = 1 }\na { b = ${a.b}2 }", nil, lines(`a.b string "12" 2:9`)},
	{"reference not changed by a later merge", "c { x = 1 }\na = ${c.x}\nc { y = 2 }", nil,
		lines(`c.x number "1" 1:9`, `c.y number "2" 3:9`, `a number "1" 2:5`)},

	// Arrays.
	{"array", "a = [1, two, \"three\", true, null]", nil,
		lines(`a[0] number "1" 1:6`, `a[1] string "two" 1:9`, `a[2] string "three" 1:14`, `a[3] boolean "true" 1:23`, `a[4] null "null" 1:29`)},
	{"array with newlines, comments and trailing comma", "a = [\n  1 # one\n  2,\n]", nil,
		lines(`a[0] number "1" 2:3`, `a[1] number "2" 3:3`)},
	{"empty array", "a = []", nil, lines(`a [] 1:5`)},
	{"nested arrays and objects", "a = [[1], {b = 2}]", nil, lines(`a[0][0] number "1" 1:7`, `a[1].b number "2" 1:16`)},
	{"concatenation inside array", "a = [ foo bar, ${X} ]", map[string]string{"X": "x"}, lines(`a[0] string "foo bar" 1:7`, `a[1] string "x" 1:16`)},
	{"optional missing element is dropped", "a = [1, ${?X}, 2]", nil, lines(`a[0] number "1" 1:6`, `a[1] number "2" 1:16`)},
	{"array replaces array", "a = [1]\na = [2]", nil, lines(`a[0] number "2" 2:6`)},

	// Whitespace.
	{"tabs", "\ta\t=\t1\t", nil, lines(`a number "1" 1:6`)},
	{"no-break space is whitespace", "a\u00a0=\u00a0x\u00a0y\u00a0", nil, lines(`a string "x\u00a0y" 1:5`)},
	{"byte order mark is not a column", "\uFEFFa = 1", nil, lines(`a number "1" 1:5`)},
	{"CRLF", "a = 1\r\nb {\r\n  c = x y\r\n}\r\n", nil, lines(`a number "1" 1:5`, `b.c string "x y" 3:7`)},
}

func TestParseValid(t *testing.T) {
	for _, tc := range validCases {
		t.Run(tc.name, func(t *testing.T) {
			root, err := Parse("t.conf", []byte(tc.src), mapEnv(tc.env))
			if err != nil {
				t.Fatalf("Parse(%q) error: %v", tc.src, err)
			}
			if got := dump(root, true); got != tc.want {
				t.Errorf("Parse(%q):\n got:\n%s\nwant:\n%s", tc.src, got, tc.want)
			}
		})
	}
}

// errorCases are inputs that must fail at an exact position with a message
// containing msg.
var errorCases = []struct {
	name      string
	src       string
	env       map[string]string
	line, col int
	msg       string
}{
	// Unsupported syntax.
	{"include", "a = 1\ninclude \"other.conf\"", nil, 2, 1, "include is not supported"},
	{"include required", "include required(\"x\")", nil, 1, 1, "include is not supported"},
	{"plus equals", "a += 1", nil, 1, 3, "'+=' is not supported"},
	{"triple quoted value", `a = """x"""`, nil, 1, 5, "triple-quoted strings are not supported"},
	{"triple quoted key", `"""a""" = 1`, nil, 1, 1, "triple-quoted strings are not supported"},
	{"root array", "[1, 2]", nil, 1, 1, "the root must be an object"},
	{"object concatenation", "a = { x = 1 } { y = 2 }", nil, 1, 15, "concatenating objects or arrays is not supported"},
	{"array concatenation", "a = [1] [2]", nil, 1, 9, "concatenating objects or arrays is not supported"},
	{"object after text", "a = foo { x = 1 }", nil, 1, 9, "concatenating objects or arrays is not supported"},
	{"array after text", "a = foo [1]", nil, 1, 9, "concatenating objects or arrays is not supported"},
	{"whitespace in key", "a b = 1", nil, 1, 3, "expected '=', ':' or '{' after key a"},

	// Keys with no value, missing or doubled separators.
	{"key with no value at end of line", "url =\nauth.key = x", nil, 1, 1, "key url has no value"},
	{"key with no value at end of file", "connection {\n  url = }", nil, 2, 3, "key connection.url has no value"},
	{"key with no value at EOF", "url =", nil, 1, 1, "key url has no value"},
	{"key with no value before comment", "url = # TODO", nil, 1, 1, "key url has no value (a comment starts"},
	{"key with no value before comma", "url = , b = 1", nil, 1, 1, "key url has no value"},
	{"key alone on a line", "url\n= x", nil, 1, 1, "expected '=', ':' or '{' after key url"},
	{"brace on the next line", "a\n{ b = 1 }", nil, 1, 1, "expected '=', ':' or '{' after key a"},
	{"missing separator", "port 3128", nil, 1, 6, "expected '=', ':' or '{' after key port"},
	{"missing separator before quoted value", `url "x"`, nil, 1, 5, "expected '=', ':' or '{' after key url"},
	{"duplicate separator", "a == 1", nil, 1, 4, "duplicate separator '='"},
	{"equals then colon", "a = : 1", nil, 1, 5, "duplicate separator ':'"},
	{"second equals in value", "a = 1 = 2", nil, 1, 7, "'=' is not allowed in an unquoted value"},
	{"line starting with separator", "a = 1\n= 2", nil, 2, 1, "expected a key, found '='"},
	{"forbidden character in key", "a$b = 1", nil, 1, 2, "'$' is not allowed in an unquoted key"},
	{"empty path segment", "a..b = 1", nil, 1, 3, "empty path segment"},
	{"leading dot", ".a = 1", nil, 1, 1, "empty path segment"},
	{"trailing dot", "a. = 1", nil, 1, 3, "empty path segment after '.'"},

	// Braces, brackets, commas.
	{"unclosed block", "a {\n  b = 1\n", nil, 1, 3, "'{' is never closed"},
	{"unclosed nested block", "a {\n  b {\n    c = 1\n}", nil, 1, 3, "'{' is never closed"},
	{"unclosed root brace", "{ a = 1", nil, 1, 1, "'{' is never closed"},
	{"unclosed array", "a = [1,\n2", nil, 1, 5, "'[' is never closed"},
	{"stray closing brace", "a = 1\n}", nil, 2, 1, "unexpected '}'"},
	{"closing brace after value at root", "a = 1 }", nil, 1, 7, "unexpected '}'"},
	{"stray closing bracket", "a = 1]", nil, 1, 6, "unexpected ']'"},
	{"bracket closing a block", "a { b = 1 ]", nil, 1, 11, "unexpected ']'"},
	{"brace inside an array", "a = [1 }", nil, 1, 8, "unexpected '}' inside an array"},
	{"text after root braces", "{ a = 1 }\nb = 2", nil, 2, 1, "unexpected text after the '}'"},
	{"double comma", "a = 1,, b = 2", nil, 1, 7, "unexpected ','"},
	{"leading comma", ", a = 1", nil, 1, 1, "unexpected ','"},
	{"leading comma in block", "x { , a = 1 }", nil, 1, 5, "unexpected ','"},
	{"double comma in array", "a = [1,,2]", nil, 1, 8, "unexpected ','"},
	{"leading comma in array", "a = [,1]", nil, 1, 6, "unexpected ','"},

	// Strings.
	{"unterminated string", "a = \"abc\nb = 1", nil, 1, 5, "quoted string is not closed on its line"},
	{"unterminated string at EOF", `a = "abc`, nil, 1, 5, "quoted string is not closed"},
	{"unterminated quoted key", `"a = 1`, nil, 1, 1, "quoted string is not closed"},
	{"invalid escape", `a = "C:\temp\x"`, nil, 1, 13, "invalid escape"},
	{"escaped single quote", `a = "it\'s"`, nil, 1, 8, "invalid escape"},
	{"short unicode escape", `a = "\u12"`, nil, 1, 6, "expected four hex digits"},
	{"bad unicode escape", `a = "\uZZZZ"`, nil, 1, 6, "expected four hex digits"},
	{"lone high surrogate", `a = "\uD83D"`, nil, 1, 6, "unpaired surrogate"},
	{"high surrogate then letter", `a = "\uD83Dx"`, nil, 1, 6, "unpaired surrogate"},
	{"high surrogate then non-low", `a = "\uD83D\u0041"`, nil, 1, 6, "unpaired surrogate"},
	{"lone low surrogate", `a = "x\uDE00"`, nil, 1, 7, "unpaired surrogate"},
	{"tab in quoted string", "a = \"x\ty\"", nil, 1, 7, "tab character in a quoted string"},

	// Unquoted strings.
	{"unquoted URL", "url = https://qlik.example.com/hdr", nil, 1, 12, "put the URL in double quotes"},
	{"double slash in unquoted path", "path = /a//b", nil, 1, 10, "'//' inside an unquoted value starts a comment"},
	{"hash touching unquoted value", "password = abc#def", nil, 1, 15, "'#' right after an unquoted value starts a comment"},
	{"dollar without brace", "a = $x", nil, 1, 5, "'$' is not allowed in an unquoted value"},
	{"colon in unquoted", "a = b:c", nil, 1, 6, "':' is not allowed in an unquoted value"},
	{"bang in unquoted", "a = b!c", nil, 1, 6, "'!' is not allowed"},
	{"at in unquoted", "user = me@corp", nil, 1, 10, "'@' is not allowed"},
	{"question mark", "a = x?", nil, 1, 6, "'?' is not allowed"},
	{"caret", "a = ^x", nil, 1, 5, "'^' is not allowed"},
	{"backtick", "a = x`y", nil, 1, 6, "'`' is not allowed"},
	{"star", "a = *", nil, 1, 5, "'*' is not allowed"},
	{"ampersand", "a = x&y", nil, 1, 6, "'&' is not allowed"},
	{"backslash", `a = CORP\svc`, nil, 1, 9, `'\' is not allowed`},
	{"plus", "a = +5", nil, 1, 5, "'+' is not allowed"},
	{"plus not in an exponent", "a = 1e+x", nil, 1, 7, "'+' is not allowed"},

	// Substitutions.
	{"required env missing", "a = 1\npassword = ${PROXY_PASSWORD}", nil, 2, 12, "environment variable PROXY_PASSWORD is not set"},
	{"required dotted path missing", "a = ${x.y}", nil, 1, 5, "no key x.y is defined above"},
	{"reference through a scalar", "x = 1\na = ${x.y}", nil, 2, 5, "no key x.y is defined above"},
	{"reference with a quoted segment missing", "a = ${x.\"y.z\"}", nil, 1, 5, `no key x."y.z" is defined above`},
	{"empty substitution", "a = ${}", nil, 1, 5, "empty substitution"},
	{"empty optional substitution", "a = ${?}", nil, 1, 5, "empty substitution"},
	{"whitespace in substitution", "a = ${ X }", nil, 1, 7, "whitespace is not allowed inside"},
	{"whitespace after substitution path", "a = ${X }", nil, 1, 8, "whitespace is not allowed inside"},
	{"unclosed substitution", "a = ${X\nb = 1", nil, 1, 5, "'${' is never closed"},
	{"forbidden character in substitution", "a = ${X!}", nil, 1, 8, "'!' is not allowed in a substitution path"},
	{"substitution of an object", "a { b = 1 }\nc = ${a}", nil, 2, 5, "refers to an object"},
	{"substitution of an array", "a = [1]\nc = x${a}", nil, 2, 6, "refers to an array"},
	{"reference to a key defined below", "a = ${?b}\nb = 1", nil, 1, 5, "defined only below it (at t.conf:2:5)"},
	{"environment name defined as a key below", "a = ${B}\nB = 1", map[string]string{"B": "env"}, 1, 5, "defined only below it"},
	{"reference to a key set again below", "x = 1\ny = ${x}\nx = 2", nil, 2, 5, "set again below (at t.conf:3:5)"},
	{"reference to a key replaced by an object below", "x = 1\ny = ${x}\nx { z = 1 }", nil, 2, 5, "set again below"},
	{"self reference inside an array", "a = 1\na = [${a}]", nil, 2, 6, "set again below"},
	{"self reference of a dotted key through a scalar", "a = 1\na.b = ${a.b}", nil, 2, 7, "no key a.b is defined above"},
	{"optional substitutions with only whitespace between", "a = ${?A} ${?B}", nil, 1, 5, "only the whitespace between them is left"},

	// Bytes.
	{"control character", "a = 1\x07", nil, 1, 6, "control character U+0007"},
	{"control character in comment", "# x\x1b[0m\na = 1", nil, 1, 4, "control character U+001B"},
	{"vertical tab", "a =\x0b1", nil, 1, 4, "control character U+000B"},
	{"delete", "a = x\x7f", nil, 1, 6, "control character U+007F"},
	{"C1 control", "a = x\u0085", nil, 1, 6, "control character U+0085"},
	{"NUL byte", "a = \x00", nil, 1, 5, "NUL byte"},
	{"invalid UTF-8", "a = 1\nb = \"\xff\"", nil, 2, 6, "invalid UTF-8"},
	{"truncated UTF-8", "a = caf\xc3", nil, 1, 8, "invalid UTF-8"},
	{"lone carriage return", "a = 1\rb = 2", nil, 1, 6, "carriage return not followed by a line feed"},
	{"columns after a multibyte character", "é = 1\nx = \"\x01\"", nil, 2, 6, "control character U+0001"},
}

func TestParseErrors(t *testing.T) {
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			root, err := Parse("t.conf", []byte(tc.src), mapEnv(tc.env))
			if err == nil {
				t.Fatalf("Parse(%q) = %s, want an error", tc.src, dump(root, true))
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q) error %T %v, want *Error", tc.src, err, err)
			}
			if e.Pos.File != "t.conf" || e.Pos.Line != tc.line || e.Pos.Col != tc.col {
				t.Errorf("Parse(%q) error at %s, want t.conf:%d:%d (%v)", tc.src, e.Pos, tc.line, tc.col, err)
			}
			if !strings.Contains(e.Msg, tc.msg) {
				t.Errorf("Parse(%q) error %q, want it to contain %q", tc.src, e.Msg, tc.msg)
			}
			if want := e.Pos.String() + ": " + e.Msg; err.Error() != want {
				t.Errorf("Error() = %q, want %q", err.Error(), want)
			}
		})
	}
}

func TestParseDepth(t *testing.T) {
	nest := func(n int, open, close string) string {
		return "a = " + strings.Repeat(open, n) + "1" + strings.Repeat(close, n)
	}
	dotted := func(n int) string {
		return strings.TrimSuffix(strings.Repeat("k.", n), ".") + " = 1"
	}
	tests := []struct {
		name string
		src  string
		ok   bool
	}{
		{"arrays at the limit", nest(MaxDepth-1, "[", "]"), true},
		{"arrays over the limit", nest(MaxDepth, "[", "]"), false},
		{"objects at the limit", "a " + strings.Repeat("{ b ", MaxDepth-1) + "= 1" + strings.Repeat(" }", MaxDepth-1), true},
		{"objects over the limit", "a " + strings.Repeat("{ b ", MaxDepth) + "= 1" + strings.Repeat(" }", MaxDepth), false},
		{"dotted key at the limit", dotted(MaxDepth), true},
		{"dotted key over the limit", dotted(MaxDepth + 1), false},
		{"very deep input", nest(100000, "[", "]"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.conf", []byte(tc.src), nil)
			if tc.ok && err != nil {
				t.Fatalf("Parse error: %v", err)
			}
			if !tc.ok && (err == nil || !strings.Contains(err.Error(), "levels deep")) {
				t.Fatalf("Parse error %v, want a nesting error", err)
			}
		})
	}
}

func TestParseSize(t *testing.T) {
	src := []byte("a = \"" + strings.Repeat("x", MaxSize-6) + "\"")
	if len(src) != MaxSize {
		t.Fatalf("test setup: %d bytes", len(src))
	}
	if _, err := Parse("t.conf", src, nil); err != nil {
		t.Fatalf("Parse of %d bytes: %v", len(src), err)
	}
	src = append(src, '\n')
	_, err := Parse("big.conf", src, nil)
	var e *Error
	if !errors.As(err, &e) || e.Pos.File != "big.conf" || !strings.Contains(e.Msg, "larger than") {
		t.Fatalf("Parse of %d bytes: %v, want a size error", len(src), err)
	}
}

// TestSubstitutionExpansionBound checks that references cannot blow up a small file.
func TestSubstitutionExpansionBound(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0 = \"" + strings.Repeat("x", 1000) + "\"\n")
	for i := 1; i < 40; i++ {
		b.WriteString("a" + strconv.Itoa(i) + " = ${a" + strconv.Itoa(i-1) + "}${a" + strconv.Itoa(i-1) + "}\n")
	}
	_, err := Parse("t.conf", []byte(b.String()), nil)
	if err == nil || !strings.Contains(err.Error(), "substitutions copy more than") {
		t.Fatalf("Parse error %v, want the expansion bound", err)
	}
}

// TestNilEnv checks that a nil environment finds nothing.
func TestNilEnv(t *testing.T) {
	_, err := Parse("t.conf", []byte("a = ${HOME}"), nil)
	if err == nil || !strings.Contains(err.Error(), "environment variable HOME is not set") {
		t.Fatalf("Parse error %v, want HOME not set", err)
	}
}
