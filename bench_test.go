package qrs_test

import (
	"bufio"
	"fmt"
	"io"
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
	benchFloor(b, func(r io.Reader) error {
		_, err := io.Copy(io.Discard, r)
		return err
	})
}

func BenchmarkFloorTokens(b *testing.B) {
	benchFloor(b, func(r io.Reader) error {
		dec := jsontext.NewDecoder(bufio.NewReaderSize(r, 64<<10))
		for {
			if _, err := dec.ReadToken(); err == io.EOF {
				return nil
			} else if err != nil {
				return err
			}
		}
	})
}

// benchFloor runs consume over the raw sheet listing, fetched with a plain
// net/http client, at each size.
func benchFloor(b *testing.B, consume func(io.Reader) error) {
	for _, n := range benchSizes() {
		b.Run(fmt.Sprintf("sheets=%d", n), func(b *testing.B) {
			srv, _ := benchSite(b, n)
			b.ReportAllocs()
			for range b.N {
				resp := rawGet(b, srv, "/qrs/app/object/full?filter="+url.QueryEscape("objectType eq 'sheet'"))
				err := consume(resp.Body)
				resp.Body.Close()
				if err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			reportBody(b, srv)
		})
	}
}
