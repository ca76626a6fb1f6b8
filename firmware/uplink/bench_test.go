package uplink

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/wire"
)

// The benchmarks drain a backlog of b.N entries (so -benchtime=20000x
// drains 20,000) through the embedded broker to a test collector that acks,
// with no rate limit: the uplink's own ceiling. Setup is not timed.

// BenchmarkBacklogDrain reports the drain rate next to the rate at which
// the same broker carries the same payloads from a bare paho publisher to a
// bare subscriber, and their ratio: what the ledger reads, the lanes and
// the collector's ack round trip cost.
func BenchmarkBacklogDrain(b *testing.B) {
	brk := startBroker(b, "127.0.0.1:0", nil)
	coll := startCollector(b, brk.url)
	l := newLedger(b)
	l.addN(b, b.N)
	payloads := ledgerPayloads(b, l, b.N)

	b.ResetTimer()
	cpu0 := cpuTime(b)
	start := time.Now()
	startUplink(b, l, brk.url, unlimited)
	coll.awaitContig(uint64(b.N))
	l.awaitEmptyBacklog(b)
	drain := time.Since(start)
	cpu := cpuTime(b) - cpu0
	b.StopTimer()

	raw := rawDelivery(b, brk.url, payloads)
	drainRate := float64(b.N) / drain.Seconds()
	rawRate := float64(b.N) / raw.Seconds()
	b.ReportMetric(drainRate, "entries/s")
	b.ReportMetric(rawRate, "raw-entries/s")
	b.ReportMetric(drainRate/rawRate, "ratio")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/entry")
}

// cpuTime is the process's user and system CPU time. Unit, broker and
// collector share the process and the drain is CPU-bound, so the CPU an
// entry costs is a steadier figure than the rates on a shared machine.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(syscall.TimevalToNsec(ru.Utime) + syscall.TimevalToNsec(ru.Stime))
}

// BenchmarkLiveLatencyDuringDrain appends a live entry every 5 ms while a
// backlog of b.N entries drains and reports the 99th percentile of the time
// from Append to the collector.
func BenchmarkLiveLatencyDuringDrain(b *testing.B) {
	brk := startBroker(b, "127.0.0.1:0", nil)
	coll := startCollector(b, brk.url)
	l := newLedger(b)
	l.addN(b, b.N)

	b.ResetTimer()
	u, _ := startUplink(b, l, brk.url, unlimited)
	var draining atomic.Bool
	draining.Store(true)
	appended := make(chan map[uint64]time.Time, 1)
	go func() {
		at := map[uint64]time.Time{}
		for draining.Load() {
			e, err := l.add()
			if err != nil {
				b.Error(err)
				break
			}
			at[e.Seq] = time.Now()
			u.Notify()
			time.Sleep(5 * time.Millisecond)
		}
		appended <- at
	}()
	coll.awaitContig(uint64(b.N))
	draining.Store(false)
	at := <-appended
	b.StopTimer()
	var last uint64
	for seq := range at {
		last = max(last, seq)
	}
	coll.awaitContig(last)
	b.ReportMetric(p99(coll, at).Seconds()*1000, "p99-live-ms")
	b.ReportMetric(float64(len(at)), "live-entries")
}

func unlimited(o *Options) { o.BacklogRate = NoRateLimit }

// ledgerPayloads are the JSON bodies the uplink sends for the first n entries.
func ledgerPayloads(b *testing.B, l *watched, n int) [][]byte {
	es, err := l.Entries(context.Background(), 0, n)
	if err != nil {
		b.Fatal(err)
	}
	out := make([][]byte, len(es))
	for i := range es {
		es[i].Historical = true
		out[i], _ = json.Marshal(es[i])
	}
	return out
}

// rawDelivery times a bare paho publisher sending payloads to a bare
// subscriber, with the uplink's pacing: rounds of DefaultBatchSize waiting
// for PUBACKs, at most DefaultWindow ahead of the subscriber (which keeps
// mochi's per-client queue from overflowing and dropping messages).
func rawDelivery(b *testing.B, url string, payloads [][]byte) time.Duration {
	topic := wire.EntryTopic("bench", "raw")
	var got atomic.Int64
	done := make(chan struct{})
	sub := benchClient(b, url, "bench-sub")
	tok := sub.Subscribe(topic, wire.QoSEntry, func(paho.Client, paho.Message) {
		if got.Add(1) == int64(len(payloads)) {
			close(done)
		}
	})
	if !tok.WaitTimeout(hangGuard) || tok.Error() != nil {
		b.Fatalf("bench subscribe: %v", tok.Error())
	}
	pub := benchClient(b, url, "bench-pub")
	start := time.Now()
	for i := 0; i < len(payloads); i += DefaultBatchSize {
		for int64(i)-got.Load() >= DefaultWindow {
			time.Sleep(50 * time.Microsecond)
		}
		var toks []paho.Token
		for _, p := range payloads[i:min(i+DefaultBatchSize, len(payloads))] {
			toks = append(toks, pub.Publish(topic, wire.QoSEntry, false, p))
		}
		for _, t := range toks {
			if !t.WaitTimeout(hangGuard) || t.Error() != nil {
				b.Fatalf("bench publish: %v", t.Error())
			}
		}
	}
	select {
	case <-done:
	case <-time.After(hangGuard):
		b.Fatalf("bare subscriber got %d of %d", got.Load(), len(payloads))
	}
	return time.Since(start)
}

func benchClient(b *testing.B, url, id string) paho.Client {
	c := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID(id))
	if tok := c.Connect(); !tok.WaitTimeout(hangGuard) || tok.Error() != nil {
		b.Fatalf("%s connect: %v", id, tok.Error())
	}
	b.Cleanup(func() { c.Disconnect(0) })
	return c
}

// p99 is the 99th percentile of the time from append to arrival.
func p99(c *collector, appended map[uint64]time.Time) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	var d []time.Duration
	for seq, at := range appended {
		d = append(d, c.firstAt[seq].Sub(at))
	}
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[(len(d)*99)/100]
}

// BenchmarkDrainUnderLiveTraffic drains the backlog a three-minute outage
// leaves at a busy lane, scaled to a tenth (2,700 entries at 500/s, window
// 100, batch 10), while live entries arrive at 0, 50 and 140 a second, and
// reports the drain ratio: the drain's time over backlog / BacklogRate,
// 1 when the backlog goes at its rate. Each iteration is one drain of some
// 5 s, so -benchtime=1x is enough.
func BenchmarkDrainUnderLiveTraffic(b *testing.B) {
	for _, live := range []int{0, 50, 140} {
		b.Run(fmt.Sprintf("live=%d", live), func(b *testing.B) {
			var ratio, resent, p99ms float64
			for range b.N {
				r := drainCase{backlog: 2700, liveRate: live, opts: scaledDrain}.run(b)
				ratio += r.ratio()
				resent += float64(r.resent)
				p99ms += r.p99.Seconds() * 1000
			}
			n := float64(b.N)
			b.ReportMetric(ratio/n, "drain-ratio")
			b.ReportMetric(resent/n, "resent/drain")
			b.ReportMetric(p99ms/n, "p99-live-ms")
		})
	}
}
