package testserver

import (
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
)

const xsrfBody = "XSRF prevention check failed. Possible XSRF discovered."

func TestXrfKey(t *testing.T) {
	s := start(t, Config{Site: DemoSite()})
	c := client(s)
	base := s.URL() + "/qrs/about"
	tests := []struct {
		name   string
		url    string
		header []string
		want   int
	}{
		{"query and header", base + "?xrfkey=" + testKey, []string{xrfHeader}, 200},
		{"name in other case", base + "?XrfKey=" + testKey, []string{xrfHeader}, 200},
		{"header only", base, []string{xrfHeader}, 403},
		{"query only", base + "?xrfkey=" + testKey, nil, 403},
		{"mismatch", base + "?xrfkey=" + testKey, []string{"X-Qlik-Xrfkey: abcdefghij012346"}, 403},
		{"value case differs", base + "?xrfkey=" + strings.ToUpper(testKey), []string{xrfHeader}, 403},
		{"15 characters", base + "?xrfkey=abcdefghij01234", []string{"X-Qlik-Xrfkey: abcdefghij01234"}, 403},
		{"17 characters", base + "?xrfkey=abcdefghij0123456", []string{"X-Qlik-Xrfkey: abcdefghij0123456"}, 403},
		{"not alphanumeric", base + "?xrfkey=abcdefghij01234-", []string{"X-Qlik-Xrfkey: abcdefghij01234-"}, 403},
		{"empty", base + "?xrfkey=", []string{"X-Qlik-Xrfkey: "}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, c, "GET", tt.url, tt.header...)
			if r.status != tt.want {
				t.Fatalf("status %d, want %d (body %q)", r.status, tt.want, r.body)
			}
			if tt.want == 403 {
				if r.body != xsrfBody || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
					t.Errorf("body %q (%s), want %q as text/plain", r.body, r.header.Get("Content-Type"), xsrfBody)
				}
			}
		})
	}
}

func TestRawQueryCharacters(t *testing.T) {
	s := start(t, Config{Site: DemoSite()})
	// A raw '#' ends the query: the xrfkey after it is lost.
	r := rawRequest(t, s, "/qrs/app/full?filter=name%20eq%20'a#b'&xrfkey="+testKey, xrfHeader)
	if r.status != 403 || r.body != xsrfBody {
		t.Errorf("raw '#': %d %q, want 403 %q", r.status, r.body, xsrfBody)
	}
	// A raw '&' splits the filter: what is left cannot be parsed.
	r = rawRequest(t, s, "/qrs/app/full?xrfkey="+testKey+"&filter=name%20eq%20'A&B'", xrfHeader)
	if r.status != 400 || r.body != "Cannot parse the expression" {
		t.Errorf("raw '&': %d %q, want 400", r.status, r.body)
	}
	// Encoded, both are fine.
	r = call(t, client(s), "GET", qrsURL(s, "/qrs/app/full", "filter", "name eq 'A&B#'"), xrfHeader)
	if r.status != 200 || r.body != "[]" {
		t.Errorf("encoded: %d %q, want 200 []", r.status, r.body)
	}
}

func TestURLTooLong(t *testing.T) {
	s := start(t, Config{Site: DemoSite(), MaxURLLength: 2000})
	long := "name eq '" + strings.Repeat("x", 2000) + "'"
	r := call(t, client(s), "GET", qrsURL(s, "/qrs/app/full", "filter", long), xrfHeader)
	if r.status != 414 || !strings.Contains(r.body, "HTTP Error 414. The request URL is too long.") {
		t.Errorf("got %d %q, want http.sys's 414", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "text/html; charset=us-ascii" {
		t.Errorf("Content-Type %q", ct)
	}
	short := "name eq '" + strings.Repeat("x", 1000) + "'"
	if r := call(t, client(s), "GET", qrsURL(s, "/qrs/app/full", "filter", short), xrfHeader); r.status != 200 {
		t.Errorf("short URL: %d", r.status)
	}
	if got := logged(t, s, 0).Status; got != 414 {
		t.Errorf("logged status %d, want 414", got)
	}
}

func TestPrefixAndRoutes(t *testing.T) {
	s := start(t, Config{Prefix: "/hdr/", Site: DemoSite()})
	if !strings.HasSuffix(s.URL(), "/hdr") || !strings.HasPrefix(s.URL(), "https://127.0.0.1:") {
		t.Fatalf("URL() = %q", s.URL())
	}
	root := strings.TrimSuffix(s.URL(), "/hdr")
	c := client(s)
	tests := []struct {
		name, method, url string
		want              int
	}{
		{"about", "GET", qrsURL(s, "/qrs/about"), 200},
		{"prefix in other case", "GET", root + "/HDR/qrs/about?xrfkey=" + testKey, 200},
		{"no prefix", "GET", root + "/qrs/about?xrfkey=" + testKey, 404},
		{"other prefix", "GET", root + "/jwt/qrs/about?xrfkey=" + testKey, 404},
		{"prefix as part of a word", "GET", root + "/hdrx/qrs/about?xrfkey=" + testKey, 404},
		{"unknown qrs path", "GET", qrsURL(s, "/qrs/nosuch/full"), 404},
		{"paging endpoint wants POST", "GET", qrsURL(s, "/qrs/app/table"), 405},
		{"hub path", "GET", qrsURL(s, "/sense/app/x"), 404},
		{"POST full", "POST", qrsURL(s, "/qrs/app/full"), 405},
		{"DELETE count", "DELETE", qrsURL(s, "/qrs/app/count"), 405},
		{"apps", "GET", qrsURL(s, "/qrs/app/full"), 200},
		{"objects", "GET", qrsURL(s, "/qrs/app/object/full"), 200},
		{"users", "GET", qrsURL(s, "/qrs/user/full"), 200},
		{"streams", "GET", qrsURL(s, "/qrs/stream/full"), 200},
		{"data connections", "GET", qrsURL(s, "/qrs/dataconnection/full"), 200},
		{"reload tasks", "GET", qrsURL(s, "/qrs/reloadtask/full"), 200},
		{"schema events", "GET", qrsURL(s, "/qrs/schemaevent/full"), 200},
		{"composite events", "GET", qrsURL(s, "/qrs/compositeevent/count"), 200},
		{"kind in other case", "GET", qrsURL(s, "/QRS/ReloadTask/Full"), 200},
		{"data model", "GET", qrsURL(s, "/api/v1/apps/08e587a1-fb60-4bb7-84dc-34d775320e0b/data/metadata"), 200},
		{"data model of an app never reloaded", "GET", qrsURL(s, "/api/v1/apps/371f1077-e77d-447f-b8df-3407fe0c8a01/data/metadata"), 404},
		{"other app API", "GET", qrsURL(s, "/api/v1/apps/08e587a1-fb60-4bb7-84dc-34d775320e0b/data"), 404},
		{"other API", "GET", qrsURL(s, "/api/v1/items"), 404},
		{"full of full", "GET", qrsURL(s, "/qrs/app/full/full"), 404},
		{"count", "GET", qrsURL(s, "/qrs/app/object/count"), 200},
		{"privileges accepted", "GET", qrsURL(s, "/qrs/app/full", "privileges", "true"), 200},
		{"paging parameters ignored", "GET", qrsURL(s, "/qrs/app/full", "skip", "2", "take", "1"), 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, c, tt.method, tt.url, xrfHeader)
			if r.status != tt.want {
				t.Fatalf("status %d, want %d (%q)", r.status, tt.want, r.body)
			}
			if r.status == 200 && r.header.Get("Content-Type") != "application/json; charset=utf-8" {
				t.Errorf("Content-Type %q", r.header.Get("Content-Type"))
			}
			if r.status == 405 && !strings.Contains(r.body, tt.method) {
				t.Errorf("405 body %q does not name the method", r.body)
			}
		})
	}
	// skip/take cannot page /full: everything comes back.
	all := call(t, c, "GET", qrsURL(s, "/qrs/app/full"), xrfHeader)
	paged := call(t, c, "GET", qrsURL(s, "/qrs/app/full", "skip", "2", "take", "1"), xrfHeader)
	if all.body != paged.body {
		t.Errorf("skip/take changed the /full answer")
	}
	if n := s.Count("/qrs/app/full"); n != 6 {
		t.Errorf("Count(/qrs/app/full) = %d, want 6", n)
	}
	var outside int
	for _, r := range s.Requests() {
		if r.OutsidePrefix {
			outside++
		}
	}
	if outside != 3 {
		t.Errorf("%d requests logged outside the prefix, want 3", outside)
	}
}

func TestAbout(t *testing.T) {
	s := start(t, Config{})
	r := call(t, client(s), "GET", qrsURL(s, "/qrs/about"), xrfHeader)
	var about map[string]any
	if err := json.Unmarshal([]byte(r.body), &about); err != nil {
		t.Fatalf("about: %v (%q)", err, r.body)
	}
	for _, k := range []string{"buildVersion", "buildDate", "databaseProvider", "nodeType", "sharedPersistence", "requiresBootstrap", "singleNodeOnly"} {
		if _, ok := about[k]; !ok {
			t.Errorf("about lacks %q", k)
		}
	}
	if about["schemaPath"] != "About" {
		t.Errorf("schemaPath %v", about["schemaPath"])
	}
	if d, _ := about["buildDate"].(string); strings.Contains(d, "T") || !strings.Contains(d, "/") {
		t.Errorf("buildDate %q should not be ISO 8601", d)
	}
}

func TestHeaderAuth(t *testing.T) {
	tests := []struct {
		name   string
		cfg    Config
		header []string
		want   int
	}{
		{"dynamic ok", Config{Header: "hdr-usr"}, []string{`hdr-usr: CORP\anna`}, 200},
		{"dynamic, header name in other case", Config{Header: "hdr-usr"}, []string{`HDR-USR: CORP\anna`}, 200},
		{"dynamic without directory", Config{Header: "hdr-usr"}, []string{`hdr-usr: anna`}, 302},
		{"dynamic with two backslashes", Config{Header: "hdr-usr"}, []string{`hdr-usr: CORP\\anna`}, 302},
		{"dynamic empty user", Config{Header: "hdr-usr"}, []string{`hdr-usr: CORP\`}, 302},
		{"missing header", Config{Header: "hdr-usr"}, nil, 302},
		{"other header", Config{Header: "hdr-usr"}, []string{`X-User: CORP\anna`}, 302},
		{"non-ASCII", Config{Header: "hdr-usr"}, []string{"hdr-usr: CORP\\J\xc3\xb6rg"}, 302},
		{"static ok", Config{Header: "hdr-usr", Directory: "CORP"}, []string{`hdr-usr: anna`}, 200},
		{"static given a directory", Config{Header: "hdr-usr", Directory: "CORP"}, []string{`hdr-usr: CORP\anna`}, 302},
		{"allowed user", Config{Header: "hdr-usr", Users: []string{`CORP\anna`}}, []string{`hdr-usr: corp\ANNA`}, 200},
		{"unknown user", Config{Header: "hdr-usr", Users: []string{`CORP\anna`}}, []string{`hdr-usr: CORP\bob`}, 302},
		{"unknown user, 401", Config{Header: "hdr-usr", Users: []string{`CORP\anna`}, AuthFailure: Auth401}, []string{`hdr-usr: CORP\bob`}, 401},
		{"missing header, HTML 200", Config{Header: "hdr-usr", AuthFailure: AuthHTML200}, nil, 200},
		{"no authentication configured", Config{}, nil, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Prefix = "hdr"
			s := start(t, tt.cfg)
			r := call(t, client(s), "GET", qrsURL(s, "/qrs/app/full"), append(tt.header, xrfHeader)...)
			if r.status != tt.want {
				t.Fatalf("status %d, want %d (%q)", r.status, tt.want, r.body)
			}
			ct := r.header.Get("Content-Type")
			switch {
			case r.status == 302:
				loc, err := url.Parse(r.header.Get("Location"))
				if err != nil || loc.Path != "/hdr/internal_forms_authentication/" || !IsGUID(loc.Query().Get("targetId")) {
					t.Errorf("Location %q", r.header.Get("Location"))
				}
			case tt.cfg.AuthFailure == AuthHTML200:
				if !strings.HasPrefix(ct, "text/html") || !strings.Contains(r.body, "<form") {
					t.Errorf("want the HTML login page, got %s %q", ct, r.body)
				}
			case r.status == 200:
				if ct != "application/json; charset=utf-8" {
					t.Errorf("Content-Type %q", ct)
				}
			}
			if r.status != 200 || tt.cfg.AuthFailure == AuthHTML200 {
				if s.Sessions() != 0 {
					t.Errorf("a failed authentication created a session")
				}
			}
		})
	}
}

func TestLoginFormServed(t *testing.T) {
	s := start(t, Config{Prefix: "hdr", Header: "hdr-usr"})
	r := call(t, client(s), "GET", s.URL()+"/internal_forms_authentication/?targetId="+newGUID())
	if r.status != 200 || !strings.Contains(r.body, "<form") {
		t.Errorf("login form: %d %q", r.status, r.body)
	}
}

func TestSessionCookie(t *testing.T) {
	for _, plain := range []bool{false, true} {
		t.Run(fmt.Sprintf("plain=%v", plain), func(t *testing.T) {
			s := start(t, Config{Prefix: "hdr", Header: "hdr-usr", PlainHTTP: plain, Site: DemoSite()})
			c := client(s)
			first := call(t, c, "GET", qrsURL(s, "/qrs/about"), `hdr-usr: CORP\anna`, xrfHeader)
			if first.status != 200 {
				t.Fatalf("first call: %d", first.status)
			}
			cookies := (&http.Response{Header: first.header}).Cookies()
			if len(cookies) != 1 {
				t.Fatalf("got cookies %v, want one", cookies)
			}
			ck := cookies[0]
			if ck.Name != "X-Qlik-Session-hdr" || ck.Path != "/" || !ck.HttpOnly || ck.Secure == plain || !IsGUID(ck.Value) {
				t.Errorf("cookie %+v: want X-Qlik-Session-hdr, Path=/, HttpOnly, Secure=%v", ck, !plain)
			}
			// The cookie alone is enough, and makes no new session.
			again := call(t, c, "GET", qrsURL(s, "/qrs/about"), "Cookie: "+ck.Name+"="+ck.Value, xrfHeader)
			if again.status != 200 || again.header.Get("Set-Cookie") != "" {
				t.Errorf("with cookie: %d, Set-Cookie %q", again.status, again.header.Get("Set-Cookie"))
			}
			if n := s.Sessions(); n != 1 {
				t.Errorf("Sessions() = %d, want 1", n)
			}
			if u := logged(t, s, 1).User; u != `CORP\anna` {
				t.Errorf("logged user %q", u)
			}
			// After expiry the old cookie is refused, even with the header.
			s.ExpireSessions()
			stale := call(t, c, "GET", qrsURL(s, "/qrs/about"), "Cookie: "+ck.Name+"="+ck.Value, `hdr-usr: CORP\anna`, xrfHeader)
			if stale.status != 500 || stale.body != AuthErrorBody {
				t.Errorf("stale cookie: %d %q, want 500 %q", stale.status, stale.body, AuthErrorBody)
			}
			// The header alone starts a new session.
			fresh := call(t, c, "GET", qrsURL(s, "/qrs/about"), `hdr-usr: CORP\anna`, xrfHeader)
			if fresh.status != 200 || s.Sessions() != 2 {
				t.Errorf("after expiry: %d, %d sessions", fresh.status, s.Sessions())
			}
		})
	}
}

func TestSessionCookieDefaultProxy(t *testing.T) {
	s := start(t, Config{Header: "hdr-usr"})
	jar, _ := cookiejar.New(nil)
	c := client(s)
	c.Jar = jar
	for range 3 {
		if r := call(t, c, "GET", qrsURL(s, "/qrs/about"), `hdr-usr: CORP\anna`, xrfHeader); r.status != 200 {
			t.Fatalf("status %d", r.status)
		}
	}
	reqs := s.Requests()
	if len(reqs[0].Cookies) != 0 || len(reqs[1].Cookies) != 1 || reqs[1].Cookies[0].Name != "X-Qlik-Session" {
		t.Errorf("cookies sent: %v then %v, want none then X-Qlik-Session", reqs[0].Cookies, reqs[1].Cookies)
	}
	if s.Sessions() != 1 {
		t.Errorf("a client reusing its cookie made %d sessions", s.Sessions())
	}
}

func TestSessionCap(t *testing.T) {
	s := start(t, Config{Prefix: "hdr", Header: "hdr-usr", MaxSessionsPerUser: 3})
	c := client(s)
	for i := 0; i < 3; i++ {
		if r := call(t, c, "GET", qrsURL(s, "/qrs/about"), `hdr-usr: CORP\anna`, xrfHeader); r.status != 200 {
			t.Fatalf("session %d: %d", i+1, r.status)
		}
	}
	r := call(t, c, "GET", qrsURL(s, "/qrs/about"), `hdr-usr: CORP\Anna`, xrfHeader)
	if r.status != 403 || !strings.Contains(r.body, "too many sessions") || r.header.Get("Set-Cookie") != "" {
		t.Errorf("over the cap: %d %q", r.status, r.body)
	}
	// Other users are not affected; expiry frees the user's slots.
	if r := call(t, c, "GET", qrsURL(s, "/qrs/about"), `hdr-usr: CORP\bob`, xrfHeader); r.status != 200 {
		t.Errorf("other user: %d", r.status)
	}
	s.ExpireSessions()
	if r := call(t, c, "GET", qrsURL(s, "/qrs/about"), `hdr-usr: CORP\anna`, xrfHeader); r.status != 200 {
		t.Errorf("after expiry: %d", r.status)
	}
	if n := s.Sessions(); n != 5 {
		t.Errorf("Sessions() = %d, want 5", n)
	}
}

func TestDefaultSessionCapIsFive(t *testing.T) {
	s := start(t, Config{Header: "hdr-usr"})
	c := client(s)
	var statuses []int
	for range 6 {
		statuses = append(statuses, call(t, c, "GET", qrsURL(s, "/qrs/about"), `hdr-usr: CORP\anna`, xrfHeader).status)
	}
	if fmt.Sprint(statuses) != "[200 200 200 200 200 403]" {
		t.Errorf("statuses %v", statuses)
	}
}

func TestClientCertMode(t *testing.T) {
	s := start(t, Config{ClientCert: true, Site: DemoSite()})
	cert, err := s.IssueClientCertificate("QlikClient")
	if err != nil {
		t.Fatal(err)
	}
	c := client(s, cert)
	tests := []struct {
		name string
		user string
		want int
	}{
		{"documented form", "UserDirectory=INTERNAL; UserId=sa_api", 200},
		{"no space", "UserDirectory=INTERNAL;UserId=sa_api", 200},
		{"encoded values", "UserDirectory=CORP; UserId=J%C3%B6rg%20M", 200},
		{"other order", "UserId=sa_api; UserDirectory=INTERNAL", 200},
		{"missing id", "UserDirectory=INTERNAL", 401},
		{"garbage", "INTERNAL\\sa_api", 401},
		{"unknown key", "UserDirectory=INTERNAL; UserId=sa_api; Role=x", 401},
		{"absent", "", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := []string{xrfHeader}
			if tt.user != "" {
				h = append(h, "X-Qlik-User: "+tt.user)
			}
			r := call(t, c, "GET", qrsURL(s, "/qrs/app/count"), h...)
			if r.status != tt.want {
				t.Fatalf("status %d, want %d (%q)", r.status, tt.want, r.body)
			}
			if r.header.Get("Set-Cookie") != "" {
				t.Errorf("client certificate mode set a cookie")
			}
		})
	}
	if got := logged(t, s, 2).User; got != "CORP\\Jörg M" {
		t.Errorf("decoded user %q", got)
	}
	if s.Sessions() != 0 {
		t.Errorf("sessions made in client certificate mode")
	}

	// No certificate, or one from another CA: the handshake fails.
	other := start(t, Config{})
	foreign, err := other.IssueClientCertificate("QlikClient")
	if err != nil {
		t.Fatal(err)
	}
	for name, cl := range map[string]*http.Client{"none": client(s), "foreign": client(s, foreign)} {
		resp, err := cl.Get(qrsURL(s, "/qrs/about"))
		if err == nil {
			resp.Body.Close()
			t.Errorf("%s certificate: got %d, want a TLS error", name, resp.StatusCode)
		}
	}
	// ClientCAs replaces the server CA.
	s2 := start(t, Config{ClientCert: true, ClientCAs: other.CACertPool()})
	if r := call(t, client(s2, foreign), "GET", qrsURL(s2, "/qrs/about"), xrfHeader, "X-Qlik-User: UserDirectory=A; UserId=b"); r.status != 200 {
		t.Errorf("ClientCAs: %d", r.status)
	}
}

func TestStartRejectsBadConfig(t *testing.T) {
	for name, cfg := range map[string]Config{
		"two segments":       {Prefix: "a/b"},
		"cert over http":     {ClientCert: true, PlainHTTP: true},
		"cert and header":    {ClientCert: true, Header: "hdr-usr"},
		"bad header name":    {Header: "hdr usr"},
		"user without dir":   {Header: "h", Users: []string{"anna"}},
		"port already taken": {Addr: "256.0.0.1:0"},
	} {
		if s, err := Start(cfg); err == nil {
			s.Close()
			t.Errorf("%s: Start accepted %+v", name, cfg)
		}
	}
}

func TestCertificateHosts(t *testing.T) {
	s := start(t, Config{CertHosts: []string{"qlikserver"}})
	_, err := client(s).Get(qrsURL(s, "/qrs/about"))
	var hostErr x509.HostnameError
	if err == nil || !errors.As(err, &hostErr) {
		t.Errorf("got %v, want a certificate name mismatch", err)
	}
	// The default certificate names 127.0.0.1.
	s2 := start(t, Config{})
	if r := call(t, client(s2), "GET", qrsURL(s2, "/qrs/about"), xrfHeader); r.status != 200 {
		t.Errorf("default certificate: %d", r.status)
	}
}

func TestDemoListings(t *testing.T) {
	s := start(t, Config{Prefix: "hdr", Header: "hdr-usr", Site: DemoSite()})
	jar, _ := cookiejar.New(nil)
	c := client(s)
	c.Jar = jar
	get := func(path string, q ...string) reply {
		t.Helper()
		r := call(t, c, "GET", qrsURL(s, path, q...), `hdr-usr: CORP\anna`, xrfHeader)
		if r.status != 200 {
			t.Fatalf("%s %v: %d %q", path, q, r.status, r.body)
		}
		return r
	}
	count := func(path string, q ...string) int {
		t.Helper()
		var v struct{ Value int }
		if err := json.Unmarshal([]byte(get(path, q...).body), &v); err != nil {
			t.Fatal(err)
		}
		return v.Value
	}
	items := func(path string, q ...string) []map[string]any {
		t.Helper()
		return decodeArray(t, []byte(get(path, q...).body))
	}
	for k := range numKinds {
		kind := k.String()
		if n, m := count("/qrs/"+kind+"/count"), len(items("/qrs/"+kind+"/full")); n != m || n == 0 {
			t.Errorf("%s: count %d, /full %d", kind, n, m)
		}
	}
	sheets := items("/qrs/app/object/full", "filter", "objectType eq 'sheet'")
	if len(sheets) != 25 || count("/qrs/app/object/count", "filter", "objectType eq 'sheet'") != 25 {
		t.Errorf("%d sheets, want 25", len(sheets))
	}
	if n := len(items("/qrs/app/full", "filter", "stream eq null")); n != 3 {
		t.Errorf("%d unpublished apps, want 3", n)
	}
	names := func(list []map[string]any) []string {
		var out []string
		for _, it := range list {
			out = append(out, it["name"].(string))
		}
		return out
	}
	asc := names(items("/qrs/app/full", "orderby", "name asc"))
	desc := names(items("/qrs/app/full", "orderby", "name desc"))
	if !sort.SliceIsSorted(asc, func(i, j int) bool { return strings.ToLower(asc[i]) < strings.ToLower(asc[j]) }) {
		t.Errorf("name asc: %q", asc)
	}
	for i := range asc {
		if asc[i] != desc[len(desc)-1-i] {
			t.Fatalf("name desc is not the reverse of name asc: %q vs %q", asc, desc)
		}
	}
	// Filters with every kind of value, against the demo data.
	for filter, want := range map[string]int{
		"objectType eq 'sheet' and approved eq true and published eq true":  10,
		"objectType eq 'sheet' and approved eq false and published eq true": 9,
		"objectType eq 'sheet' and published eq false":                      6,
		"objectType eq 'sheet' and engineObjectId eq ''":                    1,
		"name eq 'Q1\\'25 Überblick – \"Top\" Kunden'":                      1,
		"owner.userId eq 'ANNA.SCHMIDT' and objectType eq 'sheet'":          5,
		"app.stream.name eq 'Everyone'":                                     9,
		"tags.name eq 'pilot'":                                              1,
		"createdDate ge '2024-01-01T00:00:00.000Z'":                         3,
		"size gt 0":             2,
		"objectType ne 'sheet'": 7,
		"(objectType eq 'story' or objectType eq 'masterobject') and app.published eq true": 3,
	} {
		if got := len(items("/qrs/app/object/full", "filter", filter)); got != want {
			t.Errorf("%q: %d objects, want %d", filter, got, want)
		}
		if got := count("/qrs/app/object/count", "filter", filter); got != want {
			t.Errorf("count %q: %d, want %d", filter, got, want)
		}
	}
	users := items("/qrs/user/full", "filter", "attributes.attributeType eq 'email'")
	if len(users) != 5 {
		t.Errorf("%d users with e-mail, want 5", len(users))
	}
	for _, bad := range []string{"name eq", "()", "nosuch eq 1", "name gt 'a'", "published eq 'yes'", "app.id eq abc"} {
		r := call(t, c, "GET", qrsURL(s, "/qrs/app/object/full", "filter", bad), xrfHeader)
		if r.status != 400 || r.body != "Cannot parse the expression" {
			t.Errorf("filter %q: %d %q, want 400", bad, r.status, r.body)
		}
	}
	if r := call(t, c, "GET", qrsURL(s, "/qrs/app/full", "orderby", "name sideways"), xrfHeader); r.status != 400 {
		t.Errorf("bad orderby: %d", r.status)
	}
	if s.Sessions() != 1 {
		t.Errorf("a client with a cookie jar made %d sessions", s.Sessions())
	}
}

func TestSiteFromJSONKeepsItems(t *testing.T) {
	apps := []byte("\xef\xbb\xbf" + `[{"id":"9f4b5c2e-0b4a-4f39-9d1e-2a9c7d9e1a11", "name":"A", "futureField":{"x":[1,2]},"stream":{"id":"0b4a5c2e-0b4a-4f39-9d1e-2a9c7d9e1a11","name":"S"}}]`)
	site, err := SiteFromJSON(apps, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := start(t, Config{Site: site})
	r := call(t, client(s), "GET", qrsURL(s, "/qrs/app/full"), xrfHeader)
	want := `[{"id":"9f4b5c2e-0b4a-4f39-9d1e-2a9c7d9e1a11","name":"A","futureField":{"x":[1,2]},"stream":{"id":"0b4a5c2e-0b4a-4f39-9d1e-2a9c7d9e1a11","name":"S"}}]`
	if r.body != want {
		t.Errorf("got %s\nwant %s", r.body, want)
	}
	if streams := call(t, client(s), "GET", qrsURL(s, "/qrs/stream/count"), xrfHeader); streams.body != `{"value":1}` {
		t.Errorf("derived streams: %s", streams.body)
	}
	for _, bad := range []string{`{"not":"an array"}`, `[1,2]`, `[{"a":1}`} {
		if _, err := SiteFromJSON([]byte(bad), nil, nil); err == nil {
			t.Errorf("SiteFromJSON accepted %s", bad)
		}
	}
}

func TestLoadSiteFixtures(t *testing.T) {
	site, err := LoadSite("../../testdata/qrs")
	if err != nil {
		t.Fatal(err)
	}
	if site.Len(KindApp) == 0 || site.Len(KindAppObject) == 0 || site.Len(KindUser) == 0 {
		t.Errorf("fixtures: %d apps, %d objects, %d users", site.Len(KindApp), site.Len(KindAppObject), site.Len(KindUser))
	}
	if _, err := LoadSite("no/such/dir"); err == nil {
		t.Errorf("LoadSite of a missing directory succeeded")
	}
	// Every object's app and owner exist in the same fixtures.
	ids := map[string]bool{}
	site.Scan(KindApp, nil, func(_ int, it Item) bool { v, _ := it.Field("id"); ids[v.(string)] = true; return true })
	site.Scan(KindUser, nil, func(_ int, it Item) bool { v, _ := it.Field("id"); ids[v.(string)] = true; return true })
	site.Scan(KindAppObject, nil, func(_ int, it Item) bool {
		app := firstValue(it, []string{"app", "id"})
		owner := firstValue(it, []string{"owner", "id"})
		if !ids[app.(string)] || !ids[owner.(string)] {
			t.Errorf("object with unknown app %v or owner %v", app, owner)
		}
		return true
	})
}

func TestDemoSiteLoads(t *testing.T) {
	if b, broken := DemoSite().(brokenSite); broken {
		t.Fatalf("demo site: %v", b.err)
	}
}

func TestConcurrentRequests(t *testing.T) {
	s := start(t, Config{Prefix: "hdr", Header: "hdr-usr", MaxSessionsPerUser: 1000, Site: Generate(GenConfig{Seed: 1, Apps: 10, Sheets: 60})})
	c := client(s)
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			user := fmt.Sprintf(`hdr-usr: CORP\u%d`, i%4)
			for _, p := range []string{"/qrs/app/full", "/qrs/app/object/count", "/qrs/app/object/full"} {
				req, _ := http.NewRequest("GET", qrsURL(s, p, "filter", ""), nil)
				k, v, _ := strings.Cut(user, ": ")
				req.Header.Set(k, v)
				req.Header.Set("X-Qlik-Xrfkey", testKey)
				resp, err := c.Do(req)
				if err != nil {
					errs <- err.Error()
					return
				}
				var items any
				err = json.NewDecoder(resp.Body).Decode(&items)
				resp.Body.Close()
				if resp.StatusCode != 200 || err != nil {
					errs <- fmt.Sprintf("%s: %d %v", p, resp.StatusCode, err)
				}
			}
			if i%3 == 0 {
				s.ExpireSessions()
			}
			s.AddFault(Fault{Path: "/nothing"})
			_ = s.Requests()
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if n := len(s.Requests()); n != 48 {
		t.Errorf("%d requests logged, want 48", n)
	}
}

// TestStreamsWithoutBuffering reads a ~45 MB listing while watching the
// process heap: a server that built the body in memory would hold it all.
func TestStreamsWithoutBuffering(t *testing.T) {
	s := start(t, Config{Site: Generate(GenConfig{Seed: 4, Apps: 300, Sheets: 30000})})
	req, _ := http.NewRequest("GET", qrsURL(s, "/qrs/app/object/full", "filter", "objectType eq 'sheet'"), nil)
	req.Header.Set("X-Qlik-Xrfkey", testKey)
	resp, err := client(s).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var total, peak uint64
	buf := make([]byte, 1<<20)
	var ms runtime.MemStats
	for {
		n, err := io.ReadFull(resp.Body, buf)
		total += uint64(n)
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapAlloc)
		if err != nil {
			break
		}
	}
	if total < 40<<20 {
		t.Fatalf("body is %d bytes; the test needs a bigger one", total)
	}
	if peak > total/2 {
		t.Errorf("heap reached %d MB while streaming %d MB", peak>>20, total>>20)
	}
}
