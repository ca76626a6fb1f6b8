package loadgen

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/collector"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// ceiling is a limit on blocking steps, not a timing assertion.
const ceiling = 30 * time.Second

// startCollector runs the real collector: embedded broker, ingest and a
// temp-dir SQLite, as cloud/collector's own tests do.
func startCollector(t *testing.T) *collector.Collector {
	t.Helper()
	cfg := collector.Default()
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.Broker.Listen = "127.0.0.1:0"
	c, err := collector.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), ceiling)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), ceiling)
		defer cancel()
		c.Shutdown(ctx)
	})
	return c
}

func run(t *testing.T, opts Options) Stats {
	t.Helper()
	f, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*ceiling)
	defer cancel()
	st, err := f.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// stored is how many entries of unit the store holds and its watermark.
func stored(t *testing.T, s collector.Store, unit string) (int, uint64) {
	t.Helper()
	ctx := context.Background()
	recs, err := s.Entries(ctx, store.Query{Unit: unit, Limit: store.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	var site string // each unit is at one site: its entries say which
	if len(recs) > 0 {
		site = recs[0].Site
	}
	acked, err := s.AckedSeq(ctx, store.UnitID{Site: site, Unit: unit})
	if err != nil {
		t.Fatal(err)
	}
	return len(recs), acked
}

func TestRunStoresAndAcknowledgesEveryEntry(t *testing.T) {
	const units, each = 50, 20
	c := startCollector(t)
	// Every ack is awaited up to the ceiling, not the 10 s a sizing run
	// waits: this test asks whether each entry is acknowledged, and a
	// machine busy with the race detector may take longer to say so.
	st := run(t, Options{BrokerURL: c.BrokerURL(), Units: units, Sites: 5,
		EntriesPerUnit: each, Concurrency: 8, Seed: 1, AckWait: ceiling})

	if st.Units != units || st.ConnectFailures != 0 || st.PublishFailures != 0 {
		t.Fatalf("stats %+v: want %d units connected, no failures", st, units)
	}
	if st.Published != units*each || st.Acked != units*each {
		t.Fatalf("published %d, acked %d; want %d of each", st.Published, st.Acked, units*each)
	}
	if st.PublishP99 <= 0 {
		t.Errorf("PublishP99 = %v, want the latency of real publishes", st.PublishP99)
	}
	f, _ := New(Options{BrokerURL: c.BrokerURL(), Units: units, Sites: 5, EntriesPerUnit: each})
	for i := range units {
		_, id := f.ids(i)
		n, acked := stored(t, c.Store(), id)
		if n != each || acked != each {
			t.Errorf("%s: %d entries stored, watermark %d; want %d and %d", id, n, acked, each, each)
		}
	}
}

func TestRunLeavesEveryUnitOfflineInTheFleetView(t *testing.T) {
	c := startCollector(t)
	run(t, Options{BrokerURL: c.BrokerURL(), Units: 6, Sites: 3, EntriesPerUnit: 1})
	// The offline statuses are stored after Run returns, as ingest gets to
	// them; the ceiling only stops a hung test.
	var fleet []store.Unit
	testenv.Await(t, "six units, all offline", ceiling, func() bool {
		var err error
		if fleet, err = c.Store().Units(context.Background(), time.Time{}); err != nil {
			t.Fatal(err)
		}
		return len(fleet) == 6 && !anyOnline(fleet)
	})
	sites, lanes := map[string]int{}, map[wire.Lane]int{}
	for _, u := range fleet {
		if u.Online || u.Firmware != "0.1.0-sim" || u.Facility == "" {
			t.Errorf("unit %+v: want offline, firmware 0.1.0-sim, a facility", u)
		}
		sites[u.Site]++
		lanes[u.Lane]++
	}
	if len(fleet) != 6 || len(sites) != 3 || lanes[wire.LaneIn] != 3 || lanes[wire.LaneOut] != 3 {
		t.Fatalf("%d units over sites %v with lanes %v; want 6 over 3 sites, 3 in and 3 out", len(fleet), sites, lanes)
	}
}

func anyOnline(units []store.Unit) bool {
	for _, u := range units {
		if u.Online {
			return true
		}
	}
	return false
}

func TestRunAtARateForADurationIsAcknowledged(t *testing.T) {
	c := startCollector(t)
	st := run(t, Options{BrokerURL: c.BrokerURL(), Units: 4, RatePerUnit: 20,
		Duration: 2 * time.Second, Prefix: "paced"})
	if st.Published == 0 || st.Acked != st.Published {
		t.Fatalf("published %d, acked %d; want some, all acknowledged", st.Published, st.Acked)
	}
}

func TestRerunWithTheSamePrefixCountsItsEntriesAcknowledged(t *testing.T) {
	c := startCollector(t)
	opts := Options{BrokerURL: c.BrokerURL(), Units: 3, EntriesPerUnit: 5, Prefix: "again"}
	run(t, opts)
	st := run(t, opts) // the retained acks already cover seq 1-5
	if st.Published != 15 || st.Acked != 15 {
		t.Fatalf("re-run published %d, acked %d; want 15 and 15", st.Published, st.Acked)
	}
	if n, _ := stored(t, c.Store(), "again-u00001"); n != 5 {
		t.Fatalf("%d entries stored for again-u00001 after two runs, want 5", n)
	}
}

func TestRunReportsAnUnreachableBroker(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	f, err := New(Options{BrokerURL: "tcp://" + addr, Units: 2, EntriesPerUnit: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	st, err := f.Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "no unit could connect") {
		t.Fatalf("Run = %v, want the no-unit-connected error", err)
	}
	if st.Units != 0 || st.ConnectFailures != 2 {
		t.Fatalf("stats %+v, want 0 units and 2 connect failures", st)
	}
	if _, err := f.Run(context.Background()); err == nil {
		t.Fatal("a second Run of the same Fleet succeeded")
	}
}

func TestNewRejectsUnusableOptions(t *testing.T) {
	ok := Options{BrokerURL: "tcp://127.0.0.1:1883", Units: 10, Sites: 2, EntriesPerUnit: 1}
	cases := []struct {
		name   string
		change func(*Options)
		want   string
	}{
		{"no broker", func(o *Options) { o.BrokerURL = "" }, "BrokerURL"},
		{"no units", func(o *Options) { o.Units = 0 }, "Units 0"},
		{"more sites than units", func(o *Options) { o.Sites = 11 }, "Sites 11"},
		{"negative rate", func(o *Options) { o.RatePerUnit = -1 }, "RatePerUnit"},
		{"never ends", func(o *Options) { o.EntriesPerUnit = 0 }, "Duration or EntriesPerUnit"},
		{"negative duration", func(o *Options) { o.Duration = -time.Second }, "cannot be negative"},
		{"prefix not an id", func(o *Options) { o.Prefix = "Sim/1" }, "Prefix"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := ok
			c.change(&o)
			if _, err := New(o); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("New = %v, want an error naming %q", err, c.want)
			}
		})
	}
	if _, err := New(ok); err != nil {
		t.Fatalf("New(valid options) = %v", err)
	}
}

func TestFleetSpreadsUnitsOverSitesAndBothLanes(t *testing.T) {
	f, err := New(Options{BrokerURL: "tcp://127.0.0.1:1883", Units: 8, Sites: 2, EntriesPerUnit: 1})
	if err != nil {
		t.Fatal(err)
	}
	type key struct {
		site string
		lane wire.Lane
	}
	got := map[key]int{}
	for i := range 8 {
		u := f.newUnit(i)
		if wire.ValidateID(u.site) != nil || wire.ValidateID(u.id) != nil {
			t.Fatalf("unit %d: ids %q, %q are not wire ids", i, u.site, u.id)
		}
		got[key{u.site, u.lane}]++
	}
	want := map[key]int{{"sim-s001", wire.LaneIn}: 2, {"sim-s001", wire.LaneOut}: 2,
		{"sim-s002", wire.LaneIn}: 2, {"sim-s002", wire.LaneOut}: 2}
	for k, n := range want {
		if got[k] != n {
			t.Fatalf("units per site and lane %v, want %v", got, want)
		}
	}
}

func TestReservoirQuantile(t *testing.T) {
	r := newReservoir(1000, 1)
	if q := r.quantile(0.99); q != 0 {
		t.Fatalf("empty reservoir's p99 = %v, want 0", q)
	}
	for i := 1; i <= 1000; i++ {
		r.add(time.Duration(i) * time.Millisecond)
	}
	if q := r.quantile(0.99); q != 990*time.Millisecond {
		t.Fatalf("p99 of 1..1000 ms = %v, want 990ms", q)
	}
	for range 100_000 {
		r.add(time.Hour)
	}
	if len(r.samples) != 1000 || r.quantile(0.5) != time.Hour {
		t.Fatalf("after 100,000 more: %d samples, median %v; want 1000 and 1h (the sample follows the stream)",
			len(r.samples), r.quantile(0.5))
	}
}
