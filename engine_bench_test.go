package qrs_test

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/testserver"
)

// The Engine's part of a catalog at scale, against a generated site on
// loopback over TLS: Engine calls and wall time per app, for charts and
// for lineage, at several concurrencies; and the heap, flat in the number
// of apps read.

// engineBenchApps is the size of the benchmarks' site: 1,000 apps, or
// QRS_BENCH_ENGINE_APPS.
func engineBenchApps() int {
	if n, err := strconv.Atoi(os.Getenv("QRS_BENCH_ENGINE_APPS")); err == nil && n > 0 {
		return n
	}
	return 1000
}

func totalCalls(st testserver.EngineStats) int {
	n := 0
	for _, c := range st.Calls {
		n += c
	}
	return n
}

// BenchmarkCatalogEngine reads the charts (with their fields and
// expressions) and, apart, the lineage of every app of a generated site of
// 1,000 apps and 10,000 sheets, at concurrency 1, 4 and 8.
func BenchmarkCatalogEngine(b *testing.B) {
	apps := engineBenchApps()
	site := testserver.Generate(testserver.GenConfig{Seed: 1, Apps: apps, Sheets: 10 * apps})
	srv, c := startSite(b, testserver.Config{Site: site})
	parts := []struct {
		name string
		opts qrs.CatalogOptions
	}{
		{"charts", qrs.CatalogOptions{Kinds: []qrs.EntryKind{qrs.EntryChart}, Engine: &qrs.EngineOptions{Charts: true, ChartFields: true}}},
		{"lineage", qrs.CatalogOptions{Kinds: []qrs.EntryKind{qrs.EntrySource, qrs.EntryFile, qrs.EntryLineage}, Engine: &qrs.EngineOptions{Lineage: true}}},
	}
	for _, part := range parts {
		for _, conc := range []int{1, 4, 8} {
			b.Run(fmt.Sprintf("%s/apps=%d/concurrency=%d", part.name, apps, conc), func(b *testing.B) {
				opts := part.opts
				eng := *opts.Engine
				eng.Concurrency = conc
				opts.Engine = &eng
				before := totalCalls(srv.EngineStats())
				entries := 0
				b.ResetTimer()
				for range b.N {
					for _, err := range c.Catalog(b.Context(), &opts) {
						if err != nil && !errors.Is(err, qrs.ErrNoLineage) {
							b.Fatal(err)
						}
						entries++
					}
				}
				b.StopTimer()
				calls := totalCalls(srv.EngineStats()) - before
				per := float64(apps * b.N)
				b.ReportMetric(float64(calls)/per, "calls/app")
				b.ReportMetric(b.Elapsed().Seconds()*1000/per, "ms/app")
				b.ReportMetric(float64(entries)/float64(b.N), "entries")
			})
		}
	}
}

// TestEngineMemoryFlat reads every Engine part of a generated site of
// 1,000 apps and compares the heap after the first 100 apps with the heap
// after all of them: what is held grows with one app at a time (a few at
// once), and with the lineage graph's distinct files and sources, never
// with the apps read.
func TestEngineMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("600 apps")
	}
	const apps = 600 // six times the first reading: enough to show growth, quick under -race
	site := testserver.Generate(testserver.GenConfig{Seed: 2, Apps: apps, Sheets: 2 * apps})
	srv, c := startSite(t, testserver.Config{Site: site})
	e := allEngine()
	e.Concurrency = 4
	// The test server runs in this process: its request log, which grows
	// with every request, is emptied before each reading.
	heap := func() uint64 {
		srv.ResetLog()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	var at100, atEnd uint64
	read, last := 0, "" // apps read, counted as the app of the entries changes: they come app by app
	nodes := 0
	for ent, err := range c.Catalog(t.Context(), &qrs.CatalogOptions{Kinds: engineKinds, Engine: e}) {
		var ee *qrs.EntryError
		app := ""
		switch {
		case errors.As(err, &ee):
			app = ee.Key
		case err != nil:
			t.Fatal(err)
		case ent.Kind == qrs.EntryFile || ent.Kind == qrs.EntrySource:
			nodes++
		default:
			for _, r := range ent.Relations {
				if r.Kind == qrs.EntryApp {
					app = r.Key
				}
			}
		}
		if app != "" && app != last {
			last = app
			if read++; read == 101 { // the first entry of app 101: 100 apps read
				at100 = heap()
			}
		}
	}
	atEnd = heap()
	t.Logf("heap after 100 apps: %d KiB; after %d apps: %d KiB; %d files and sources", at100>>10, read, atEnd>>10, nodes)
	if read < apps*9/10 || at100 == 0 {
		t.Fatalf("%d apps read", read)
	}
	// What the lineage graph holds, and the server's counters per app and
	// socket, grow by a few hundred bytes an app; the rest must not.
	if atEnd > at100+1<<20 {
		t.Errorf("the heap grew from %d KiB to %d KiB between 100 and %d apps", at100>>10, atEnd>>10, apps)
	}
}
