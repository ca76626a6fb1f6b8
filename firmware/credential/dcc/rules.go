package dcc

import (
	"fmt"
	"time"

	"github.com/kakou/kakou/firmware/credential"
)

// Test types and results of the specification's value sets.
const (
	TestPCR          = "LP6464-4"   // nucleic acid amplification (PCR)
	TestRapidAntigen = "LP217198-3" // rapid antigen test
	NotDetected      = "260415000"  // test result: not detected
)

// Rules is what content a site accepts, from the policy in force
// (firmware/policy [checks.dcc]).
type Rules struct {
	Vaccination bool
	Test        bool
	Recovery    bool
	// VaccinationDays is how many days after the last dose of a complete
	// course (dn >= sd) the certificate counts; VaccinationMaxDays how
	// many days after it stops counting (0: never).
	VaccinationDays    int
	VaccinationMaxDays int
	// TestMaxAge is, per accepted test type (TestPCR, TestRapidAntigen),
	// how long after sampling a negative result counts; a type not here is
	// not accepted.
	TestMaxAge map[string]time.Duration
}

// DefaultRules accepts all three types: a complete course from 14 days
// after the last dose with no upper bound, a PCR test for 72 hours and a
// rapid antigen test for 48 hours, a recovery within its own df..du.
func DefaultRules() Rules {
	return Rules{Vaccination: true, Test: true, Recovery: true, VaccinationDays: 14,
		TestMaxAge: map[string]time.Duration{TestPCR: 72 * time.Hour, TestRapidAntigen: 48 * time.Hour}}
}

const day = 24 * time.Hour

// judge says whether the certificate's content meets the rules at now.
// With the clock not synced, ages are not judged (the package
// credential's rule for a Pi in 1970): only type, course and result.
//
// Outcomes, for the policy's health-code accept list: a positive test is
// red; a type or course the site does not accept is yellow (not proof
// enough: the policy's yellow outcome, usually registration); too old is
// expired; too fresh is not_yet_valid.
func (r Rules) judge(c *Cert, now time.Time, synced bool) (credential.Status, string) {
	switch c.Type() {
	case Vaccination:
		return r.vaccination(c.V[0], now, synced)
	case Test:
		return r.test(c.T[0], now, synced)
	case Recovery:
		return r.recovery(c.R[0], now, synced)
	}
	return credential.StatusMalformed, "not exactly one entry"
}

func (r Rules) vaccination(v VaccEntry, now time.Time, synced bool) (credential.Status, string) {
	if !r.Vaccination {
		return credential.StatusYellow, "vaccination not accepted here"
	}
	if v.Dose == nil || v.Doses == nil || *v.Dose < *v.Doses {
		return credential.StatusYellow, "vaccination course not complete"
	}
	if !synced {
		return credential.StatusGreen, "clock not synced: dates not checked"
	}
	dt, err := parseDate(v.Date)
	if err != nil {
		return credential.StatusMalformed, "vaccination date unreadable"
	}
	age := int(now.Sub(dt) / day)
	switch {
	case age < r.VaccinationDays:
		return credential.StatusNotYetValid, fmt.Sprintf("last dose under %d days ago", r.VaccinationDays)
	case r.VaccinationMaxDays > 0 && age > r.VaccinationMaxDays:
		return credential.StatusExpired, fmt.Sprintf("last dose over %d days ago", r.VaccinationMaxDays)
	}
	return credential.StatusGreen, ""
}

func (r Rules) test(t TestEntry, now time.Time, synced bool) (credential.Status, string) {
	if t.Result != NotDetected {
		return credential.StatusRed, "test result not negative"
	}
	maxAge, ok := r.TestMaxAge[t.Kind]
	if !r.Test || !ok {
		return credential.StatusYellow, "test type not accepted here"
	}
	if !synced {
		return credential.StatusGreen, "clock not synced: sampling time not checked"
	}
	sc, err := t.sampled()
	if err != nil {
		return credential.StatusMalformed, "sampling time unreadable"
	}
	switch {
	case sc.After(now.Add(credential.ClockSkew)):
		return credential.StatusNotYetValid, "sampled in the future"
	case now.Sub(sc) > maxAge:
		return credential.StatusExpired, "test older than " + maxAge.String()
	}
	return credential.StatusGreen, ""
}

func (r Rules) recovery(e RecovEntry, now time.Time, synced bool) (credential.Status, string) {
	if !r.Recovery {
		return credential.StatusYellow, "recovery not accepted here"
	}
	if !synced {
		return credential.StatusGreen, "clock not synced: dates not checked"
	}
	from, err1 := parseDate(e.From)
	until, err2 := parseDate(e.Until)
	if err1 != nil || err2 != nil {
		return credential.StatusMalformed, "recovery dates unreadable"
	}
	switch {
	case now.Before(from):
		return credential.StatusNotYetValid, "recovery not valid yet"
	case !now.Before(until.Add(day)):
		return credential.StatusExpired, "recovery validity ended"
	}
	return credential.StatusGreen, ""
}
