package storetest

import (
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// behaveUnbelievableClock: entries whose synced clock says year 9999, year
// 1 or 1970 are stored at the time they were received, in that hour's
// rollups, and kept by a purge of what is older; the unit's time is kept
// as it was sent. In nanoseconds since 1970 those years wrap around.
func behaveUnbelievableClock(t *testing.T, s Store) {
	var batch []wire.Entry
	for i, at := range []time.Time{time.Date(9999, 12, 31, 23, 0, 0, 0, time.UTC),
		time.Date(1, 1, 1, 8, 0, 0, 0, time.UTC), time.Unix(42, 0).UTC()} {
		e := Entry("mart", "door-1", uint64(i+1))
		e.Time = at // ClockSynced stays true
		batch = append(batch, e)
	}
	if _, err := s.PutEntries(ctx, batch, Received); err != nil {
		t.Fatal(err)
	}
	got, err := s.Entries(ctx, store.Query{Site: "mart", Since: T0, Until: T0.Add(time.Hour)})
	if err != nil || len(got) != 3 {
		t.Fatalf("entries Received 08:00-09:00: %d, %v; want all 3, by receive time", len(got), err)
	}
	for _, r := range got {
		if want := batch[r.Seq-1].Time; !r.Time.Equal(want) {
			t.Errorf("seq %d: time %v, want %v as the unit sent it", r.Seq, r.Time, want)
		}
	}
	rows, err := s.Rollups(ctx, store.RollupQuery{Site: "mart", By: "site", Since: T0, Until: T0.Add(time.Hour)})
	if err != nil || len(rows) != 1 || !rows[0].Hour.Equal(T0) || rows[0].Counts[store.MetricTotal] != 3 {
		t.Errorf("rollups of 08:00: %+v, %v; want the 3 entries in the hour they were Received", rows, err)
	}
	if n, err := s.PurgeEntries(ctx, T0); err != nil || n != 0 {
		t.Errorf("purge of what is older than 08:00 deleted %d, %v; want none", n, err)
	}
}
