package postgres

import (
	"testing"

	"github.com/kakou/kakou/firmware/wire"
)

// BenchmarkPostgresPutEntries is BenchmarkPutEntries against PostgreSQL
// (the pgtest server: loopback TCP, fsync off, so it measures the store's
// statements and round trips rather than the disk): batches of new
// entries of one unit in order, watermark, rollups and alerts included.
func BenchmarkPostgresPutEntries(b *testing.B) {
	for _, bb := range []struct {
		name string
		size int
	}{{"batch=100", 100}, {"batch=1", 1}} {
		b.Run(bb.name, func(b *testing.B) {
			p := openPG(b)
			batch := make([]wire.Entry, bb.size)
			seq := uint64(0)
			b.ReportAllocs()
			for b.Loop() {
				for i := range batch {
					seq++
					batch[i] = entry("site-a", "u1", seq)
				}
				res, err := p.PutEntries(ctx, batch, received)
				if err != nil {
					b.Fatal(err)
				}
				if res.Inserted != len(batch) || res.Watermarks[0].Seq != seq {
					b.Fatalf("inserted %d of %d, watermark %+v, want %d", res.Inserted, len(batch), res.Watermarks, seq)
				}
			}
			b.ReportMetric(float64(b.N*bb.size)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}
