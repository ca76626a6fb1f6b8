package api

import (
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// visitor is a visitor admitted at unit with a visit allowed maxStay.
func visitor(unit string, seq uint64, at time.Time, maxStay time.Duration) wire.Entry {
	e := entry("garden", unit, seq, at)
	e.Visitor = &wire.Visitor{Name: "张三丰", Phone: "138****5678"}
	e.Visit = &wire.Visit{Prefix: 3, MaxStaySeconds: int64(maxStay / time.Second)}
	e.Visit.Number(seq)
	return e
}

func TestVisitsListsWhoIsStillInsideWithHowLongAndOverstays(t *testing.T) {
	f := newFixture(t)
	a := visitor("gate-in", 1, now.Add(-3*time.Hour), 2*time.Hour)
	b := visitor("gate-in", 2, now.Add(-time.Hour), 4*time.Hour)
	c := visitor("gate-in", 3, now.Add(-90*time.Minute), 0)
	out := entry("garden", "gate-out", 1, now.Add(-30*time.Minute))
	out.Lane, out.CloseOut = wire.LaneOut, &wire.CloseOut{Code: c.Visit.Code, MatchedBy: wire.MatchedByCode}
	f.put(t, a, b, c, out)

	var got struct {
		Count  int
		Masked bool
		Visits []visitRowJSON
	}
	if code := f.get(t, "/api/v1/visits?site=garden", &got); code != 200 || got.Count != 2 || !got.Masked {
		t.Fatalf("inside: %d %+v, want a and b, masked", code, got)
	}
	first, second := got.Visits[0], got.Visits[1]
	if first.EntryID != a.ID || first.StaySeconds != 3*3600 || !first.Overstay || first.Name != "张**" {
		t.Errorf("a: %+v, want 3 h inside, over its 2 h, name masked", first)
	}
	if second.EntryID != b.ID || second.StaySeconds != 3600 || second.Overstay {
		t.Errorf("b: %+v, want 1 h inside, within its limit", second)
	}
	if code := f.get(t, "/api/v1/visits?site=garden&state=closed", &got); code != 200 || got.Count != 1 ||
		got.Visits[0].EntryID != c.ID || got.Visits[0].StaySeconds != 3600 || got.Visits[0].ExitUnit != "gate-out" {
		t.Fatalf("closed: %d %+v, want c after 1 h at gate-out", code, got)
	}
	for _, bad := range []string{"/api/v1/visits", "/api/v1/visits?site=garden&state=gone", "/api/v1/visits?site=garden&unmask=1"} {
		if code := f.get(t, bad, nil); code != 400 && code != 403 {
			t.Errorf("GET %s: %d, want it refused", bad, code)
		}
	}
}
