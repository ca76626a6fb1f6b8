package api

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store/sqlite"
	"github.com/kakou/kakou/firmware/wire"
)

// BenchmarkDashboardAPI measures the dashboard against its latency
// target: with 10 million stored entries from 10,000 units (1,000 sites of
// 10 units, a week of traffic), the p99 of the fleet view and the hourly
// rollups the dashboard polls, served by the real handler over loopback
// HTTP from SQLite. KAKOU_BENCH_ENTRIES sets another size (filling 10
// million takes a few minutes on a 2-core machine). Figures:
// docs/performance.md "The dashboard".
func BenchmarkDashboardAPI(b *testing.B) {
	n := benchSize(b)
	srv := filledServer(b, n, 10_000)
	// As kakou-cloud runs; GOGC=100 measures Go's default.
	if gcAsKakouCloud() {
		defer resetGC()
	}
	defer logHeap(b)
	paths := []string{
		"/api/v1/units",
		"/api/v1/rollups?by=site&bucket=hour&metrics=in,out,fever", // what the dashboard polls
		"/api/v1/rollups", // every metric of every site: the bulk view
		"/api/v1/rollups?by=unit&site=site-0042",
		"/api/v1/rollups?by=all",
		"/api/v1/rollups?by=facility&metrics=in,out,fever",
		"/api/v1/rollups?site=site-0042",
		"/api/v1/occupancy",
		"/api/v1/alerts?open=1",
		// The daily report due now for 1,000 sites, with every unit's state
		// and period total read to judge each site's data complete.
		"/api/v1/reports/daily",
	}
	for _, p := range paths {
		b.Run(p, func(b *testing.B) {
			var took []time.Duration
			for b.Loop() {
				start := time.Now()
				resp, err := http.Get(srv.URL + p)
				if err != nil {
					b.Fatal(err)
				}
				// The whole body, as a dashboard waits for it: the
				// headers alone come before a streamed body is written.
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil {
					b.Fatal(err)
				}
				if resp.StatusCode != 200 {
					b.Fatalf("GET %s: %d", p, resp.StatusCode)
				}
				took = append(took, time.Since(start))
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
		})
	}
}

// gcAsKakouCloud sets the garbage collector as kakou-cloud does at start
// (cloud/cmd/kakou-cloud gc.go: a 256 MiB soft heap limit, the percentage
// trigger off) unless GOGC or GOMEMLIMIT chose otherwise, and says whether
// it did. The command sets it, not this package: the settings are the
// whole process's.
func gcAsKakouCloud() bool {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return false
	}
	debug.SetMemoryLimit(256 << 20)
	debug.SetGCPercent(-1)
	return true
}

// resetGC undoes gcAsKakouCloud, back to Go's defaults.
func resetGC() {
	debug.SetGCPercent(100)
	debug.SetMemoryLimit(math.MaxInt64)
}

// logHeap logs what the server keeps alive and the most the heap grew to
// since the process started: the memory the GC target costs.
func logHeap(b *testing.B) {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	b.Logf("live heap %.1f MB; heap system memory %.1f MB; GOGC=%s", float64(m.HeapAlloc)/1e6, float64(m.HeapSys)/1e6, os.Getenv("GOGC"))
}

func benchSize(b *testing.B) int {
	if v := os.Getenv("KAKOU_BENCH_ENTRIES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 10_000 {
			b.Fatalf("KAKOU_BENCH_ENTRIES=%q: want a number of entries, at least 10000", v)
		}
		return n
	}
	return 10_000_000
}

// filledServer stores n entries from units units, spread over the week
// before the benchmark's now, and serves them.
func filledServer(b *testing.B, n, units int) *httptest.Server {
	b.Helper()
	st, err := sqlite.Open(filepath.Join(b.TempDir(), "cloud.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	st.SetTimezone(cst)
	// 23:00 in Shanghai yesterday: "today" is then 23 hours long, the
	// heaviest the dashboard's default window gets.
	y, m, d := time.Now().In(cst).Date()
	benchNow := time.Date(y, m, d-1, 23, 0, 0, 0, cst)
	ctx := context.Background()
	for u := 0; u < units; u++ {
		err := st.PutStatus(ctx, wire.Status{Schema: wire.SchemaVersion, Site: benchSite(u),
			Unit: benchUnit(u), State: wire.Online, Facility: "community", PolicyVersion: "default-1",
			Devices: []wire.Device{{Name: "thermometer", OK: true}}}, benchNow)
		if err != nil {
			b.Fatal(err)
		}
	}
	fill(b, st, n, units, benchNow)
	h, err := New(st, Options{Location: cst, Now: func() time.Time { return benchNow }})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	return srv
}

// fill stores the entries unit after unit, each unit's in seq order, 2,000
// per transaction: the order the rows go in does not change what the
// reads cost, and round-robin over 10,000 units would take the fill from
// minutes to most of an hour.
func fill(b *testing.B, st *sqlite.Store, n, units int, benchNow time.Time) {
	start := time.Now()
	rng := rand.New(rand.NewPCG(1, 2))
	const batch = 2000
	es := make([]wire.Entry, 0, batch)
	for i := 0; i < n; i++ {
		per := n / units
		u := min(i/per, units-1)
		e := entry(benchSite(u), benchUnit(u), uint64(i-u*per+1),
			benchNow.Add(-time.Duration(rng.Int64N(int64(7*24*time.Hour)))))
		e.ID = fmt.Sprintf("e-%d", i)
		if i%50 == 0 {
			e.Lane = wire.LaneOut
		}
		if i%997 == 0 {
			e.Decision, e.Alert = wire.Recheck, "fever"
		}
		es = append(es, e)
		if len(es) == batch || i == n-1 {
			if _, err := st.PutEntries(context.Background(), es, benchNow); err != nil {
				b.Fatal(err)
			}
			es = es[:0]
		}
	}
	b.Logf("stored %d entries from %d units in %v", n, units, time.Since(start).Round(time.Second))
}

func benchSite(u int) string { return fmt.Sprintf("site-%04d", u/10) }
func benchUnit(u int) string { return fmt.Sprintf("unit-%05d", u) }
