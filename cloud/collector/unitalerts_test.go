package collector

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/sqlite"
	"github.com/kakou/kakou/firmware/wire"
)

var bg = context.Background()

// t9 is when the test fleet's statuses arrive.
var t9 = time.Date(2022, 4, 2, 1, 0, 0, 0, time.UTC)

func watchStore(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "cloud.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func unitStatus(site, unit string, state wire.UnitState, fn func(*wire.Status)) wire.Status {
	st := wire.Status{Schema: wire.SchemaVersion, Site: site, Unit: unit, Facility: "community",
		Lane: wire.LaneIn, State: state, Firmware: "0.1.0", PolicyVersion: "p1", BootID: "b", Time: t9}
	if fn != nil {
		fn(&st)
	}
	return st
}

func putStatus(t *testing.T, st *sqlite.Store, s wire.Status, at time.Time) {
	t.Helper()
	if err := st.PutStatus(bg, s, at); err != nil {
		t.Fatal(err)
	}
}

// watcher is a sweep listening since heard.
func watcher(cfg AlertsConfig, heard time.Time) *unitWatch {
	return newUnitWatch(cfg, func() (time.Time, bool) { return heard, true }, slog.New(slog.DiscardHandler))
}

func unresolved(t *testing.T, st *sqlite.Store) map[string]store.Alert {
	t.Helper()
	list, err := st.UnresolvedAlerts(bg, unitKinds)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.Alert{}
	for _, a := range list {
		out[a.Kind+" "+a.Site+"/"+a.Unit] = a
	}
	return out
}

func sweepAt(t *testing.T, w *unitWatch, st *sqlite.Store, at time.Time) {
	t.Helper()
	if err := w.sweep(bg, st, at); err != nil {
		t.Fatal(err)
	}
}

func TestOfflineUnitRaisesOneAlertAndItResolvesWhenTheUnitIsBack(t *testing.T) {
	st := watchStore(t)
	putStatus(t, st, unitStatus("garden", "north", wire.Online, nil), t9)
	putStatus(t, st, unitStatus("garden", "north", wire.Offline, nil), t9.Add(time.Minute)) // its will
	cfg := defaultAlerts()
	w, other := watcher(cfg, t9.Add(-time.Hour)), watcher(cfg, t9.Add(-time.Hour))
	sweepAt(t, w, st, t9.Add(9*time.Minute))
	if len(unresolved(t, st)) != 0 {
		t.Fatalf("alerted before offline_after")
	}
	for i := range 3 { // two collectors sweeping a shared store, several times
		sweepAt(t, w, st, t9.Add(time.Duration(10+i)*time.Minute))
		sweepAt(t, other, st, t9.Add(time.Duration(10+i)*time.Minute))
	}
	all, _ := st.Alerts(bg, store.AlertQuery{})
	if len(all) != 1 || all[0].Kind != store.KindOffline || all[0].Severity != store.SeverityMedium {
		t.Fatalf("alerts %+v; want one medium offline alert", all)
	}
	putStatus(t, st, unitStatus("garden", "north", wire.Online, nil), t9.Add(20*time.Minute))
	sweepAt(t, w, st, t9.Add(20*time.Minute))
	if a, _ := st.Alerts(bg, store.AlertQuery{}); a[0].ResolvedAt.IsZero() {
		t.Errorf("the offline alert is not resolved once the unit is back")
	}
}

func TestCollectorBackFromAnOutagePagesNobodyForItsOwnSilence(t *testing.T) {
	st := watchStore(t)
	for _, u := range []string{"north", "south", "east"} {
		putStatus(t, st, unitStatus("garden", u, wire.Online, nil), t9)
	}
	putStatus(t, st, unitStatus("garden", "east", wire.Offline, nil), t9) // went offline while we were down
	back := t9.Add(3 * time.Hour)                                         // the collector was down three hours
	w := watcher(defaultAlerts(), back)
	sweepAt(t, w, st, back.Add(time.Minute))
	if got := unresolved(t, st); len(got) != 0 {
		t.Fatalf("a minute after the collector came back: %v; want nothing yet", got)
	}
	for _, u := range []string{"north", "south"} { // their heartbeats arrive
		putStatus(t, st, unitStatus("garden", u, wire.Online, nil), back.Add(9*time.Minute))
	}
	sweepAt(t, w, st, back.Add(10*time.Minute))
	got := unresolved(t, st)
	if len(got) != 1 || got["offline garden/east"].ID == "" {
		t.Fatalf("ten minutes after: %v; want east alone, offline", got)
	}
}

func TestNoUnitAlertsWhileTheCollectorCannotHearTheBroker(t *testing.T) {
	st := watchStore(t)
	putStatus(t, st, unitStatus("garden", "north", wire.Online, nil), t9)
	w := newUnitWatch(defaultAlerts(), func() (time.Time, bool) { return time.Time{}, false }, slog.New(slog.DiscardHandler))
	sweepAt(t, w, st, t9.Add(time.Hour))
	if got := unresolved(t, st); len(got) != 0 {
		t.Fatalf("alerts while disconnected: %v", got)
	}
}

func TestSilentUnitThatStillSaysOnlineRaisesSilent(t *testing.T) {
	st := watchStore(t)
	putStatus(t, st, unitStatus("garden", "north", wire.Online, nil), t9)
	w := watcher(defaultAlerts(), t9.Add(-time.Hour))
	sweepAt(t, w, st, t9.Add(2*time.Minute))
	sweepAt(t, w, st, t9.Add(3*time.Minute))
	if got := unresolved(t, st); got["silent garden/north"].ID == "" || len(got) != 1 {
		t.Fatalf("after 3 minutes without a heartbeat: %v; want silent", got)
	}
	putStatus(t, st, unitStatus("garden", "north", wire.Online, nil), t9.Add(4*time.Minute))
	sweepAt(t, w, st, t9.Add(4*time.Minute))
	if got := unresolved(t, st); len(got) != 0 {
		t.Errorf("after a heartbeat: %v; want resolved", got)
	}
}

func TestStuckBacklogAlertsAndADrainingOneDoesNot(t *testing.T) {
	st := watchStore(t)
	w := watcher(defaultAlerts(), t9.Add(-time.Hour))
	oldest := t9.Add(-2 * time.Hour)
	backlog := func(unit string, n int, oldest time.Time, at time.Time) {
		putStatus(t, st, unitStatus("garden", unit, wire.Online, func(s *wire.Status) {
			s.Backlog, s.OldestUnacked = n, &oldest
		}), at)
	}
	for m := 0; m <= 30; m += 5 {
		at := t9.Add(time.Duration(m) * time.Minute)
		backlog("stuck", 500+m, oldest, at)                                           // growing, oldest never moves
		backlog("draining", 5000-m*100, oldest.Add(time.Duration(m)*time.Minute), at) // big but moving
		sweepAt(t, w, st, at)
	}
	got := unresolved(t, st)
	if len(got) != 1 || got["backlog garden/stuck"].ID == "" {
		t.Fatalf("after 30 minutes: %v; want the stuck backlog alone", got)
	}
	backlog("stuck", 0, time.Time{}, t9.Add(31*time.Minute))
	putStatus(t, st, unitStatus("garden", "stuck", wire.Online, nil), t9.Add(31*time.Minute))
	sweepAt(t, w, st, t9.Add(31*time.Minute))
	if got := unresolved(t, st); got["backlog garden/stuck"].ID != "" {
		t.Errorf("the backlog drained but its alert is open")
	}
}

func TestFullDiskAlertsAndResolves(t *testing.T) {
	st := watchStore(t)
	w := watcher(defaultAlerts(), t9.Add(-time.Hour))
	putStatus(t, st, unitStatus("garden", "north", wire.Online, func(s *wire.Status) { s.DiskAlarm = true }), t9)
	sweepAt(t, w, st, t9)
	if got := unresolved(t, st); got["disk garden/north"].Severity != store.SeverityMedium {
		t.Fatalf("disk alarm: %v", got)
	}
	putStatus(t, st, unitStatus("garden", "north", wire.Online, nil), t9.Add(time.Minute))
	sweepAt(t, w, st, t9.Add(time.Minute))
	if got := unresolved(t, st); len(got) != 0 {
		t.Errorf("after the disk was freed: %v", got)
	}
}

func TestOfflineAtARoundTheClockSiteIsHighSeverity(t *testing.T) {
	st := watchStore(t)
	cfg := defaultAlerts()
	cfg.RoundTheClockSites = []string{"garden"}
	w := watcher(cfg, t9.Add(-time.Hour))
	for _, site := range []string{"garden", "mall"} {
		putStatus(t, st, unitStatus(site, "gate", wire.Online, nil), t9)
		putStatus(t, st, unitStatus(site, "gate", wire.Offline, nil), t9)
	}
	sweepAt(t, w, st, t9.Add(time.Hour))
	got := unresolved(t, st)
	if got["offline garden/gate"].Severity != store.SeverityHigh || got["offline mall/gate"].Severity != store.SeverityMedium {
		t.Fatalf("severities %v; want the 24-hour site's high, the mall's medium", got)
	}
}
