package store

import (
	"testing"

	"github.com/kakou/kakou/firmware/wire"
)

// A guard's record logged while someone waits must not hide the wait
// from a gateway that restarts and restores its lanes from the store.
func TestLatestEntrySkipsAGuardsRecord(t *testing.T) {
	s := open(t, t.TempDir())
	add(t, s, entry("e1", 1, wire.LaneIn, wire.Wait))
	rec := entry("e1", 2, wire.LaneIn, "")
	rec.Record = &wire.Record{Kind: wire.RecordDuty, Duty: &wire.Duty{ID: "gate", Name: "消毒", Day: "2022-04-01", Slot: "08:00"}}
	if a := add(t, s, rec); !a.New || a.Watermark != 2 {
		t.Fatalf("the record is stored and acknowledged like an entry: %+v", a)
	}
	if l, err := s.LatestEntry(ctx, "e1"); err != nil || l.Seq != 1 || l.Decision != string(wire.Wait) {
		t.Fatalf("latest = %+v, %v; want the wait at seq 1", l, err)
	}
	if a, _ := s.AdmitsAbove(ctx, "e1", 0); len(a) != 0 {
		t.Fatalf("a record counted as an admission: %v", a)
	}
}
