package bridge

import (
	"testing"
	"time"
)

// BenchmarkBridgeDrain measures how fast a gateway empties a 20,000-entry
// backlog (a site's few hours without internet) into the cloud: from Run
// to the last entry acknowledged by the collector and marked in the
// outbox, through an embedded broker on loopback.
func BenchmarkBridgeDrain(b *testing.B) {
	const n = 20000
	units := []string{"door-1", "door-2", "exit-1", "exit-2"}
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		r := newRig(b, time.Minute, true)
		r.b.t.mark = defaultTiming.mark // the store is marked as often as in the field
		r.backlog(units, 1, n/uint64(len(units)), nil)
		b.StartTimer()
		start := time.Now()
		r.start()
		waitFor(b, "the collector to hold the backlog", func() bool { return r.col.count() == n })
		waitFor(b, "the outbox to be acknowledged", func() bool { return r.out.backlog(b) == 0 })
		elapsed += time.Since(start)
		b.StopTimer()
		r.stop()
		r.cloud.stop()
		r.lan.stop()
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "records/s")
}
