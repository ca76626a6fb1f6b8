package credential

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

func TestRosterMatchFindsThePersonByEveryKeyAndOnlyInTheirPeriod(t *testing.T) {
	idHash := wire.PersonHash(testTracingKey, "id", "110105194912310011")
	day := func(d int) time.Time { return testNow.AddDate(0, 0, d) }
	cases := []struct {
		name   string
		q      RosterQuery
		at     time.Time
		synced bool
		entry  string
		kind   WatchKind
		by     string
	}{
		{"pass", RosterQuery{Pass: "Q-1"}, testNow, true, "q-1", WatchQuarantine, wire.WatchByPass},
		{"pass after the period", RosterQuery{Pass: "Q-1"}, day(30), true, "", "", ""},
		{"pass after the period, clock unsynced", RosterQuery{Pass: "Q-1"}, time.Unix(90, 0), false, "q-1", WatchQuarantine, wire.WatchByPass},
		{"in year 9999 the period is over", RosterQuery{Pass: "Q-1"}, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), true, "", "", ""},
		{"ID hash", RosterQuery{IDHash: idHash}, testNow, true, "id-1", WatchMonitoring, wire.WatchByIDHash},
		{"household of a pass, any spelling", RosterQuery{Pass: "SG-1", Household: "9号楼9单元909"}, testNow, true, "hh-9", WatchQuarantine, wire.WatchByHousehold},
		{"household in its monitoring segment", RosterQuery{Household: "9-9-909"}, day(12), true, "hh-9", WatchMonitoring, wire.WatchByHousehold},
		{"visitor to a quarantined household", RosterQuery{Destination: "9栋9单元909室"}, testNow, true, "hh-9", WatchQuarantine, wire.WatchByDestination},
		{"visitor to a household only monitored is not refused", RosterQuery{Destination: "9-9-909"}, day(12), true, "", "", ""},
		{"the person outranks the household", RosterQuery{IDHash: idHash, Household: "9-9-909"}, testNow, true, "id-1", WatchMonitoring, wire.WatchByIDHash},
		{"nobody", RosterQuery{Pass: "SG-0012", Household: "3-2-501", Destination: "3-2-501"}, testNow, true, "", "", ""},
		{"empty query", RosterQuery{}, testNow, true, "", "", ""},
	}
	for _, c := range cases {
		w := testRoster.Match(c.q, c.at, c.synced)
		switch {
		case c.entry == "" && w != nil:
			t.Errorf("%s: matched %+v", c.name, w)
		case c.entry != "" && (w == nil || w.Entry != c.entry || w.Kind != c.kind || w.By != c.by):
			t.Errorf("%s: got %+v, want %s %s by %s", c.name, w, c.entry, c.kind, c.by)
		}
	}
	var none *Roster
	if none.Match(RosterQuery{Pass: "Q-1"}, testNow, true) != nil || none.Len() != 0 || none.Version() != 0 {
		t.Fatal("a nil roster lists somebody")
	}
}

func TestScannedPreRegistrationIsMatchedByTheHashOfItsIDAndItsDestination(t *testing.T) {
	v := testVerifier(t, syncedClock)
	priv, err := NewPrivacy(testTracingKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := EncodeVisitor(Visitor{Name: "王五", ID: "110105194912310011", Phone: "13800000000"})
	if p := v.Check(context.Background(), []byte(code)); p.Watch != nil {
		t.Fatalf("matched by ID without a tracing key: %+v", p.Watch)
	}
	v.Hashes = priv
	if p := v.Check(context.Background(), []byte(code)); p.Watch == nil || p.Watch.Entry != "id-1" {
		t.Fatalf("pre-registration by a monitored ID: %+v", p.Watch)
	}
	code, _ = EncodeVisitor(Visitor{Name: "赵六", Destination: "9号楼9单元909"})
	if p := v.Check(context.Background(), []byte(code)); p.Watch == nil || p.Watch.By != wire.WatchByDestination {
		t.Fatalf("visitor to a quarantined household: %+v", p.Watch)
	}
}

// bigRoster is n people, each with a pass, an ID hash, a phone hash and a
// household, as a city district's roster might list them.
func bigRoster(n int) []wire.WatchEntry {
	es := make([]wire.WatchEntry, n)
	for i := range es {
		es[i] = wire.WatchEntry{ID: fmt.Sprintf("w%07d", i), Pass: fmt.Sprintf("P-%07d", i),
			IDHash:    wire.PersonHash(testTracingKey, "id", fmt.Sprint(int64(110105190000000000)+int64(i))),
			PhoneHash: wire.PersonHash(testTracingKey, "phone", fmt.Sprint(int64(13800000000)+int64(i))),
			Household: fmt.Sprintf("%d-%d-%d", i/10000, i/100%100, i%100), Kind: wire.WatchKinds[i%3],
			Start: testNow.AddDate(0, 0, -i%20), Plan: "14+7+7", Tests: []string{"24h", "7d", "14d"}}
	}
	return es
}

// BenchmarkRosterMatch100k is the gate's lookup against a roster of
// 100,000 people: a pass with its household plus a registration's two
// hashes, half of them listed. It reports the 99th percentile of the
// per-scan latency (the target: under 1 ms on the unit).
func BenchmarkRosterMatch100k(b *testing.B) {
	es := bigRoster(100_000)
	r := NewRoster(1, es)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		k := i % 200_000
		q := RosterQuery{Pass: fmt.Sprintf("P-%07d", k), Household: "3-2-501",
			IDHash: es[k%len(es)].IDHash, PhoneHash: "x", Destination: "3号楼2单元501"}
		t0 := time.Now()
		r.Match(q, testNow, true)
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
	}
}

// BenchmarkRosterAssemble100k is what a unit does when the centre's
// roster of 100,000 people arrives or is read back at start: check every
// part's hash, decode it, apply it and index the result; it reports the
// live heap the indexed roster holds.
func BenchmarkRosterAssemble100k(b *testing.B) {
	es := bigRoster(100_000)
	tree, err := wire.BuildWatch(1, 1, es, nil, len(es), testNow, "centre")
	if err != nil {
		b.Fatal(err)
	}
	size := 0
	for _, p := range tree.Parts {
		size += len(p)
	}
	var heap uint64
	for b.Loop() {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		got, err := wire.AssembleWatch(&tree.Head, func(n string) ([]byte, bool) { p, ok := tree.Parts[n]; return p, ok })
		if err != nil {
			b.Fatal(err)
		}
		r := NewRoster(tree.Head.Version, got)
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		heap = after.HeapAlloc - before.HeapAlloc
		runtime.KeepAlive(r)
	}
	b.ReportMetric(float64(heap)/(1<<20), "MiB-held")
	b.ReportMetric(float64(len(tree.Parts)), "parts")
	b.ReportMetric(float64(size)/(1<<20), "MiB-on-wire")
}
