package screening

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/ledger"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
)

var centreKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, ed25519.SeedSize))

// clinicEntrance is a clinic-appointments entrance over led, verifying
// registration codes with the centre's key as the unit does.
func clinicEntrance(t *testing.T, led *ledger.Ledger, c *clock) *Pipeline {
	t.Helper()
	pol, err := policy.Load(filepath.Join("..", "..", "configs", "policies", "clinic-appointments.toml"))
	if err != nil {
		t.Fatal(err)
	}
	var decided []wire.Entry
	o := options(&decided)
	o.Site, o.Lane, o.Policy, o.Now = "sg-clinic", wire.LaneIn, func() policy.Policy { return pol }, c.Now
	o.NewID = func() string { return fmt.Sprintf("venue-%d", ids.Add(1)) }
	o.Credentials = &credential.Verifier{Site: "sg-clinic", VenueKeys: []ed25519.PublicKey{centreKey.Public().(ed25519.PublicKey)},
		Now: func() time.Time { t, _ := c.Now(); return t }, ClockSynced: func() bool { return c.synced }}
	o.Households, o.Venue = led, led
	p, err := New(fixedThermo{t: policy.Celsius(36.4)}, blockedScanner{}, led, o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func bookingCode(t *testing.T, slot time.Time) string {
	t.Helper()
	code, err := wire.SignVenueCode(wire.VenueRegistration{ID: "R_20261208_0007", Number: "314159", Site: "sg-clinic",
		Issued: slot.Add(-24 * time.Hour).Unix(), NotBefore: slot.Add(-24 * time.Hour).Unix(), Expires: slot.Add(12 * time.Hour).Unix(),
		Visitor: wire.VenueVisitor{Name: "赵六", Phone: "13900139000"},
		Slot:    &wire.VenueSlot{Start: slot.Unix(), End: slot.Add(30 * time.Minute).Unix()}}, centreKey)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func TestBookingAdmitsOncePerLaneAcrossARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	slot := time.Date(2026, 12, 8, 14, 0, 0, 0, cst)
	c := &clock{now: slot.Add(-20 * time.Minute), synced: true}
	led, err := ledger.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	p := clinicEntrance(t, led, c)
	code := bookingCode(t, slot)

	e := screen(t, p, code)
	if n := len(e.Reasons); e.Decision != wire.PersuadeReturn || n < 2 ||
		!strings.Contains(e.Reasons[n-2].ZH, "请于 13:45–14:45 入场") ||
		e.Reasons[n-1].ZH != "下一时段 12月8日 14:00–14:30，是否有名额请扫门口场所码查看" {
		t.Fatalf("20 minutes early: %s %v, want the window and the next slot", e.Decision, e.Reasons)
	}
	if e.Credential.Kind != wire.CredentialVenue || e.Credential.Subject != "R_20261208_0007" {
		t.Fatalf("entry credential %+v", e.Credential)
	}
	c.now = slot.Add(-10 * time.Minute)
	if e = screen(t, p, code); e.Decision != wire.Allow {
		t.Fatalf("in the window: %s %v", e.Decision, e.Reasons)
	}
	if e.Visitor == nil || e.Visitor.Name != "赵六" || e.Visitor.Phone != wire.MaskPhone("13900139000") {
		t.Fatalf("the registration's visitor on the entry: %+v, want 赵六 with the phone masked", e.Visitor)
	}
	if js, _ := json.Marshal(e); strings.Contains(string(js), "13900139000") {
		t.Fatal("the entry carries the full phone number")
	}
	c.now = slot.Add(5 * time.Minute)
	if e = screen(t, p, code); e.Decision != wire.Deny || !strings.Contains(e.Reasons[len(e.Reasons)-1].ZH, "12月8日 13:50 已入场") {
		t.Fatalf("second use: %s %v", e.Decision, e.Reasons)
	}
	led.Close()

	led = openLedger(t, path) // the restart
	p = clinicEntrance(t, led, c)
	if e = screen(t, p, code); e.Decision != wire.Deny || e.Reasons[len(e.Reasons)-1].Code != "appointment_used" {
		t.Fatalf("second use after a restart: %s %v", e.Decision, e.Reasons)
	}
}

func TestScreenShowsTheBookingWithoutFullNumbers(t *testing.T) {
	slot := time.Date(2026, 12, 8, 14, 0, 0, 0, cst)
	c := &clock{now: slot.Add(-20 * time.Minute), synced: true}
	led := openLedger(t, filepath.Join(t.TempDir(), "ledger.db"))
	p := clinicEntrance(t, led, c)
	code := bookingCode(t, slot)
	for _, step := range []struct {
		at     time.Time
		booked string
	}{
		{slot.Add(-20 * time.Minute), "outside"},
		{slot, "ok"},
		{slot.Add(time.Minute), "outside"}, // used
	} {
		c.now = step.at
		e := screen(t, p, code)
		open, recent := p.OnScreen()
		var got *Shown
		for _, s := range append(open, recent...) {
			if s.Entry.ID == e.ID {
				got = &s
			}
		}
		want := VenueShown{Number: "314159", Party: 1, Slot: "12月8日 14:00–14:30", Booked: step.booked}
		if got == nil || got.Venue == nil || *got.Venue != want {
			t.Fatalf("at %s: shown %+v, want venue %+v", step.at.Format("15:04"), got, want)
		}
		if js, _ := json.Marshal(got); got.Prefill != nil || strings.Contains(string(js), "13900139000") {
			t.Fatalf("the screen carries the code's full numbers: %s", js)
		}
	}
}

// TestRegistrationCodesThroughVerifierAndPolicy: signed codes, checked by
// the real Verifier, decided by the shipped clinic-appointments profile.
func TestRegistrationCodesThroughVerifierAndPolicy(t *testing.T) {
	slot := time.Date(2026, 12, 8, 14, 0, 0, 0, cst)
	sign := func(key ed25519.PrivateKey, mod func(*wire.VenueRegistration)) string {
		r := wire.VenueRegistration{ID: "R_T_1", Number: "271828", Site: "sg-clinic",
			Issued: slot.Add(-24 * time.Hour).Unix(), NotBefore: slot.Add(-24 * time.Hour).Unix(), Expires: slot.Add(12 * time.Hour).Unix(),
			Visitor: wire.VenueVisitor{Name: "钱七"},
			Slot:    &wire.VenueSlot{Start: slot.Unix(), End: slot.Add(30 * time.Minute).Unix()}}
		if mod != nil {
			mod(&r)
		}
		code, err := wire.SignVenueCode(r, key)
		if err != nil {
			t.Fatal(err)
		}
		return code
	}
	stranger := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{10}, ed25519.SeedSize))
	for _, c := range []struct {
		name     string
		code     string
		at       time.Time
		synced   bool
		soft     bool
		decision wire.Decision
		reason   string // the deciding reason; for an admission, the appointment's
	}{
		{"in window", sign(centreKey, nil), slot.Add(5 * time.Minute), true, false, wire.Allow, "appointment_ok"},
		{"early", sign(centreKey, nil), slot.Add(-16 * time.Minute), true, false, wire.PersuadeReturn, "appointment_early"},
		{"late", sign(centreKey, nil), slot.Add(45 * time.Minute), true, false, wire.PersuadeReturn, "appointment_late"},
		{"another site", sign(centreKey, func(r *wire.VenueRegistration) { r.Site = "sg-market" }), slot, true, false, wire.PersuadeReturn, "appointment_missing"},
		{"forged", sign(stranger, nil), slot, true, false, wire.PersuadeReturn, "appointment_missing"},
		{"expired", sign(centreKey, func(r *wire.VenueRegistration) { r.Expires = slot.Add(-time.Hour).Unix() }), slot, true, false, wire.PersuadeReturn, "appointment_missing"},
		{"slot not on the schedule", sign(centreKey, func(r *wire.VenueRegistration) {
			r.Slot = &wire.VenueSlot{Start: slot.Add(-2 * time.Hour).Unix(), End: slot.Add(-90 * time.Minute).Unix()}
		}), slot, true, false, wire.PersuadeReturn, "appointment_unknown_slot"},
		{"clock unsynced", sign(centreKey, nil), time.Unix(90, 0), false, false, wire.Allow, "appointment_window_unchecked"},
		{"soft, late", sign(centreKey, nil), slot.Add(45 * time.Minute), true, true, wire.Allow, "appointment_late"},
	} {
		t.Run(c.name, func(t *testing.T) {
			clk := &clock{now: c.at, synced: c.synced}
			p := clinicEntrance(t, openLedger(t, filepath.Join(t.TempDir(), "ledger.db")), clk)
			if c.soft {
				pol := p.opts.Policy()
				pol.Checks.Appointment.Mode = "soft"
				p.opts.Policy = func() policy.Policy { return pol }
			}
			e := screen(t, p, c.code)
			codes := []string{}
			for _, r := range e.Reasons {
				if r.Code != "appointment_next" {
					codes = append(codes, r.Code)
				}
			}
			decided := codes[len(codes)-1] == c.reason || c.decision == wire.Allow && slices.Contains(codes, c.reason)
			if e.Decision != c.decision || !decided {
				t.Fatalf("%s %v, want %s ending %s", e.Decision, codes, c.decision, c.reason)
			}
		})
	}
}

// TestRegistrationCodeKeepsOnlyTheFieldsThePolicyAsks: a code made while
// the site asked where the visitor came from brings the answer, but the
// clinic's policy asks phone, ID and reason only: the entry keeps no origin.
func TestRegistrationCodeKeepsOnlyTheFieldsThePolicyAsks(t *testing.T) {
	slot := time.Date(2026, 12, 8, 14, 0, 0, 0, cst)
	c := &clock{now: slot, synced: true}
	p := clinicEntrance(t, openLedger(t, filepath.Join(t.TempDir(), "ledger.db")), c)
	code, err := wire.SignVenueCode(wire.VenueRegistration{ID: "R-origin", Number: "271828", Site: "sg-clinic",
		Issued: slot.Add(-time.Hour).Unix(), NotBefore: slot.Add(-time.Hour).Unix(), Expires: slot.Add(12 * time.Hour).Unix(),
		Visitor: wire.VenueVisitor{Name: "钱七", Phone: "13700137000", Origin: "武汉", Reason: "复诊"},
		Slot:    &wire.VenueSlot{Start: slot.Unix(), End: slot.Add(30 * time.Minute).Unix()}}, centreKey)
	if err != nil {
		t.Fatal(err)
	}
	e := screen(t, p, code)
	if e.Visitor == nil || e.Visitor.Reason != "复诊" || e.Visitor.Origin != "" {
		t.Fatalf("entry's visitor %+v: want the reason the policy asks and no origin", e.Visitor)
	}
}
