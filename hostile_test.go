package qrs_test

import (
	"bufio"
	"crypto/x509"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/testserver"
)

// hostileSite serves handler over TLS on loopback, as a server written to
// break clients, and returns a Client for it.
func hostileSite(t *testing.T, handler http.HandlerFunc, opts ...qrs.Option) *qrs.Client {
	t.Helper()
	srv := httptest.NewTLSServer(handler)
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	base := []qrs.Option{qrs.WithRootCAs(pool), qrs.WithProxy(""), qrs.WithConnectionCode("test"),
		qrs.WithHeaderAuth(authHeader, authUser), qrs.WithRetryBackoff(time.Millisecond, 10*time.Millisecond)}
	c, err := qrs.NewClient(srv.URL+"/hdr", append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// within fails the test when f has not returned after d: what it checks
// must end by itself, so a hang is a failure, not a stuck test.
func within(t *testing.T, d time.Duration, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("still running after %v", d)
	}
}

func TestSwitchingProtocolsDoesNotHang(t *testing.T) {
	c := hostileSite(t, func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		buf.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: qrs-trap\r\nConnection: Upgrade\r\n\r\n")
		buf.Flush()
		<-r.Context().Done() // then silence, until the client goes
		time.Sleep(time.Minute)
	}, qrs.WithIdleTimeout(time.Hour))
	within(t, 10*time.Second, func() {
		_, err := c.ListApps(t.Context(), nil)
		if err == nil || !strings.Contains(err.Error(), "101") || !strings.Contains(err.Error(), "qrs-trap") {
			t.Errorf("err = %v, want the 101 named", err)
		}
	})
}

// manyValues is one app object with n empty tags: a few bytes each, which
// decoded would be many Go values.
func manyValues(field string, n int, sheet bool) string {
	var b strings.Builder
	b.WriteString(`[{"id":"11111111-1111-4111-8111-111111111111","name":"x",`)
	if sheet {
		b.WriteString(`"objectType":"sheet","app":{"id":"22222222-2222-4222-8222-222222222222"},`)
	}
	b.WriteString(`"` + field + `":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("{}")
	}
	b.WriteString("]}]")
	return b.String()
}

func TestDecodedValuesAreBounded(t *testing.T) {
	srv, c := startSite(t, testserver.Config{})
	for _, tc := range []struct {
		name, body, want string
		list             func() error
	}{
		{"app custom properties", manyValues("customProperties", 200_000, false), "holds more than 100000 JSON values", func() error {
			_, err := c.ListApps(t.Context(), nil)
			return err
		}},
		{"app tags", manyValues("tags", 200_000, false), "holds more than 100000 JSON values", func() error {
			_, err := c.ListApps(t.Context(), nil)
			return err
		}},
		{"sheet tags, hand decoder", manyValues("tags", 200_000, true), "more than 100000 tags", func() error {
			_, err := collectVizErr(c.Visualizations(t.Context(), nil))
			return err
		}},
	} {
		path := "/qrs/app/full"
		if strings.Contains(tc.name, "sheet") {
			path = "/qrs/app/object/full"
		}
		srv.AddFault(testserver.Fault{Path: path, Status: 200, Body: tc.body, ContentType: "application/json"})
		if err := tc.list(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestStaleSessionIsRenewedOnceUnderConcurrency(t *testing.T) {
	srv, c := startSite(t, testserver.Config{MaxSessionsPerUser: 2})
	if _, err := c.ListApps(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	srv.ExpireSessions() // the Client's cookie is now stale
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.ListApps(t.Context(), nil); err != nil {
				failed.Add(1)
				t.Log(err)
			}
		}()
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		t.Errorf("%d of 16 calls failed on a stale session", n)
	}
	if n := srv.Sessions(); n != 2 {
		t.Errorf("%d sessions opened, want 2: the first, and one renewal for sixteen calls", n)
	}
}

func TestIdleTimerCountsOnlyTheServersSilence(t *testing.T) {
	const idle = 300 * time.Millisecond
	site := testserver.Generate(testserver.GenConfig{Seed: 41, Apps: 4, Sheets: 400})
	t.Run("slow consumer", func(t *testing.T) {
		_, c := startSite(t, testserver.Config{Site: site}, qrs.WithIdleTimeout(idle))
		n := 0
		for _, err := range c.Sheets(t.Context(), nil) {
			if err != nil {
				t.Fatalf("after %d items: %v", n, err)
			}
			if n++; n == 1 {
				time.Sleep(2 * idle) // the caller's own time: not the server's silence
			}
		}
	})
	t.Run("retry-after wait", func(t *testing.T) {
		srv, c := startSite(t, testserver.Config{Site: site}, qrs.WithIdleTimeout(idle),
			qrs.WithRetryBackoff(10*time.Millisecond, 5*time.Second))
		srv.AddFault(testserver.Fault{Path: "/qrs/app/full", Status: 503, Header: http.Header{"Retry-After": {"1"}}})
		if _, err := c.ListApps(t.Context(), nil); err != nil {
			t.Errorf("a one-second Retry-After with a %v idle timeout: %v", idle, err)
		}
	})
	t.Run("headers then first bytes", func(t *testing.T) {
		srv, c := startSite(t, testserver.Config{Site: site}, qrs.WithIdleTimeout(idle))
		// Two silences, each shorter than the idle timeout, longer together.
		srv.AddFault(testserver.Fault{Path: "/qrs/app/full", Delay: 2 * idle / 3, StallAfterBytes: 0, Stall: 2 * idle / 3})
		if _, err := c.ListApps(t.Context(), nil); err != nil {
			t.Errorf("two silences of %v: %v", 2*idle/3, err)
		}
	})
	t.Run("silence still fails", func(t *testing.T) {
		srv, c := startSite(t, testserver.Config{Site: site}, qrs.WithIdleTimeout(idle), qrs.WithRetries(0))
		srv.AddFault(testserver.Fault{Path: "/qrs/app/full", StallAfterBytes: 100, Stall: 10 * time.Second})
		within(t, 5*time.Second, func() {
			if _, err := c.ListApps(t.Context(), nil); err == nil || !strings.Contains(err.Error(), "WithIdleTimeout") {
				t.Errorf("err = %v, want the idle timeout", err)
			}
		})
	})
}

func TestPartitionsTrustNothing(t *testing.T) {
	site := testserver.Generate(testserver.GenConfig{Seed: 43, Apps: 6, Sheets: 60})
	srv, c := startSite(t, testserver.Config{Site: site})
	all, err := c.ListSheets(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	// A server that ignores the app filter sends every sheet to each batch.
	body := rawBody(t, srv, "/qrs/app/object/full?filter="+urlQuery("objectType eq 'sheet'"))
	srv.AddFault(testserver.Fault{Path: "/qrs/app/object/full", Status: 200, Body: body, ContentType: "application/json"})
	_, err = collectVizErr(c.Visualizations(t.Context(), partitioned(2, 1)))
	if err == nil || !strings.Contains(err.Error(), "which the partition did not ask for") {
		t.Errorf("err = %v, want sheets of other apps refused", err)
	}
	// A server that ignores objectType.
	srv.AddFault(testserver.Fault{Path: "/qrs/app/object/full", Status: 200, ContentType: "application/json",
		Body: `[{"id":"a","objectType":"story","app":{"id":"` + all[0].App.ID + `"}}]`})
	if _, err := c.ListSheets(t.Context(), nil); err == nil || !strings.Contains(err.Error(), `of type "story", not a sheet`) {
		t.Errorf("err = %v, want the story refused", err)
	}
	// The same app twice in the listing, the same sheet twice in a batch:
	// each sheet once.
	app := all[0].App.ID
	sheetBody := rawBody(t, srv, "/qrs/app/object/full?filter="+urlQuery("objectType eq 'sheet' and app.id eq "+app))
	twice := "[" + strings.Trim(sheetBody, "[]") + "," + strings.Trim(sheetBody, "[]") + "]"
	srv.AddFault(testserver.Fault{Path: "/qrs/app/full", Status: 200, ContentType: "application/json",
		Body: `[{"id":"` + app + `","name":"a"},{"id":"` + app + `","name":"a"}]`})
	srv.AddFault(testserver.Fault{Path: "/qrs/app/object/full", Status: 200, ContentType: "application/json", Body: twice})
	vs, err := collectVizErr(c.Visualizations(t.Context(), partitioned(2, 1)))
	if err != nil {
		t.Fatal(err)
	}
	// The last listing of apps finds the five the canned one left out.
	checkUniqueKeys(t, vs, len(all))
}

// rawBody GETs pathQuery from the test server without the Client.
func rawBody(t *testing.T, srv *testserver.Server, pathQuery string) string {
	t.Helper()
	resp := rawGet(t, srv, pathQuery)
	defer resp.Body.Close()
	var b strings.Builder
	if _, err := bufio.NewReader(resp.Body).WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func urlQuery(s string) string { return strings.ReplaceAll(s, " ", "%20") }

func TestCookieJarIsBounded(t *testing.T) {
	var mu sync.Mutex
	var longest int
	var sawExpired bool
	n := 0
	c := hostileSite(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		longest = max(longest, len(r.Header.Get("Cookie")))
		sawExpired = sawExpired || strings.Contains(r.Header.Get("Cookie"), "gone=")
		n++
		i := n
		mu.Unlock()
		for j := range 20 {
			http.SetCookie(w, &http.Cookie{Name: fmt.Sprintf("c%d_%d", i, j), Value: strings.Repeat("v", 3000)})
		}
		http.SetCookie(w, &http.Cookie{Name: "X-Qlik-Session-hdr", Value: fmt.Sprintf("s%d", i)})
		http.SetCookie(w, &http.Cookie{Name: "gone", Value: "x", Expires: time.Now().Add(-time.Hour)})
		http.SetCookie(w, &http.Cookie{Name: "huge", Value: strings.Repeat("h", 10000)})
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte("[]"))
	})
	for range 15 {
		if _, err := c.ListApps(t.Context(), nil); err != nil {
			t.Fatal(err)
		}
	}
	if longest > 8*4096+200 {
		t.Errorf("a Cookie header of %d bytes after hostile answers", longest)
	}
	if sawExpired {
		t.Error("an expired cookie was sent back")
	}
}

func TestSheetsWithoutKeysAreErrors(t *testing.T) {
	srv, c := startSite(t, testserver.Config{})
	for _, tc := range []struct{ body, want string }{
		{`[{"id":"s1","engineObjectId":"e1","objectType":"sheet","app":{"id":""}}]`, "no app id"},
		{`[{"id":"","engineObjectId":"","objectType":"sheet","app":{"id":"a"}}]`, "no app id or no id"},
		{`[{"id":"s1","engineObjectId":"e` + "\xff" + `1","objectType":"sheet","app":{"id":"a"}}]`, "not valid UTF-8"},
	} {
		srv.AddFault(testserver.Fault{Path: "/qrs/app/object/full", Status: 200, Body: tc.body, ContentType: "application/json"})
		if _, err := collectVizErr(c.Visualizations(t.Context(), nil)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.body, err, tc.want)
		}
	}
}

func TestSecretsStayHidden(t *testing.T) {
	// A server error page that echoes the request's headers.
	c := hostileSite(t, func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "X-Qlik-Session-hdr", Value: "cookie-secret-7f3a9b"})
		if r.Header.Get("Cookie") == "" {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte("[]"))
			return
		}
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, "bad request; headers were: %s=%s; escaped %s; cookie %s", authHeader, r.Header.Get(authHeader),
			strings.ReplaceAll(r.Header.Get(authHeader), `\`, `%5C`), r.Header.Get("Cookie"))
	})
	if _, err := c.ListApps(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	_, err := c.ListApps(t.Context(), nil)
	if err == nil {
		t.Fatal("no error")
	}
	for _, text := range []string{err.Error(), fmt.Sprintf("%#v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%v", c)} {
		checkNoSecret(t, "the error or the Client printed", text, authUser, "cookie-secret-7f3a9b")
	}
	if !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("err = %v, want the echoed values redacted", err)
	}
}

func TestDecodingDecisions(t *testing.T) {
	srv, c := startSite(t, testserver.Config{}, qrs.WithMaxItemSize(math.MaxInt64))
	if apps, err := c.ListApps(t.Context(), nil); err != nil || len(apps) == 0 {
		t.Fatalf("WithMaxItemSize(MaxInt64): %d apps, %v", len(apps), err)
	}
	for _, tc := range []struct{ body, want string }{
		{`[{"id":"a"}] [{"id":"b"}]`, "goes on after the end of the listing's array"},
		{`[{"id":"a","name":"x","name":"y"}]`, "duplicate"},
		{`[{"id":"a","fileSize":1.5}]`, "not an integer"},
		{``, "the body is empty where a JSON array belongs"},
	} {
		srv.AddFault(testserver.Fault{Path: "/qrs/app/full", Status: 200, Body: tc.body, ContentType: "application/json"})
		if _, err := c.ListApps(t.Context(), nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want %q", tc.body, err, tc.want)
		}
	}
	srv.AddFault(testserver.Fault{Path: "/qrs/app/full", Status: 200, ContentType: "application/json",
		Body: `[{"id":"a","fileSize":1e3,"availabilityStatus":1.0}]`})
	apps, err := c.ListApps(t.Context(), nil)
	if err != nil || apps[0].FileSize != 1000 || apps[0].AvailabilityStatus != qrs.AvailabilityAvailable {
		t.Errorf("1e3 and 1.0: %+v, %v", apps, err)
	}
}

func TestClearerMessages(t *testing.T) {
	t.Run("final 429", func(t *testing.T) {
		srv, c := startSite(t, testserver.Config{}, qrs.WithRetries(1))
		srv.AddFault(testserver.Fault{Path: "/qrs/app/full", Status: 429, Times: 2})
		if _, err := c.ListApps(t.Context(), nil); err == nil || !strings.Contains(err.Error(), "asked to slow down") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("first request refused", func(t *testing.T) {
		srv, c := startSite(t, testserver.Config{})
		srv.AddFault(testserver.Fault{Path: "/qrs/app/full", AuthError500: true})
		_, err := c.ListApps(t.Context(), nil)
		if err == nil || strings.Contains(err.Error(), "even after a fresh authentication") {
			t.Errorf("err = %v, want no word of a fresh authentication on a first request", err)
		}
	})
	t.Run("https to a plain port", func(t *testing.T) {
		var hits atomic.Int32
		plain := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
		defer plain.Close()
		var conns atomic.Int32
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			for {
				conn, err := ln.Accept()
				if err != nil {
					return
				}
				conns.Add(1)
				go func() {
					defer conn.Close()
					conn.SetDeadline(time.Now().Add(5 * time.Second))
					bufio.NewReader(conn).ReadByte()
					conn.Write([]byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"))
				}()
			}
		}()
		c, err := qrs.NewClient("https://"+ln.Addr().String(), qrs.WithProxy(""), qrs.WithRetries(4))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.ListApps(t.Context(), nil)
		if err == nil || !strings.Contains(err.Error(), "does not speak TLS") {
			t.Errorf("err = %v", err)
		}
		if n := conns.Load(); n != 1 {
			t.Errorf("%d connections, want 1: not retried", n)
		}
	})
	t.Run("retry-after 0", func(t *testing.T) {
		srv, c := startSite(t, testserver.Config{}, qrs.WithRetries(1), qrs.WithRetryBackoff(200*time.Millisecond, time.Second))
		srv.AddFault(testserver.Fault{Path: "/qrs/app/full", Status: 503, Header: http.Header{"Retry-After": {"0"}}})
		start := time.Now()
		if _, err := c.ListApps(t.Context(), nil); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 200*time.Millisecond {
			t.Errorf("retried after %v: Retry-After: 0 must still wait the first backoff step", d)
		}
	})
}

func TestPlainHTTPIsWarned(t *testing.T) {
	var logs syncBuffer
	_, err := qrs.NewClient("http://qlik.example.com/hdr", qrs.WithHeaderAuth(authHeader, authUser),
		qrs.WithLogger(slogTo(&logs)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "in clear") {
		t.Errorf("no warning for header authentication over plain HTTP: %q", logs.String())
	}
}

// A proxy that answers CONNECT with 502 is named once, with the site it
// was asked for and its answer.
func TestProxyRefusingTheSite(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				conn.SetDeadline(time.Now().Add(5 * time.Second))
				if _, err := http.ReadRequest(bufio.NewReader(conn)); err == nil {
					conn.Write([]byte("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n"))
				}
			}()
		}
	}()
	proxyURL := "http://catalog:" + "px-secret-4410" + "@" + ln.Addr().String()
	c, err := qrs.NewClient("https://qlik.example.com:8443/hdr", qrs.WithProxy(proxyURL), qrs.WithRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListApps(t.Context(), nil)
	want := "proxy http://catalog:xxxxx@" + ln.Addr().String() + " refused to connect to qlik.example.com:8443 (502 Bad Gateway)"
	if err == nil || !strings.Contains(err.Error(), want) || strings.Count(err.Error(), ln.Addr().String()) != 1 {
		t.Errorf("err = %v, want it to say %q, naming the proxy once", err, want)
	}
	checkNoSecret(t, "the error", err.Error(), "px-secret-4410")
}
