package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/kakou/kakou/cloud/loadgen"
	"github.com/kakou/kakou/cloud/store/pgtest"
	"github.com/kakou/kakou/cloud/store/postgres"
	"github.com/kakou/kakou/firmware/wire"
)

// The throughput benchmark's fleet: 100 units of 1,000 entries each.
const (
	throughputEntries = 100_000
	throughputUnits   = 100
	// pubWindow is how many QoS 1 publishes a unit has in flight before
	// it waits for their PUBACKs.
	pubWindow = 100
	// consumeWindow bounds the entries published but not yet consumed
	// (received by the bare subscriber, or stored by ingest), across the
	// fleet, as the units' windows of unacknowledged entries do (100 units
	// of Window 1000 would allow 100,000). mochi PUBACKs a publish before
	// delivering it, so without this bound the publishers outrun any
	// consumer, and mochi drops a message for a subscriber once 8,192 wait
	// to be written to its socket (its MaximumClientWritesPending, which
	// mochi allocates for every client, so cloud/broker keeps it). A
	// message waiting to be written is one not yet consumed, so under this
	// bound none is dropped however slowly the subscriber reads: with
	// 20,000, a run under -memprofile lost 363 to the bare subscriber.
	consumeWindow = 8000
	// phaseLimit stops a phase that will never finish (messages dropped).
	phaseLimit = 2 * time.Minute
)

// BenchmarkIngestThroughput compares, in one run, two rates through the
// same embedded broker and the same 100,000 entries (loadgen's traffic
// mix, real JSON, ~600 bytes each) published at QoS 1 by 100 units:
//
//   - raw-msgs/s: how fast a bare paho subscriber receives them, which is
//     the most any subscriber could take from this broker on this machine;
//   - ingest-entries/s: how fast ingest stores them in SQLite (a temp file
//     kept open with store.Open), decoding, batching, watermarks, rollups
//     and acks included, until its stats count every entry accepted;
//
// and ratio, the share of the broker's rate ingest keeps up with. Run it
// once, not for a second: go test -run '^$' -bench IngestThroughput -benchtime 1x ./cloud/ingest
func BenchmarkIngestThroughput(b *testing.B) {
	throughput(b, func(b *testing.B) Store { return openStore(b) })
}

// BenchmarkIngestThroughputPostgres is BenchmarkIngestThroughput storing
// into PostgreSQL: a fresh database each round on the pgtest server
// (loopback TCP, fsync off). It skips without PostgreSQL, unless
// KAKOU_INTEGRATION=1.
func BenchmarkIngestThroughputPostgres(b *testing.B) {
	throughput(b, openPostgres)
}

// openPostgres opens a fresh database on the pgtest server.
func openPostgres(b *testing.B) Store { return openPostgresAt(b, pgtest.Start(b)) }

func openPostgresAt(b *testing.B, dsn string) *postgres.Store {
	p, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { p.Close() })
	return p
}

// BenchmarkIngestThroughputMosquitto is BenchmarkIngestThroughput through
// Debian's mosquitto, a separate process on the same two cores, set up as
// cloud/README advises for a city (no limit on the messages in flight to
// or queued for the collector). It tells what of the gap between the two
// rates is the embedded broker's bookkeeping of the messages the collector
// has not yet acknowledged (mochi scans them all once a second).
func BenchmarkIngestThroughputMosquitto(b *testing.B) {
	needMosquitto(b)
	url := startMosquitto(b, "max_inflight_messages 0\nmax_queued_messages 0\n")
	throughputVia(b, mosquittoBroker(url), func(b *testing.B) Store { return openStore(b) })
}

// BenchmarkIngestThroughputMosquittoPostgres is the same through mosquitto
// into PostgreSQL, the figure beside a NATS city's
// (BenchmarkNATSCityIntoPostgres).
func BenchmarkIngestThroughputMosquittoPostgres(b *testing.B) {
	needMosquitto(b)
	url := startMosquitto(b, "max_inflight_messages 0\nmax_queued_messages 0\n")
	throughputVia(b, mosquittoBroker(url), openPostgres)
}

// benchBroker is the broker both phases go through.
type benchBroker interface {
	URL() string
	Dropped() int64 // messages it dropped, where it says
}

// mosquittoBroker is a mosquitto at its URL; what it drops it only logs.
type mosquittoBroker string

func (m mosquittoBroker) URL() string  { return string(m) }
func (mosquittoBroker) Dropped() int64 { return 0 }

// throughput runs throughputVia through the embedded broker.
func throughput(b *testing.B, open func(*testing.B) Store) {
	throughputVia(b, newBroker(b), open)
}

// throughputVia runs the two measurements each round, ingest storing into
// a store fresh from open, and reports their means.
func throughputVia(b *testing.B, brk benchBroker, open func(*testing.B) Store) {
	units := connectUnits(b, brk.URL())
	var raw, ingested phase
	for b.Loop() {
		payloads := fleetPayloads(b)
		raw.add(rawRate(b, brk, units, payloads))
		b.StopTimer()
		st := open(b)
		b.StartTimer()
		ingested.add(ingestRate(b, brk, st, units, payloads))
	}
	b.ReportMetric(raw.rate(), "raw-msgs/s")
	b.ReportMetric(ingested.rate(), "ingest-entries/s")
	b.ReportMetric(ingested.rate()/raw.rate(), "ratio")
	// What each phase cost this process in CPU per message, and how busy
	// it kept the two cores: the rates move with whatever else the
	// machine runs, the CPU cost much less. Through mosquitto the
	// broker's own CPU is not counted.
	b.ReportMetric(raw.cpuPerMsg(), "raw-cpu-µs/msg")
	b.ReportMetric(ingested.cpuPerMsg(), "ingest-cpu-µs/entry")
	b.ReportMetric(raw.busy(), "raw-cores-busy")
	b.ReportMetric(ingested.busy(), "ingest-cores-busy")
}

// phase adds up the rounds of one of the two measurements.
type phase struct {
	msgs      int
	wall, cpu time.Duration
}

func (p *phase) add(q phase) { p.msgs, p.wall, p.cpu = p.msgs+q.msgs, p.wall+q.wall, p.cpu+q.cpu }

func (p phase) rate() float64      { return float64(p.msgs) / p.wall.Seconds() }
func (p phase) cpuPerMsg() float64 { return float64(p.cpu.Microseconds()) / float64(p.msgs) }
func (p phase) busy() float64      { return p.cpu.Seconds() / p.wall.Seconds() }

// measure times one phase from start: the wall clock and this process's
// CPU (user and system), as getrusage counts it.
func measure(start time.Time, cpuStart time.Duration) phase {
	return phase{msgs: throughputEntries, wall: time.Since(start), cpu: processCPU() - cpuStart}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchUnit is a publishing unit: its MQTT client and ids.
type benchUnit struct {
	client     paho.Client
	site, unit string
}

// connectUnits connects the publishers, clean sessions and their own
// client ids as loadgen's units, spread over the urls (a cluster's nodes);
// connecting is not measured.
func connectUnits(b *testing.B, urls ...string) []benchUnit {
	units := make([]benchUnit, throughputUnits)
	for i := range units {
		site, id := fmt.Sprintf("bench-s%02d", i%10), fmt.Sprintf("bench-u%03d", i)
		c := paho.NewClient(paho.NewClientOptions().AddBroker(urls[i%len(urls)]).
			SetClientID("kakou-unit-" + site + "-" + id).SetCleanSession(true))
		if tok := c.Connect(); !tok.WaitTimeout(wait) || tok.Error() != nil {
			b.Fatalf("unit %s connect: %v", id, tok.Error())
		}
		b.Cleanup(func() { c.Disconnect(0) })
		units[i] = benchUnit{client: c, site: site, unit: id}
	}
	return units
}

// fleetPayloads are every unit's entries, seq 1 to 1,000, as JSON.
func fleetPayloads(b *testing.B) [][][]byte {
	b.StopTimer()
	defer b.StartTimer()
	each := throughputEntries / throughputUnits
	out := make([][][]byte, throughputUnits)
	now := time.Now()
	for i := range out {
		site, id := fmt.Sprintf("bench-s%02d", i%10), fmt.Sprintf("bench-u%03d", i)
		g := loadgen.NewGenerator(site, id, wire.LaneIn, "default-1", uint64(i))
		out[i] = make([][]byte, each)
		for k := range out[i] {
			p, err := json.Marshal(g.Next(now.Add(time.Duration(k) * time.Millisecond)))
			if err != nil {
				b.Fatal(err)
			}
			out[i][k] = p
		}
	}
	return out
}

// publishAll has every unit publish its payloads on topic(unit) at QoS 1,
// all units at once, each publish first taking a slot in credits (the
// consumer frees it), and returns when every PUBACK is in.
func publishAll(ctx context.Context, units []benchUnit, payloads [][][]byte,
	topic func(benchUnit) string, credits chan<- struct{}) error {
	var wg sync.WaitGroup
	errs := make(chan error, len(units))
	for i, u := range units {
		wg.Go(func() {
			t := topic(u)
			window := make([]paho.Token, 0, pubWindow)
			for _, p := range payloads[i] {
				select {
				case credits <- struct{}{}:
				case <-ctx.Done():
					errs <- fmt.Errorf("unit %s: the consumer stopped taking entries", u.unit)
					return
				}
				window = append(window, u.client.Publish(t, wire.QoSEntry, false, p))
				if len(window) == pubWindow {
					if err := waitAll(window); err != nil {
						errs <- err
						return
					}
					window = window[:0]
				}
			}
			if err := waitAll(window); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func waitAll(toks []paho.Token) error {
	for _, tok := range toks {
		if !tok.WaitTimeout(time.Minute) {
			return fmt.Errorf("no PUBACK within a minute")
		}
		if err := tok.Error(); err != nil {
			return err
		}
	}
	return nil
}

// rawRate is how fast a bare subscriber receives the payloads: no
// decoding, no storing, PUBACKs sent by paho as messages arrive. The
// topics are outside kakou/v1 so no collector session queues them.
func rawRate(b *testing.B, brk benchBroker, units []benchUnit, payloads [][][]byte) phase {
	b.StopTimer()
	var got atomic.Int64
	done := make(chan struct{})
	credits := make(chan struct{}, consumeWindow)
	sub := paho.NewClient(paho.NewClientOptions().AddBroker(brk.URL()).SetClientID("bench-raw-sub").
		SetCleanSession(true).SetOrderMatters(false))
	if tok := sub.Connect(); !tok.WaitTimeout(wait) || tok.Error() != nil {
		b.Fatalf("raw subscriber connect: %v", tok.Error())
	}
	defer sub.Disconnect(100)
	tok := sub.Subscribe("bench-raw/#", wire.QoSEntry, func(paho.Client, paho.Message) {
		<-credits
		if got.Add(1) == throughputEntries {
			close(done)
		}
	})
	if !tok.WaitTimeout(wait) || tok.Error() != nil {
		b.Fatalf("raw subscribe: %v", tok.Error())
	}
	ctx, cancel := context.WithTimeout(context.Background(), phaseLimit)
	defer cancel()
	b.StartTimer()
	start, cpu := time.Now(), processCPU()
	err := publishAll(ctx, units, payloads, func(u benchUnit) string { return "bench-raw/" + u.site + "/" + u.unit }, credits)
	if err == nil {
		select {
		case <-done:
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	if err != nil {
		b.Fatalf("the raw subscriber got %d of %d messages (the broker dropped %d): %v",
			got.Load(), throughputEntries, brk.Dropped(), err)
	}
	return measure(start, cpu)
}

// ingestRate is how fast ingest stores the payloads in st.
// Each round's session is ended with it: the broker would otherwise keep
// it, queue for it, and deliver the next round the messages this one
// stored but stopped before acknowledging.
func ingestRate(b *testing.B, brk benchBroker, st Store, units []benchUnit, payloads [][][]byte) phase {
	b.StopTimer()
	const id = "bench-cloud"
	defer endSession(b, brk.URL(), id)
	in := startIngest(b, st, brk.URL(), id)
	defer in.Stop()
	credits := make(chan struct{}, consumeWindow)
	ctx, cancel := context.WithTimeout(context.Background(), phaseLimit)
	defer cancel()
	stored := make(chan error, 1)
	b.StartTimer()
	start, cpu := time.Now(), processCPU()
	go func() { stored <- freeAsStored(ctx, func() uint64 { return in.Stats().Accepted }, credits) }()
	err := publishAll(ctx, units, payloads, func(u benchUnit) string { return wire.EntryTopic(u.site, u.unit) }, credits)
	if err == nil {
		err = <-stored
	}
	measured := measure(start, cpu)
	if err != nil {
		b.Fatalf("ingest stored %d of %d entries (the broker dropped %d): %v",
			in.Stats().Accepted, throughputEntries, brk.Dropped(), err)
	}
	if stats := in.Stats(); stats.Rejected != 0 || stats.Duplicates != 0 {
		b.Fatalf("ingest stats %+v: a generated entry was rejected or repeated", stats)
	}
	return measured
}

// endSession ends the broker's session of id: a clean session under the
// same id replaces it, and is gone when it disconnects.
func endSession(b *testing.B, url, id string) {
	c := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID(id).SetCleanSession(true))
	if tok := c.Connect(); !tok.WaitTimeout(wait) || tok.Error() != nil {
		b.Fatalf("end the session of %s: %v", id, tok.Error())
	}
	c.Disconnect(100)
}

// freeAsStored frees a publishing slot for every entry stored, polling
// count (the collectors' stats: a hook per message would add to what is
// measured), until all are stored.
func freeAsStored(ctx context.Context, count func() uint64, credits <-chan struct{}) error {
	for freed := uint64(0); freed < throughputEntries; {
		stored := count()
		if stored > throughputEntries {
			return fmt.Errorf("ingest stored %d entries of the %d published", stored, throughputEntries)
		}
		for ; freed < stored; freed++ {
			select {
			case <-credits:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
	return nil
}
