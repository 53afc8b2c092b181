package qrs_test

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"testing"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/testserver"
)

// benchSizes are the site sizes of the benchmarks: sheets, with one app per
// hundred sheets. QRS_BENCH_SHEETS adds one (e.g. 1000000).
func benchSizes() []int {
	sizes := []int{10_000, 100_000}
	if s := os.Getenv("QRS_BENCH_SHEETS"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			sizes = append(sizes, n)
		}
	}
	return sizes
}

func benchSite(b *testing.B, sheets int) (*testserver.Server, *qrs.Client) {
	site := testserver.Generate(testserver.GenConfig{Seed: 1, Apps: max(sheets/100, 1), Sheets: sheets})
	return startSite(b, testserver.Config{Site: site})
}

// BenchmarkVisualizations is a whole inventory: apps, then every sheet
// decoded and joined, on loopback over TLS.
func BenchmarkVisualizations(b *testing.B) {
	for _, n := range benchSizes() {
		b.Run(fmt.Sprintf("sheets=%d", n), func(b *testing.B) {
			srv, c := benchSite(b, n)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				count := 0
				for _, err := range c.Visualizations(b.Context(), nil) {
					if err != nil {
						b.Fatal(err)
					}
					count++
				}
				if count != n {
					b.Fatalf("%d visualizations, want %d", count, n)
				}
			}
			b.StopTimer()
			reportBody(b, srv)
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "sheets/s")
		})
	}
}

// reportBody sets the bytes per operation from the sheet listing's size.
func reportBody(b *testing.B, srv *testserver.Server) {
	var total int64
	var calls int64
	for _, r := range srv.Requests() {
		if r.Path == "/qrs/app/object/full" {
			total += r.BytesWritten
			calls++
		}
	}
	if calls > 0 {
		b.SetBytes(total / calls)
	}
}

// The floors: the same sheet listing read raw (transfer) and scanned token
// by token (decoding), by the same kind of connection.

func BenchmarkFloorRead(b *testing.B) {
	for _, n := range benchSizes() {
		b.Run(fmt.Sprintf("sheets=%d", n), func(b *testing.B) {
			srv, _ := benchSite(b, n)
			b.ReportAllocs()
			for range b.N {
				body := rawSheets(b, srv)
				if _, err := io.Copy(io.Discard, body); err != nil {
					b.Fatal(err)
				}
				body.Close()
			}
			b.StopTimer()
			reportBody(b, srv)
		})
	}
}

func BenchmarkFloorTokens(b *testing.B) {
	for _, n := range benchSizes() {
		b.Run(fmt.Sprintf("sheets=%d", n), func(b *testing.B) {
			srv, _ := benchSite(b, n)
			b.ReportAllocs()
			for range b.N {
				body := rawSheets(b, srv)
				dec := jsontext.NewDecoder(bufio.NewReaderSize(body, 64<<10))
				for {
					_, err := dec.ReadToken()
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				body.Close()
			}
			b.StopTimer()
			reportBody(b, srv)
		})
	}
}

// rawSheets GETs the sheet listing with a plain net/http client.
func rawSheets(b *testing.B, srv *testserver.Server) io.ReadCloser {
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: srv.CACertPool()}}}
	q := "xrfkey=0123456789abcdef&filter=" + url.QueryEscape("objectType eq 'sheet'")
	req, err := http.NewRequest("GET", srv.URL()+"/qrs/app/object/full?"+q, nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("X-Qlik-Xrfkey", "0123456789abcdef")
	req.Header.Set(authHeader, authUser)
	resp, err := hc.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	if resp.StatusCode != 200 {
		b.Fatalf("status %d", resp.StatusCode)
	}
	return resp.Body
}
