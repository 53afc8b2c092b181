package testserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// faultSite is big enough that its /qrs/app/object/full body spans many
// writes.
func faultSite() Site { return Generate(GenConfig{Seed: 9, Apps: 20, Sheets: 400}) }

func forBothSchemes(t *testing.T, fn func(t *testing.T, plain bool)) {
	for _, plain := range []bool{false, true} {
		t.Run(fmt.Sprintf("plain=%v", plain), func(t *testing.T) { fn(t, plain) })
	}
}

func TestFaultStatus(t *testing.T) {
	forBothSchemes(t, func(t *testing.T, plain bool) {
		s := start(t, Config{PlainHTTP: plain, Prefix: "hdr", Header: "hdr-usr", Site: faultSite()})
		s.AddFault(Fault{Path: "/qrs/app/full", Times: 2, Status: 503, Body: "One or more errors occurred.", Header: http.Header{"Retry-After": {"1"}}})
		c := client(s)
		auth := `hdr-usr: CORP\anna`
		// Another path is not affected and does not use the fault up.
		if r := call(t, c, "GET", qrsURL(s, "/qrs/about"), auth, xrfHeader); r.status != 200 {
			t.Fatalf("about: %d", r.status)
		}
		for i := 0; i < 2; i++ {
			r := call(t, c, "GET", qrsURL(s, "/qrs/app/full"), auth, xrfHeader)
			if r.status != 503 || r.body != "One or more errors occurred." || r.header.Get("Retry-After") != "1" {
				t.Fatalf("try %d: %d %q Retry-After %q", i, r.status, r.body, r.header.Get("Retry-After"))
			}
		}
		if r := call(t, c, "GET", qrsURL(s, "/qrs/app/full"), auth, xrfHeader); r.status != 200 {
			t.Fatalf("after the fault: %d", r.status)
		}
		// A canned answer skips authentication: no session was made for it.
		if n := s.Sessions(); n != 2 {
			t.Errorf("Sessions() = %d, want 2", n)
		}
		if r1, r3 := logged(t, s, 1), logged(t, s, 3); !r1.Fault || r1.Status != 503 || r3.Fault {
			t.Errorf("log: fault=%v status=%d, then fault=%v", r1.Fault, r1.Status, r3.Fault)
		}
	})
}

func TestFaultShorthands(t *testing.T) {
	s := start(t, Config{Prefix: "hdr", Header: "hdr-usr", AuthFailure: AuthHTML200})
	c := client(s)
	s.AddFault(Fault{AuthError500: true})
	s.AddFault(Fault{Login: true})
	s.AddFault(Fault{Status: 302, Header: http.Header{"Location": {"https://idp.example.com/login"}}})
	r := call(t, c, "GET", qrsURL(s, "/qrs/about"), `hdr-usr: CORP\anna`, xrfHeader)
	if r.status != 500 || r.body != AuthErrorBody {
		t.Errorf("AuthError500: %d %q", r.status, r.body)
	}
	r = call(t, c, "GET", qrsURL(s, "/qrs/about"), `hdr-usr: CORP\anna`, xrfHeader)
	if r.status != 200 || !strings.Contains(r.body, "<form") {
		t.Errorf("Login: %d %q", r.status, r.body)
	}
	r = call(t, c, "GET", qrsURL(s, "/qrs/about"), `hdr-usr: CORP\anna`, xrfHeader)
	if r.status != 302 || r.header.Get("Location") != "https://idp.example.com/login" {
		t.Errorf("redirect: %d %q", r.status, r.header.Get("Location"))
	}
	s.AddFault(Fault{Status: 500})
	s.ClearFaults()
	if r := call(t, c, "GET", qrsURL(s, "/qrs/about"), `hdr-usr: CORP\anna`, xrfHeader); r.status != 200 {
		t.Errorf("after ClearFaults: %d", r.status)
	}
}

func TestFaultResetBeforeResponse(t *testing.T) {
	forBothSchemes(t, func(t *testing.T, plain bool) {
		s := start(t, Config{PlainHTTP: plain, Site: faultSite()})
		s.AddFault(Fault{ResetBeforeResponse: true})
		c := client(s)
		c.Transport.(*http.Transport).DisableKeepAlives = true
		_, err := c.Get(qrsURL(s, "/qrs/about"))
		if err == nil {
			t.Fatalf("got an answer, want a connection error")
		}
		if got := logged(t, s, 0).Status; got != 0 {
			t.Errorf("logged status %d, want 0", got)
		}
		// The next request is served.
		if r := call(t, c, "GET", qrsURL(s, "/qrs/about"), xrfHeader); r.status != 200 {
			t.Errorf("next: %d", r.status)
		}
	})
}

func TestFaultResetAfterBytes(t *testing.T) {
	forBothSchemes(t, func(t *testing.T, plain bool) {
		s := start(t, Config{PlainHTTP: plain, Site: faultSite()})
		s.AddFault(Fault{Path: "/qrs/app/object/full", ResetAfterBytes: 100000})
		r := call(t, client(s), "GET", qrsURL(s, "/qrs/app/object/full"), xrfHeader)
		if r.status != 200 {
			t.Fatalf("status %d", r.status)
		}
		if r.err == nil {
			t.Fatalf("body read ended without error after %d bytes", len(r.body))
		}
		if len(r.body) != 100000 {
			t.Errorf("read %d bytes before the reset, want 100000", len(r.body))
		}
		if got := logged(t, s, 0).BytesWritten; got != 100000 {
			t.Errorf("logged %d bytes", got)
		}
	})
}

func TestFaultResetAfterHeaders(t *testing.T) {
	s := start(t, Config{Site: faultSite()})
	s.AddFault(Fault{ResetAfterHeaders: true})
	r := call(t, client(s), "GET", qrsURL(s, "/qrs/app/full"), xrfHeader)
	if r.status != 200 || r.err == nil || r.body != "" {
		t.Errorf("got %d, %d bytes, err %v; want 200, nothing, an error", r.status, len(r.body), r.err)
	}
}

func TestFaultTruncate(t *testing.T) {
	forBothSchemes(t, func(t *testing.T, plain bool) {
		s := start(t, Config{PlainHTTP: plain, Site: faultSite()})
		s.AddFault(Fault{TruncateAfterBytes: 5000})
		r := call(t, client(s), "GET", qrsURL(s, "/qrs/app/object/full"), xrfHeader)
		if r.status != 200 || r.err != nil {
			t.Fatalf("status %d, body error %v: want a clean end", r.status, r.err)
		}
		if len(r.body) != 5000 {
			t.Errorf("got %d bytes, want 5000", len(r.body))
		}
		var v any
		if err := json.Unmarshal([]byte(r.body), &v); err == nil {
			t.Errorf("truncated body decoded as JSON")
		}
		if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
	})
}

func TestFaultStall(t *testing.T) {
	forBothSchemes(t, func(t *testing.T, plain bool) {
		s := start(t, Config{PlainHTTP: plain, Site: faultSite()})
		s.AddFault(Fault{StallAfterBytes: 1000, Stall: 300 * time.Millisecond})
		begin := time.Now()
		r := call(t, client(s), "GET", qrsURL(s, "/qrs/app/object/full"), xrfHeader)
		if d := time.Since(begin); d < 300*time.Millisecond {
			t.Errorf("took %v, want at least the stall", d)
		}
		if r.status != 200 || r.err != nil {
			t.Fatalf("%d %v", r.status, r.err)
		}
		var v []any
		if err := json.Unmarshal([]byte(r.body), &v); err != nil || len(v) == 0 {
			t.Errorf("after the stall the body is incomplete: %v", err)
		}
	})
}

func TestFaultStallEndsWithClient(t *testing.T) {
	s := start(t, Config{Site: faultSite()})
	s.AddFault(Fault{Stall: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", qrsURL(s, "/qrs/app/full"), nil)
	req.Header.Set("X-Qlik-Xrfkey", testKey)
	resp, err := client(s).Do(req)
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want the client's deadline", err)
	}
	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end a stalled answer")
	}
}

func TestFaultCloseEndsStall(t *testing.T) {
	s := start(t, Config{Site: faultSite()})
	s.AddFault(Fault{StallAfterBytes: 10, Stall: time.Hour})
	got := make(chan error, 1)
	go func() {
		resp, err := client(s).Get(qrsURL(s, "/qrs/about") + "&" + "x=1")
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		got <- err
	}()
	time.Sleep(100 * time.Millisecond)
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end a stall")
	}
	if err := <-got; err == nil {
		t.Errorf("the stalled body ended without error")
	}
}

func TestFaultDelay(t *testing.T) {
	s := start(t, Config{})
	s.AddFault(Fault{Delay: 200 * time.Millisecond})
	begin := time.Now()
	if r := call(t, client(s), "GET", qrsURL(s, "/qrs/about"), xrfHeader); r.status != 200 {
		t.Fatalf("%d", r.status)
	}
	if d := time.Since(begin); d < 200*time.Millisecond {
		t.Errorf("answered after %v, want at least 200ms", d)
	}
}

func TestFaultBytesPerSecond(t *testing.T) {
	forBothSchemes(t, func(t *testing.T, plain bool) {
		s := start(t, Config{PlainHTTP: plain, Site: DemoSite()})
		s.AddFault(Fault{BytesPerSecond: 100000})
		begin := time.Now()
		r := call(t, client(s), "GET", qrsURL(s, "/qrs/app/object/full"), xrfHeader)
		d := time.Since(begin)
		if r.status != 200 || r.err != nil {
			t.Fatalf("%d %v", r.status, r.err)
		}
		want := time.Duration(float64(len(r.body)) / 100000 * float64(time.Second))
		if d < want*8/10 {
			t.Errorf("%d bytes in %v; at 100 kB/s that takes %v", len(r.body), d, want)
		}
		var v []any
		if err := json.Unmarshal([]byte(r.body), &v); err != nil || len(v) != 32 {
			t.Errorf("paced body: %d items, %v", len(v), err)
		}
	})
}

func TestFaultOnCannedAnswer(t *testing.T) {
	// Byte-level options apply to canned answers too: an HTML page cut short.
	s := start(t, Config{})
	s.AddFault(Fault{Status: 200, ContentType: "text/html", Body: "<html><body>Qlik Sense login</body></html>", TruncateAfterBytes: 12})
	r := call(t, client(s), "GET", qrsURL(s, "/qrs/about"), xrfHeader)
	if r.status != 200 || r.body != "<html><body>" || r.header.Get("Content-Type") != "text/html" {
		t.Errorf("got %d %q %q", r.status, r.body, r.header.Get("Content-Type"))
	}
}
