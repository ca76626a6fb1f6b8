package policy

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/wire"
)

// Problem is one thing wrong with a policy: the document key and why.
type Problem struct {
	Key, Reason string
}

func (p Problem) String() string { return p.Key + ": " + p.Reason }

// ValidationError lists every problem found in one document, so a site
// manager fixes a file in one pass.
type ValidationError struct {
	Name     string // where the document came from; may be ""
	Problems []Problem
}

func (e *ValidationError) Error() string {
	prefix := "policy: "
	if e.Name != "" {
		prefix += e.Name + ": "
	}
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = prefix + p.String()
	}
	return strings.Join(lines, "\n")
}

// Validate reports what makes p unusable. It does no I/O.
func (p Policy) Validate() error {
	if problems := p.problems(); len(problems) > 0 {
		return &ValidationError{Problems: problems}
	}
	return nil
}

// checker collects problems under their keys.
type checker struct{ problems []Problem }

func (c *checker) bad(key, format string, args ...any) {
	c.problems = append(c.problems, Problem{key, fmt.Sprintf(format, args...)})
}

// oneOf checks that v is one of the allowed values.
func oneOf[T ~string](c *checker, key string, v T, allowed ...T) {
	if !slices.Contains(allowed, v) {
		c.bad(key, "%q is not one of %s", v, list(allowed))
	}
}

func list[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

func (p Policy) problems() []Problem {
	var c checker
	p.checkHead(&c)
	p.checkFever(&c)
	p.Checks.check(&c)
	p.checkDuties(&c)
	p.Checks.Staff.check(&c)
	return c.problems
}

func (p Policy) checkHead(c *checker) {
	if p.Version == "" || len(p.Version) > 64 || !utf8.ValidString(p.Version) ||
		strings.IndexFunc(p.Version, unicode.IsControl) >= 0 {
		c.bad("version", "must be set: 1-64 printable characters, recorded on every entry")
	}
	oneOf(c, "facility", p.Facility, facilities...)
	oneOf(c, "phase", p.Phase, phases...)
	if !p.EffectiveFrom.IsZero() && !p.EffectiveTo.IsZero() && !p.EffectiveTo.After(p.EffectiveFrom) {
		c.bad("effective_to", "%s is not after effective_from %s",
			p.EffectiveTo.Format(time.RFC3339), p.EffectiveFrom.Format(time.RFC3339))
	}
}

func (p Policy) checkFever(c *checker) {
	oneOf(c, "fever_compare", p.FeverCompare, AtOrOver, Over)
	if t := p.Threshold(); t < Celsius(36) || t > Celsius(40) {
		c.bad("fever_threshold_c", "%s is outside 36-40 °C", t)
	}
	checkDuration(c, "recheck_window", p.RecheckWindow, time.Minute, 24*time.Hour)
}

// checkDuration checks d parses and lies within [min, max].
func checkDuration(c *checker, key string, d Duration, min, max time.Duration) {
	v, err := d.Parse()
	switch {
	case d == "":
		c.bad(key, "must be set, like 48h or 7d")
	case err != nil:
		c.bad(key, "%v", err)
	case v < min || v > max:
		c.bad(key, "%s is outside %s-%s", d, min, max)
	}
}

var (
	modes       = []Mode{Hard, Soft, Off}
	fallbacks   = []Fallback{FallbackHard, FallbackSoft, FallbackRegister}
	failOutcome = []wire.Decision{wire.Deny, wire.Register, wire.Refer, wire.PersuadeReturn}
)

func (ch Checks) check(c *checker) {
	for _, m := range []struct {
		key  string
		mode Mode
	}{
		{"temperature", ch.Temperature.Mode}, {"health_code", ch.HealthCode.Mode},
		{"travel_card", ch.TravelCard.Mode}, {"nucleic_acid", ch.NucleicAcid.Mode},
		{"mask", ch.Mask.Mode}, {"resident_pass", ch.ResidentPass.Mode},
		{"visitor", ch.Visitor.Mode}, {"courier", ch.Courier.Mode},
		{"capacity", ch.Capacity.Mode}, {"watch", ch.Watch.Mode},
	} {
		oneOf(c, "checks."+m.key+".mode", m.mode, modes...)
	}
	oneOf(c, "checks.temperature.on_fever", ch.Temperature.OnFever, wire.Recheck, wire.Refer)
	ch.HealthCode.check(c)
	oneOf(c, "checks.travel_card.outcome", ch.TravelCard.Outcome, failOutcome...)
	ch.NucleicAcid.check(c)
	oneOf(c, "checks.mask.outcome", ch.Mask.Outcome, wire.Deny, wire.PersuadeReturn)
	oneOf(c, "checks.mask.confirm", ch.Mask.Confirm, MaskByGuard, MaskByException)
	checkStatuses(c, "checks.resident_pass.accept", ch.ResidentPass.Accept, ch.ResidentPass.Mode)
	oneOf(c, "checks.resident_pass.outcome", ch.ResidentPass.Outcome, failOutcome...)
	oneOf(c, "checks.visitor.action", ch.Visitor.Action, wire.Register, wire.PersuadeReturn, wire.Deny)
	if ch.Visitor.MaxStay != "" {
		// A visit shorter than 10 minutes is not a visit; wire.Visit holds
		// at most 30 days.
		checkDuration(c, "checks.visitor.max_stay", ch.Visitor.MaxStay, 10*time.Minute, 30*24*time.Hour)
	}
	ch.Vehicle.check(c)
	ch.Returnee.check(c)
	ch.IDCard.check(c)
	oneOf(c, "checks.watch.on_quarantine_entry", ch.Watch.OnQuarantineEntry, wire.Allow, wire.Deny, wire.Refer)
	oneOf(c, "checks.watch.on_monitoring", ch.Watch.OnMonitoring, wire.Allow, wire.WatchAlertOnly, wire.Deny, wire.Refer, wire.Register)
	oneOf(c, "checks.watch.on_returnee", ch.Watch.OnReturnee, wire.Allow, wire.WatchAlertOnly, wire.Deny, wire.Refer, wire.Register)
	oneOf(c, "checks.watch.on_visitor_to_quarantine", ch.Watch.OnVisitorToQuarantine, wire.Deny, wire.PersuadeReturn)
	if ch.Registration.FullNumbers && (ch.Visitor.Mode == Off || ch.Visitor.Action != wire.Register) {
		c.bad("checks.registration.full_numbers", "keeps visitors' full numbers, but visitors are not registered here (checks.visitor mode %q, action %q): remove it or register visitors", ch.Visitor.Mode, ch.Visitor.Action)
	}
	ch.Registration.check(c)
	ch.Household.check(c)
	ch.DCC.check(c)
	ch.checkAppointment(c)
	if ch.Capacity.Max < 0 || ch.Capacity.Max > 1_000_000 {
		c.bad("checks.capacity.max", "%d is not a number of people (0 = the capacity the unit is told)", ch.Capacity.Max)
	}
}

func (h HealthCodeCheck) check(c *checker) {
	checkStatuses(c, "checks.health_code.accept", h.Accept, h.Mode)
	oneOf(c, "checks.health_code.outcome", h.Outcome, failOutcome...)
	oneOf(c, "checks.health_code.on_timeout", h.OnTimeout, fallbacks...)
	oneOf(c, "checks.health_code.on_verify_failed", h.OnVerifyFailed, fallbacks...)
	oneOf(c, "checks.health_code.on_missing", h.OnMissing, fallbacks...)
	oneOf(c, "checks.health_code.on_not_found", h.OnNotFound, fallbacks...)
	oneOf(c, "checks.health_code.on_expired", h.OnExpired, fallbacks...)
}

func (n NucleicAcidCheck) check(c *checker) {
	if n.Mode != Off || n.Window != "" {
		checkDuration(c, "checks.nucleic_acid.window", n.Window, time.Hour, 30*24*time.Hour)
	}
	for _, g := range n.AppliesTo {
		oneOf(c, "checks.nucleic_acid.applies_to", g, Residents, Visitors)
	}
	if len(n.AppliesTo) == 0 && n.Mode != Off {
		c.bad("checks.nucleic_acid.applies_to", "is empty; name residents, visitors or both")
	}
	oneOf(c, "checks.nucleic_acid.outcome", n.Outcome, holdOutcomes...)
}

func checkStatuses(c *checker, key string, accept []credential.Status, m Mode) {
	for _, s := range accept {
		oneOf(c, key, s, statuses...)
	}
	if len(accept) == 0 && m != Off {
		c.bad(key, "is empty: nobody would pass")
	}
}

// check: the venue page's fields are among those a registration code
// carries, and it can only require what it asks.
func (r Registration) check(c *checker) {
	for _, f := range r.Fields {
		if f == "name" || !slices.Contains(wire.VisitorFields, f) {
			c.bad("checks.registration.fields", "%q: want some of %s (the name is always asked)", f, strings.Join(wire.VisitorFields[1:], ", "))
		}
	}
	for _, f := range r.Required {
		if f != "name" && !slices.Contains(r.Fields, f) {
			c.bad("checks.registration.required", "%q is not in fields: the page can only require what it asks", f)
		}
	}
}
