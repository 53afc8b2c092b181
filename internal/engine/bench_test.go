package engine_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qrskit/qrs/internal/engine"
	"github.com/qrskit/qrs/internal/testserver"
)

// BenchmarkGenSite reads every app of a generated site of 1,000 apps as a
// catalog would: a socket per app, OpenDoc without data, the sheets, each
// sheet's layout and its charts' layouts, the master items, the lineage,
// with 1, 4 and 8 apps at once. It reports Engine calls per app, the heap
// in use after the run, and time per app (ns/op is per site).
//
//	go test -run '^$' -bench GenSite -benchtime 1x ./internal/engine/
func BenchmarkGenSite(b *testing.B) {
	const apps = 1000
	site := testserver.Generate(testserver.GenConfig{Seed: 1, Apps: apps, Sheets: 5 * apps})
	for _, workers := range []int{1, 4, 8} {
		b.Run(fmt.Sprintf("concurrency=%d", workers), func(b *testing.B) {
			srv, err := testserver.Start(testserver.Config{Prefix: "hdr", Header: authHeader, Site: site})
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			hc := benchClient(b, srv)
			for i := 0; i < b.N; i++ {
				start := time.Now()
				tok, cookies, err := engine.CSRFToken(context.Background(), hc, srv.URL(), http.Header{authHeader: {user}})
				if err != nil {
					b.Fatal(err)
				}
				h := http.Header{"Cookie": {cookies[0].Name + "=" + cookies[0].Value}}
				var next atomic.Int64
				var wg sync.WaitGroup
				var failed atomic.Value
				for w := 0; w < workers; w++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for {
							a := int(next.Add(1) - 1)
							if a >= apps {
								return
							}
							if err := readApp(srv, hc, site.AppID(a), tok, h); err != nil {
								failed.Store(err)
								return
							}
						}
					}()
				}
				wg.Wait()
				if err, _ := failed.Load().(error); err != nil {
					b.Fatal(err)
				}
				elapsed := time.Since(start)
				st := srv.EngineStats()
				calls := 0
				for _, n := range st.Calls {
					calls += n
				}
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				b.ReportMetric(float64(calls)/float64(apps*(i+1)), "calls/app")
				b.ReportMetric(float64(elapsed.Microseconds())/apps, "µs/app")
				b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "MiB-heap")
				if srv.Sessions() != 1 {
					b.Fatalf("%d sessions", srv.Sessions())
				}
			}
		})
	}
}

// benchClient trusts the server's own CA.
func benchClient(b *testing.B, srv *testserver.Server) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: srv.CACertPool(), MinVersion: tls.VersionTLS12}
	b.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func readApp(srv *testserver.Server, hc *http.Client, app, tok string, h http.Header) error {
	ctx := context.Background()
	u, err := engine.AppURL(srv.URL(), app, tok)
	if err != nil {
		return err
	}
	c, err := engine.Dial(ctx, hc, u, h, engine.Options{})
	if err != nil {
		return err
	}
	defer c.Close()
	doc, err := c.OpenDoc(ctx, app, true)
	if err != nil {
		return err
	}
	sheets, err := c.GetObjects(ctx, doc, "sheet")
	if err != nil {
		return err
	}
	for _, s := range sheets {
		sh, err := c.GetObject(ctx, doc, s.Info.ID)
		if err != nil {
			return err
		}
		l, err := c.GetLayout(ctx, sh)
		if err != nil {
			return err
		}
		for _, cell := range l.Cells {
			ch, err := c.GetChild(ctx, sh, cell.Name)
			if err != nil {
				return err
			}
			if _, err := c.GetLayout(ctx, ch); err != nil {
				return err
			}
		}
	}
	infos, err := c.GetAllInfos(ctx, doc)
	if err != nil {
		return err
	}
	for _, in := range infos {
		switch in.Type {
		case "dimension":
			h, err := c.GetDimension(ctx, doc, in.ID)
			if err == nil {
				_, err = c.GetProperties(ctx, h)
			}
			if err != nil {
				return err
			}
		case "measure":
			h, err := c.GetMeasure(ctx, doc, in.ID)
			if err == nil {
				_, err = c.GetProperties(ctx, h)
			}
			if err != nil {
				return err
			}
		}
	}
	_, err = c.GetLineage(ctx, doc)
	var e *engine.Error
	if err != nil && !(errors.As(err, &e) && e.Code == engine.CodeAccessDenied) {
		return err
	}
	return nil
}
