package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// The conformance suite runs one table of behaviours against every
// backend, each behaviour on a fresh store, so SQLite and PostgreSQL are
// held to the same contract: the Store interface (store.go) and the
// behaviours below. The behaviours of the monitoring methods are in
// monitoring.go's table, appended here.
var behaviours = []struct {
	name string
	run  func(t *testing.T, c conf)
}{
	{"re-sent entries are stored once", behaveIdempotent},
	{"every field round-trips", behaveRoundTrip},
	{"watermark advances, holds at a gap, jumps when it fills", behaveWatermarkSteps},
	{"watermark starts below the first seq when nothing waits", behaveWatermarkStartsIdle},
	{"watermark of an idle unit starts at its status's ack, not below what came first", behaveWatermarkStartsIdleAtTheStatusAck},
	{"watermark waits for the backlog of a unit first heard of late", behaveWatermarkWaitsForBacklog},
	{"watermark does not guess where a backlog begins", behaveWatermarkDoesNotGuess},
	{"watermarks of several units in one batch", behaveWatermarkSeveralUnits},
	{"watermark ignores a status's claim until an operator sets it", behaveWatermarkFromStatus},
	{"two sites' units of one id are two units", behaveSameUnitIDAtTwoSites},
	{"an entry that takes another's place is set aside", behaveConflictSetAside},
	{"online status and will", behaveStatusRules},
	{"live backlog and disk alarm survive a will", behaveStatusBacklog},
	{"entries filtered and newest first", behaveEntriesFilters},
	{"an unsynced clock counts by receive time", behaveUnsyncedClock},
	{"units and their entries today", behaveUnits},
	{"a gateway is listed with its role", behaveGatewayRole},
	{"units keep the names their status says", behaveUnitNames}, // names.go
}

// Conformance runs the store's behaviours on stores open makes, a fresh
// one for each, in parallel.
func Conformance(t *testing.T, open func(*testing.T) Store) {
	all := append(behaviours[:len(behaviours):len(behaviours)], monitoringBehaviours...)
	all = append(all, recordBehaviours...)
	all = append(all, occupancyBehaviours...)
	all = append(all, healthVerifierBehaviours...)
	for _, bh := range all {
		t.Run(bh.name, func(t *testing.T) {
			t.Parallel()
			bh.run(t, conf{t, open(t)})
		})
	}
}

// conf is a store under test with fatal-on-error helpers.
type conf struct {
	t *testing.T
	s Store
}

func (c conf) put(at time.Time, entries ...wire.Entry) store.PutResult {
	c.t.Helper()
	res, err := c.s.PutEntries(ctx, entries, at)
	if err != nil {
		c.t.Fatal(err)
	}
	return res
}

func (c conf) mark(at time.Time, entries ...wire.Entry) store.Watermark {
	c.t.Helper()
	return only(c.t, c.put(at, entries...))
}

func (c conf) status(st wire.Status, at time.Time) {
	c.t.Helper()
	if err := c.s.PutStatus(ctx, st, at); err != nil {
		c.t.Fatal(err)
	}
}

func (c conf) birth(unit string, backlog int) {
	c.t.Helper()
	st := Status(unit, wire.Online)
	st.Backlog = backlog
	c.status(st, Received)
}

func (c conf) units(dayStart time.Time) map[string]store.Unit {
	c.t.Helper()
	list, err := c.s.Units(ctx, dayStart)
	if err != nil {
		c.t.Fatal(err)
	}
	m := map[string]store.Unit{}
	for _, u := range list {
		m[u.ID] = u
	}
	return m
}

func (c conf) entries(q store.Query) []store.Record {
	c.t.Helper()
	got, err := c.s.Entries(ctx, q)
	if err != nil {
		c.t.Fatal(err)
	}
	return got
}

func (c conf) ids(q store.Query) []string {
	c.t.Helper()
	ids := []string{}
	for _, r := range c.entries(q) {
		ids = append(ids, r.ID)
	}
	return ids
}

func behaveIdempotent(t *testing.T, c conf) {
	e := Entry("site-a", "u1", 1)
	changed := e
	changed.Decision = wire.Deny // a re-send must not rewrite history
	newID := e
	newID.ID = "another-id"
	steps := []struct {
		name  string
		batch []wire.Entry
		want  int
	}{
		{"first", []wire.Entry{e}, 1},
		{"same id again, changed", []wire.Entry{changed}, 0},
		{"another entry under a stored seq (set aside), and a new seq", []wire.Entry{newID, Entry("site-a", "u1", 2)}, 1},
		{"one entry twice in a batch", []wire.Entry{Entry("site-a", "u1", 3), Entry("site-a", "u1", 3)}, 1},
	}
	for _, st := range steps {
		if n := c.put(Received.Add(time.Hour), st.batch...).Inserted; n != st.want {
			t.Fatalf("%s: inserted %d, want %d", st.name, n, st.want)
		}
	}
	got := c.entries(store.Query{})
	if ids := c.ids(store.Query{}); !reflect.DeepEqual(ids, []string{"u1-3", "u1-2", "u1-1"}) {
		t.Fatalf("stored %v, want u1-3, u1-2, u1-1", ids)
	}
	if first := got[2]; first.Decision != wire.Allow || !first.ReceivedAt.Equal(Received.Add(time.Hour)) {
		t.Fatalf("u1-1 = %+v, want the first version kept", first)
	}
}

func behaveRoundTrip(t *testing.T, c conf) {
	withTemp := Entry("site-a", "u1", 1)
	withTemp.Time = withTemp.Time.In(time.FixedZone("CST", 8*3600))
	withTemp.Temperature.Source, withTemp.Temperature.SamplesC = wire.SourceManual, []float64{36.1, 36.2}
	withTemp.Alert = "fever"
	withTemp.Visitor = &wire.Visitor{Name: "张三", Phone: "138****5678", Destination: "3-2-501"}
	withTemp.Override = &wire.Override{By: "guard-1", Reason: "known resident", Replaces: "e-0"}
	withTemp.Guard, withTemp.Amends = "guard-1", "e-0"
	withTemp.Mask = &wire.Mask{Result: wire.MaskWorn, Rule: wire.MaskException}
	noTemp := Entry("site-a", "u1", 2)
	noTemp.Temperature, noTemp.Credential = nil, wire.Credential{Kind: wire.CredentialNone, Result: "none"}
	noTemp.Historical, noTemp.Lane, noTemp.Reasons = true, wire.LaneOut, nil
	c.put(Received, withTemp, noTemp)
	got := c.entries(store.Query{})
	noTemp.Reasons = []wire.Reason{} // stored as an empty list
	for i, want := range []wire.Entry{noTemp, withTemp} {
		g := got[i]
		if !g.Time.Equal(want.Time) || g.Time.Format(time.RFC3339) != want.Time.Format(time.RFC3339) {
			t.Errorf("entry %s time = %v, want %v as sent", want.ID, g.Time, want.Time)
		}
		g.Time = want.Time
		if !reflect.DeepEqual(g.Entry, want) || !g.ReceivedAt.Equal(Received) {
			t.Errorf("entry %s:\n got %+v at %v\nwant %+v at %v", want.ID, g.Entry, g.ReceivedAt, want, Received)
		}
	}
	// A backlog's copy of an entry with every field is a re-send, not a
	// conflict: what was stored reads back whole.
	again := withTemp
	again.Historical = true
	if res := c.put(Received.Add(time.Hour), again); res.Inserted != 0 || len(res.Conflicts) != 0 {
		t.Fatalf("re-send of a full entry: %+v, want nothing new and no conflict", res)
	}
}

func behaveWatermarkSteps(t *testing.T, c conf) {
	newID := Entry("site-a", "u1", 1)
	newID.ID = "u1-1-again"
	steps := []struct {
		name      string
		batch     []wire.Entry
		want      uint64
		wantMoved bool
	}{
		{"first entries", Seqs("u1", 1, 2), 2, true},
		{"after a gap", Seqs("u1", 4, 5), 2, false},
		{"gap filled", Seqs("u1", 3, 3), 5, true},
		{"re-send", Seqs("u1", 2, 4), 5, false},
		{"another entry under a stored seq", []wire.Entry{newID}, 5, false},
		{"out of order in one batch", []wire.Entry{Entry("site-a", "u1", 7), Entry("site-a", "u1", 6)}, 7, true},
	}
	for _, st := range steps {
		got := c.mark(Received, st.batch...)
		want := store.Watermark{Site: "site-a", Unit: "u1", Seq: st.want, Moved: st.wantMoved}
		if got != want {
			t.Fatalf("%s: watermark %+v, want %+v", st.name, got, want)
		}
	}
	for unit, want := range map[string]uint64{"u1": 7, "never-heard-of": 0} {
		if seq, err := c.s.AckedSeq(ctx, store.UnitID{Site: "site-a", Unit: unit}); err != nil || seq != want {
			t.Fatalf("AckedSeq(%s) = %d, %v; want %d", unit, seq, err, want)
		}
	}
}

func behaveWatermarkStartsIdle(t *testing.T, c conf) {
	st := Status("u1", wire.Online) // the ledger purged 1..499 long ago; the collector is new
	st.AckedSeq = 499
	c.status(st, Received)
	if w := c.mark(Received, Seqs("u1", 500, 501)...); w.Seq != 501 || !w.Moved {
		t.Fatalf("first contact at 500: watermark %+v, want 501", w)
	}
	late := c.put(Received, Entry("site-a", "u1", 499))
	if w := only(t, late); w.Seq != 501 || w.Moved || late.Inserted != 1 {
		t.Fatalf("an entry below the start: %+v, want it stored and the watermark unmoved", late)
	}
	if w := c.mark(Received, Entry("site-a", "u1", 502)); w.Seq != 502 {
		t.Fatalf("watermark %+v, want 502", w)
	}
}

// An idle unit's next entry can still reach the collector behind a later
// one: made between its status and its lanes' split, it goes out in the
// backlog while the next goes live, and a site gateway stores and relays
// them in the order they came. Starting just below the first seq heard of
// would acknowledge the one still on its way, and a gateway forgets what
// is acknowledged before it sends it.
func behaveWatermarkStartsIdleAtTheStatusAck(t *testing.T, c conf) {
	st := Status("u1", wire.Online)
	st.AckedSeq = 40
	c.status(st, Received)
	if w := c.mark(Received, Seqs("u1", 42, 43)...); w.Seq != 40 {
		t.Fatalf("42 before 41: watermark %+v, want it at 40, waiting for 41", w)
	}
	if w := c.mark(Received, Entry("site-a", "u1", 41)); w.Seq != 43 || !w.Moved {
		t.Fatalf("41 arrived: watermark %+v, want 43", w)
	}
}

func behaveWatermarkWaitsForBacklog(t *testing.T, c conf) {
	c.birth("u1", 99) // it screened offline from seq 1: 1..99 wait in its ledger
	fever := Entry("site-a", "u1", 50)
	fever.Historical, fever.Alert = true, "fever"
	steps := []struct {
		name  string
		batch []wire.Entry
		want  uint64
	}{
		{"a live entry overtakes the backlog", Seqs("u1", 100, 100), 0},
		{"the backlog's alerts come first", []wire.Entry{fever}, 0},
		{"the backlog from its start", Seqs("u1", 1, 49), 50},
		{"the rest", Seqs("u1", 51, 99), 100},
	}
	for _, st := range steps {
		if w := c.mark(Received, st.batch...); w.Seq != st.want {
			t.Fatalf("%s: watermark %d, want %d", st.name, w.Seq, st.want)
		}
	}
}

func behaveWatermarkDoesNotGuess(t *testing.T, c conf) {
	// Three units, three reasons not to start: no status yet, a backlog
	// waits, and a will, which does not say.
	c.birth("u2", 12)
	c.status(Status("u3", wire.Offline), Received)
	for _, unit := range []string{"u1", "u2", "u3"} {
		if w := c.mark(Received, Seqs(unit, 500, 502)...); w.Seq != 0 || w.Moved {
			t.Fatalf("%s: watermark %+v, want it not started", unit, w)
		}
	}
	clash := Entry("site-a", "u4", 1)
	clash.ID = "u1-500" // another unit's id: refused, so nothing of u4 is stored
	if w := c.mark(Received, clash); w.Seq != 0 || w.Moved {
		t.Fatalf("u4 with nothing stored: watermark %+v, want 0 and unmoved", w)
	}
}

func behaveWatermarkSeveralUnits(t *testing.T, c conf) {
	st := Status("u2", wire.Online)
	st.Site, st.AckedSeq = "site-b", 9
	c.status(st, Received)
	c.put(Received, Entry("site-b", "u2", 10))
	res := c.put(Received, Entry("site-a", "u1", 1), Entry("site-b", "u2", 10),
		Entry("site-a", "u1", 2), Entry("site-b", "u2", 12))
	want := []store.Watermark{{Site: "site-a", Unit: "u1", Seq: 2, Moved: true},
		{Site: "site-b", Unit: "u2", Seq: 10, Moved: false}}
	if !reflect.DeepEqual(res.Watermarks, want) || res.Inserted != 3 {
		t.Fatalf("put %+v, want 3 inserted and watermarks %+v", res, want)
	}
}

func behaveWatermarkFromStatus(t *testing.T, c conf) {
	st := Status("u1", wire.Online)
	st.Backlog, st.AckedSeq = 12, 499
	c.status(st, Received)
	if w := c.mark(Received, Seqs("u1", 505, 506)...); w.Seq != 0 {
		t.Fatalf("watermark %+v, want it not started: a status's claim is not evidence", w)
	}
	if u := c.units(T0)["u1"]; u.ReportedAcked != 499 || u.AckedSeq != 0 {
		t.Fatalf("unit %+v, want the claim 499 shown and no watermark", u)
	}
	w, err := c.s.SetWatermark(ctx, store.UnitID{Site: "site-a", Unit: "u1"}, 499)
	if err != nil || w.Seq != 499 {
		t.Fatalf("SetWatermark(499) = %+v, %v", w, err)
	}
	if w := c.mark(Received, Seqs("u1", 500, 504)...); w.Seq != 506 || !w.Moved {
		t.Fatalf("watermark %+v, want 506 once the backlog filled the gap", w)
	}
	st.AckedSeq = 3000
	c.status(st, Received)
	if w := c.mark(Received, Seqs("u1", 507, 507)...); w.Seq != 507 {
		t.Fatalf("watermark %+v after a higher claim, want 507", w)
	}
	c.put(Received, Seqs("u1", 509, 509)...) // 508 lost, say, and the operator knows
	w, err = c.s.SetWatermark(ctx, store.UnitID{Site: "site-a", Unit: "u1"}, 508)
	if err != nil || w.Seq != 509 {
		t.Fatalf("SetWatermark(508) = %+v, %v; want it to walk on over the stored 509", w, err)
	}
}

func behaveStatusRules(t *testing.T, c conf) {
	c.status(Status("u1", wire.Online), Received)
	if u := c.units(T0)["u1"]; !u.Online || u.Firmware != "0.1.0" || u.Facility != "community" || !u.LastSeen.Equal(Received) {
		t.Fatalf("after birth: %+v", u)
	}
	will := wire.Status{Schema: wire.SchemaVersion, Site: "site-a", Unit: "u1", State: wire.Offline}
	c.status(will, Received.Add(time.Minute))
	u := c.units(T0)["u1"]
	if u.Online || u.Firmware != "0.1.0" || u.PolicyVersion != "default-1" || u.Lane != wire.LaneIn ||
		!u.LastSeen.Equal(Received.Add(time.Minute)) {
		t.Fatalf("after will: %+v, want offline, earlier details kept, last seen at the will", u)
	}
	c.status(Status("u1", wire.Online), time.Time{}) // a retained replay
	c.status(Status("u2", wire.Offline), time.Time{})
	got := c.units(T0)
	if u := got["u1"]; !u.Online || !u.LastSeen.Equal(Received.Add(time.Minute)) {
		t.Fatalf("after a replay u1 = %+v, want online, last seen unmoved", u)
	}
	if u := got["u2"]; !u.LastSeen.IsZero() || u.Online {
		t.Fatalf("u2 = %+v, want offline, never seen live", u)
	}
	c.put(Received.Add(time.Hour), Entry("site-a", "u1", 2))
	c.put(Received, Entry("site-a", "u1", 1)) // a late batch from an outage
	if u := c.units(T0)["u1"]; !u.LastSeen.Equal(Received.Add(time.Hour)) {
		t.Fatalf("last seen %v, want entries never to move it backwards", u.LastSeen)
	}
}

func behaveStatusBacklog(t *testing.T, c conf) {
	oldest := T0.Add(-3 * time.Hour)
	live := Status("u1", wire.Online)
	live.Backlog, live.OldestUnacked, live.DiskAlarm = 12000, &oldest, true
	live.Devices = []wire.Device{{Name: "thermometer", OK: true}, {Name: "scanner", OK: false, Detail: "no frames"}}
	c.status(live, Received)
	u := c.units(T0)["u1"]
	if u.Backlog != 12000 || !u.OldestUnacked.Equal(oldest) || !u.DiskAlarm || !reflect.DeepEqual(u.Devices, live.Devices) {
		t.Fatalf("after a live status: %+v, want backlog 12000 since %v, disk alarm, devices", u, oldest)
	}
	c.status(Status("u1", wire.Offline), Received.Add(time.Minute)) // composed at connect time
	if u := c.units(T0)["u1"]; u.Backlog != 12000 || !u.DiskAlarm || len(u.Devices) != 2 {
		t.Fatalf("after the will: %+v, want the live backlog and devices kept", u)
	}
	c.status(Status("u1", wire.Online), Received.Add(2*time.Minute)) // drained
	if u := c.units(T0)["u1"]; u.Backlog != 0 || !u.OldestUnacked.IsZero() || u.DiskAlarm || len(u.Devices) != 0 {
		t.Fatalf("after draining: %+v, want no backlog, no alarm, no devices", u)
	}
}

func behaveEntriesFilters(t *testing.T, c conf) {
	c.put(Received, Entry("site-a", "u1", 1), Entry("site-a", "u1", 2),
		Entry("site-a", "u2", 3), Entry("site-b", "u3", 4))
	minute := func(n int) time.Time { return T0.Add(time.Duration(n) * time.Minute) }
	tests := []struct {
		name string
		q    store.Query
		want []string
	}{
		{"everything", store.Query{}, []string{"u3-4", "u2-3", "u1-2", "u1-1"}},
		{"site", store.Query{Site: "site-a"}, []string{"u2-3", "u1-2", "u1-1"}},
		{"unit", store.Query{Unit: "u1"}, []string{"u1-2", "u1-1"}},
		{"site and unit disagree", store.Query{Site: "site-b", Unit: "u1"}, []string{}},
		{"since is inclusive", store.Query{Since: minute(3)}, []string{"u3-4", "u2-3"}},
		{"until is exclusive", store.Query{Until: minute(3)}, []string{"u1-2", "u1-1"}},
		{"window", store.Query{Since: minute(2), Until: minute(4)}, []string{"u2-3", "u1-2"}},
		{"limit", store.Query{Limit: 2}, []string{"u3-4", "u2-3"}},
	}
	for _, tt := range tests {
		if ids := c.ids(tt.q); !reflect.DeepEqual(ids, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, ids, tt.want)
		}
	}
}

func behaveUnsyncedClock(t *testing.T, c conf) {
	synced := Entry("site-a", "u1", 1) // T0 + 1 min
	unsynced := Entry("site-a", "u2", 1)
	unsynced.Time, unsynced.ClockSynced = time.Unix(42, 0).UTC(), false // a Pi before NTP
	c.put(Received, synced)
	c.put(T0.Add(time.Hour), unsynced)
	if n := c.units(T0.Add(time.Hour))["u2"].EntriesToday; n != 1 {
		t.Fatalf("unsynced entry counted %d times from 09:00, want 1 (by receive time)", n)
	}
	got := c.entries(store.Query{Since: T0})
	if len(got) != 2 || got[0].Unit != "u2" || !got[0].Time.Equal(unsynced.Time) {
		t.Fatalf("want the unsynced entry first, with its 1970 time kept: %+v", got)
	}
}

func behaveUnits(t *testing.T, c conf) {
	later := Entry("site-b", "u2", 1)
	later.Time = T0.Add(90 * time.Minute) // 09:30
	c.put(Received, Entry("site-a", "u1", 1), Entry("site-a", "u1", 2), Entry("site-a", "u1", 3), later)
	c.put(Received, Entry("site-a", "u1", 3)) // a duplicate counts once
	tests := []struct {
		dayStart time.Time
		u1, u2   int
	}{
		{T0, 3, 1},
		{T0.Add(30 * time.Minute), 3, 1}, // counted by the hour the day starts in
		{T0.Add(time.Hour), 0, 1},
		{T0.Add(2 * time.Hour), 0, 0},
	}
	for _, tt := range tests {
		got := c.units(tt.dayStart)
		if got["u1"].EntriesToday != tt.u1 || got["u2"].EntriesToday != tt.u2 {
			t.Errorf("from %v: u1 %d, u2 %d entries; want %d and %d", tt.dayStart,
				got["u1"].EntriesToday, got["u2"].EntriesToday, tt.u1, tt.u2)
		}
	}
	list, err := c.s.Units(ctx, T0)
	if err != nil || len(list) != 2 || list[0].ID != "u1" || list[1].Site != "site-b" ||
		!list[0].LastSeen.Equal(Received) || list[0].Online {
		t.Fatalf("units %+v (%v), want u1 then u2 by site, not online, last seen at receipt", list, err)
	}
}

func behaveGatewayRole(t *testing.T, c conf) {
	gw := wire.Status{Schema: wire.SchemaVersion, Site: "site-a", Unit: "gw", State: wire.Online,
		Role: wire.RoleGateway, Facility: "supermarket", Backlog: 7}
	c.status(gw, Received)
	gw.State, gw.Role, gw.Backlog = wire.Offline, "", 0 // a will composed without the role
	c.status(gw, Received.Add(time.Minute))
	c.status(wire.Status{Schema: wire.SchemaVersion, Site: "site-a", Unit: "u1", State: wire.Online}, Received)
	got := c.units(T0)
	if got["gw"].Role != wire.RoleGateway || got["gw"].Online || got["gw"].Backlog != 7 || got["u1"].Role != "" {
		t.Fatalf("gateway %+v, unit %+v: want the gateway role kept through its will, the unit without", got["gw"], got["u1"])
	}
}
