package policy

import (
	"slices"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/wire"
)

// temperature applies the fever rule (docs/product.md "What a
// checkpoint checks": a reading at or over the threshold triggers a re-check; two fever readings → refer to the
// fever clinic and alert central). Fever outranks an uncertain reading: a
// doubtful 38 °C is still a reason to measure again.
func (e *eval) temperature() {
	t := e.p.Checks.Temperature
	r := e.in.Reading
	switch fever := r != nil && e.p.Fever(r.Body); {
	case t.Mode == Off:
	case r == nil:
		e.fail(t.Mode, wire.Recheck, ReasonNoTemperature)
	case fever && (e.in.PriorFever || t.OnFever == wire.Refer):
		e.alert(AlertFever)
		e.fail(t.Mode, wire.Refer, ReasonFeverRefer)
	case fever:
		e.fail(t.Mode, wire.Recheck, ReasonFever)
	case r.Uncertain:
		e.fail(t.Mode, wire.Recheck, ReasonUncertain)
	default:
		e.log(ReasonTempNormal)
	}
}

// identity decides by who the code says the person is: pass holders are
// judged by their pass, everyone else by the visitor rule.
func (e *eval) identity() {
	switch e.in.Credential.Wire.Kind {
	case wire.CredentialResidentPass:
		e.pass()
	case wire.CredentialIDCard:
		e.idCard()
	case wire.CredentialNone:
		e.unidentified(ReasonNoCode)
	case wire.CredentialUnknown:
		e.unidentified(ReasonUnknownCode)
	case wire.CredentialVenue:
		e.venue()
	default:
		e.visitor(ReasonVisitor)
	}
}

// pass judges a resident pass. Couriers carry passes too but are sent to
// the handover point when the courier check is on (快递外卖不得进入).
func (e *eval) pass() {
	c := &e.in.Credential
	if m := e.p.Checks.Courier.Mode; m != Off && c.Role == credential.RoleCourier {
		if e.fail(m, wire.PersuadeReturn, ReasonCourier); e.done {
			return
		}
	}
	pc := e.p.Checks.ResidentPass
	if pc.Mode == Off {
		return
	}
	s := c.Status
	if !c.Expires.IsZero() && e.in.ClockSynced && !e.in.Now.Before(c.Expires) {
		s = credential.StatusExpired
	}
	if slices.Contains(pc.Accept, s) {
		e.log(passReason(s))
		return
	}
	e.fail(pc.Mode, pc.Outcome, passReason(s))
}

// visitor applies the visitor rule to someone without a pass and reports
// whether it logged r.
func (e *eval) visitor(r wire.Reason) bool {
	v := e.p.Checks.Visitor
	switch {
	case v.Mode == Off:
		return false
	case v.Action != wire.Register:
		e.fail(v.Mode, v.Action, ReasonOutsider)
		return false
	}
	e.fail(v.Mode, wire.Register, r)
	return true
}

// unidentified is someone with no code or an unreadable one: the visitor
// rule first (outsiders are turned away in closed management), then the
// health code rule for a missing code, logging r once.
func (e *eval) unidentified(r wire.Reason) {
	if e.visitor(r) || e.done {
		return
	}
	if hc := e.p.Checks.HealthCode; hc.Mode != Off {
		e.fallback(hc.Mode, hc.OnMissing, hc.Outcome, r)
	}
}

// healthCode judges a health code (docs/product.md "What a
// checkpoint checks": green passes; yellow/red are denied, registered and reported at once).
func (e *eval) healthCode() {
	hc := e.p.Checks.HealthCode
	c := &e.in.Credential
	if hc.Mode == Off || c.Wire.Kind != wire.CredentialHealthCode {
		return
	}
	e.judgeHealth(c.Status)
}

// judgeHealth applies the health code rule to a status, scanned or asked
// for by ID number (idcard.go).
func (e *eval) judgeHealth(s credential.Status) {
	hc := e.p.Checks.HealthCode
	switch s {
	case credential.StatusRed:
		e.alert(AlertCodeRed)
	case credential.StatusYellow:
		e.alert(AlertCodeYellow)
	}
	r := codeReason(s)
	switch {
	case slices.Contains(hc.Accept, s):
		e.log(r)
	case s == credential.StatusTimeout:
		e.fallback(hc.Mode, hc.OnTimeout, hc.Outcome, r)
	case s == credential.StatusVerifyFailed:
		e.fallback(hc.Mode, hc.OnVerifyFailed, hc.Outcome, r)
	case s == credential.StatusNotFound:
		e.fallback(hc.Mode, hc.OnNotFound, hc.Outcome, r)
	case s == credential.StatusExpired:
		e.fallback(hc.Mode, hc.OnExpired, hc.Outcome, r)
	default:
		e.fail(hc.Mode, hc.Outcome, r)
	}
}

// travelCard reads the travel card (行程卡) a health code carries. A code
// without one is logged for the guard to look at, not failed: the unit
// records what it verified, not what it assumed.
func (e *eval) travelCard() {
	tc := e.p.Checks.TravelCard
	c := &e.in.Credential
	switch {
	case tc.Mode == Off || c.Wire.Kind != wire.CredentialHealthCode:
	case c.TravelCardOK == nil:
		e.log(ReasonTravelUnseen)
	case *c.TravelCardOK:
		e.log(ReasonTravelOK)
	default:
		e.fail(tc.Mode, tc.Outcome, ReasonTravelFlagged)
	}
}

// nucleicAcid asks for a negative test sampled within the window. Its age
// is not judged against an unsynced clock; the guard looks instead.
func (e *eval) nucleicAcid() {
	n := e.p.Checks.NucleicAcid
	if n.Mode == Off || !n.appliesTo(e.group()) {
		return
	}
	if e.cabDriver() {
		e.log(ReasonDriverInCab)
		return
	}
	at := e.in.Credential.NucleicAcidAt
	switch {
	case at.IsZero():
		e.fail(n.Mode, n.Outcome, ReasonTestMissing)
	case !e.in.ClockSynced:
		e.log(ReasonTestUnchecked)
	case e.in.Now.Sub(at) > n.Window.orZero():
		e.fail(n.Mode, n.Outcome, ReasonTestExpired)
	default:
		e.log(ReasonTestOK)
	}
}

// mask applies the guard's mask mark. Under confirmation by exception
// an unmarked person counts as wearing one, and the reason says so; under
// confirmation by the guard, "not confirmed" is logged only where the mask
// is a hard rule, so the record shows it was not checked.
func (e *eval) mask() {
	m := e.p.Checks.Mask
	switch {
	case m.Mode == Off:
	case e.in.Mask == MaskMissing:
		e.fail(m.Mode, m.Outcome, ReasonMaskMissing)
	case e.in.Mask == MaskWorn:
		e.log(ReasonMaskWorn)
	case m.Confirm == MaskByException:
		e.log(ReasonMaskByException)
	case m.Mode == Hard:
		e.log(ReasonMaskUnchecked)
	}
}

// registration asks the guard to register the person if any hard check
// wanted it and the form is not done yet.
func (e *eval) registration() {
	switch {
	case !e.register:
	case e.in.Registered:
		e.log(ReasonRegistered)
	case e.venueRegistered():
		// registered on the venue code's page; venue() logged it
	default:
		e.d.Outcome, e.done = wire.Register, true
	}
}

// capacity makes people wait while the facility is full (限流). An unknown
// count does not stop the lane: counts go wrong when a door unit was
// offline, and the guard can see the crowd.
func (e *eval) capacity() {
	c := e.p.Checks.Capacity
	if c.Mode == Off {
		return
	}
	limit := c.Max
	if in := e.in.Capacity; in != nil && *in > 0 && (limit == 0 || *in < limit) {
		limit = *in
	}
	occ := e.in.Occupancy
	switch {
	case occ == nil || limit <= 0:
		e.log(ReasonOccupancyUnknown)
	case *occ >= limit:
		e.fail(c.Mode, wire.Wait, ReasonFull)
	}
}
