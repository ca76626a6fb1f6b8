package credential

import (
	"bytes"
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// Fixed keys and a fixed clock make the tables and the fuzz corpus
// reproducible.
var (
	testNow     = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	siteKey     = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, ed25519.SeedSize))
	bureauKey   = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{2}, ed25519.SeedSize))
	healthKey   = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{3}, ed25519.SeedSize))
	strangerKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{4}, ed25519.SeedSize))
)

const (
	testSite   = "sg-garden"
	siteIssuer = "sg-office"
	bureau     = "commerce-bureau"
	healthAuth = "gd-health"
)

// testRoster is the centre's roster as the tests' unit holds it.
var testRoster = NewRoster(7, []wire.WatchEntry{
	{ID: "q-1", Pass: "Q-1", Kind: WatchQuarantine, Start: time.Date(2026, 2, 22, 0, 0, 0, 0, time.FixedZone("", 8*3600)), Plan: "14", Note: "居家隔离 14天"},
	{ID: "q-old", Pass: "Q-OLD", Kind: WatchQuarantine, Start: time.Date(2026, 2, 6, 0, 0, 0, 0, time.UTC), Plan: "14"},
	{ID: "r-1", Pass: "R-1", Kind: WatchReturnee, Start: testNow.AddDate(0, 0, -2), Plan: "14", Note: "from a medium-risk area"},
	{ID: "other-q", Pass: "OTHER-Q", Kind: WatchQuarantine, Start: time.Date(2026, 2, 22, 0, 0, 0, 0, time.UTC), Plan: "14"},
	{ID: "hh-9", Household: "9-9-909", Kind: WatchQuarantine, Start: testNow.AddDate(0, 0, -3), Plan: "14+14"},
	{ID: "id-1", IDHash: wire.PersonHash(testTracingKey, "id", "110105194912310011"), Kind: WatchMonitoring, Start: testNow.AddDate(0, 0, -1), Plan: "14"},
})

// clockAt is a unit clock: a time and whether NTP has synced it.
type clockAt struct {
	t      time.Time
	synced bool
}

var (
	syncedClock   = clockAt{testNow, true}
	unsyncedClock = clockAt{time.Unix(90, 0), false} // a Pi 90 s after booting in 1970
)

func testVerifier(t testing.TB, c clockAt) *Verifier {
	t.Helper()
	now := func() time.Time { return c.t }
	synced := func() bool { return c.synced }
	return &Verifier{
		Issuers: map[string]ed25519.PublicKey{
			siteIssuer: siteKey.Public().(ed25519.PublicKey),
			bureau:     bureauKey.Public().(ed25519.PublicKey),
		},
		Revoked: map[string]bool{"LOST-7": true},
		Site:    testSite,
		Health: HealthRouter{Offline: &OfflineHealth{
			Issuers: map[string]ed25519.PublicKey{healthAuth: healthKey.Public().(ed25519.PublicKey)},
			Now:     now, ClockSynced: synced,
		}},
		Watch: func() *Roster { return testRoster }, Now: now, ClockSynced: synced,
	}
}

// resident is a valid claim set to vary from.
func resident(mod func(*PassClaims)) PassClaims {
	c := PassClaims{Issuer: siteIssuer, ID: "SG-0012", Role: RoleResident, Household: "3-2-501",
		Site: testSite, NotBefore: testNow.Add(-24 * time.Hour).Unix(), Expires: testNow.AddDate(0, 0, 90).Unix()}
	if mod != nil {
		mod(&c)
	}
	return c
}

func mustPass(t testing.TB, key ed25519.PrivateKey, c PassClaims) string {
	t.Helper()
	code, err := IssuePass(key, c)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func greenCode(mod func(*HealthClaims)) HealthClaims {
	trv := true
	c := HealthClaims{Issuer: healthAuth, Colour: "green", IssuedAt: testNow.Add(-time.Hour).Unix(),
		NucleicAcidAt: testNow.Add(-30 * time.Hour).Unix(), TravelCardOK: &trv, Subject: "opaque-4711"}
	if mod != nil {
		mod(&c)
	}
	return c
}

func mustHealth(t testing.TB, key ed25519.PrivateKey, c HealthClaims) string {
	t.Helper()
	code, err := IssueHealth(key, c)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// mustSeal signs claims without validating them, as a careless or hostile
// issuer could.
func mustSeal(t testing.TB, prefix string, key ed25519.PrivateKey, claims any) string {
	t.Helper()
	code, err := seal(prefix, key, claims)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// checkContract holds a result to what every consumer relies on.
func checkContract(t testing.TB, code []byte, p Presented) {
	t.Helper()
	e := wire.Entry{Schema: wire.SchemaVersion, ID: "x", Site: "s", Unit: "u", Seq: 1,
		Lane: wire.LaneIn, Decision: wire.Allow, Credential: p.Wire}
	if err := e.Validate(); err != nil {
		t.Fatalf("Check(%q) gave a credential the wire refuses: %v", code, err)
	}
	if p.Wire.Result != string(p.Status) {
		t.Fatalf("Check(%q): Result %q != Status %q", code, p.Wire.Result, p.Status)
	}
	if p.Wire.Subject != "" && !validRef(p.Wire.Subject) && !(p.Wire.Kind == wire.CredentialVenue && ValidVenueID(p.Wire.Subject)) {
		t.Fatalf("Check(%q): subject %q is not a safe reference", code, p.Wire.Subject)
	}
	if len(p.Detail) > maxDetail+len("…") {
		t.Fatalf("Check(%q): detail of %d bytes", code, len(p.Detail))
	}
}
