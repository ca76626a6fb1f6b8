package unit

import (
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// staffV is the centre's staff roster version v for s1/u1 with ids.
func staffV(v uint64, key ed25519.PrivateKey, ids ...string) wire.StaffRoster {
	r := wire.StaffRoster{Schema: wire.SchemaVersion, Site: "s1", Unit: "u1", Version: v,
		IssuedAt: time.Date(2026, 11, 23, 9, 0, int(v), 0, time.UTC), IssuedBy: "教务处"}
	for _, id := range ids {
		r.Members = append(r.Members, wire.StaffMember{ID: id, Name: "张**", Group: wire.GroupPupil, Class: "三年级2班"})
	}
	if key != nil {
		wire.SignStaffRoster(&r, key)
	}
	return r
}

// TestUnitTakesOnlyTheCentresNewerStaffRosterForItselfAndKeepsItOffline:
// a signed roster is taken; unsigned, forged, older, misaddressed and
// guard-signed ones are refused; after a reboot without the broker the
// saved roster is back, and one edited on the card is not used.
func TestUnitTakesOnlyTheCentresNewerStaffRosterForItselfAndKeepsItOffline(t *testing.T) {
	key, pub := newKey(t)
	other, _ := newKey(t)
	dir := t.TempDir()
	log := newLogSink()
	u, err := newVerifyingUnit(t, dir, "tcp://127.0.0.1:1", log, pub)
	if err != nil {
		t.Fatal(err)
	}
	u.onStaff(staffV(5, key, "P-1", "P-2"))
	if got := u.rollcall.Roster(); got.Version != 5 || len(got.Members) != 2 {
		t.Fatalf("the centre's roster was not taken: %+v\n%s", got, log)
	}
	another := staffV(9, nil, "P-9")
	another.Unit = "u2"
	wire.SignStaffRoster(&another, key)
	asGuards := staffV(8, nil, "P-9")
	g := wire.GuardRoster{Schema: 1, Site: "s1", Unit: "u1", Version: 8, IssuedAt: asGuards.IssuedAt, IssuedBy: asGuards.IssuedBy}
	wire.SignRoster(&g, key)
	asGuards.Signature = g.Signature
	for name, r := range map[string]wire.StaffRoster{
		"unsigned": staffV(6, nil, "P-9"), "forged": staffV(7, other, "P-9"), "older": staffV(4, key, "P-9"),
		"for another unit": another, "signed as a guard roster": asGuards,
	} {
		u.onStaff(r)
		if got := u.rollcall.Roster(); got.Version != 5 {
			t.Errorf("%s roster taken: version %d", name, got.Version)
		}
	}
	if n := strings.Count(log.String(), "staff roster refused"); n != 5 {
		t.Fatalf("%d refusals logged, want 5:\n%s", n, log)
	}
	u.Close()

	u, err = newVerifyingUnit(t, dir, "tcp://127.0.0.1:1", newLogSink(), pub)
	if err != nil {
		t.Fatal(err)
	}
	if got := u.rollcall.Roster(); got.Version != 5 {
		t.Fatalf("the saved roster was not restored: %+v", got)
	}
	u.Close()
	path := filepath.Join(dir, staffFile)
	b, _ := os.ReadFile(path)
	os.WriteFile(path, []byte(strings.Replace(string(b), `"P-2"`, `"P-7"`, 1)), 0o600)
	log = newLogSink()
	u, err = newVerifyingUnit(t, dir, "tcp://127.0.0.1:1", log, pub)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	if u.rollcall.Roster().Version != 0 || !strings.Contains(log.String(), "saved staff roster not used") {
		t.Fatalf("an edited saved roster was used:\n%s", log)
	}
}
