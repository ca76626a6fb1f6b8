package sqlite

import (
	"fmt"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/loadgen"
	"github.com/kakou/kakou/firmware/wire"
)

// BenchmarkPutEntries stores batches of new entries of one unit in order,
// watermark update included, and reports entries/s: batches of 100 are
// what a unit's outbox sends after a short outage, batches of 1 what
// ingest stores per MQTT message.
func BenchmarkPutEntries(b *testing.B) {
	for _, bb := range []struct {
		name string
		size int
	}{{"batch=100", 100}, {"batch=1", 1}} {
		b.Run(bb.name, func(b *testing.B) {
			s := openTemp(b)
			batch := make([]wire.Entry, bb.size)
			seq := uint64(0)
			b.ReportAllocs()
			for b.Loop() {
				for i := range batch {
					seq++
					batch[i] = entry("site-a", "u1", seq)
				}
				res := putResult(b, s, received, batch...)
				if res.Inserted != len(batch) || res.Watermarks[0].Seq != seq {
					b.Fatalf("inserted %d of %d, watermark %+v, want %d", res.Inserted, len(batch), res.Watermarks, seq)
				}
			}
			b.ReportMetric(float64(b.N*bb.size)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}

// BenchmarkPutEntriesBacklog stores a 100,000-entry backlog in order in
// batches of 100, as a unit replays it after a long outage, into a fresh
// database; entries/s staying close to BenchmarkPutEntries shows the
// watermark walk does not grow with what is already stored.
func BenchmarkPutEntriesBacklog(b *testing.B) {
	const backlog, size = 100_000, 100
	batch := make([]wire.Entry, size)
	for b.Loop() {
		b.StopTimer()
		s := openTemp(b)
		b.StartTimer()
		for first := uint64(1); first <= backlog; first += size {
			for i := range batch {
				batch[i] = entry("site-a", "u1", first+uint64(i))
			}
			putResult(b, s, received, batch...)
		}
		b.StopTimer()
		if u := units(b, s, t0)["u1"]; u.AckedSeq != backlog {
			b.Fatalf("acked_seq %d, want %d", u.AckedSeq, backlog)
		}
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.N*backlog)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkPutEntriesFleet stores what ingest stores under load: batches
// of 4,096 entries (ingest's largest) from 100 units on 10 sites in turn,
// loadgen's traffic mix, into one database that grows as the run goes. It
// is the store's share of BenchmarkIngestThroughput, alone.
func BenchmarkPutEntriesFleet(b *testing.B) {
	const units, size = 100, 4096
	gens := fleetGenerators(units)
	s := openTemp(b)
	batch := make([]wire.Entry, size)
	at, n := time.Now(), 0
	for b.Loop() {
		b.StopTimer()
		for i := range batch {
			batch[i] = gens[n%units].Next(at.Add(time.Duration(n) * time.Millisecond))
			n++
		}
		b.StartTimer()
		if res := putResult(b, s, at.Add(time.Duration(n)*time.Millisecond), batch...); res.Inserted != size {
			b.Fatalf("inserted %d of %d", res.Inserted, size)
		}
	}
	b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "entries/s")
}

// fleetGenerators are loadgen's units, n of them on 10 sites.
func fleetGenerators(n int) []*loadgen.Generator {
	gens := make([]*loadgen.Generator, n)
	for i := range gens {
		gens[i] = loadgen.NewGenerator(fmt.Sprintf("bench-s%02d", i%10), fmt.Sprintf("bench-u%03d", i), wire.LaneIn, "default-1", uint64(i))
	}
	return gens
}
