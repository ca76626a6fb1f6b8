package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// UpdateStore is what a backend keeps of the devices' update outcomes.
type UpdateStore interface {
	PutUpdateReport(ctx context.Context, id store.UnitID, r wire.UpdateReport, at time.Time) error
	UpdateOutcomes(ctx context.Context, program, version string) ([]store.UpdateOutcome, error)
}

// Updates holds a backend to the rollout view's contract: the last
// outcome per device and program, listed by version.
func Updates(t *testing.T, open func(*testing.T) UpdateStore) {
	t.Run("the last outcome per device is listed under its version", func(t *testing.T) {
		t.Parallel()
		behaveUpdateOutcomes(t, open(t))
	})
}

func behaveUpdateOutcomes(t *testing.T, s UpdateStore) {
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	a, b, c := store.UnitID{Site: "s1", Unit: "a"}, store.UnitID{Site: "s1", Unit: "b"}, store.UnitID{Site: "s2", Unit: "c"}
	put := func(id store.UnitID, version, phase, reason string, canary bool, at time.Time) {
		t.Helper()
		r := wire.UpdateReport{Program: "kakou-unit", Version: version, Previous: "1.4.0", Phase: phase, Reason: reason, Canary: canary}
		if err := s.PutUpdateReport(ctx, id, r, at); err != nil {
			t.Fatal(err)
		}
	}
	put(b, "1.5.0", "pending", "", true, at)
	put(b, "1.5.0", "kept", "", true, at.Add(time.Minute)) // replaces pending
	put(a, "1.5.0", "rolled-back", "kakou-unit 1.5.0 not healthy within 2m0s: screening loop not running", false, at)
	put(c, "1.5.0", "refused", "update: no space", false, at)
	put(c, "1.6.0", "kept", "", false, at.Add(time.Hour)) // a later version replaces c's row
	got, err := s.UpdateOutcomes(ctx, "kakou-unit", "1.5.0")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Unit != a || got[1].Unit != b {
		t.Fatalf("outcomes of 1.5.0: %+v, want a (rolled back) and b (kept)", got)
	}
	if got[0].Phase != "rolled-back" || got[0].Reason == "" || got[0].Canary {
		t.Errorf("a's outcome %+v", got[0])
	}
	if got[1].Phase != "kept" || !got[1].Canary || !got[1].ReportedAt.Equal(at.Add(time.Minute)) || got[1].Previous != "1.4.0" {
		t.Errorf("b's outcome %+v", got[1])
	}
	if got, _ := s.UpdateOutcomes(ctx, "kakou-gateway", "1.5.0"); len(got) != 0 {
		t.Errorf("another program's outcomes: %+v", got)
	}
}
