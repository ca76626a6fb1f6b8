package sqlite

import (
	"fmt"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

func units(t testing.TB, s *Store, dayStart time.Time) map[string]store.Unit {
	t.Helper()
	list, err := s.Units(ctx, dayStart)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]store.Unit{}
	for _, u := range list {
		m[u.ID] = u
	}
	return m
}

func putStatus(t *testing.T, s *Store, st wire.Status, at time.Time) {
	t.Helper()
	if err := s.PutStatus(ctx, st, at); err != nil {
		t.Fatal(err)
	}
}

func TestUnitsListsUnitThatOnlySentEntries(t *testing.T) {
	s := openTemp(t)
	put(t, s, received, entry("site-a", "u1", 1))
	u := units(t, s, t0)["u1"]
	if u.Site != "site-a" || u.Online || !u.LastSeen.Equal(received) || u.EntriesToday != 1 {
		t.Fatalf("u1 = %+v, want site-a, not online, last seen at receipt, 1 entry", u)
	}
}

// TestUnitsCountsEntriesFromDayStart: the count comes from the hourly
// rollups, so it counts whole hours from the one day start falls in.
func TestUnitsCountsEntriesFromDayStart(t *testing.T) {
	s := openTemp(t)
	late := entry("site-a", "u1", 3)
	late.Time = t0.Add(time.Hour) // exactly at the next hour's start
	put(t, s, received, entry("site-a", "u1", 1), entry("site-a", "u1", 2), late)
	tests := []struct {
		dayStart time.Time
		want     int
	}{
		{t0, 3},
		{t0.Add(time.Hour), 1}, // an entry exactly at day start counts
		{t0.Add(2 * time.Hour), 0},
		{t0.Add(-time.Hour), 3},
	}
	for _, tt := range tests {
		if got := units(t, s, tt.dayStart)["u1"].EntriesToday; got != tt.want {
			t.Errorf("since %v: %d entries, want %d", tt.dayStart, got, tt.want)
		}
	}
}

func TestUnsyncedClockIsCountedAndOrderedByReceiveTime(t *testing.T) {
	s := openTemp(t)
	synced := entry("site-a", "u1", 1) // t0 + 1 min
	unsynced := entry("site-a", "u2", 1)
	unsynced.Time, unsynced.ClockSynced = time.Unix(42, 0).UTC(), false // a Pi before NTP
	later := t0.Add(time.Hour)
	put(t, s, received, synced)
	put(t, s, later, unsynced)

	if got := units(t, s, t0.Add(30*time.Minute))["u2"].EntriesToday; got != 1 {
		t.Fatalf("unsynced entry counted %d times today, want 1 (by receive time)", got)
	}
	got := all(t, s, store.Query{Since: t0})
	if len(got) != 2 || got[0].Unit != "u2" || !got[0].Time.Equal(unsynced.Time) {
		t.Fatalf("want the unsynced entry first, with its 1970 time kept: %+v", got)
	}
}

func TestPutStatusTracksPresenceAndKeepsFieldsTheWillLeavesOut(t *testing.T) {
	s := openTemp(t)
	putStatus(t, s, status("u1", wire.Online), received)
	if u := units(t, s, t0)["u1"]; !u.Online || u.Firmware != "0.1.0" || u.Facility != "community" {
		t.Fatalf("after birth: %+v", u)
	}
	will := wire.Status{Schema: wire.SchemaVersion, Site: "site-a", Unit: "u1", State: wire.Offline}
	putStatus(t, s, will, received.Add(time.Minute))
	u := units(t, s, t0)["u1"]
	if u.Online || u.Firmware != "0.1.0" || u.PolicyVersion != "default-1" || u.Lane != wire.LaneIn {
		t.Fatalf("after will: %+v, want offline with earlier details kept", u)
	}
	if !u.LastSeen.Equal(received.Add(time.Minute)) {
		t.Fatalf("last seen %v, want the will's receipt", u.LastSeen)
	}
}

func TestReplayedStatusDoesNotMoveLastSeen(t *testing.T) {
	s := openTemp(t)
	putStatus(t, s, status("u1", wire.Online), received)
	putStatus(t, s, status("u1", wire.Offline), time.Time{}) // retained replay
	putStatus(t, s, status("u2", wire.Offline), time.Time{}) // never heard live
	got := units(t, s, t0)
	if u := got["u1"]; u.Online || !u.LastSeen.Equal(received) {
		t.Fatalf("u1 = %+v, want offline, last seen still %v", u, received)
	}
	if u := got["u2"]; !u.LastSeen.IsZero() {
		t.Fatalf("u2 last seen %v, want zero", u.LastSeen)
	}
}

func TestEntriesNeverMoveLastSeenBackwards(t *testing.T) {
	s := openTemp(t)
	put(t, s, received.Add(time.Hour), entry("site-a", "u1", 2))
	put(t, s, received, entry("site-a", "u1", 1)) // a late batch from an outage
	if u := units(t, s, t0)["u1"]; !u.LastSeen.Equal(received.Add(time.Hour)) {
		t.Fatalf("last seen %v moved backwards", u.LastSeen)
	}
}

func TestPutStatusKeepsTheLiveBacklogAndDiskAlarm(t *testing.T) {
	s := openTemp(t)
	oldest := t0.Add(-3 * time.Hour)
	live := status("u1", wire.Online)
	live.Backlog, live.OldestUnacked, live.DiskAlarm = 12000, &oldest, true
	putStatus(t, s, live, received)
	u := units(t, s, t0)["u1"]
	if u.Backlog != 12000 || !u.OldestUnacked.Equal(oldest) || !u.DiskAlarm {
		t.Fatalf("after a live status: %+v, want backlog 12000 since %v, disk alarm", u, oldest)
	}
	// The will was composed at connect time, when the backlog was empty.
	putStatus(t, s, status("u1", wire.Offline), received.Add(time.Minute))
	if u := units(t, s, t0)["u1"]; u.Backlog != 12000 || !u.DiskAlarm {
		t.Fatalf("after the will: %+v, want the live backlog kept", u)
	}
	putStatus(t, s, status("u1", wire.Online), received.Add(2*time.Minute)) // drained
	if u := units(t, s, t0)["u1"]; u.Backlog != 0 || !u.OldestUnacked.IsZero() || u.DiskAlarm {
		t.Fatalf("after draining: %+v, want no backlog and no alarm", u)
	}
}

// TestUnitsDayCountKeptAtIngest: for the day the store's timezone is in,
// the fleet view reads a count kept at ingest; it must agree with the
// hourly totals through duplicates, late entries of today and of
// yesterday, a unit's first batch, and the day rolling over.
func TestUnitsDayCountKeptAtIngest(t *testing.T) {
	s := openTemp(t)
	s.SetTimezone(time.UTC)
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	at := func(seq uint64, ts time.Time) wire.Entry {
		e := entry("site-a", "u1", seq)
		e.ID, e.Time = fmt.Sprintf("d-%d", seq), ts
		return e
	}
	put(t, s, day.Add(9*time.Hour), at(1, day.Add(9*time.Hour)))                                 // first batch: no row yet
	put(t, s, day.Add(10*time.Hour), at(2, day.Add(10*time.Hour)), at(3, day.Add(-2*time.Hour))) // one of yesterday
	put(t, s, day.Add(11*time.Hour), at(2, day.Add(10*time.Hour)), at(4, day.Add(8*time.Hour)))  // a re-send, a late one
	if got := units(t, s, day)["u1"].EntriesToday; got != 3 {
		t.Fatalf("today: %d entries, want 3 (seqs 1, 2, 4)", got)
	}
	next := day.Add(24 * time.Hour)
	put(t, s, next.Add(time.Hour), at(5, next.Add(time.Hour)), at(6, next.Add(-time.Hour)))
	if got := units(t, s, next)["u1"].EntriesToday; got != 1 {
		t.Fatalf("next day: %d entries, want 1", got)
	}
	if got := units(t, s, day)["u1"].EntriesToday; got != 5 {
		t.Fatalf("from the first day's start: %d entries, want 5 (summed from the hours)", got)
	}
}
