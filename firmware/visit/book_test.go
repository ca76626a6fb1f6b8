package visit

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/ledger"
	"github.com/kakou/kakou/firmware/wire"
)

var key = wire.VisitKey([]byte("a fleet tracing key of 32 bytes!"))

// lane is a Book on a real temp-dir ledger, with a clock the test moves.
type lane struct {
	*Book
	led *ledger.Ledger
	now time.Time
}

var ids atomic.Int64

func newLane(t testing.TB, unit string, l wire.Lane, prefix int) *lane {
	t.Helper()
	led, err := ledger.Open(filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { led.Close() })
	ln := &lane{led: led, now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	ln.Book = ln.open(t, unit, l, prefix)
	return ln
}

func (ln *lane) open(t testing.TB, unit string, l wire.Lane, prefix int) *Book {
	t.Helper()
	b, err := Open(context.Background(), ln.led, Options{Site: "sunny", Unit: unit, Lane: l, Prefix: prefix, Key: key,
		Hash: func(kind, n string) string {
			return wire.PersonHash([]byte("a fleet tracing key of 32 bytes!"), kind, n)
		},
		MaxStay: func() time.Duration { return 4 * time.Hour },
		Now:     func() (time.Time, bool) { return ln.now, true },
		NewID:   func() string { return fmt.Sprintf("%s-e%d", unit, ids.Add(1)) }})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// entry is what the pipeline hands the ledger for one person.
func (ln *lane) entry(unit string, l wire.Lane, d wire.Decision) wire.Entry {
	return wire.Entry{Schema: wire.SchemaVersion, ID: fmt.Sprintf("%s-p%d", unit, ids.Add(1)), Site: "sunny", Unit: unit,
		BootID: "b", Lane: l, Time: ln.now, ClockSynced: true, Decision: d,
		Credential: wire.Credential{Kind: wire.CredentialNone}, Reasons: []wire.Reason{{Code: "ok"}}}
}

// idFor is a distinct ID number for each phone: one person each.
func idFor(phone string) string { return "1101051" + phone }

func visitor(phone, id string) *wire.Visitor {
	k := []byte("a fleet tracing key of 32 bytes!")
	return &wire.Visitor{Name: "张*", Phone: wire.MaskPhone(phone), ID: wire.MaskID(id),
		PhoneHash: wire.PersonHash(k, "phone", phone), IDHash: wire.PersonHash(k, "id", id)}
}

// register logs a visitor's admission at the entrance and returns it.
func (ln *lane) register(t *testing.T, phone string) wire.Entry {
	t.Helper()
	e := ln.entry(ln.o.Unit, wire.LaneIn, wire.Allow)
	e.Visitor = visitor(phone, idFor(phone))
	if err := ln.Append(context.Background(), &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func (ln *lane) scan(t *testing.T, unit string, cred wire.Credential) wire.Entry {
	t.Helper()
	e := ln.entry(unit, wire.LaneOut, wire.Allow)
	e.Credential = cred
	if err := ln.Append(context.Background(), &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func qrCred(s string) wire.Credential {
	return wire.Credential{Kind: wire.CredentialVisitor, Result: "visit_code", Subject: s}
}

func TestRegisteredVisitorGetsAShortCodeFromTheLaneAndItsSeq(t *testing.T) {
	ln := newLane(t, "gate-in", wire.LaneIn, 3)
	ln.register(t, "13812345678")
	e := ln.register(t, "13912345678")
	if e.Visit == nil || e.Visit.Code != fmt.Sprintf("3%05d", e.Seq) {
		t.Fatalf("visit = %+v at seq %d, want code 3%05d", e.Visit, e.Seq, e.Seq)
	}
	if e.Visit.MaxStaySeconds != 4*3600 {
		t.Errorf("max stay %d s, want the policy's 4h", e.Visit.MaxStaySeconds)
	}
	stored, _ := ln.led.Entries(context.Background(), e.Seq-1, 1)
	if stored[0].Visit == nil || stored[0].Visit.Code != e.Visit.Code {
		t.Errorf("ledger holds visit %+v, want the code the guard was shown, %s", stored[0].Visit, e.Visit.Code)
	}
}

func TestOnlyAnAdmittedVisitorOpensAVisitAndAnAmendmentContinuesIt(t *testing.T) {
	ln := newLane(t, "gate-in", wire.LaneIn, 1)
	refused := ln.entry("gate-in", wire.LaneIn, wire.Deny)
	refused.Visitor = visitor("13812345678", idFor("13812345678"))
	ln.Append(context.Background(), &refused)
	resident := ln.entry("gate-in", wire.LaneIn, wire.Allow)
	ln.Append(context.Background(), &resident)
	v := ln.register(t, "13812345678")
	amend := ln.entry("gate-in", wire.LaneIn, wire.Allow)
	amend.Visitor, amend.Amends = v.Visitor, v.ID
	ln.Append(context.Background(), &amend)
	if refused.Visit != nil || resident.Visit != nil || amend.Visit != nil {
		t.Fatalf("visits opened for a refused visitor %v, a resident %v, an amendment %v", refused.Visit, resident.Visit, amend.Visit)
	}
	in, _ := ln.Inside(context.Background())
	if len(in) != 1 || in[0].ID != v.ID {
		t.Fatalf("inside = %v, want the one admitted visit", in)
	}
	if got, ok := ln.VisitOf(amend.ID); !ok || got.ID != v.ID {
		t.Errorf("the amendment's visit is %v %v, want %s", got.ID, ok, v.ID)
	}
	// The same visitor again, the entry naming nothing it amends (a
	// second registration while on the list): still the one visit.
	again := ln.entry("gate-in", wire.LaneIn, wire.Allow)
	again.Visitor = visitor("13812345678", idFor("13812345678"))
	ln.Append(context.Background(), &again)
	if in, _ := ln.Inside(context.Background()); again.Visit != nil || len(in) != 1 {
		t.Errorf("the same person registered again opened visit %+v; inside %d", again.Visit, len(in))
	}
	if got, ok := ln.VisitOf(again.ID); !ok || got.ID != v.ID {
		t.Errorf("the second registration's visit is %v %v, want %s", got.ID, ok, v.ID)
	}
	other := ln.register(t, "13900000000")
	if other.Visit == nil {
		t.Error("another visitor opened no visit")
	}
}

// One unit with both directions is how a lone unit's own ledger knows the
// visit; lanes are per unit, so the test uses two Books on one ledger.
func TestScanningTheVisitQRAtTheExitClosesItWithTheStay(t *testing.T) {
	in := newLane(t, "gate", wire.LaneIn, 2)
	v := in.register(t, "13812345678")
	qr := in.QR(v)
	in.now = in.now.Add(95 * time.Minute)
	out := &lane{Book: in.open(t, "gate", wire.LaneOut, 2), led: in.led, now: in.now}
	out.Book.o.Now = func() (time.Time, bool) { return in.now, true }
	e := out.scan(t, "gate", qrCred(qr))
	c := e.CloseOut
	if c == nil || c.Visit != v.ID || c.MatchedBy != wire.MatchedByCode || c.StaySeconds != 95*60 {
		t.Fatalf("close-out = %+v, want visit %s by code after 5700 s", c, v.ID)
	}
	if left, _ := out.Inside(context.Background()); len(left) != 0 {
		t.Errorf("still inside after the close-out: %v", left)
	}
	// A restarted unit rebuilds the same from its ledger.
	if left, _ := in.open(t, "gate", wire.LaneOut, 2).Inside(context.Background()); len(left) != 0 {
		t.Errorf("after a restart still inside: %v", left)
	}
}

func TestAnotherLanesVisitQRIsNamedForTheCentre(t *testing.T) {
	in := newLane(t, "gate-in", wire.LaneIn, 2)
	v := in.register(t, "13812345678")
	out := newLane(t, "gate-out", wire.LaneOut, 5)
	out.now = in.now.Add(time.Hour)
	e := out.scan(t, "gate-out", qrCred(in.QR(v)))
	c := e.CloseOut
	if c == nil || c.Visit != "" || c.Unit != "gate-in" || c.Seq != v.Seq || c.Code != v.Visit.Code || c.StaySeconds != 3600 {
		t.Fatalf("close-out = %+v, want gate-in's seq %d and code %s with a 3600 s stay", c, v.Seq, v.Visit.Code)
	}
	if e.Reasons[len(e.Reasons)-1] != ReasonForCentre {
		t.Errorf("reasons %v, want the centre to match", e.Reasons)
	}
}

func TestAForgedOrOtherSiteVisitCodeClosesNothingAndSaysWhy(t *testing.T) {
	in := newLane(t, "gate", wire.LaneIn, 2)
	v := in.register(t, "13812345678")
	out := &lane{Book: in.open(t, "gate", wire.LaneOut, 2), led: in.led, now: in.now}
	good := in.QR(v)
	otherSite := wire.VisitCode{Site: "shady", Unit: "gate", Seq: v.Seq, Code: v.Visit.Code}
	otherSite.Sign(key)
	unsigned := wire.VisitCode{Site: "sunny", Unit: "gate", Seq: v.Seq, Code: v.Visit.Code}
	unsigned.Sign(nil)
	for name, code := range map[string]string{
		"altered seq": strings.Replace(good, fmt.Sprintf(":%d:", v.Seq), fmt.Sprintf(":%d:", v.Seq+1), 1),
		"made-up tag": good[:len(good)-16] + "0123456789abcdef",
		"unsigned":    unsigned.String(),
		"other site":  otherSite.String(),
		"not a code":  "KKV1:sunny:gate",
	} {
		e := out.scan(t, "gate", qrCred(code))
		if e.CloseOut != nil {
			t.Errorf("%s: closed %+v", name, e.CloseOut)
		}
		if last := e.Reasons[len(e.Reasons)-1]; last.Code != "visit_code_refused" {
			t.Errorf("%s: reasons %v, want visit_code_refused", name, e.Reasons)
		}
	}
	if left, _ := out.Inside(context.Background()); len(left) != 1 {
		t.Errorf("inside = %d visits, want the real one still open", len(left))
	}
}

func TestTheGuardClosesAVisitByShortCodeOrPhoneAtTheExit(t *testing.T) {
	in := newLane(t, "gate", wire.LaneIn, 4)
	a := in.register(t, "13812345678")
	b := in.register(t, "13987654321")
	out := in.open(t, "gate", wire.LaneOut, 4)
	in.now = in.now.Add(30 * time.Minute)
	got, err := out.Close(context.Background(), Exit{Code: a.Visit.Code})
	if err != nil || got.Visit == nil || got.Visit.ID != a.ID || got.Entry.CloseOut.StaySeconds != 1800 {
		t.Fatalf("by code: %+v, %v; want visit %s after 1800 s", got, err, a.ID)
	}
	got, err = out.Close(context.Background(), Exit{Phone: "13987654321"})
	if err != nil || got.Visit == nil || got.Visit.ID != b.ID || got.Entry.CloseOut.MatchedBy != wire.MatchedByPhone {
		t.Fatalf("by phone: %+v, %v; want visit %s", got, err, b.ID)
	}
	if strings.Contains(fmt.Sprint(got.Entry), "13987654321") {
		t.Error("the typed phone number is in the exit's entry")
	}
	if left, _ := out.Inside(context.Background()); len(left) != 0 {
		t.Errorf("inside = %v, want none", left)
	}
}

func TestACloseOutThisLaneCannotMatchNeedsTheGuardsConfirmation(t *testing.T) {
	out := newLane(t, "gate-out", wire.LaneOut, 5)
	if _, err := out.Close(context.Background(), Exit{Code: "312345"}); err != ErrNotHere {
		t.Fatalf("unknown code unconfirmed: %v, want ErrNotHere", err)
	}
	last, _ := out.led.LastSeq(context.Background())
	if last != 0 {
		t.Fatalf("an unconfirmed close-out was logged (seq %d)", last)
	}
	got, err := out.Close(context.Background(), Exit{Code: "312345", Confirm: true})
	if err != nil || got.Entry.CloseOut.Code != "312345" || got.Visit != nil {
		t.Fatalf("confirmed: %+v, %v; want the code recorded for the centre", got, err)
	}
	for _, x := range []Exit{{Code: "12ab56"}, {Phone: "12"}, {ID: "123"}, {}} {
		if _, err := out.Close(context.Background(), x); err == nil || err == ErrNotHere {
			t.Errorf("%+v: %v, want it refused as malformed", x, err)
		}
	}
	entrance := newLane(t, "gate-in", wire.LaneIn, 1)
	if _, err := entrance.Close(context.Background(), Exit{Code: "312345", Confirm: true}); err == nil {
		t.Error("an entrance closed a visit")
	}
}
