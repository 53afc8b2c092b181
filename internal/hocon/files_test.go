package hocon

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var exampleEnv = map[string]string{
	"PROXY_PASSWORD":           "s3cret-proxy",
	"QLIK_TRUSTSTORE_PASSWORD": "s3cret-store",
}

// fileCases are the realistic files in testdata/ with the tree each must give.
var fileCases = []struct {
	file string
	env  map[string]string
	want string
}{
	{"example.conf", exampleEnv, lines(
		`name string "Qlik Sense Production" 1:8`,
		`code string "qlik-prod" 2:8`,
		`connector_id string "qlik-sense" 3:16`,
		`enabled boolean "true" 4:11`,
		`connection.url string "https://qlik.example.com/hdr" 6:11`,
		`connection.auth.key string "hdr-usr" 7:16`,
		`connection.auth.value string "CORP\\svc_catalog" 8:18`,
		`tls.truststore.path string "/etc/catalog/qlik.p12" 12:12`,
		`tls.truststore.password string "s3cret-store" 13:16`,
		`tls.truststore.type string "" 14:12`,
		`proxy.scheme string "https" 19:14`,
		`proxy.hostname string "proxy.corp.local" 20:16`,
		`proxy.port number "3128" 21:12`,
		`proxy.username string "catalog" 22:16`,
		`proxy.password string "s3cret-proxy" 23:16`,
	)},
	{"example.conf", map[string]string{"PROXY_PASSWORD": "p"}, lines(
		`name string "Qlik Sense Production" 1:8`,
		`code string "qlik-prod" 2:8`,
		`connector_id string "qlik-sense" 3:16`,
		`enabled boolean "true" 4:11`,
		`connection.url string "https://qlik.example.com/hdr" 6:11`,
		`connection.auth.key string "hdr-usr" 7:16`,
		`connection.auth.value string "CORP\\svc_catalog" 8:18`,
		`tls.truststore.path string "/etc/catalog/qlik.p12" 12:12`,
		`tls.truststore.type string "" 14:12`,
		`proxy.scheme string "https" 19:14`,
		`proxy.hostname string "proxy.corp.local" 20:16`,
		`proxy.port number "3128" 21:12`,
		`proxy.username string "catalog" 22:16`,
		`proxy.password string "p" 23:16`,
	)},
	{"minimal.conf", nil, lines(
		`name string "Qlik Sense Test" 2:8`,
		`code string "qlik-test" 3:8`,
		`connector_id string "qlik-sense" 4:16`,
		`connection.url string "https://qlik-test.example.com/hdr" 5:18`,
		`connection.auth.key string "hdr-usr" 6:23`,
		`connection.auth.value string "CORP\\svc_catalog" 7:25`,
	)},
	{"braced.conf", nil, lines(
		`name string "Qlik Sense JSON" 2:11`,
		`code string "qlik-json" 3:11`,
		`connector_id string "qlik-sense" 4:19`,
		`enabled boolean "false" 5:14`,
		`connection.url string "https://qlik.example.com:443/hdr" 7:12`,
		`connection.auth.key string "hdr-usr" 8:22`,
		`connection.auth.value string "CORP\\svc" 8:42`,
		`timeout string "30s" 10:14`,
		`retries number "3" 11:14`,
		`tags[0] string "prod" 12:12`,
		`tags[1] string "emea" 12:20`,
	)},
	{"features.conf", map[string]string{"HOME": "/home/svc"}, lines(
		`name string "Feature \"tour\" é 😀" 2:8`,
		`code string "feature-tour" 3:8`,
		`connector_id string "qlik-sense" 3:37`,
		`enabled string "yes" 4:11`,
		`description string "Qlik Sense   site in EMEA" 5:15`,
		`tags[0] string "prod" 6:10`,
		`tags[1] string "emea" 6:16`,
		`tags[2] number "42" 6:24`,
		`tags[3] string "last" 7:3`,
		`connection.url string "https://qlik.example.com/hdr" 9:8`,
		`connection.auth.key string "hdr-usr" 10:15`,
		`connection.auth.value string "CORP\\fallback" 12:25`,
		`"odd.key" number "1" 14:13`,
		`timeout string "30s" 15:11`,
		`retries number "3" 16:11`,
		`ratio number "-0.5e-3" 17:9`,
		`proxy.hostname string "proxy.corp.local" 20:14`,
		`proxy.port number "3128" 21:10`,
		`proxy.url string "http://proxy.corp.local:3128" 23:13`,
		`home string "/home/svc/catalog" 25:8`,
		`empty {} 26:7`,
	)},
	{"features.conf", map[string]string{"HOME": "/root", "AUTH_VALUE": "from-env"}, lines(
		`name string "Feature \"tour\" é 😀" 2:8`,
		`code string "feature-tour" 3:8`,
		`connector_id string "qlik-sense" 3:37`,
		`enabled string "yes" 4:11`,
		`description string "Qlik Sense   site in EMEA" 5:15`,
		`tags[0] string "prod" 6:10`,
		`tags[1] string "emea" 6:16`,
		`tags[2] number "42" 6:24`,
		`tags[3] string "last" 7:3`,
		`connection.url string "https://qlik.example.com/hdr" 9:8`,
		`connection.auth.key string "hdr-usr" 10:15`,
		`connection.auth.value string "from-env" 13:25`,
		`"odd.key" number "1" 14:13`,
		`timeout string "30s" 15:11`,
		`retries number "3" 16:11`,
		`ratio number "-0.5e-3" 17:9`,
		`proxy.hostname string "proxy.corp.local" 20:14`,
		`proxy.port number "3128" 21:10`,
		`proxy.url string "http://proxy.corp.local:3128" 23:13`,
		`home string "/root/catalog" 25:8`,
		`empty {} 26:7`,
	)},
	{"windows.conf", nil, lines(
		`name string "Qlik Sense Windows" 2:8`,
		`code string "qlik-win" 3:8`,
		`connection.url string "https://qlik.example.com/hdr" 5:8`,
		`connection.auth.key string "hdr-usr" 6:13`,
		`connection.auth.value string "CORP\\svc_catalog" 7:15`,
		`proxy.hostname string "proxy.corp.local" 10:13`,
		`proxy.port number "3128" 11:9`,
	)},
}

func TestFiles(t *testing.T) {
	for _, tc := range fileCases {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join("testdata", tc.file)
			root, err := ParseFile(path, mapEnv(tc.env))
			if err != nil {
				t.Fatalf("ParseFile(%s): %v", path, err)
			}
			if got := dump(root, true); got != tc.want {
				t.Errorf("ParseFile(%s):\n got:\n%s\nwant:\n%s", path, got, tc.want)
			}
		})
	}
}

// TestLineEndingsAndBOM parses every valid file with LF and CRLF line ends, with
// and without a byte order mark, and requires the same tree and positions.
func TestLineEndingsAndBOM(t *testing.T) {
	bom := []byte("\uFEFF")
	for _, tc := range fileCases {
		src, err := os.ReadFile(filepath.Join("testdata", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		lf := bytes.ReplaceAll(bytes.TrimPrefix(src, bom), []byte("\r\n"), []byte("\n"))
		crlf := bytes.ReplaceAll(lf, []byte("\n"), []byte("\r\n"))
		variants := map[string][]byte{
			"LF": lf, "CRLF": crlf,
			"BOM+LF": append(append([]byte{}, bom...), lf...), "BOM+CRLF": append(append([]byte{}, bom...), crlf...),
		}
		for name, v := range variants {
			root, err := Parse(tc.file, v, mapEnv(tc.env))
			if err != nil {
				t.Fatalf("%s %s: %v", tc.file, name, err)
			}
			if got := dump(root, true); got != tc.want {
				t.Errorf("%s %s:\n got:\n%s\nwant:\n%s", tc.file, name, got, tc.want)
			}
		}
	}
}

func TestInvalidFiles(t *testing.T) {
	tests := []struct {
		file      string
		line, col int
		msg       string
	}{
		{"unfilled.conf", 5, 5, "key connection.url has no value"},
		{"unquoted-url.conf", 4, 16, "put the URL in double quotes"},
		{"unclosed-block.conf", 2, 5, "'{' is never closed"},
		{"include.conf", 1, 1, "include is not supported"},
		{"stray-brace.conf", 5, 1, "unexpected '}'"},
		{"windows-path.conf", 2, 24, "':' is not allowed in an unquoted value; put the value in double quotes"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join("testdata", "invalid", tc.file)
			_, err := ParseFile(path, nil)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("ParseFile(%s) error %v, want *Error", path, err)
			}
			if e.Pos != (Pos{File: path, Line: tc.line, Col: tc.col}) || !strings.Contains(e.Msg, tc.msg) {
				t.Errorf("ParseFile(%s) = %v, want %s:%d:%d: ...%s...", path, err, path, tc.line, tc.col, tc.msg)
			}
		})
	}
}

func TestArrayWhereStringExpected(t *testing.T) {
	path := filepath.Join("testdata", "invalid", "array-where-string.conf")
	root, err := ParseFile(path, nil)
	if err != nil {
		t.Fatalf("ParseFile(%s): %v", path, err)
	}
	_, ok, err := root.GetString("connection.url")
	want := path + ":2:18: connection.url: expected a string, found an array"
	if ok || err == nil || err.Error() != want {
		t.Errorf("GetString(connection.url) = ok %v, error %v; want error %q", ok, err, want)
	}
}

func TestExampleRequiresProxyPassword(t *testing.T) {
	path := filepath.Join("testdata", "example.conf")
	_, err := ParseFile(path, nil)
	want := path + ":23:16: ${PROXY_PASSWORD}: environment variable PROXY_PASSWORD is not set, and no key PROXY_PASSWORD is defined above"
	if err == nil || err.Error() != want {
		t.Errorf("ParseFile(%s) error %v, want %q", path, err, want)
	}
}

func TestParseFileErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := ParseFile(filepath.Join(dir, "missing.conf"), nil)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ParseFile(missing) error %v, want fs.ErrNotExist", err)
	}
	big := filepath.Join(dir, "big.conf")
	if err := os.WriteFile(big, bytes.Repeat([]byte("# padding\n"), MaxSize/10+1), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = ParseFile(big, nil)
	var e *Error
	if !errors.As(err, &e) || e.Pos.File != big || !strings.Contains(e.Msg, "larger than") {
		t.Errorf("ParseFile(big) error %v, want a size error", err)
	}
}
