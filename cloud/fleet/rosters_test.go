package fleet

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/sqlite"
	"github.com/kakou/kakou/firmware/wire"
)

// rawRecorder keeps each topic's retained payload and counts publishes.
type rawRecorder struct {
	mu    sync.Mutex
	last  map[string][]byte
	count int
}

func (r *rawRecorder) PublishRetained(_ context.Context, topic string, b []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.last[topic] = b
	r.count++
	return nil
}

func rosterSetup(t *testing.T) (*Rosters, *sqlite.Store, *rawRecorder) {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "cloud.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, u := range []wire.Status{
		{Site: "estate", Unit: "gate-1"}, {Site: "estate", Unit: "gw", Role: wire.RoleGateway}, {Site: "mart", Unit: "door-1"}} {
		u.Schema, u.State = wire.SchemaVersion, wire.Online
		if err := st.PutStatus(context.Background(), u, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	rec := &rawRecorder{last: map[string][]byte{}}
	return NewRosters(st, rec, nil), st, rec
}

func addGuard(t *testing.T, st *sqlite.Store, site, id string) {
	t.Helper()
	h, _ := wire.HashPIN("2468")
	_, err := st.PutGuard(context.Background(), store.Guard{Site: site, ID: id, Name: "王", PINHash: h,
		UpdatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), UpdatedBy: "manager"})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRostersGoSignedToTheSitesUnitsOnceEachVersion: a site's roster goes
// to its units (not its gateway, not another site's units), signed;
// reconciling again sends nothing new, and the same version always has the
// same bytes, so a unit never sees one version with two contents.
func TestRostersGoSignedToTheSitesUnitsOnceEachVersion(t *testing.T) {
	ro, st, rec := rosterSetup(t)
	pub, key, _ := ed25519.GenerateKey(nil)
	ro.SignWith(key)
	ctx := context.Background()
	if err := ro.Reconcile(ctx); err != nil || rec.count != 0 {
		t.Fatalf("without guards: %v, %d publishes", err, rec.count)
	}
	addGuard(t, st, "estate", "wang")
	if err := ro.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	b := rec.last[wire.GuardsTopic("estate", "gate-1")]
	r, err := wire.DecodeGuardRoster(b)
	if err != nil || wire.VerifyRoster(&r, pub) != nil || r.Version != 1 || r.Unit != "gate-1" {
		t.Fatalf("gate-1's roster: %+v, %v", r, err)
	}
	if rec.count != 1 {
		t.Fatalf("%d publishes, want gate-1's only (not the gateway, not mart): %v", rec.count, rec.last)
	}
	if err := ro.Reconcile(ctx); err != nil || rec.count != 1 {
		t.Fatalf("a second reconcile published again: %d", rec.count)
	}
	if err := ro.Publish(ctx, "estate"); err != nil || rec.count != 2 {
		t.Fatalf("Publish sends at once: %v, %d", err, rec.count)
	}
	if !bytes.Equal(rec.last[wire.GuardsTopic("estate", "gate-1")], b) {
		t.Fatal("the same roster version was published with different bytes")
	}
}
