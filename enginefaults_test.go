package qrs_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/testserver"
)

// The Engine's faults in a catalog: an app the Engine refuses, a socket
// that falls silent or is dropped, a session the proxy forgets, a loop
// broken or cancelled. One app's failure is one entry-level error and the
// rest goes on; nothing hangs past the call timeout; no socket and no
// goroutine outlives the loop.

// chartApps returns the apps whose charts came, in order.
func chartApps(r catalogRun) []string {
	var out []string
	for _, e := range r.ofKind(qrs.EntryChart) {
		if len(out) == 0 || out[len(out)-1] != e.Chart.AppID {
			out = append(out, e.Chart.AppID)
		}
	}
	return out
}

// demoChartApps are the demo's apps with sheets, in listing order.
var demoChartApps = []string{demoSales, demoFinance, demoCustomer, demoSupply, demoPricing, demoKunden}

func TestEngineAccessDenied(t *testing.T) {
	// Supply Chain's lineage refused too: two apps without the reload
	// right, each one error; everything else comes.
	_, c := startDemo(t, testserver.Config{Engine: testserver.EngineConfig{DenyLineage: []string{demoSupply}}})
	r := mustCatalog(t, c, &qrs.CatalogOptions{Kinds: engineKinds, Engine: allEngine()})
	var denied []string
	for _, ee := range r.skipped {
		if errors.Is(ee, qrs.ErrForbidden) {
			denied = append(denied, ee.Key)
			var e *qrs.EngineError
			if !errors.Is(ee, qrs.ErrNoLineage) || !errors.As(ee, &e) || e.Method != "GetLineage" || e.Code != 5 || ee.Kind != qrs.EntryApp {
				t.Errorf("%v: want ErrNoLineage, an EngineError of GetLineage, code 5, naming the app", ee)
			}
			if !strings.Contains(ee.Error(), "reload right") {
				t.Errorf("%v does not say what is missing", ee)
			}
		}
	}
	if want := []string{"test/app:" + demoSupply, "test/app:" + demoPricing}; !slices.Equal(denied, want) {
		t.Errorf("denied %q, want %q", denied, want)
	}
	if got := chartApps(r); !slices.Equal(got, demoChartApps) {
		t.Errorf("charts of %q, want %q: a denied lineage takes nothing else", got, demoChartApps)
	}
	for _, e := range r.ofKind(qrs.EntryLineage) {
		if e.Lineage.AppID == demoSupply || e.Lineage.AppID == demoPricing {
			t.Errorf("an edge of an app without the reload right: %s", e.Key)
		}
	}
	if n := len(r.ofKind(qrs.EntryLineage)); n != len(demoGraph)-5 {
		t.Errorf("%d edges, want %d (the demo's less Supply Chain's 5)", n, len(demoGraph)-5)
	}
}

// TestEngineSilentAndDrop: a socket that stops answering (as a dead Engine
// behind a live proxy does) and one the server resets mid-call fail their
// app within the call timeout; the other apps come whole.
func TestEngineSilentAndDrop(t *testing.T) {
	srv, c := startDemo(t, testserver.Config{})
	srv.AddEngineFault(testserver.EngineFault{AppID: demoCustomer, Method: "GetLayout", After: 4, Silent: true})
	srv.AddEngineFault(testserver.EngineFault{AppID: demoSupply, Method: "GetLineage", Drop: true})
	const timeout = 400 * time.Millisecond
	e := allEngine()
	e.CallTimeout, e.Concurrency = timeout, 4
	start := time.Now()
	r := mustCatalog(t, c, &qrs.CatalogOptions{Kinds: engineKinds, Engine: e})
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the catalog took %v with a call timeout of %v", took, timeout)
	}
	failed := map[string]error{}
	for _, ee := range r.skipped {
		if !errors.Is(ee, qrs.ErrNoLineage) {
			failed[ee.Key] = ee
		}
	}
	silent, dropped := failed["test/app:"+demoCustomer], failed["test/app:"+demoSupply]
	if len(failed) != 2 || !errors.Is(silent, context.DeadlineExceeded) || !strings.Contains(silent.Error(), "no answer") {
		t.Errorf("failures %v; want Customer 360's, matching context.DeadlineExceeded", failed)
	}
	if dropped == nil || errors.Is(dropped, context.DeadlineExceeded) || !strings.Contains(dropped.Error(), "connection lost") {
		t.Errorf("Supply Chain's failure %v, want the connection lost", dropped)
	}
	want := slices.DeleteFunc(slices.Clone(demoChartApps), func(a string) bool { return a == demoCustomer || a == demoSupply })
	if got := chartApps(r); !slices.Equal(got, want) {
		t.Errorf("charts of %q, want %q", got, want)
	}
	awaitSocketsClosed(t, srv)
	waitGoroutines(t)
}

// TestEngineBreak breaks out of the loop at entries all along a catalog
// with its Engine part, and cancels it at some, with apps in flight
// (their answers held back): every socket is closed and no goroutine of
// the library is left when the loop has ended.
func TestEngineBreak(t *testing.T) {
	srv, c := startDemo(t, testserver.Config{})
	opts := &qrs.CatalogOptions{Engine: allEngine()}
	opts.Engine.Concurrency = 4
	total := len(mustCatalog(t, c, opts).entries)
	first := -1 // the first Engine entry
	for i, e := range mustCatalog(t, c, opts).entries {
		if slices.Contains(engineKinds, e.Kind) && first < 0 {
			first = i
		}
	}
	for _, stop := range []int{first, first + 1, first + 9, first + 40, total - 3} {
		srv.AddEngineFault(testserver.EngineFault{Method: "GetLineage", Delay: 100 * time.Millisecond, Times: 8})
		breakAt(t, c, opts, stop)
		waitGoroutines(t)
		awaitSocketsClosed(t, srv)
	}
	for _, stop := range []int{first, first + 20} {
		srv.AddEngineFault(testserver.EngineFault{Method: "OpenDoc", Delay: 100 * time.Millisecond, Times: 8})
		ctx, cancel := context.WithCancel(t.Context())
		n := 0
		var last error
		for _, err := range c.Catalog(ctx, opts) {
			if n == stop {
				cancel()
			}
			n++
			last = err
		}
		cancel()
		if last != context.Canceled {
			t.Errorf("cancelled at %d: the loop ended with %v, want context.Canceled itself", stop, last)
		}
		waitGoroutines(t)
		awaitSocketsClosed(t, srv)
	}
}

// TestEngineSessionRenewed: the proxy forgets the session between two
// apps; the next upgrade is refused as a stale session, which the Client
// replaces once, and the catalog goes on.
func TestEngineSessionRenewed(t *testing.T) {
	srv, c := startDemo(t, testserver.Config{})
	opts := &qrs.CatalogOptions{Kinds: engineKinds, Engine: allEngine()}
	opts.Engine.Concurrency = 1 // the next app opens only when the loop asks
	expired := false
	var r catalogRun
	for e, err := range c.Catalog(t.Context(), opts) {
		switch {
		case errors.As(err, new(*qrs.EntryError)):
			continue
		case err != nil:
			t.Fatal(err)
		}
		if !expired {
			srv.ExpireSessions()
			expired = true
		}
		r.entries = append(r.entries, e)
	}
	if got := chartApps(r); !slices.Equal(got, demoChartApps) {
		t.Errorf("charts of %q, want %q", got, demoChartApps)
	}
	st := awaitSocketsClosed(t, srv)
	if srv.Sessions() != 2 || st.Refused[http.StatusInternalServerError] != 1 || srv.Count("/qps/csrftoken") != 2 {
		t.Errorf("%d sessions, refused %v, %d token requests; want 2, one 500, 2", srv.Sessions(), st.Refused, srv.Count("/qps/csrftoken"))
	}
}

// TestEngineRefusedUpgrade: a proxy that refuses WebSockets refuses them
// all: the catalog ends with its answer, it does not fail every app.
func TestEngineRefusedUpgrade(t *testing.T) {
	srv, c := startDemo(t, testserver.Config{})
	srv.AddFault(testserver.Fault{Path: "/app/" + demoSales, Status: http.StatusForbidden, Times: 2})
	r := runCatalog(t.Context(), c, &qrs.CatalogOptions{Kinds: []qrs.EntryKind{qrs.EntryLineage}, Engine: &qrs.EngineOptions{Lineage: true}})
	var ee *qrs.EngineError
	if !errors.As(r.err, &ee) || ee.StatusCode != http.StatusForbidden || !errors.Is(r.err, qrs.ErrForbidden) || len(r.entries) != 0 {
		t.Fatalf("%d entries, then %v; want the 403 of the upgrade", len(r.entries), r.err)
	}
	if errors.As(r.err, new(*qrs.EntryError)) {
		t.Errorf("the end is an entry-level error: %v", r.err)
	}
	// A refused token is asked again once: the second 403 is the end.
	if n := srv.Count("/qps/csrftoken"); n != 2 {
		t.Errorf("%d token requests, want 2", n)
	}
}

// TestEngineTokenTimeout: a token request that gets no answer fails its
// app within the call timeout; the next app asks again and the catalog
// goes on.
func TestEngineTokenTimeout(t *testing.T) {
	srv, c := startDemo(t, testserver.Config{})
	srv.AddFault(testserver.Fault{Path: "/qps/csrftoken", Delay: 5 * time.Second})
	opts := &qrs.CatalogOptions{Kinds: []qrs.EntryKind{qrs.EntryLineage}, Engine: &qrs.EngineOptions{Lineage: true, Concurrency: 1, CallTimeout: 300 * time.Millisecond}}
	start := time.Now()
	r := mustCatalog(t, c, opts)
	if took := time.Since(start); took > 4*time.Second {
		t.Errorf("the catalog took %v", took)
	}
	var failed []*qrs.EntryError
	for _, ee := range r.skipped {
		if !errors.Is(ee, qrs.ErrNoLineage) {
			failed = append(failed, ee)
		}
	}
	if len(failed) != 1 || failed[0].Key != "test/app:"+demoSales || !errors.Is(failed[0], context.DeadlineExceeded) || !strings.Contains(failed[0].Error(), "CSRF token") {
		t.Errorf("failures %v; want the first app's, its token request timed out", failed)
	}
	if n := len(r.entries); n != len(demoGraph)-4 {
		t.Errorf("%d edges, want the demo's less Sales Overview's 4", n)
	}
}

// TestEngineDirectUnreachable: an Engine port that nobody listens on fails
// every app the same way: the catalog ends, naming the address it tried.
func TestEngineDirectUnreachable(t *testing.T) {
	srv, cert := startDemoRepository(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	c, err := qrs.NewClient(srv.URL(), qrs.WithClientCertificate(cert), qrs.WithUser("INTERNAL", "sa_repository"), qrs.WithEnginePort(port),
		qrs.WithTrustStore("testdata/pki/truststore-keytool.p12", "changeit", qrs.StoreAuto), qrs.WithConnectionCode("test"))
	if err != nil {
		t.Fatal(err)
	}
	r := runCatalog(t.Context(), c, lineageOnly)
	t.Log(r.err)
	if r.err == nil || errors.As(r.err, new(*qrs.EntryError)) || len(r.entries) != 0 || len(r.skipped) != 0 ||
		!strings.Contains(r.err.Error(), fmt.Sprintf("wss://127.0.0.1:%d/app/", port)) || !strings.Contains(r.err.Error(), "refused") {
		t.Fatalf("%d entries, %d skipped, then %v; want the end, naming the Engine's address", len(r.entries), len(r.skipped), r.err)
	}
}
