package qrs

import (
	"errors"
	"strings"
	"testing"
)

func TestValidHeaderValue(t *testing.T) {
	for _, ok := range []string{`CORP\svc`, "svc", "a b\tc", `DOMAIN\user.name-1`, "~!#$%&'*+-.^_`|"} {
		if i := invalidHeaderValue(ok); i != -1 {
			t.Errorf("invalidHeaderValue(%q) = %d, want -1", ok, i)
		}
	}
	for _, tc := range []struct {
		bad  string
		want int
	}{
		{"a\x00", 1}, {"a\x7f", 1}, {"é", 0}, {"a\r", 1}, {"ab\n", 2},
		// Bytes that httpguts lets through as obs-text.
		{"ab\x80", 2}, {"\xff", 0},
	} {
		if i := invalidHeaderValue(tc.bad); i != tc.want {
			t.Errorf("invalidHeaderValue(%q) = %d, want %d", tc.bad, i, tc.want)
		}
	}
}

// TestBaseURLShowsNoSecret gives NewClient base URLs that hold a secret
// where one could be (credentials, query, fragment, an opaque part, or a
// port that url.Parse refuses and quotes): the error says what is wrong and
// shows the URL without it.
func TestBaseURLShowsNoSecret(t *testing.T) {
	const secret = "Zq-base-secret-2718"
	for _, tc := range []struct {
		url, want string
	}{
		{"https://qlik.example.com/?token=" + secret, `qrs: base URL "https://qlik.example.com/?…" must not have a query or fragment`},
		{"https://qlik.example.com/hdr/qrs?token=" + secret, `qrs: base URL "https://qlik.example.com/hdr/qrs?…" must not have a query`},
		{"https://qlik.example.com/hdr#" + secret, `qrs: base URL "https://qlik.example.com/hdr#…" must not have a query or fragment`},
		{"https://svc:" + secret + "@qlik.example.com/", `qrs: base URL "https://qlik.example.com/" has credentials`},
		{"https://" + secret + "@qlik.example.com/", `qrs: base URL "https://qlik.example.com/" has credentials`},
		{"ftp://svc:" + secret + "@qlik.example.com/?token=" + secret, `qrs: base URL "ftp://qlik.example.com/?…" has credentials`},
		{"https:svc:" + secret + "@qlik.example.com", `qrs: base URL "https:…" has no host`},
		{"https://svc:" + secret + "%zz@qlik.example.com/", "qrs: base URL cannot be parsed: invalid % escape"},
		{"https://qlik.example.com:" + secret + "/hdr", "qrs: base URL cannot be parsed: invalid port after host"},
		{"https://qlik.example.com:80:" + secret + "/hdr", "qrs: base URL cannot be parsed: invalid port after host"},
		{"https://[::1]:" + secret + "/hdr", "qrs: base URL cannot be parsed: invalid port after host"},
		{"https://qlik.example.com" + secret + "%zz/", "qrs: base URL cannot be parsed: invalid % escape"},
		{"https://qlik.example.com" + secret + "%41/", "qrs: base URL cannot be parsed: invalid % escape"},
		{"https://qlik{" + secret + ".example.com/", "qrs: base URL cannot be parsed: invalid character in the host"},
		{"https://[" + secret + "]/", "qrs: base URL cannot be parsed: give https://host[:port][/prefix]"},
		{"https://qlik.example.com/?token=" + secret + "\n", `qrs: base URL "https://qlik.example.com/?…" must not have a query`}, // trimmed
		{"https://qlik.example.com/\x00?token=" + secret, "qrs: base URL has a control character"},
	} {
		_, err := NewClient(tc.url)
		if err == nil {
			t.Errorf("NewClient(%q) accepted it", tc.url)
			continue
		}
		if !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("NewClient(%q):\n got %s\nwant %s...", tc.url, err, tc.want)
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("NewClient(%q): the error shows the secret: %s", tc.url, err)
		}
		// Through a Connection, whose error puts its file in front.
		c := Connection{Path: "code.conf", Code: "c", URL: tc.url}
		if _, err := c.NewClient(); err == nil || strings.Contains(err.Error(), secret) || !strings.HasPrefix(err.Error(), "qrs: connection code.conf: base URL ") {
			t.Errorf("Connection{URL: %q}.NewClient: got %v, want qrs: connection code.conf: base URL ... without the secret", tc.url, err)
		}
	}
}

// TestCheckReasons checks that the shared checks give a reason without the
// value, for the connection file, and the value beside it, for options.
func TestCheckReasons(t *testing.T) {
	for _, tc := range []struct {
		err         error
		msg, reason string
		credentials bool
	}{
		{validCode(" prod"), `code " prod" has leading or trailing spaces`, "has leading or trailing spaces", false},
		{validCode("pr\tod"), `code "pr\tod" has a control character`, "has a control character", false},
		{checkPort(0), "port 0 must be a number from 1 to 65535", "must be a number from 1 to 65535", false},
		{checkPort(65536), "port 65536 must be a number from 1 to 65535", "must be a number from 1 to 65535", false},
		{func() error { _, err := parseBaseURL("https://q.example.com:0"); return err }(),
			`qrs: base URL "https://q.example.com:0" has a port that is not a number from 1 to 65535`, "has a port that is not a number from 1 to 65535", false},
		{func() error { _, err := parseBaseURL("https://u:p@q.example.com"); return err }(),
			`qrs: base URL "https://q.example.com" has credentials, which are not supported in the URL: use WithHeaderAuth or a client certificate`,
			"has credentials, which are not supported in the URL: use WithHeaderAuth or a client certificate", true},
	} {
		if tc.err == nil {
			t.Errorf("no error, want %s", tc.msg)
			continue
		}
		if got := tc.err.Error(); got != tc.msg {
			t.Errorf("message %q, want %q", got, tc.msg)
		}
		if got := reasonOf(tc.err); got != tc.reason {
			t.Errorf("reason %q, want %q", got, tc.reason)
		}
		if got := errors.Is(tc.err, errURLCredentials); got != tc.credentials {
			t.Errorf("%v: errors.Is(errURLCredentials) = %v, want %v", tc.err, got, tc.credentials)
		}
	}
	for _, ok := range []error{validCode("qlik-prod"), checkPort(1), checkPort(65535)} {
		if ok != nil {
			t.Errorf("refused a valid value: %v", ok)
		}
	}
	for p, want := range map[string]bool{"1": true, "0080": true, "65535": true, "0": false, "65536": false, "99999999999999999999": false, "+80": false, "": false, "8_0": false} {
		if got := validPort(p); got != want {
			t.Errorf("validPort(%q) = %v, want %v", p, got, want)
		}
	}
}
