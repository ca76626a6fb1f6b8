package sqlite

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// BenchmarkPutEntriesWhileReading is BenchmarkPutEntriesFleet with the
// control room watching: with readers=1 a goroutine reads the fleet view
// and the day's hourly rollups back to back for as long as ingest writes,
// as a wall of dashboards polling would. writes-share is, in one run, the
// entries/s stored while reading as a share of those stored without: what
// the dashboard costs ingest on two cores (the reader takes one of them).
func BenchmarkPutEntriesWhileReading(b *testing.B) {
	alone := fleetRate(b, false)
	reading := fleetRate(b, true)
	b.ReportMetric(alone.entries, "alone-entries/s")
	b.ReportMetric(reading.entries, "reading-entries/s")
	b.ReportMetric(reading.reads, "reads/s")
	b.ReportMetric(reading.entries/alone.entries, "writes-share")
}

type fleetRun struct{ entries, reads float64 }

// fleetRate stores b.N batches of the fleet's entries into a fresh
// database, with a dashboard reader running alongside if reading.
func fleetRate(b *testing.B, reading bool) fleetRun {
	const units, size = 100, 4096
	gens := fleetGenerators(units)
	s := openTemp(b)
	at := time.Now()
	batches := make([][]wire.Entry, b.N)
	for i := range batches {
		batches[i] = make([]wire.Entry, size)
		for j := range batches[i] {
			n := i*size + j
			batches[i][j] = gens[n%units].Next(at.Add(time.Duration(n) * time.Millisecond))
		}
	}
	ctx, stop := context.WithCancel(context.Background())
	var reads atomic.Int64
	var wg sync.WaitGroup
	if reading {
		wg.Go(func() { readDashboard(ctx, b, s, at, &reads) })
	}
	start := time.Now()
	for i, batch := range batches {
		if res := putResult(b, s, at.Add(time.Duration((i+1)*size)*time.Millisecond), batch...); res.Inserted != size {
			b.Fatalf("inserted %d of %d", res.Inserted, size)
		}
	}
	took := time.Since(start).Seconds()
	stop()
	wg.Wait()
	return fleetRun{entries: float64(b.N*size) / took, reads: float64(reads.Load()) / took}
}

// readDashboard reads what the fleet page and the traffic chart read,
// until ctx ends.
func readDashboard(ctx context.Context, b *testing.B, s *Store, day time.Time, reads *atomic.Int64) {
	day = day.Truncate(24 * time.Hour)
	for ctx.Err() == nil {
		if _, err := s.Units(ctx, day); err != nil && ctx.Err() == nil {
			b.Errorf("fleet view: %v", err)
			return
		}
		q := store.RollupQuery{By: "site", Since: day, Until: day.Add(48 * time.Hour)}
		if _, err := s.Rollups(ctx, q); err != nil && ctx.Err() == nil {
			b.Errorf("rollups: %v", err)
			return
		}
		reads.Add(2)
	}
}
