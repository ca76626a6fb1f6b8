package unit

import (
	"context"
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/screening"
	"github.com/kakou/kakou/firmware/wire"
)

// holdReturnee registers a returnee at u's lane, which the default policy
// (community-normal) holds for sampling, and returns the hold entry.
func holdReturnee(t *testing.T, u *Unit, phone string) wire.Entry {
	t.Helper()
	ctx := context.Background()
	first, err := u.pipeline.Screen(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	v := &wire.Visitor{Name: "张三", Phone: wire.MaskPhone(phone), PhoneHash: wire.PersonHash([]byte("k"), "phone", phone)}
	held, err := u.pipeline.Amend(ctx, first.ID, screening.Amend{Visitor: v,
		Returnee: &wire.Returnee{Origin: "武汉", Arrived: time.Now().Add(-time.Hour)}})
	if err != nil || held.Decision != wire.Hold {
		t.Fatalf("returnee: %s (%v), want a hold", held.Decision, err)
	}
	return held
}

func resultsV(v uint64, phone string, key ed25519.PrivateKey) wire.ResultPush {
	p := wire.ResultPush{Schema: wire.SchemaVersion, Site: "s1", Unit: "u1", Version: v, IssuedAt: time.Now().UTC(),
		Results: []wire.TestResult{{ID: "r", PhoneHash: wire.PersonHash([]byte("k"), "phone", phone),
			Result: wire.ResultNegative, SampledAt: time.Now().UTC()}}}
	if key != nil {
		wire.SignResults(&p, key)
	}
	return p
}

func pendingHolds(u *Unit) int {
	n := 0
	for _, h := range u.pipeline.SamplingHolds() {
		if h.Released == nil {
			n++
		}
	}
	return n
}

// TestUnitReleasesOnlyOnTheCentresResultsForItself: forged, unsigned,
// misaddressed and older pushes release nobody; the centre's does, once.
func TestUnitReleasesOnlyOnTheCentresResultsForItself(t *testing.T) {
	key, pub := newKey(t)
	other, _ := newKey(t)
	log := newLogSink()
	dir := t.TempDir()
	u, err := newVerifyingUnit(t, dir, "tcp://127.0.0.1:1", log, pub)
	if err != nil {
		t.Fatal(err)
	}
	hold := holdReturnee(t, u, "13800138000")
	u.onResults(resultsV(5, "13900139000", key)) // someone else's result: taken, releases nobody
	another := resultsV(9, "13800138000", nil)
	another.Unit = "u2"
	wire.SignResults(&another, key)
	for name, p := range map[string]wire.ResultPush{
		"unsigned":         resultsV(6, "13800138000", nil),
		"forged":           resultsV(7, "13800138000", other),
		"older":            resultsV(4, "13800138000", key),
		"for another unit": another,
	} {
		u.onResults(p)
		if pendingHolds(u) != 1 {
			t.Fatalf("%s push released the returnee", name)
		}
	}
	if n := strings.Count(log.String(), "test results refused"); n != 4 {
		t.Fatalf("%d refusals logged, want 4:\n%s", n, log)
	}
	u.onResults(resultsV(8, "13800138000", key))
	hs := u.pipeline.SamplingHolds()
	if len(hs) != 1 || hs[0].Released == nil || hs[0].Released.Amends != hold.ID {
		t.Fatalf("after the centre's result: %+v", hs)
	}
	u.Close()

	// After a reboot the lane still knows the release, and an older push
	// replayed is refused.
	u, err = newVerifyingUnit(t, dir, "tcp://127.0.0.1:1", log, pub)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	second := holdReturnee(t, u, "13700137000")
	if hs := u.pipeline.SamplingHolds(); len(hs) != 2 || hs[1].Released == nil || hs[0].Entry.ID != second.ID {
		t.Fatalf("after a reboot: %+v", hs)
	}
	u.onResults(resultsV(7, "13700137000", key))
	if pendingHolds(u) != 1 {
		t.Fatal("a push older than the one taken before the reboot released someone")
	}
}
