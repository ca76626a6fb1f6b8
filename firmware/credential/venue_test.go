package credential

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// centreKey signs policies and registration codes; the test unit holds its
// public half as [policy] verify_keys.
var centreKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{5}, ed25519.SeedSize))

// registration is a valid booking for testSite to vary from.
func registration(mod func(*wire.VenueRegistration)) wire.VenueRegistration {
	r := wire.VenueRegistration{ID: "R_20260301_0001", Number: "042917", Site: testSite,
		Issued: testNow.Add(-time.Hour).Unix(), NotBefore: testNow.Add(-time.Hour).Unix(),
		Expires: testNow.Add(12 * time.Hour).Unix(),
		Visitor: wire.VenueVisitor{Name: "李四", Phone: "13800138000", IDNumber: "11010519491231002X", Dest: "3-2-501"},
		Slot:    &wire.VenueSlot{Start: testNow.Unix(), End: testNow.Add(30 * time.Minute).Unix()}, Party: 2}
	if mod != nil {
		mod(&r)
	}
	return r
}

func mustVenue(t testing.TB, key ed25519.PrivateKey, r wire.VenueRegistration) string {
	t.Helper()
	code, err := wire.SignVenueCode(r, key)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func venueVerifier(t testing.TB, c clockAt) *Verifier {
	v := testVerifier(t, c)
	v.VenueKeys = []ed25519.PublicKey{centreKey.Public().(ed25519.PublicKey)}
	return v
}

type venueCase struct {
	name   string
	code   string
	clock  clockAt
	status Status
	sub    string
}

func venueCases(t testing.TB) []venueCase {
	good := mustVenue(t, centreKey, registration(nil))
	return []venueCase{
		{"booking", good, syncedClock, StatusValid, "R_20260301_0001"},
		{"registration without a booking", mustVenue(t, centreKey, registration(func(r *wire.VenueRegistration) { r.Slot, r.Party = nil, 0 })), syncedClock, StatusValid, "R_20260301_0001"},
		{"another site's code", mustVenue(t, centreKey, registration(func(r *wire.VenueRegistration) { r.Site = "sg-other" })), syncedClock, StatusWrongSite, "R_20260301_0001"},
		{"forged by another key", mustVenue(t, strangerKey, registration(nil)), syncedClock, StatusVerifyFailed, ""},
		{"signed by a pass issuer's key", mustVenue(t, siteKey, registration(nil)), syncedClock, StatusVerifyFailed, ""},
		{"expired", mustVenue(t, centreKey, registration(func(r *wire.VenueRegistration) {
			r.NotBefore, r.Expires = testNow.Add(-48*time.Hour).Unix(), testNow.Add(-ClockSkew-time.Second).Unix()
		})), syncedClock, StatusExpired, "R_20260301_0001"},
		{"expired within the skew", mustVenue(t, centreKey, registration(func(r *wire.VenueRegistration) {
			r.NotBefore, r.Expires = testNow.Add(-48*time.Hour).Unix(), testNow.Add(-ClockSkew+time.Second).Unix()
		})), syncedClock, StatusValid, "R_20260301_0001"},
		{"not yet valid", mustVenue(t, centreKey, registration(func(r *wire.VenueRegistration) {
			r.NotBefore, r.Expires = testNow.Add(24*time.Hour).Unix(), testNow.Add(48*time.Hour).Unix()
		})), syncedClock, StatusNotYetValid, "R_20260301_0001"},
		{"expired, clock unsynced", mustVenue(t, centreKey, registration(func(r *wire.VenueRegistration) {
			r.NotBefore, r.Expires = testNow.Add(-48*time.Hour).Unix(), testNow.Add(-24*time.Hour).Unix()
		})), unsyncedClock, StatusValid, "R_20260301_0001"},
		{"another site's, clock unsynced", mustVenue(t, centreKey, registration(func(r *wire.VenueRegistration) { r.Site = "sg-other" })), unsyncedClock, StatusWrongSite, "R_20260301_0001"},
		{"tampered claims", good[:len(wire.VenueCodePrefix)+4] + "x" + good[len(wire.VenueCodePrefix)+5:], syncedClock, StatusVerifyFailed, ""},
		{"no signature", good[:bytes.LastIndexByte([]byte(good), '.')], syncedClock, StatusMalformed, ""},
		{"prefix only", wire.VenueCodePrefix, syncedClock, StatusMalformed, ""},
	}
}

func TestCheckVenueCodes(t *testing.T) {
	for _, c := range venueCases(t) {
		t.Run(c.name, func(t *testing.T) {
			p := venueVerifier(t, c.clock).Check(context.Background(), []byte(c.code))
			checkContract(t, []byte(c.code), p)
			if p.Wire.Kind != wire.CredentialVenue || p.Status != c.status || p.Wire.Subject != c.sub {
				t.Fatalf("got %+v %s (%s), want venue_code %s subject %q", p.Wire, p.Status, p.Detail, c.status, c.sub)
			}
			if c.sub == "" && (p.Visitor != nil || p.Venue != nil) {
				t.Fatalf("claims that did not verify filled facts: %+v %+v", p.Visitor, p.Venue)
			}
		})
	}
}

func TestCheckVenueFillsTheVisitorAndBooking(t *testing.T) {
	r := registration(nil)
	p := venueVerifier(t, syncedClock).Check(context.Background(), []byte(mustVenue(t, centreKey, r)))
	want := Visitor{Name: "李四", Phone: "13800138000", ID: "11010519491231002X", Destination: "3-2-501"}
	if p.Visitor == nil || *p.Visitor != want {
		t.Fatalf("visitor %+v, want %+v", p.Visitor, want)
	}
	if p.Venue == nil || p.Venue.Slot == nil || *p.Venue.Slot != *r.Slot || p.Venue.Party != 2 || p.Venue.Number != "042917" {
		t.Fatalf("booking %+v, want slot %+v party 2 number 042917", p.Venue, r.Slot)
	}
	r.Slot, r.Party = nil, 0
	p = venueVerifier(t, syncedClock).Check(context.Background(), []byte(mustVenue(t, centreKey, r)))
	if p.Venue == nil || p.Venue.Slot != nil || p.Venue.Party != 1 {
		t.Fatalf("registration without booking: %+v, want no slot, party 1", p.Venue)
	}
}

func TestVenueCodeNeedsTheCentresKey(t *testing.T) {
	code := []byte(mustVenue(t, centreKey, registration(nil)))
	p := testVerifier(t, syncedClock).Check(context.Background(), code)
	if p.Status != StatusVerifyFailed || p.Wire.Kind != wire.CredentialVenue {
		t.Fatalf("a unit without verify_keys: %s %+v, want verify_failed", p.Status, p.Wire)
	}
}
