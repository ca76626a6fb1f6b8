package fleet

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store/sqlite"
	"github.com/kakou/kakou/firmware/wire"
)

// recorder is a Publisher that keeps the retained message per topic, as a
// broker does.
type recorder struct {
	mu       sync.Mutex
	retained map[string]wire.PolicyPush
	fail     bool
}

func (r *recorder) PublishRetained(_ context.Context, topic string, b []byte) error {
	if r.fail {
		return os.ErrDeadlineExceeded
	}
	p, err := wire.DecodePolicyPush(b)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.retained[topic] = p
	return nil
}

func setup(t *testing.T) (*Fleet, *sqlite.Store, *recorder) {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "cloud.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	profiles, err := LoadProfiles("../../configs/policies")
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{retained: map[string]wire.PolicyPush{}}
	for _, u := range []struct{ site, unit, version string }{
		{"estate", "gate-1", "community-normal-1"}, {"estate", "gate-2", "community-normal-1"}, {"mart", "door-1", "x"}} {
		err := st.PutStatus(context.Background(), wire.Status{Schema: wire.SchemaVersion, Site: u.site,
			Unit: u.unit, State: wire.Online, PolicyVersion: u.version}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
	}
	return New(st, rec, profiles, nil), st, rec
}

// TestAssignSitePushesToEveryUnitOfTheSite, a unit's own choice wins over
// its site's, and a unit already on the chosen version is not sent it.
func TestAssignSitePushesToEveryUnitOfTheSite(t *testing.T) {
	f, st, rec := setup(t)
	ctx := context.Background()
	if _, err := f.Assign(ctx, "site", "estate", "community-closed", "指挥部"); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"gate-1", "gate-2"} {
		p, ok := rec.retained[wire.PolicyTopic("estate", u)]
		if !ok || p.Profile != "community-closed" || p.Version != "community-closed-1" || p.IssuedBy != "指挥部" || p.Unit != u {
			t.Fatalf("%s got %+v", u, p)
		}
	}
	if _, ok := rec.retained[wire.PolicyTopic("mart", "door-1")]; ok {
		t.Fatal("a unit of another site was sent the estate's policy")
	}
	if _, err := f.Assign(ctx, "unit", "estate/gate-2", "class-b", "指挥部"); err != nil {
		t.Fatal(err)
	}
	if p := rec.retained[wire.PolicyTopic("estate", "gate-2")]; p.Profile != "class-b" {
		t.Fatalf("gate-2 after its own choice: %+v", p)
	}
	// gate-1 reports it runs the closed policy: nothing more is sent to it.
	delete(rec.retained, wire.PolicyTopic("estate", "gate-1"))
	st.PutStatus(ctx, wire.Status{Schema: wire.SchemaVersion, Site: "estate", Unit: "gate-1",
		State: wire.Online, PolicyVersion: "community-closed-1"}, time.Now())
	f.now = func() time.Time { return time.Now().Add(2 * repushEvery) }
	if err := f.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := rec.retained[wire.PolicyTopic("estate", "gate-1")]; ok {
		t.Fatal("a unit on the chosen version was sent it again")
	}
}

// TestReconcileRepushesToLaggingUnitAfterFailure: the broker was down when
// the choice was made; the choice is kept and the next round pushes it.
func TestReconcileRepushesToLaggingUnitAfterFailure(t *testing.T) {
	f, _, rec := setup(t)
	rec.fail = true
	if _, err := f.Assign(context.Background(), "unit", "mart/door-1", "supermarket-normal", "x"); err == nil {
		t.Fatal("Assign reported success with the broker down")
	}
	rec.fail = false
	if err := f.Reconcile(context.Background()); err != nil {
		t.Fatal(err)
	}
	if p := rec.retained[wire.PolicyTopic("mart", "door-1")]; p.Profile != "supermarket-normal" {
		t.Fatalf("after the broker came back: %+v", p)
	}
}

func TestAssignRefusesUnknownProfileAndScope(t *testing.T) {
	f, _, _ := setup(t)
	for _, tt := range []struct{ scope, target, profile string }{
		{"site", "estate", "no-such"}, {"city", "estate", "class-b"}, {"site", "Bad/Id", "class-b"},
		{"unit", "gate-1", "class-b"}, // a unit without its site: two sites may have a gate-1
		{"unit", "estate/gate-1/x", "class-b"},
	} {
		if _, err := f.Assign(context.Background(), tt.scope, tt.target, tt.profile, "x"); err == nil {
			t.Errorf("Assign(%v) accepted", tt)
		}
	}
}
