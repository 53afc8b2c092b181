package qrs_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/testserver"
)

// countSheets ranges over Sheets and returns the distinct ids seen, the
// number of items, and the error, if any.
func countSheets(c *qrs.Client, ctx context.Context) (map[string]bool, int, error) {
	ids := map[string]bool{}
	n := 0
	for s, err := range c.Sheets(ctx, nil) {
		if err != nil {
			return ids, n, err
		}
		ids[s.ID] = true
		n++
	}
	return ids, n, nil
}

func TestBurstOfGatewayErrorsLosesNothing(t *testing.T) {
	site := testserver.Generate(testserver.GenConfig{Seed: 21, Apps: 20, Sheets: 2000})
	srv, c := startSite(t, testserver.Config{Site: site}, qrs.WithRetries(6))
	srv.AddFault(testserver.Fault{Path: "/qrs/app/object/full", Status: 502, Times: 2})
	srv.AddFault(testserver.Fault{Path: "/qrs/app/object/full", Status: 503, Body: "One or more errors occurred.", Times: 2})
	srv.AddFault(testserver.Fault{Path: "/qrs/app/object/full", Status: 504})
	ids, n, err := countSheets(c, t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if n != 2000 || len(ids) != 2000 {
		t.Errorf("%d items, %d distinct, want 2000 of each", n, len(ids))
	}
	if got := srv.Count("/qrs/app/object/full"); got != 6 {
		t.Errorf("%d requests, want 6 (five failures, one success)", got)
	}
}

func TestStallMidBodyFiresIdleTimeout(t *testing.T) {
	site := testserver.Generate(testserver.GenConfig{Seed: 22, Apps: 10, Sheets: 1000})
	srv, c := startSite(t, testserver.Config{Site: site}, qrs.WithIdleTimeout(300*time.Millisecond))
	srv.AddFault(testserver.Fault{Path: "/qrs/app/object/full", StallAfterBytes: 30000, Stall: 10 * time.Second})
	start := time.Now()
	_, n, err := countSheets(c, t.Context())
	if err == nil {
		t.Fatal("no error from a stalled body")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the stall was noticed after %v", d)
	}
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "WithIdleTimeout") {
		t.Errorf("err = %v, want a deadline naming WithIdleTimeout", err)
	}
	if want := fmt.Sprintf("after %d items", n); n == 0 || !strings.Contains(err.Error(), want) {
		t.Errorf("err = %q after %d items, want it to say %q", err, n, want)
	}
}

func TestStallBeforeAnswerFiresIdleTimeout(t *testing.T) {
	srv, c := startSite(t, testserver.Config{}, qrs.WithIdleTimeout(200*time.Millisecond), qrs.WithRetries(0))
	srv.AddFault(testserver.Fault{Delay: 10 * time.Second})
	_, err := c.ListApps(t.Context(), nil)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.HasPrefix(err.Error(), "qrs: GET /hdr/qrs/app/full: no data") {
		t.Errorf("err = %v, want the idle timeout", err)
	}
}

func TestSlowBodyFiresTimeout(t *testing.T) {
	site := testserver.Generate(testserver.GenConfig{Seed: 23, Apps: 10, Sheets: 1000})
	srv, c := startSite(t, testserver.Config{Site: site}, qrs.WithTimeout(500*time.Millisecond))
	srv.AddFault(testserver.Fault{Path: "/qrs/app/object/full", BytesPerSecond: 20000})
	start := time.Now()
	_, _, err := countSheets(c, t.Context())
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "WithTimeout") {
		t.Fatalf("err = %v, want the request timeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the timeout fired after %v", d)
	}
}

func TestWrongShapes(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"object for array", `{"value":3}`, "expected a JSON array, got an object"},
		{"field of wrong type", `[{"id":"a","objectType":"sheet","name":"x","published":"yes"}]`, "item 1"},
		{"truncated", `[{"id":"a","objectType":"sheet","name":"x"},{"id":"b","na`, "truncated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c := startSite(t, testserver.Config{})
			srv.AddFault(testserver.Fault{Status: 200, Body: tt.body, ContentType: "application/json"})
			_, err := c.ListSheets(t.Context(), nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "qrs: GET /hdr/qrs/app/object/full") {
				t.Errorf("err = %v, want a qrs: error naming the path and %q", err, tt.want)
			}
		})
	}
}

func TestEnormousFieldIsBounded(t *testing.T) {
	body := `[{"id":"a","objectType":"sheet","name":"x"},{"id":"b","objectType":"sheet","description":"` + strings.Repeat("x", 8<<20) + `"}]`
	srv, c := startSite(t, testserver.Config{}, qrs.WithMaxItemSize(1<<20))
	srv.AddFault(testserver.Fault{Status: 200, Body: body, ContentType: "application/json"})
	_, n, err := countSheets(c, t.Context())
	if n != 1 || err == nil || !strings.Contains(err.Error(), "item 2 is larger than 1048576 bytes") {
		t.Errorf("%d items, err = %v: want one item, then item 2 refused as too large", n, err)
	}
}

func TestOneSessionWithPartitions(t *testing.T) {
	site := testserver.Generate(testserver.GenConfig{Seed: 24, Apps: 200, Sheets: 2000})
	srv, c := startSite(t, testserver.Config{Site: site, MaxSessionsPerUser: 1})
	vs := collectViz(t, c.Visualizations(t.Context(), &qrs.ListOptions{Partitions: qrs.Partitions{AppsPerRequest: 10, Concurrency: 8}}))
	if len(vs) != 2000 {
		t.Errorf("%d visualizations, want 2000", len(vs))
	}
	if n := srv.Sessions(); n != 1 {
		t.Errorf("%d sessions with 8 concurrent batches, want 1", n)
	}
}

func TestCertificateVerificationFailures(t *testing.T) {
	srv, _ := startSite(t, testserver.Config{})
	// The system roots do not know the test CA.
	c, err := qrs.NewClient(srv.URL(), qrs.WithHeaderAuth(authHeader, authUser))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListApps(t.Context(), nil)
	if err == nil || !strings.Contains(err.Error(), "unknown authority") || !strings.Contains(err.Error(), "WithTrustStore") {
		t.Errorf("unknown CA: err = %v", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests reached the server", n)
	}

	named, _ := startSite(t, testserver.Config{CertHosts: []string{"qlik-node1"}})
	c, err = qrs.NewClient(named.URL(), qrs.WithHeaderAuth(authHeader, authUser), qrs.WithRootCAs(named.CACertPool()))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListApps(t.Context(), nil)
	if err == nil || !strings.Contains(err.Error(), "not valid for 127.0.0.1") || !strings.Contains(err.Error(), "qlik-node1") {
		t.Errorf("name mismatch: err = %v, want it to name the certificate's names", err)
	}
	// Turning verification off connects, and says so.
	var logs bytes.Buffer
	c, err = qrs.NewClient(named.URL(), qrs.WithHeaderAuth(authHeader, authUser), qrs.WithInsecureSkipVerify(true),
		qrs.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListApps(t.Context(), nil); err != nil {
		t.Errorf("with verification off: %v", err)
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "verification is off") {
		t.Errorf("no warning logged: %q", logs.String())
	}
}

func TestOldTLSRefused(t *testing.T) {
	// A server that speaks TLS 1.1 at most stands in for an outdated proxy.
	old := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte("[]"))
	}))
	old.TLS = &tls.Config{MaxVersion: tls.VersionTLS11}
	old.StartTLS()
	defer old.Close()
	pool := x509.NewCertPool()
	pool.AddCert(old.Certificate())
	c, err := qrs.NewClient(old.URL, qrs.WithRootCAs(pool))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListApps(t.Context(), nil)
	if err == nil || !strings.Contains(err.Error(), "protocol version") {
		t.Errorf("err = %v, want TLS 1.1 refused", err)
	}
}

// TestNoSecretLeaks runs the failures a misconfigured site produces with
// distinctive secrets, capturing every error and log line, and looks for
// the secrets in all of it.
func TestNoSecretLeaks(t *testing.T) {
	const (
		headerValue = `LEAKDOM\leak-user-7731`
		proxyPass   = "leak-proxy-pass-5521"
	)
	var out syncBuffer
	logger := slogTo(&out)
	site := testserver.Generate(testserver.GenConfig{Seed: 25, Apps: 5, Sheets: 200})
	opts := []qrs.Option{
		qrs.WithHeaderAuth(authHeader, headerValue),
		qrs.WithLogger(logger),
		qrs.WithConnectionCode("leak"),
		qrs.WithRetries(1),
		qrs.WithRetryBackoff(time.Millisecond, time.Millisecond),
	}
	srv, c := startSite(t, testserver.Config{Site: site}, opts...)
	opts = append(opts, qrs.WithRootCAs(srv.CACertPool()))
	record := func(v ...any) { fmt.Fprintln(&out, v...) }
	record(fmt.Sprintf("%v %+v %#v %s", c, c, c, c))
	faults := []testserver.Fault{
		{Status: 302, Header: http.Header{"Location": {"https://login.example.com/?u=x"}}},
		{Status: 401}, {Status: 403}, {Status: 404}, {Status: 500, Times: 2}, {AuthError500: true, Times: 2},
		{Status: 200, Body: "<html>login</html>", ContentType: "text/html"},
		{ResetBeforeResponse: true, Times: 2}, {Path: "/qrs/app/object/full", ResetAfterBytes: 5000},
	}
	for _, f := range faults {
		srv.AddFault(f)
		for _, err := range c.Visualizations(t.Context(), nil) {
			if err != nil {
				record(err)
				record(fmt.Sprintf("%v %+v %#v", err, err, err))
			}
		}
		srv.ClearFaults()
	}
	// A proxy that is not there, with credentials.
	pc, err := qrs.NewClient(srv.URL(), append(opts, qrs.WithProxy("http://leakuser:"+proxyPass+"@127.0.0.1:1"))...)
	if err != nil {
		t.Fatal(err)
	}
	_, err = pc.ListApps(t.Context(), nil)
	record(err)
	record(fmt.Sprintf("%v %+v %#v %s", pc, pc, pc, pc))
	if b, err := json.Marshal(pc); err == nil {
		record(string(b))
	}
	// Bad options.
	for _, o := range []qrs.Option{
		qrs.WithHeaderAuth("bad header", headerValue),
		qrs.WithHeaderAuth(authHeader, headerValue+"\r\n"),
		qrs.WithHeaderAuth(authHeader, headerValue+"é"),
		qrs.WithProxy("ftp://leakuser:" + proxyPass + "@proxy:21"),
		qrs.WithProxy("http://leakuser:" + proxyPass + "@proxy:99999"),
		qrs.WithProxy("http://leakuser:" + proxyPass + "@proxy:3128/path"),
		qrs.WithTrustStore("testdata/pki/truststore-keytool.p12", proxyPass, qrs.StoreAuto),
		qrs.WithTrustStore("testdata/pki/nonexistent.p12", proxyPass, qrs.StoreAuto),
	} {
		_, err := qrs.NewClient(srv.URL(), o)
		record(err)
	}
	text := out.String()
	if !strings.Contains(text, "qrs:") || !strings.Contains(text, "level=WARN") {
		t.Fatalf("the capture holds no errors or logs: %q", text)
	}
	checkNoSecret(t, "the errors, logs and printed values", text, headerValue, `leak-user-7731`, proxyPass)
	if os.Getenv("QRS_SHOW_LEAK_CAPTURE") != "" {
		t.Log(text)
	}
}

func TestXrfKeysNeverRepeat(t *testing.T) {
	srv, c := startSite(t, testserver.Config{Site: testserver.Generate(testserver.GenConfig{Seed: 26})})
	for range 300 {
		if _, err := c.ListApps(t.Context(), nil); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for _, r := range qrsRequests(srv) {
		k := r.Header.Get("X-Qlik-Xrfkey")
		if seen[k] {
			t.Fatalf("xrfkey %q repeated", k)
		}
		seen[k] = true
	}
	if len(seen) != 300 {
		t.Errorf("%d keys, want 300", len(seen))
	}
}

// TestListingIsStreamed reads a listing several times larger than the heap
// it may use: a client that held the body, or every item, would fail.
func TestListingIsStreamed(t *testing.T) {
	if testing.Short() {
		t.Skip("reads a 45 MB listing")
	}
	site := testserver.Generate(testserver.GenConfig{Seed: 27, Apps: 300, Sheets: 30000})
	srv, c := startSite(t, testserver.Config{Site: site})
	runtime.GC()
	var ms runtime.MemStats
	var peak uint64
	n := 0
	for _, err := range c.Visualizations(t.Context(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n%500 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	var body int64
	for _, r := range srv.Requests() {
		if r.Path == "/qrs/app/object/full" {
			body = r.BytesWritten
		}
	}
	if n != 30000 || body < 30<<20 {
		t.Fatalf("%d items in %d bytes: the site is not as large as the test needs", n, body)
	}
	if peak > uint64(body)/3 {
		t.Errorf("heap peaked at %d MB for a %d MB listing: it is not streamed", peak>>20, body>>20)
	}
	t.Logf("heap peak %d MB for a %d MB listing", peak>>20, body>>20)
}

func TestRetriesDoNotTripIdleTimeout(t *testing.T) {
	// Three retries 120ms apart take longer than the idle timeout; each
	// attempt restarts it, since waiting to retry is not a silent server.
	srv, c := startSite(t, testserver.Config{}, qrs.WithIdleTimeout(200*time.Millisecond),
		qrs.WithRetries(3), qrs.WithRetryBackoff(120*time.Millisecond, 120*time.Millisecond))
	srv.AddFault(testserver.Fault{Status: 503, Times: 3})
	if _, err := c.ListApps(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
}
