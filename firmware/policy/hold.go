package policy

import (
	"slices"
	"time"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/wire"
)

// Holding for sampling (docs/product.md "More from the plans": an outcome
// "hold: go to the sampling point"; the person waits and is released when
// a negative result arrives). Hold is an outcome a check may choose (the
// nucleic-acid check, the returnee check); unlike wait, which stops the
// lane while a full site makes room, a hold lets the lane scan on: the
// person walks to the sampling point. The pipeline remembers the hold
// (Input.PendingHold) and the policy decides the person's next scans:
// held again until a result is known, or released by a same-day
// sampling record when the policy accepts one.

// ReturneeCheck is what happens to a returnee registered at the gate
// (返乡/返回人员; docs/product.md "People treated differently": test on
// arrival): Outcome, typically hold, sends them to be sampled.
type ReturneeCheck struct {
	Mode    Mode          `toml:"mode" json:"mode"`
	Outcome wire.Decision `toml:"outcome" json:"outcome"`
}

// HoldCheck says how a held person is released at the gate. A result
// from the centre always releases on a negative test; SameDaySampling
// also takes a signed health code whose sampling time (nat) is today by
// the unit's synced clock (docs/product.md "Closed-management community
// gates": a negative test within 48 h or a same-day sampling record).
type HoldCheck struct {
	SameDaySampling bool `toml:"same_day_sampling" json:"same_day_sampling"`
}

// Reasons of the hold.
var (
	ReasonHeld      = wire.Reason{Code: wire.ReasonHeld, ZH: "请前往采样点采样，结果阴性后放行", EN: "go to the sampling point; released on a negative result"}
	ReasonStillHeld = wire.Reason{Code: wire.ReasonStillHeld, ZH: "待采样结果，暂不放行，请前往采样点", EN: "still waiting for the test result; go to the sampling point"}
	ReasonReleased  = wire.Reason{Code: wire.ReasonReleased, ZH: "核酸结果阴性，解除待采样，放行", EN: "released after a negative result"}
	// ReasonSampledToday: what released the person was a same-day
	// sampling record shown at the gate, not a result from the centre.
	ReasonSampledToday = wire.Reason{Code: "sampled_today", ZH: "当日已采样", EN: "sampled today"}
	ReasonReturneeTest = wire.Reason{Code: "returnee_arrival_test", ZH: "返回人员，到达即检，请前往采样点", EN: "returnee: tested on arrival, go to the sampling point"}
)

// holdOutcomes are the outcomes of a check that may send people to be
// sampled.
var holdOutcomes = []wire.Decision{wire.Deny, wire.Register, wire.Refer, wire.PersuadeReturn, wire.Hold}

// returnee applies the returnee check to a person the guard registered
// as a returnee on the way in.
func (e *eval) returnee() {
	r := e.p.Checks.Returnee
	if r.Mode == Off || !e.in.Returnee {
		return
	}
	e.fail(r.Mode, r.Outcome, ReasonReturneeTest)
}

// held settles a decision for a person held for sampling or being held
// now. Someone with a pending hold whom the checks would let in is held
// again, unless they show a same-day sampling record the policy accepts:
// then the entry releases them, whichever check held them. Stricter outcomes (a fever, a red code)
// stand as they are. Exits are logged, not held.
func (e *eval) held() {
	switch {
	case e.in.Lane == wire.LaneOut:
	case e.in.PendingHold && (e.d.Outcome == wire.Allow || e.d.Outcome == wire.Hold) && e.sampledToday():
		// Sampled today is what every hold asks for: the returnee's test
		// on arrival and the nucleic-acid check's alike.
		e.d.Outcome = wire.Allow
		e.d.Reasons = slices.Insert(e.d.Reasons, 0, ReasonReleased, ReasonSampledToday)
	case e.in.PendingHold && (e.d.Outcome == wire.Allow || e.d.Outcome == wire.Hold):
		e.d.Outcome = wire.Hold
		e.d.Reasons = slices.Insert(e.d.Reasons, 0, ReasonStillHeld)
	case e.d.Outcome == wire.Hold:
		e.d.Reasons = slices.Insert(e.d.Reasons, 0, ReasonHeld)
	}
}

// sampledToday reports whether the person shows a health code that
// verified, is accepted, and was sampled today. Without a synced clock
// "today" is unknown, so nothing is released on it.
func (e *eval) sampledToday() bool {
	c := &e.in.Credential
	at, now := c.NucleicAcidAt, e.in.Now
	if !e.p.Checks.Hold.SameDaySampling || !e.in.ClockSynced || at.IsZero() ||
		c.Wire.Kind != wire.CredentialHealthCode ||
		!slices.Contains(e.p.Checks.HealthCode.Accept, c.Status) {
		return false
	}
	if at.After(now.Add(credential.ClockSkew)) {
		return false // sampled in the future: a forged or mis-set code
	}
	return sameDay(at.In(now.Location()), now)
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

func (r ReturneeCheck) check(c *checker) {
	oneOf(c, "checks.returnee.mode", r.Mode, modes...)
	oneOf(c, "checks.returnee.outcome", r.Outcome, holdOutcomes...)
}
