package store

import (
	"testing"

	"github.com/kakou/kakou/firmware/wire"
)

// BenchmarkPutEntries stores batches of 100 new entries, what a unit's
// outbox sends after a short outage; ns/op divided by 100 is the cost of
// one entry.
func BenchmarkPutEntries(b *testing.B) {
	s := openTemp(b)
	batch := make([]wire.Entry, 100)
	seq := uint64(0)
	b.ReportAllocs()
	for b.Loop() {
		for i := range batch {
			seq++
			batch[i] = entry("site-a", "u1", seq)
		}
		if n := put(b, s, received, batch...); n != len(batch) {
			b.Fatalf("inserted %d of %d", n, len(batch))
		}
	}
}
