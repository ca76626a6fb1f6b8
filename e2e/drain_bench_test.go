package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/kakou/kakou/cloud/collector"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/ledger"
	"github.com/kakou/kakou/firmware/unit"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

const drainBacklog = 100_000

// BenchmarkBacklogDrainEndToEnd measures the backlog drain: a unit comes
// back with a 100,000-entry backlog while people keep arriving. It reports
// how fast the backlog reaches the real collector's store (entries/s), the
// raw rate at which the same embedded broker carries the same payloads
// from a bare publisher to a bare subscriber, their ratio, and the p99
// latency of live entries (unit clock to collector receipt) during the
// drain.
func BenchmarkBacklogDrainEndToEnd(b *testing.B) {
	for i := 0; i < b.N; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		c := startCollector(b, ctx, "[broker]\nembedded = true\nlisten = \"127.0.0.1:0\"\n")
		raw := rawBrokerRate(b, c.BrokerURL(), drainBacklog)
		dir := b.TempDir()
		fillLedger(b, filepath.Join(dir, "data", "ledger.db"), drainBacklog)
		var ru0, ru1 syscall.Rusage
		syscall.Getrusage(0, &ru0)
		start := time.Now()
		u := benchUnit(b, ctx, dir, c.BrokerURL())
		testenv.Await(b, "backlog drained", 10*time.Minute, func() bool { return ackedSeq(b, c, "bench-unit") >= drainBacklog })
		drain := float64(drainBacklog) / time.Since(start).Seconds()
		syscall.Getrusage(0, &ru1)
		b.ReportMetric(cpuSeconds(ru1)-cpuSeconds(ru0), "drain-cpu-s")
		live := liveLatencies(b, c)
		cancel()
		u.wait()
		b.ReportMetric(drain, "drain-entries/s")
		b.ReportMetric(raw, "raw-msgs/s")
		b.ReportMetric(drain/raw, "ratio")
		b.ReportMetric(float64(len(live)), "live-entries")
		if len(live) > 0 {
			b.ReportMetric(float64(live[len(live)*99/100].Milliseconds()), "live-p99-ms")
		}
	}
}

// fillLedger writes n past entries, as a unit cut off for a long while has.
func fillLedger(b *testing.B, path string, n int) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		b.Fatal(err)
	}
	l, err := ledger.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	past := time.Now().Add(-6 * time.Hour)
	for done := 0; done < n; done += 5000 {
		batch := make([]wire.Entry, 5000)
		for i := range batch {
			batch[i] = wire.Entry{Schema: wire.SchemaVersion, ID: fmt.Sprintf("backlog-%07d", done+i),
				Site: "bench-site", Unit: "bench-unit", BootID: "b", Lane: wire.LaneIn,
				Time: past.Add(time.Duration(done+i) * 100 * time.Millisecond), ClockSynced: true,
				Temperature: &wire.Temperature{RawC: 36.1, CorrectedC: 36.6},
				Credential:  wire.Credential{Kind: wire.CredentialResidentPass, Result: "valid", Subject: "R-1"},
				Decision:    wire.Allow, Reasons: []wire.Reason{{Code: "temp_normal", ZH: "体温正常", EN: "temperature normal"}},
				PolicyVersion: "default-1"}
		}
		if err := l.AppendBatch(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
}

type runningUnit struct {
	u    *unit.Unit
	done chan error
}

func (r runningUnit) wait() { <-r.done; r.u.Close() }

// benchUnit runs a unit over the filled ledger with a live crowd of about
// 30 people a second and no cap on the backlog rate.
func benchUnit(b *testing.B, ctx context.Context, dir, brokerURL string) runningUnit {
	cfgPath := filepath.Join(dir, "unit.toml")
	body := fmt.Sprintf(`site = "bench-site"
unit = "bench-unit"
data_dir = %q
trust_clock = true
[console]
listen = "off"
[mqtt]
broker = %q
backlog_rate = 0
[simulator]
mean_interval = "30ms"
`, filepath.Join(dir, "data"), brokerURL)
	os.WriteFile(cfgPath, []byte(body), 0o600)
	cfg, err := unit.LoadConfig(cfgPath)
	if err != nil {
		b.Fatal(err)
	}
	u, err := unit.New(cfg, testLogger(b, "bench-unit"))
	if err != nil {
		b.Fatal(err)
	}
	r := runningUnit{u: u, done: make(chan error, 1)}
	go func() { r.done <- u.Run(ctx) }()
	return r
}

// ackedSeq reads the watermark straight from the store: polling the fleet
// view instead would count the day's entries 20 times a second and slow
// the very drain it measures.
func ackedSeq(b *testing.B, c *collector.Collector, unit string) uint64 {
	seq, err := c.Store().AckedSeq(context.Background(), store.UnitID{Site: "bench-site", Unit: unit})
	if err != nil {
		b.Fatal(err)
	}
	return seq
}

// liveLatencies are, sorted, how long each live entry took from the unit's
// clock to the collector's receipt (one machine, one clock).
func liveLatencies(b *testing.B, c *collector.Collector) []time.Duration {
	recs, err := c.Store().Entries(context.Background(), storeQuery("bench-unit"))
	if err != nil {
		b.Fatal(err)
	}
	var out []time.Duration
	for _, r := range recs {
		if !r.Historical && r.Seq > drainBacklog {
			out = append(out, r.ReceivedAt.Sub(r.Time))
		}
	}
	slices.Sort(out)
	return out
}

// rawBrokerRate publishes n entry-sized payloads at QoS 1 from a bare paho
// client to a bare subscriber through the same broker.
func rawBrokerRate(b *testing.B, brokerURL string, n int) float64 {
	payload := make([]byte, 700)
	got := make(chan struct{}, n)
	sub := benchClient(b, brokerURL, "raw-sub")
	sub.Subscribe("raw/bench", 1, func(mqtt.Client, mqtt.Message) { got <- struct{}{} }).Wait()
	pub := benchClient(b, brokerURL, "raw-pub")
	start := time.Now()
	go func() {
		var last mqtt.Token
		for i := 0; i < n; i++ {
			last = pub.Publish("raw/bench", 1, false, payload)
			if i%1000 == 999 {
				last.Wait() // keep paho's in-flight window bounded, as the uplink does
			}
		}
	}()
	for i := 0; i < n; i++ {
		<-got
	}
	rate := float64(n) / time.Since(start).Seconds()
	pub.Disconnect(100)
	sub.Disconnect(100)
	return rate
}

func benchClient(b *testing.B, brokerURL, id string) mqtt.Client {
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(brokerURL).SetClientID(id).SetOrderMatters(false))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		b.Fatalf("connect %s: %v", id, tok.Error())
	}
	return c
}

func storeQuery(unitID string) store.Query { return store.Query{Unit: unitID, Limit: store.MaxLimit} }

// cpuSeconds is the process's user and system CPU time: the drain runs
// unit, broker and collector in one process, so it shows how much of the
// two cores the drain kept busy.
func cpuSeconds(ru syscall.Rusage) float64 {
	return time.Duration(syscall.TimevalToNsec(ru.Utime) + syscall.TimevalToNsec(ru.Stime)).Seconds()
}
