package ingest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/kakou/kakou/cloud/store/pgtest"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/natstest"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// BenchmarkNATSCityIntoPostgres is BenchmarkIngestThroughputPostgres on a
// city's broker: an in-process 3-node NATS cluster, the 100 units spread
// over its nodes publishing over MQTT, entries kept by JetStream at 3
// replicas. It compares, in one run, two rates for the same 100,000
// entries:
//
//   - raw-msgs/s: how fast a bare JetStream consumer on the same cluster,
//     on a stream configured as the entries' one, receives them and only
//     acknowledges them: the most a collector tier could take from it;
//   - city-entries/s: how fast three collectors, one per node, sharing
//     the durable consumer, store them into one PostgreSQL database (the
//     pgtest server, loopback, fsync off), measured until every unit has
//     been acknowledged its last entry over MQTT;
//
// and ratio, the share of the cluster's rate the collectors keep up with.
// It runs twice, as sub-benchmarks on clusters of their own: live, with
// the live path on (each entry is stored off core NATS and then comes
// again through the durable consumer as an echo; the round also waits for
// the consumer to drain those, so their cost is in the rate), and
// durable-only ([broker.jetstream] live = false).
// It skips without PostgreSQL, unless KAKOU_INTEGRATION=1. Run it once:
// go test -run '^$' -bench NATSCityIntoPostgres -benchtime 1x ./cloud/ingest
func BenchmarkNATSCityIntoPostgres(b *testing.B) {
	pgtest.Start(b) // skip before building a cluster when there is no PostgreSQL
	b.Run("live", func(b *testing.B) { benchNATSCity(b, false) })
	b.Run("durable-only", func(b *testing.B) { benchNATSCity(b, true) })
}

func benchNATSCity(b *testing.B, durableOnly bool) {
	c := natstest.Cluster(b, 3)
	units := connectUnits(b, c.MQTTURLs()...)
	acks := watchLastAcks(b, c.Node(2).MQTTURL)
	js := jetStreamClient(b, c.Node(0).NATSURL)
	var raw, city phase
	for b.Loop() {
		payloads := fleetPayloads(b)
		raw.add(jetStreamRawRate(b, js, c, units, payloads))
		city.add(cityRate(b, c, js, pgtest.Start(b), acks, units, payloads, durableOnly))
	}
	b.ReportMetric(raw.rate(), "raw-msgs/s")
	b.ReportMetric(city.rate(), "city-entries/s")
	b.ReportMetric(city.rate()/raw.rate(), "ratio")
	// The cluster's nodes run in this process, so the CPU counted here is
	// the brokers', the collectors' and the units', not PostgreSQL's.
	b.ReportMetric(raw.cpuPerMsg(), "raw-cpu-µs/msg")
	b.ReportMetric(city.cpuPerMsg(), "city-cpu-µs/entry")
}

// rawSubjects is where the raw phase's units publish (bench-raw/<site>/<unit>
// over MQTT): outside the entries' stream, so no collector sees them.
const rawSubjects = "bench-raw.>"

func jetStreamClient(b *testing.B, url string) jetstream.JetStream {
	nc, err := nats.Connect(url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		b.Fatal(err)
	}
	return js
}

// jetStreamRawRate is how fast a bare consumer takes the payloads from a
// fresh stream made as ensureConsumer makes the entries' one, pulling in
// batches as ingest does and acknowledging each message as it arrives.
func jetStreamRawRate(b *testing.B, js jetstream.JetStream, c *natstest.Nodes, units []benchUnit, payloads [][][]byte) phase {
	b.StopTimer()
	ctx, cancel := context.WithTimeout(context.Background(), phaseLimit)
	defer cancel()
	o := JetStreamOptions{Stream: "BENCH_RAW", Consumer: "bench-raw", Replicas: c.Len()}.withDefaults()
	s, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{Name: o.Stream, Subjects: []string{rawSubjects},
		Storage: jetstream.FileStorage, Replicas: o.Replicas, Retention: jetstream.LimitsPolicy,
		Discard: jetstream.DiscardOld, MaxAge: DefaultMaxAge})
	if err != nil {
		b.Fatal(err)
	}
	defer js.DeleteStream(context.Background(), o.Stream) //nolint:errcheck // the next round makes it again
	cons, err := s.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{Durable: o.Consumer,
		AckPolicy: jetstream.AckExplicitPolicy, AckWait: o.AckWait, MaxAckPending: o.MaxAckPending})
	if err != nil {
		b.Fatal(err)
	}
	credits := make(chan struct{}, consumeWindow)
	var got atomic.Int64
	done := make(chan struct{})
	iter, err := cons.Messages(jetstream.PullMaxMessages(maxBatch))
	if err != nil {
		b.Fatal(err)
	}
	defer iter.Stop()
	b.StartTimer()
	start, cpu := time.Now(), processCPU()
	go func() {
		for {
			m, err := iter.Next()
			if err != nil {
				return
			}
			_ = m.Ack()
			<-credits
			if got.Add(1) == throughputEntries {
				close(done)
			}
		}
	}()
	err = publishAll(ctx, units, payloads, func(u benchUnit) string { return "bench-raw/" + u.site + "/" + u.unit }, credits)
	if err == nil {
		select {
		case <-done:
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	if err != nil {
		b.Fatalf("the bare consumer got %d of %d messages: %v", got.Load(), throughputEntries, err)
	}
	return measure(start, cpu)
}

// cityRate is how fast three collectors, one on each node, store the
// payloads into the database at dsn, until every unit is acknowledged its
// last entry and the durable consumer has handed out and had acknowledged
// every entry (with the live path on, the echoes).
func cityRate(b *testing.B, c *natstest.Nodes, js jetstream.JetStream, dsn string, acks *lastAcks, units []benchUnit,
	payloads [][][]byte, durableOnly bool) phase {
	b.StopTimer()
	acks.expect(len(units), uint64(len(payloads[0])))
	collectors := make([]*Ingest, c.Len())
	for i := range collectors {
		collectors[i] = startLiveIngest(b, openPostgresAt(b, dsn), c, i, fmt.Sprintf("bench-city-%d", i), DefaultAckWait,
			durableOnly, nil)
		defer collectors[i].Stop()
	}
	stored := func() uint64 {
		var n uint64
		for _, in := range collectors {
			// New entries: with the live path, an entry's durable copy
			// may be stored first and its live copy counted a duplicate.
			st := in.Stats()
			n += st.Accepted - st.Duplicates
		}
		return n
	}
	credits := make(chan struct{}, consumeWindow)
	ctx, cancel := context.WithTimeout(context.Background(), phaseLimit)
	defer cancel()
	freed := make(chan error, 1)
	b.StartTimer()
	start, cpu := time.Now(), processCPU()
	go func() { freed <- freeAsStored(ctx, stored, credits) }()
	err := publishAll(ctx, units, payloads, func(u benchUnit) string { return wire.EntryTopic(u.site, u.unit) }, credits)
	if err == nil {
		err = <-freed
	}
	if err == nil {
		select {
		case <-acks.all:
		case <-ctx.Done():
			err = fmt.Errorf("%d units acknowledged to their last entry: %w", acks.count(), ctx.Err())
		}
	}
	if err == nil {
		err = consumerDrained(ctx, js)
	}
	measured := measure(start, cpu)
	if err != nil {
		b.Fatalf("the collectors stored %d of %d entries: %v", stored(), throughputEntries, err)
	}
	return measured
}

// lastAcks counts the units acknowledged up to their last entry, as their
// acks arrive over MQTT; all is closed when every unit is.
type lastAcks struct {
	mu    sync.Mutex
	last  uint64
	units int
	done  map[string]bool
	all   chan struct{}
}

func watchLastAcks(b *testing.B, url string) *lastAcks {
	w := &lastAcks{}
	cl := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID("bench-acks").SetCleanSession(true))
	if tok := cl.Connect(); !tok.WaitTimeout(clusterWait) || tok.Error() != nil {
		b.Fatalf("ack watcher connect: %v", tok.Error())
	}
	b.Cleanup(func() { cl.Disconnect(0) })
	tok := cl.Subscribe(ackFilter, wire.QoSAck, func(_ paho.Client, m paho.Message) {
		if a, err := wire.DecodeAck(m.Payload()); err == nil && !m.Retained() {
			w.saw(a)
		}
	})
	if !tok.WaitTimeout(clusterWait) || tok.Error() != nil {
		b.Fatalf("ack watcher subscribe: %v", tok.Error())
	}
	return w
}

// expect starts a round: units units, each to be acknowledged to last.
// The previous round's collectors are stopped, so no ack of theirs comes.
func (w *lastAcks) expect(units int, last uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.last, w.units, w.done, w.all = last, units, map[string]bool{}, make(chan struct{})
}

func (w *lastAcks) saw(a wire.Ack) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done == nil || a.Seq < w.last || w.done[a.Site+"/"+a.Unit] {
		return
	}
	w.done[a.Site+"/"+a.Unit] = true
	if len(w.done) == w.units {
		close(w.all)
	}
}

func (w *lastAcks) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.done)
}

// consumerDrained waits until the entries' durable consumer has nothing
// pending and nothing out unacknowledged.
func consumerDrained(ctx context.Context, js jetstream.JetStream) error {
	for {
		cons, err := js.Consumer(ctx, DefaultStream, DefaultConsumer)
		if err == nil {
			var info *jetstream.ConsumerInfo
			if info, err = cons.Info(ctx); err == nil && info.NumPending == 0 && info.NumAckPending == 0 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the durable consumer not drained: %w", ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
