package engine_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/qrskit/qrs/internal/engine"
	"github.com/qrskit/qrs/internal/testserver"
)

func TestCSRFRequired(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testserver.Config{})
	hc := httpClient(t, roots(t), "")
	tok, h := session(t, srv, hc)
	if tok == "" {
		t.Fatal("CSRFToken gave no token where the server requires one")
	}

	refused := func(name, token string, extra http.Header) {
		t.Helper()
		hh := h.Clone()
		for k, vs := range extra {
			hh[k] = vs
		}
		_, err := dialErr(t, srv, hc, appSales, token, hh, engine.Options{})
		var he *engine.HandshakeError
		if !errors.As(err, &he) || he.StatusCode != http.StatusForbidden {
			t.Errorf("%s: got %v, want a 403 HandshakeError", name, err)
		}
		if err != nil && strings.Contains(err.Error(), tok) {
			t.Errorf("%s: the error shows the token: %v", name, err)
		}
	}
	refused("no token", "", nil)
	refused("token in a header only", "", http.Header{"Qlik-Csrf-Token": {tok}})
	refused("wrong token", tok+"x", nil)

	c := dial(t, srv, hc, appSales, tok, h, engine.Options{})
	if _, err := c.OpenDoc(testContext(t), appSales, true); err != nil {
		t.Fatalf("OpenDoc with the token: %v", err)
	}
	if got := c.SessionState(); got != "SESSION_CREATED" {
		t.Errorf("SessionState = %q, want SESSION_CREATED", got)
	}
	st := srv.EngineStats()
	if st.Refused[http.StatusForbidden] != 3 || st.SocketsOpened != 1 {
		t.Errorf("stats: %d refused with 403, %d sockets; want 3 and 1", st.Refused[http.StatusForbidden], st.SocketsOpened)
	}
}

func TestCSRFAbsentOlderRelease(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testserver.Config{Engine: testserver.EngineConfig{NoCSRF: true}})
	hc := httpClient(t, roots(t), "")
	// The token endpoint is missing, so the session comes from the first
	// request that authenticates: here a QRS call.
	tok, cookies, err := engine.CSRFToken(testContext(t), hc, srv.URL(), http.Header{authHeader: {user}})
	if err != nil || tok != "" {
		t.Fatalf("CSRFToken on an older release = %q, %v; want no token and no error", tok, err)
	}
	if len(cookies) != 0 {
		t.Errorf("a 404 set cookies: %v", cookies)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/qrs/about?xrfkey=0123456789abcdef", nil)
	req.Header.Set("X-Qlik-Xrfkey", "0123456789abcdef")
	req.Header.Set(authHeader, user)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	h := http.Header{}
	for _, ck := range resp.Cookies() {
		h.Add("Cookie", ck.Name+"="+ck.Value)
	}
	c := dial(t, srv, hc, appFinance, "", h, engine.Options{})
	if _, err := c.OpenDoc(testContext(t), appFinance, true); err != nil {
		t.Fatalf("OpenDoc without a token on an older release: %v", err)
	}
}

// TestOneSessionForManySockets opens more sockets than the proxy's cap of
// five sessions per user allows: they all share the token request's
// session.
func TestOneSessionForManySockets(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testserver.Config{})
	hc := httpClient(t, roots(t), "")
	tok, h := session(t, srv, hc)
	apps := []string{appSales, appFinance, appCustomer, appSupply, appOps, appPricing, appKunden, appCockpit}
	var wg sync.WaitGroup
	errs := make(chan error, len(apps))
	for _, app := range apps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := dialErr(t, srv, hc, app, tok, h, engine.Options{})
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			if _, err := c.OpenDoc(testContext(t), app, true); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := srv.Sessions(); got != 1 {
		t.Errorf("sessions = %d after %d sockets, want 1", got, len(apps))
	}
	eventually(t, "every socket closed", func() bool {
		st := srv.EngineStats()
		return st.SocketsOpened == len(apps) && st.SocketsClosed == len(apps)
	})
	if st := srv.EngineStats(); st.Apps[appSales] != 1 || st.Calls["Global.OpenDoc"] != len(apps) || st.OpenedNoData != len(apps) || st.OpenedWithData != 0 {
		t.Errorf("stats: %+v", st)
	}
}

func TestUpgradeNeedsTheSession(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		failure  testserver.AuthFailure
		header   http.Header
		expire   bool
		status   int
		location bool
	}{
		{"no cookie, redirect", testserver.AuthRedirect, http.Header{}, false, http.StatusFound, true},
		{"no cookie, 401", testserver.Auth401, http.Header{}, false, http.StatusUnauthorized, false},
		{"header but no cookie", testserver.Auth401, http.Header{authHeader: {user}}, false, http.StatusUnauthorized, false},
		{"stale cookie", testserver.AuthRedirect, nil, true, http.StatusInternalServerError, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, testserver.Config{AuthFailure: tc.failure})
			hc := httpClient(t, roots(t), "")
			tok, h := session(t, srv, hc)
			if tc.header != nil {
				h = tc.header
			}
			if tc.expire {
				srv.ExpireSessions()
			}
			_, err := dialErr(t, srv, hc, appSales, tok, h, engine.Options{})
			var he *engine.HandshakeError
			if !errors.As(err, &he) || he.StatusCode != tc.status {
				t.Fatalf("got %v, want HTTP %d", err, tc.status)
			}
			if tc.location != (he.Location != "") {
				t.Errorf("Location = %q", he.Location)
			}
			if strings.Contains(he.Location, "?") {
				t.Errorf("the error keeps the Location's query: %q", he.Location)
			}
			if got := srv.Sessions(); got != 1 {
				t.Errorf("sessions = %d, want 1: an upgrade must never open one", got)
			}
		})
	}
}

func TestBearerOnUpgrade(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testserver.Config{})
	hc := httpClient(t, roots(t), "")
	tok, h := session(t, srv, hc)
	h.Set("Authorization", "Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln")

	// The client refuses to send it at all.
	srv.ResetLog()
	_, err := dialErr(t, srv, hc, appSales, tok, h, engine.Options{})
	if err == nil || !strings.Contains(err.Error(), "Bearer") {
		t.Fatalf("Dial with a Bearer header: %v, want a refusal", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("the refused dial sent %d requests", n)
	}
	if strings.Contains(err.Error(), "eyJ") {
		t.Errorf("the error shows the token: %v", err)
	}

	// The server refuses it as the proxy does.
	u, _ := engine.AppURL(srv.URL(), appSales, tok)
	ws, resp, err := websocket.Dial(testContext(t), u, &websocket.DialOptions{HTTPClient: hc, HTTPHeader: h})
	if err == nil {
		ws.CloseNow()
		t.Fatal("the server upgraded a socket carrying a Bearer token")
	}
	if resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("got %v, want 403", err)
	}
	var body [200]byte
	n, _ := resp.Body.Read(body[:])
	if !strings.Contains(string(body[:n]), "Cross-Site Websocket Hijacking attack prevention check failed") {
		t.Errorf("body %q", body[:n])
	}
}

// TestDirectEngine is port 4747: the client certificate and X-Qlik-User,
// no proxy, no token.
func TestDirectEngine(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testserver.Config{ClientCert: true})
	cert, err := srv.IssueClientCertificate("QlikClient")
	if err != nil {
		t.Fatal(err)
	}
	hc := httpClient(t, srv.CACertPool(), "", cert)
	tok, _, err := engine.CSRFToken(testContext(t), hc, srv.URL(), http.Header{"X-Qlik-User": {"UserDirectory=INTERNAL; UserId=sa_engine"}})
	if err != nil || tok != "" {
		t.Fatalf("CSRFToken on 4747 = %q, %v; want none", tok, err)
	}
	_, err = dialErr(t, srv, hc, appSupply, "", http.Header{}, engine.Options{})
	var he *engine.HandshakeError
	if !errors.As(err, &he) || he.StatusCode != http.StatusUnauthorized {
		t.Fatalf("without X-Qlik-User: %v, want 401", err)
	}
	c := dial(t, srv, hc, appSupply, "", http.Header{"X-Qlik-User": {"UserDirectory=INTERNAL; UserId=sa_engine"}}, engine.Options{})
	doc, err := c.OpenDoc(testContext(t), appSupply, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetLineage(testContext(t), doc); err != nil {
		t.Fatal(err)
	}
}

func TestSilentSocketFailsWithinTheDeadline(t *testing.T) {
	t.Parallel()
	const timeout = 500 * time.Millisecond
	srv := startServer(t, testserver.Config{})
	srv.AddEngineFault(testserver.EngineFault{AppID: appSales, Method: "GetLineage", Silent: true})
	hc := httpClient(t, roots(t), "")
	tok, h := session(t, srv, hc)
	c := dial(t, srv, hc, appSales, tok, h, engine.Options{CallTimeout: timeout})
	ctx := testContext(t)
	doc, err := c.OpenDoc(ctx, appSales, true)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = c.GetLineage(ctx, doc)
	took := time.Since(start)
	if !errors.Is(err, engine.ErrTimeout) {
		t.Fatalf("GetLineage on a silent socket: %v, want ErrTimeout", err)
	}
	if took < timeout || took > timeout+5*time.Second {
		t.Errorf("failed after %v, want just over %v", took, timeout)
	}
	// The connection is done for: the next call fails at once.
	start = time.Now()
	if _, err := c.GetAllInfos(ctx, doc); !errors.Is(err, engine.ErrTimeout) || time.Since(start) > time.Second {
		t.Errorf("call after the timeout: %v after %v", err, time.Since(start))
	}
	select {
	case <-c.Done():
	default:
		t.Error("Done is not closed after a timeout")
	}
	eventually(t, "the server's socket closed", func() bool { return srv.EngineStats().SocketsClosed == 1 })
}

func TestDropFailsPendingCalls(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testserver.Config{})
	// GetAllInfos is held back, then GetLineage resets the connection.
	srv.AddEngineFault(testserver.EngineFault{AppID: appFinance, Method: "GetAllInfos", Delay: time.Hour})
	srv.AddEngineFault(testserver.EngineFault{AppID: appFinance, Method: "GetLineage", Drop: true})
	hc := httpClient(t, roots(t), "")
	tok, h := session(t, srv, hc)
	c := dial(t, srv, hc, appFinance, tok, h, engine.Options{CallTimeout: time.Minute})
	ctx := testContext(t)
	doc, err := c.OpenDoc(ctx, appFinance, true)
	if err != nil {
		t.Fatal(err)
	}
	held := make(chan error, 1)
	go func() {
		_, err := c.GetAllInfos(ctx, doc)
		held <- err
	}()
	eventually(t, "the held call reached the server", func() bool { return srv.EngineStats().Calls["Doc.GetAllInfos"] == 1 })
	start := time.Now()
	if _, err := c.GetLineage(ctx, doc); !errors.Is(err, engine.ErrConnectionLost) {
		t.Errorf("the dropped call: %v, want ErrConnectionLost", err)
	}
	if err := <-held; !errors.Is(err, engine.ErrConnectionLost) {
		t.Errorf("the pending call: %v, want ErrConnectionLost", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the drop took %v to fail the calls (the deadline was a minute)", took)
	}
	if _, err := c.GetAllInfos(ctx, doc); !errors.Is(err, engine.ErrConnectionLost) {
		t.Errorf("a call after the drop: %v", err)
	}
}

// TestAnswersOutOfOrder holds one answer back: the next call's answer
// comes first and each goes to its own call.
func TestAnswersOutOfOrder(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testserver.Config{})
	srv.AddEngineFault(testserver.EngineFault{AppID: appCustomer, Method: "GetLineage", Delay: 300 * time.Millisecond})
	hc := httpClient(t, roots(t), "")
	tok, h := session(t, srv, hc)
	c := dial(t, srv, hc, appCustomer, tok, h, engine.Options{})
	ctx := testContext(t)
	doc, err := c.OpenDoc(ctx, appCustomer, true)
	if err != nil {
		t.Fatal(err)
	}
	var lineage []engine.Lineage
	var lerr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		lineage, lerr = c.GetLineage(ctx, doc)
	}()
	eventually(t, "GetLineage reached the server", func() bool { return srv.EngineStats().Calls["Doc.GetLineage"] == 1 })
	infos, err := c.GetAllInfos(ctx, doc)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
		t.Error("GetLineage was answered before GetAllInfos although its answer was held back")
	default:
	}
	<-done
	if lerr != nil || len(lineage) != 4 || len(infos) == 0 {
		t.Fatalf("lineage %d rows (%v), %d infos", len(lineage), lerr, len(infos))
	}
	if lineage[0].Discriminator != "[lib://Data/Sales/orders.qvd](qvd)" {
		t.Errorf("lineage[0] = %+v", lineage[0])
	}
}

func TestMessageLimit(t *testing.T) {
	t.Parallel()
	_, c, doc := openDemo(t, appSales, engine.Options{MaxMessageBytes: 800})
	_, err := c.GetLineage(testContext(t), doc)
	if !errors.Is(err, engine.ErrConnectionLost) || !strings.Contains(err.Error(), "over 800 bytes") {
		t.Fatalf("a 1.3 kB answer with an 800-byte limit: %v", err)
	}
}

func TestCallContext(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testserver.Config{})
	srv.AddEngineFault(testserver.EngineFault{AppID: appSales, Method: "GetLineage", Delay: 2 * time.Second})
	hc := httpClient(t, roots(t), "")
	tok, h := session(t, srv, hc)
	c := dial(t, srv, hc, appSales, tok, h, engine.Options{})
	doc, err := c.OpenDoc(testContext(t), appSales, true)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(testContext(t), 100*time.Millisecond)
	defer cancel()
	if _, err := c.GetLineage(ctx, doc); err != context.DeadlineExceeded {
		t.Fatalf("GetLineage with a 100 ms context: %v, want context.DeadlineExceeded unwrapped", err)
	}
	// The connection stays usable: the late answer is dropped.
	if _, err := c.GetAllInfos(testContext(t), doc); err != nil {
		t.Fatalf("after a cancelled call: %v", err)
	}
}

// TestCloseReleasesEverything closes sockets with calls in flight: the
// calls fail with ErrClosed, the server sees every socket closed, and no
// goroutine is left, the server's included once it is closed.
func TestCloseReleasesEverything(t *testing.T) {
	check := goroutineLeakCheck(t)
	srv := startServer(t, testserver.Config{})
	hc := httpClient(t, roots(t), "")
	tok, h := session(t, srv, hc)
	srv.AddEngineFault(testserver.EngineFault{Method: "GetLineage", Delay: time.Hour, Times: 3})
	var conns []*engine.Conn
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for _, app := range []string{appSales, appFinance, appCustomer} {
		c, err := dialErr(t, srv, hc, app, tok, h, engine.Options{})
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		doc, err := c.OpenDoc(testContext(t), app, true)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.GetLineage(context.Background(), doc)
			errs <- err
		}()
	}
	eventually(t, "three held calls", func() bool { return srv.EngineStats().Calls["Doc.GetLineage"] == 3 })
	for _, c := range conns {
		if err := c.Close(); err != nil {
			t.Error(err)
		}
		c.Close() // idempotent
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if !errors.Is(err, engine.ErrClosed) {
			t.Errorf("a call pending at Close: %v, want ErrClosed", err)
		}
	}
	eventually(t, "the server saw every socket close", func() bool { return srv.EngineStats().SocketsClosed == 3 })
	hc.CloseIdleConnections()
	srv.Close()
	check()
}
