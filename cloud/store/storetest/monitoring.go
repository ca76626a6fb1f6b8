package storetest

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// monitoringBehaviours are the conformance behaviours of central
// monitoring: rollups, alerts, tracing, audit, assignments and
// sites. TestConformance runs them after its own table.
var monitoringBehaviours = []struct {
	name string
	run  func(t *testing.T, c conf)
}{
	{"rollups count new entries by the hour they happened", behaveRollups},
	{"trace counts everyone inside during the window, with a minimum stay", behaveTraceOverlap}, // trace.go
	{"rollups by facility and filters", behaveRollupFilters},
	{"alerts raised by entries", behaveEntryAlerts},
	{"device alerts raised and resolved by statuses", behaveDeviceAlerts},
	{"alerts acknowledged once", behaveAckAlert},
	{"alerts listed newest first", behaveAlertList},
	{"a report's alerts, all of its period and those still open", behaveReportAlerts},
	{"trace with the time each visitor left", behaveTrace},
	{"audit newest first", behaveAudit},
	{"policy assignments replaced by scope and target", behaveAssignments},
	{"policy assignments per region and facility type", behaveAssignmentLevels}, // assignments.go
	{"sites configured and known from units", behaveSites},
}

func (c conf) rollups(q store.RollupQuery) []store.RollupRow {
	c.t.Helper()
	rows, err := c.s.Rollups(ctx, q)
	if err != nil {
		c.t.Fatal(err)
	}
	return rows
}

func (c conf) alerts(q store.AlertQuery) []store.Alert {
	c.t.Helper()
	got, err := c.s.Alerts(ctx, q)
	if err != nil {
		c.t.Fatal(err)
	}
	return got
}

// rollupEntries are four entries of two sites in two hours, each with
// different metrics, and one fever alert.
func rollupEntries() []wire.Entry {
	in := Entry("site-a", "u1", 1) // 08:01, lane in, allowed
	fever := Entry("site-a", "u1", 2)
	fever.Decision, fever.Alert = wire.Deny, "fever"
	fever.Reasons = []wire.Reason{{Code: "fever", ZH: "体温异常", EN: "fever"}}
	out := Entry("site-a", "u2", 3)
	out.Lane, out.Visitor = wire.LaneOut, &wire.Visitor{Name: "李*", Phone: "139****0000"}
	manual := Entry("site-b", "u3", 4)
	manual.Time = T0.Add(65 * time.Minute) // 09:05
	manual.Temperature.Source, manual.Override = wire.SourceManual, &wire.Override{By: "guard-2", Reason: "sensor fault"}
	return []wire.Entry{in, fever, out, manual}
}

var atEight, atNine = T0, T0.Add(time.Hour)

func behaveRollups(t *testing.T, c conf) {
	batch := rollupEntries()
	c.put(Received, batch...)
	c.put(Received.Add(time.Hour), batch[0], batch[1]) // re-sent: counted once
	late := Entry("site-a", "u1", 5)
	late.Time, late.Historical = T0.Add(-5*time.Hour+10*time.Minute), true // 03:10, from a backlog
	c.put(Received.Add(time.Hour), late)
	want := []store.RollupRow{
		{Key: "site-a", Hour: T0.Add(-5 * time.Hour), Counts: map[string]int{"total": 1, "in": 1, "decision:allow": 1, "historical": 1}},
		{Key: "site-a", Hour: atEight, Counts: map[string]int{"total": 3, "in": 1, "out": 1, "decision:allow": 2,
			"decision:deny": 1, "reason:fever": 1, "alert:fever": 1, "fever": 1, "visitor": 1}},
		{Key: "site-b", Hour: atNine, Counts: map[string]int{"total": 1, "in": 1, "decision:allow": 1, "override": 1, "override_admit": 1, "manual_temp": 1}},
	}
	got := c.rollups(store.RollupQuery{By: "site", Since: T0.Add(-24 * time.Hour), Until: T0.Add(24 * time.Hour)})
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("rollups by site:\n got %+v\nwant %+v", got, want)
	}
	byUnit := c.rollups(store.RollupQuery{By: "unit", Since: atEight, Until: atNine})
	keys := []string{}
	for _, r := range byUnit {
		keys = append(keys, r.Key)
	}
	if !reflect.DeepEqual(keys, []string{"site-a/u1", "site-a/u2"}) || byUnit[0].Counts["total"] != 2 || byUnit[1].Counts["out"] != 1 {
		t.Fatalf("rollups by unit in 08:00: %+v, want u1 with 2 entries and u2 with 1 out", byUnit)
	}
}

func behaveRollupFilters(t *testing.T, c conf) {
	c.put(Received, rollupEntries()...)
	if err := c.s.PutSites(ctx, []store.Site{{ID: "site-a", Name: "A", Facility: "market"}}); err != nil {
		t.Fatal(err)
	}
	st := Status("u3", wire.Online) // site-b has no configuration: its units say
	st.Site, st.Facility = "site-b", "hospital"
	c.status(st, Received)
	day := store.RollupQuery{Since: T0, Until: T0.Add(24 * time.Hour)}
	totals := func(q store.RollupQuery) map[string]int {
		m := map[string]int{}
		for _, r := range c.rollups(q) {
			m[r.Key+"@"+r.Hour.Format("15")] += r.Counts["total"]
		}
		return m
	}
	tests := []struct {
		name string
		q    func(store.RollupQuery) store.RollupQuery
		want map[string]int
	}{
		{"by facility", func(q store.RollupQuery) store.RollupQuery { q.By = "facility"; return q },
			map[string]int{"market@08": 3, "hospital@09": 1}},
		{"one facility", func(q store.RollupQuery) store.RollupQuery { q.By, q.Facility = "site", "hospital"; return q },
			map[string]int{"site-b@09": 1}},
		{"one site", func(q store.RollupQuery) store.RollupQuery { q.Site = "site-a"; return q },
			map[string]int{"site-a@08": 3}},
		{"one unit", func(q store.RollupQuery) store.RollupQuery { q.By, q.Unit = "unit", "u2"; return q },
			map[string]int{"site-a/u2@08": 1}},
		{"until is exclusive", func(q store.RollupQuery) store.RollupQuery { q.Until = atNine; return q },
			map[string]int{"site-a@08": 3}},
		{"since is inclusive", func(q store.RollupQuery) store.RollupQuery { q.Since = atNine; return q },
			map[string]int{"site-b@09": 1}},
		{"all sites together", func(q store.RollupQuery) store.RollupQuery { q.By = "all"; return q },
			map[string]int{"all@08": 3, "all@09": 1}},
		{"only some metrics: no total", func(q store.RollupQuery) store.RollupQuery { q.Metrics = []string{"in", "out", "fever"}; return q },
			map[string]int{"site-a@08": 0, "site-b@09": 0}},
	}
	for _, tt := range tests {
		if got := totals(tt.q(day)); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: totals %v, want %v", tt.name, got, tt.want)
		}
	}
	whole := c.rollups(store.RollupQuery{By: "site", Since: T0.Add(-time.Hour), Until: T0.Add(24 * time.Hour), Whole: true})
	if len(whole) != 2 || !whole[0].Hour.Equal(T0.Add(-time.Hour)) || whole[0].Counts["total"] != 3 || whole[1].Counts["total"] != 1 {
		t.Errorf("whole window by site: %+v", whole)
	}
	if got := c.rollups(store.RollupQuery{By: "all", Since: T0, Until: atNine, Metrics: []string{"in", "fever"}}); len(got) != 1 ||
		!reflect.DeepEqual(got[0].Counts, map[string]int{"in": 1, "fever": 1}) {
		t.Errorf("all sites, in and fever only: %+v", got)
	}
	for _, bad := range []store.RollupQuery{{By: "lane"}, {By: "site", Unit: "u1"}, {By: "all", Site: "site-a"}} {
		if _, err := c.s.Rollups(ctx, bad); err == nil {
			t.Errorf("Rollups(%+v) succeeded, want an error", bad)
		}
	}
}

func behaveEntryAlerts(t *testing.T, c conf) {
	fever := rollupEntries()[1]
	old := Entry("site-a", "u1", 3)
	old.Alert, old.Historical = "health_code_red", true
	c.put(Received, fever, old, Entry("site-a", "u1", 4))
	c.put(Received, fever) // re-sent: no second alert
	want := []store.Alert{
		{ID: "u1-3", Site: "site-a", Unit: "u1", Kind: "health_code_red", RaisedAt: old.Time, EntryID: "u1-3",
			Detail: store.AlertDetail(&old), Historical: true, Severity: store.SeverityHigh},
		{ID: "u1-2", Site: "site-a", Unit: "u1", Kind: "fever", RaisedAt: fever.Time, EntryID: "u1-2",
			Detail: "36.6 °C；体温异常", Severity: store.SeverityHigh},
	}
	if got := c.alerts(store.AlertQuery{}); !reflect.DeepEqual(got, want) {
		t.Fatalf("alerts:\n got %+v\nwant %+v", got, want)
	}
}

// thermometerStatus is u1's live status with its thermometer at fault or not.
func thermometerStatus(fault bool) wire.Status {
	st := Status("u1", wire.Online)
	st.Devices = []wire.Device{{Name: "thermometer", OK: !fault, Detail: "no reading; check the I2C cable"}, {Name: "scanner", OK: true}}
	return st
}

func behaveDeviceAlerts(t *testing.T, c conf) {
	at := func(m int) time.Time { return Received.Add(time.Duration(m) * time.Minute) }
	c.status(thermometerStatus(true), at(0))
	c.status(thermometerStatus(true), at(1))       // still at fault: the same alert
	c.status(thermometerStatus(true), time.Time{}) // a replayed retained status says nothing new
	c.status(Status("u1", wire.Offline), at(2))    // nor does a will
	willWithFault := thermometerStatus(true)
	willWithFault.State = wire.Offline
	c.status(willWithFault, at(3))
	got := c.alerts(store.AlertQuery{})
	first := store.Alert{ID: store.DeviceAlertID("site-a", "u1", "thermometer", at(0)), Site: "site-a", Unit: "u1", Kind: "device",
		RaisedAt: at(0), Detail: "thermometer: no reading; check the I2C cable", Severity: store.SeverityMedium}
	if !reflect.DeepEqual(got, []store.Alert{first}) {
		t.Fatalf("after a fault reported 3 times: %+v, want one alert %+v", got, first)
	}
	c.status(thermometerStatus(false), at(4)) // repaired
	first.ResolvedAt = at(4)
	if got := c.alerts(store.AlertQuery{}); !reflect.DeepEqual(got, []store.Alert{first}) {
		t.Fatalf("after the repair: %+v, want %+v", got, first)
	}
	c.status(thermometerStatus(true), at(5)) // at fault again: a new alert
	if got := c.alerts(store.AlertQuery{}); len(got) != 2 || !got[0].RaisedAt.Equal(at(5)) || !got[0].ResolvedAt.IsZero() {
		t.Fatalf("after a second fault: %+v, want a new open alert first", got)
	}
}

func behaveAckAlert(t *testing.T, c conf) {
	c.put(Received, rollupEntries()[1])
	a, err := c.s.AckAlert(ctx, "u1-2", "张三", "已送发热门诊", Received.Add(time.Minute))
	if err != nil || a.AckedBy != "张三" || a.Action != "已送发热门诊" || !a.AckedAt.Equal(Received.Add(time.Minute)) || a.Kind != "fever" {
		t.Fatalf("AckAlert = %+v, %v; want it acknowledged by 张三", a, err)
	}
	again, err := c.s.AckAlert(ctx, "u1-2", "李四", "重复", Received.Add(2*time.Minute))
	if !errors.Is(err, store.ErrAlreadyAcked) || !reflect.DeepEqual(again, a) {
		t.Fatalf("second AckAlert = %+v, %v; want ErrAlreadyAcked and the first acknowledgement", again, err)
	}
	if _, err := c.s.AckAlert(ctx, "no-such-alert", "张三", "x", Received); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("AckAlert of an unknown id: %v, want ErrNotFound", err)
	}
	if open := c.alerts(store.AlertQuery{Open: true}); len(open) != 0 {
		t.Fatalf("open alerts %+v, want none", open)
	}
	if got, err := c.s.Alert(ctx, "u1-2"); err != nil || !reflect.DeepEqual(got, a) {
		t.Fatalf("Alert(u1-2) = %+v, %v; want the acknowledged alert", got, err)
	}
	if _, err := c.s.Alert(ctx, "no-such-alert"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Alert of an unknown id: %v, want ErrNotFound", err)
	}
}

func behaveAlertList(t *testing.T, c conf) {
	var batch []wire.Entry
	for seq := uint64(1); seq <= 4; seq++ {
		e := Entry("site-a", "u1", seq)
		if seq == 4 {
			e = Entry("site-b", "u2", seq)
		}
		e.Alert = "fever"
		batch = append(batch, e)
	}
	c.put(Received, batch...)
	if _, err := c.s.AckAlert(ctx, "u1-3", "张三", "处理", Received); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		q    store.AlertQuery
		want []string
	}{
		{store.AlertQuery{}, []string{"u2-4", "u1-3", "u1-2", "u1-1"}},
		{store.AlertQuery{Open: true}, []string{"u2-4", "u1-2", "u1-1"}},
		{store.AlertQuery{Site: "site-a", Open: true}, []string{"u1-2", "u1-1"}},
		{store.AlertQuery{Limit: 2}, []string{"u2-4", "u1-3"}},
	}
	for _, tt := range tests {
		ids := []string{}
		for _, a := range c.alerts(tt.q) {
			ids = append(ids, a.ID)
		}
		if !reflect.DeepEqual(ids, tt.want) {
			t.Errorf("Alerts(%+v) = %v, want %v", tt.q, ids, tt.want)
		}
	}
}

func behaveTrace(t *testing.T, c conf) {
	at := func(site, unit string, seq uint64, lane wire.Lane, d wire.Decision, subject string) wire.Entry {
		e := Entry(site, unit, seq) // made at 08:00 plus seq minutes
		e.Lane, e.Decision, e.Credential.Subject = lane, d, subject
		return e
	}
	visitor := at("site-a", "u1", 4, wire.LaneIn, wire.Allow, "")
	visitor.Credential.Kind, visitor.Visitor = wire.CredentialVisitor, &wire.Visitor{Name: "王*", Phone: "138****5678"}
	c.put(Received,
		at("site-a", "u1", 1, wire.LaneIn, wire.Allow, "P-1"),
		at("site-a", "u1", 2, wire.LaneIn, wire.Allow, "P-2"),
		at("site-a", "u1", 3, wire.LaneIn, wire.Deny, "P-3"), // not admitted
		visitor,
		at("site-a", "u2", 20, wire.LaneOut, wire.Deny, "P-1"),  // stopped: did not leave
		at("site-a", "u2", 31, wire.LaneOut, wire.Allow, "P-1"), // left
		at("site-a", "u2", 40, wire.LaneOut, wire.Allow, ""),    // no subject matches no one
		at("site-b", "u9", 10, wire.LaneOut, wire.Allow, "P-2"), // another site
		at("site-a", "u1", 70, wire.LaneIn, wire.Allow, "P-1"))  // after the window
	minute := func(n int) time.Time { return T0.Add(time.Duration(n) * time.Minute) }
	kind := string(wire.CredentialResidentPass)
	want := []store.Visit{
		{EntryID: "u1-1", Site: "site-a", Unit: "u1", Subject: "P-1", Kind: kind, EnteredAt: minute(1), LeftAt: minute(31)},
		{EntryID: "u1-2", Site: "site-a", Unit: "u1", Subject: "P-2", Kind: kind, EnteredAt: minute(2)},
		{EntryID: "u1-4", Site: "site-a", Unit: "u1", Kind: string(wire.CredentialVisitor), Name: "王*",
			Phone: "138****5678", EnteredAt: minute(4)},
	}
	q := store.TraceQuery{Site: "site-a", Since: T0, Until: T0.Add(time.Hour)}
	got, err := c.s.Trace(ctx, q)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Trace = %+v, %v\nwant %+v", got, err, want)
	}
	if stay := got[0].LeftAt.Sub(got[0].EnteredAt); stay != 30*time.Minute {
		t.Fatalf("P-1 stayed %v, want 30m", stay)
	}
	q.Limit = 1
	if got, err := c.s.Trace(ctx, q); err != nil || len(got) != 1 || got[0].EntryID != "u1-1" {
		t.Fatalf("Trace with limit 1 = %+v, %v; want u1-1 alone", got, err)
	}
}

func behaveAudit(t *testing.T, c conf) {
	for i, action := range []string{"trace", "ack", "assign"} {
		r := store.AuditRecord{At: Received.Add(time.Duration(i) * time.Second), User: "张三", Role: "admin",
			Action: action, Detail: `{"site":"site-a"}`}
		if err := c.s.PutAudit(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := c.s.Audit(ctx, 2)
	want := []store.AuditRecord{
		{At: Received.Add(2 * time.Second), User: "张三", Role: "admin", Action: "assign", Detail: `{"site":"site-a"}`},
		{At: Received.Add(time.Second), User: "张三", Role: "admin", Action: "ack", Detail: `{"site":"site-a"}`},
	}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Audit(2) = %+v, %v\nwant %+v", got, err, want)
	}
	if all, err := c.s.Audit(ctx, 0); err != nil || len(all) != 3 {
		t.Fatalf("Audit(0) = %d records, %v; want all 3", len(all), err)
	}
}

func behaveAssignments(t *testing.T, c conf) {
	assign := func(scope, target, profile string) store.Assignment {
		a := store.Assignment{Scope: scope, Target: target, Profile: profile, Version: profile + "-1",
			Document: `{"name":"` + profile + `"}`, AssignedBy: "张三", AssignedAt: Received}
		if err := c.s.PutAssignment(ctx, a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	unit := assign("unit", "u2", "normal")
	siteB := assign("site", "site-b", "class-b")
	assign("site", "site-a", "normal")
	siteA := assign("site", "site-a", "community-closed") // replaces the first choice
	got, err := c.s.Assignments(ctx)
	if want := []store.Assignment{siteA, siteB, unit}; err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Assignments = %+v, %v\nwant %+v", got, err, want)
	}
}

func behaveSites(t *testing.T, c conf) {
	if err := c.s.PutSites(ctx, []store.Site{{ID: "site-b", Name: "B", Facility: "market", Capacity: 100}, {ID: "site-a", Name: "A"}}); err != nil {
		t.Fatal(err)
	}
	if err := c.s.PutSites(ctx, []store.Site{{ID: "site-a", Name: "A 区", Facility: "community", Capacity: 50}}); err != nil {
		t.Fatal(err)
	}
	c.status(Status("u1", wire.Online), Received) // at site-a, already configured
	st := Status("u9", wire.Online)
	st.Site, st.Facility = "site-c", "hospital"
	c.status(st, Received)
	want := []store.Site{{ID: "site-a", Name: "A 区", Facility: "community", Capacity: 50},
		{ID: "site-b", Name: "B", Facility: "market", Capacity: 100},
		{ID: "site-c", Name: "site-c", Facility: "hospital"}}
	if got, err := c.s.Sites(ctx); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Sites = %+v, %v\nwant %+v", got, err, want)
	}
}

// behaveReportAlerts: a report counts every alert of its period however
// many there are (more than a listing's page), and the ones still open
// from before it, but not those acknowledged before it began or raised
// after its end.
func behaveReportAlerts(t *testing.T, c conf) {
	const n = store.MaxLimit + 300
	batch := make([]wire.Entry, 0, n)
	for seq := uint64(1); seq <= n; seq++ {
		e := Entry("site-a", "u1", seq) // raised at T0 plus seq minutes
		e.Decision, e.Alert = wire.Deny, "fever"
		batch = append(batch, e)
	}
	c.put(Received, batch...)
	for _, id := range []string{"u1-2", "u1-500", "u1-1250"} {
		if _, err := c.s.AckAlert(ctx, id, "张三", "已送发热门诊", Received); err != nil {
			t.Fatal(err)
		}
	}
	since, until := T0.Add(3*time.Minute), T0.Add(1200*time.Minute)
	got, err := c.s.ReportAlerts(ctx, since, until)
	if err != nil {
		t.Fatal(err)
	}
	// u1-1 (open, before the period) and u1-3 … u1-1199 (raised in it,
	// u1-500 acknowledged or not); not u1-2 (acknowledged, before it) nor
	// anything from u1-1200 on (after its end, open or not).
	if len(got) != 1+1197 || got[0].ID != "u1-1" || got[1].ID != "u1-3" || got[len(got)-1].ID != "u1-1199" {
		first, last := "", ""
		if len(got) > 0 {
			first, last = got[0].ID, got[len(got)-1].ID
		}
		t.Fatalf("ReportAlerts: %d alerts from %s to %s, want 1198 from u1-1 to u1-1199", len(got), first, last)
	}
}
