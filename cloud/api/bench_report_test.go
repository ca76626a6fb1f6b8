package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/sqlite"
	"github.com/kakou/kakou/cloud/store/storetest"
	"github.com/kakou/kakou/firmware/wire"
)

// BenchmarkReport1000Sites measures a named report's generation against
// its target (under 1 s for 1,000 sites): 1,000 sites of 10 units, a
// week of traffic (KAKOU_BENCH_REPORT_ENTRIES, 200,000 unless set) and 20
// visitors a site, half of them still inside. "build" is what the
// scheduler does at a cut; "GET json"/"GET xlsx" what the API serves;
// the "visits" pair compare reading the visitors not closed out with one
// query per site (as the report did) and one for every site (as it does).
// Figures: docs/performance.md "Reports".
func BenchmarkReport1000Sites(b *testing.B) {
	n := 200_000
	if v := os.Getenv("KAKOU_BENCH_REPORT_ENTRIES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 10_000 {
			b.Fatalf("KAKOU_BENCH_REPORT_ENTRIES=%q: want at least 10000", v)
		}
	}
	st, benchNow := reportStore(b, n)
	opts := Options{Location: cst, Now: func() time.Time { return benchNow }}
	rp, err := NewReporter(st, opts)
	if err != nil {
		b.Fatal(err)
	}
	def := DailyDef([2]int{16, 0})
	date := def.Latest(benchNow, cst).Date
	h, err := New(st, opts)
	if err != nil {
		b.Fatal(err)
	}
	srv := newBenchServer(b, h)
	// Wall time and CPU time: on a shared machine the wall time is
	// mostly waiting for a core, and the CPU time is what the report
	// itself costs.
	timed := func(b *testing.B, f func()) {
		var took []time.Duration
		cpu0, ops := cpuTime(), 0
		for b.Loop() {
			start := time.Now()
			f()
			took = append(took, time.Since(start))
			ops++
		}
		slices.Sort(took)
		b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(ops), "cpu-ms/op")
	}
	// One report first, untimed, as a running collector has made many: the
	// readers' page caches are warm and the fill's checkpoint is done.
	if _, err := rp.Build(context.Background(), def, date); err != nil {
		b.Fatal(err)
	}
	b.Run("build", func(b *testing.B) {
		timed(b, func() {
			r, err := rp.Build(context.Background(), def, date)
			if err != nil || len(r.Sites) != 1000 || r.Total.NotClosedOut == 0 {
				b.Fatalf("report of %d sites, %d not closed out: %v", len(r.Sites), r.Total.NotClosedOut, err)
			}
		})
	})
	for _, format := range []string{"json", "xlsx"} {
		b.Run("GET "+format, func(b *testing.B) {
			timed(b, func() { benchGet(b, srv+"/api/v1/reports/daily?date="+date+"&format="+format) })
		})
	}
	cut := benchNow
	b.Run("visits one query per site", func(b *testing.B) {
		timed(b, func() {
			for i := range 1000 {
				if _, err := store.Visits(context.Background(), st, store.VisitQuery{Site: benchSite(i * 10),
					Since: cut.Add(-store.VisitWindow), Until: cut}); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("visits one query for every site", func(b *testing.B) {
		timed(b, func() {
			if _, err := store.VisitsBySite(context.Background(), st, cut.Add(-store.VisitWindow), cut); err != nil {
				b.Fatal(err)
			}
		})
	})
}

// reportStore is a store of 1,000 sites of 10 units with n entries over
// the week before its now, and 20 visitors a site, half closed out.
func reportStore(b *testing.B, n int) (*sqlite.Store, time.Time) {
	b.Helper()
	st, err := sqlite.Open(filepath.Join(b.TempDir(), "cloud.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	st.SetTimezone(cst)
	y, m, d := time.Now().In(cst).Date()
	benchNow := time.Date(y, m, d-1, 16, 30, 0, 0, cst) // just after the cut: the report due now
	ctx := context.Background()
	sites := make([]store.Site, 1000)
	for i := range sites {
		sites[i] = store.Site{ID: benchSite(i * 10), Name: fmt.Sprintf("阳光花园 %d 号门", i), Facility: "community"}
	}
	if err := st.PutSites(ctx, sites); err != nil {
		b.Fatal(err)
	}
	for u := range 10_000 {
		if err := st.PutStatus(ctx, wire.Status{Schema: wire.SchemaVersion, Site: benchSite(u), Unit: benchUnit(u),
			State: wire.Online, Facility: "community"}, benchNow); err != nil {
			b.Fatal(err)
		}
	}
	fill(b, st, n, 10_000, benchNow)
	var es []wire.Entry
	for s := range 1000 {
		site, unit := benchSite(s*10), "visitor-desk"
		for v := range 20 {
			e := storetest.VisitOf(site, unit, uint64(v+1), 1+s%9, 4*time.Hour)
			e.ID = fmt.Sprintf("%s-visit-%d", site, v)
			e.Time = benchNow.Add(-time.Duration(20-v) * time.Hour)
			es = append(es, e)
			if v%2 == 0 {
				x := storetest.Exit(site, "exit-desk", uint64(v+1), wire.CloseOut{Unit: unit, Seq: e.Seq, Code: e.Visit.Code, MatchedBy: wire.MatchedByCode})
				x.ID, x.Time = fmt.Sprintf("%s-exit-%d", site, v), e.Time.Add(time.Hour)
				es = append(es, x)
			}
		}
		if len(es) >= 2000 || s == 999 {
			if _, err := st.PutEntries(ctx, es, benchNow); err != nil {
				b.Fatal(err)
			}
			es = es[:0]
		}
	}
	return st, benchNow
}

func newBenchServer(b *testing.B, h http.Handler) string {
	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	return srv.URL
}

func benchGet(b *testing.B, url string) {
	resp, err := http.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		b.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
