package uplink

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkDrainByInflight drains a backlog of b.N entries, unpaced, with
// the sender's bound on publishes awaiting their PUBACK at 1 (every entry
// waits for the one before), at the batch size (about the old
// round-by-round wait, which let one round of 100 be outstanding) and at
// delivery.MaxInflight: what pipelining the PUBACKs costs or saves per entry.
func BenchmarkDrainByInflight(b *testing.B) {
	for _, n := range []int{1, DefaultBatchSize, 256} {
		b.Run(fmt.Sprintf("inflight=%d", n), func(b *testing.B) {
			brk := startBroker(b, "127.0.0.1:0", nil)
			coll := startCollector(b, brk.url)
			l := newLedger(b)
			l.addN(b, b.N)
			u := newUplink(b, l, brk.url, unlimited)
			u.t.inflight = n
			b.ResetTimer()
			cpu0 := cpuTime(b)
			start := time.Now()
			runUplink(b, u)
			coll.awaitContig(uint64(b.N))
			l.awaitEmptyBacklog(b)
			drain := time.Since(start)
			cpu := cpuTime(b) - cpu0
			b.StopTimer()
			b.ReportMetric(float64(b.N)/drain.Seconds(), "entries/s")
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/entry")
		})
	}
}
