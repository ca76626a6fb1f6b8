package lan

import (
	"fmt"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/gateway/occupancy"
)

// BenchmarkExitToAdmit measures the issue's "time from an exit at one
// door to the admit at another": the site is full and someone is held at
// entrance B; exit A publishes an exit; the clock stops when B receives a
// flow that lets it admit. Everything is real: the embedded broker, the
// store with synchronous=FULL, paho clients as the units.
func BenchmarkExitToAdmit(b *testing.B) {
	lanes := map[string]occupancy.Role{"entrance-b": occupancy.RoleIn, "exit-a": occupancy.RoleOut}
	g := startGateway(b, 10, lanes)
	in := connectUnit(b, g.srv.URL(), "entrance-b", wire.LaneIn)
	out := connectUnit(b, g.srv.URL(), "exit-a", wire.LaneOut)
	f := in.flowWhere("the first grant", func(f wire.Flow) bool { return f.Allowance == 10 })
	for range f.Allowance { // fill the site through the entrance itself
		in.send(wire.Allow)
	}
	hold(in)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		out.send(wire.Allow)
		in.flowWhere("a slot", func(f wire.Flow) bool { return f.Allowance > 0 })
		lat = append(lat, time.Since(start))
		b.StopTimer()
		in.send(wire.Allow) // the held person goes in: full again
		hold(in)
		b.StartTimer()
	}
	reportPercentiles(b, lat)
}

// hold makes someone wait at the entrance and waits for the flow that
// shows the site full with them held.
func hold(u *unit) {
	u.send(wire.Wait)
	u.flowWhere("the site full, one held", func(f wire.Flow) bool {
		return f.AfterSeq == u.seq && f.Allowance == 0 && f.Waiting == 1
	})
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// BenchmarkUnitsServed measures how many units one gateway serves: N units
// (half entrances, half exits, under a cap with grants in force) publish
// entries as fast as the gateway acknowledges them. entries/s is then the
// number of units at the realistic rate of one person a second per lane
// the gateway could serve; cpu-ms/entry is the whole process's CPU (the
// paho clients' included, so an upper bound) per entry.
func BenchmarkUnitsServed(b *testing.B) {
	for _, n := range []int{10, 50, 200} {
		b.Run(fmt.Sprintf("units=%d", n), func(b *testing.B) { benchUnits(b, n) })
	}
}

func benchUnits(b *testing.B, n int) {
	g := startGateway(b, 1_000_000, nil)
	units := make([]*unit, n)
	for i := range units {
		lane := wire.LaneIn
		if i%2 == 1 {
			lane = wire.LaneOut
		}
		units[i] = connectUnit(b, g.srv.URL(), fmt.Sprintf("u%03d", i), lane)
		units[i].status(0)
	}
	per := max(1, b.N/n)
	cpu0 := cpuTime()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for _, u := range units {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range per {
				u.seq++
				b, _ := jsonEntry(u.entry(u.seq, wire.Allow))
				u.c.Publish(wire.EntryTopic(testSite, u.name), 1, false, b).Wait()
			}
			u.ackFor(u.seq)
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	total := float64(per * n)
	b.ReportMetric(total/elapsed.Seconds(), "entries/s")
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Millisecond)/total, "cpu-ms/entry")
}

// cpuTime is the process's user plus system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
