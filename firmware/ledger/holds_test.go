package ledger

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

func TestHoldsFindsTheHoldsAndTheirReleasesOnly(t *testing.T) {
	l, err := Open(filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx := context.Background()
	mk := func(id string, d wire.Decision, code, amends string) *wire.Entry {
		return &wire.Entry{Schema: wire.SchemaVersion, ID: id, Site: "s", Unit: "u", BootID: "b", Lane: wire.LaneIn,
			Time: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC), ClockSynced: true, Decision: d,
			Credential: wire.Credential{Kind: wire.CredentialResidentPass, Subject: "P-1"},
			Reasons:    []wire.Reason{{Code: code, ZH: "z", EN: "e"}}, PolicyVersion: "p", Amends: amends}
	}
	for _, e := range []*wire.Entry{mk("pass", wire.Allow, "ok", ""), mk("h1", wire.Hold, wire.ReasonHeld, ""),
		mk("other", wire.Deny, "x", ""), mk("r1", wire.Allow, wire.ReasonReleased, "h1"), mk("h2", wire.Hold, wire.ReasonHeld, "")} {
		if err := l.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	holds, releases, err := l.Holds(ctx)
	if err != nil || len(holds) != 2 || holds[0].ID != "h1" || holds[1].ID != "h2" || len(releases) != 1 || releases[0].Amends != "h1" {
		t.Fatalf("holds %v releases %v (%v)", holds, releases, err)
	}
}
