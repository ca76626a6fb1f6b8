package policy

import (
	"slices"
	"time"
)

// DCCCheck is what an EU Digital COVID Certificate (HC1) must say for the
// site to take it as a green health code (firmware/credential/dcc): ports,
// airports and international schools meet travellers who carry one. The
// certificate is a health code to the policy, so [checks.health_code]'s
// accept list and outcome decide what its status means; this section
// decides the status. Absent (no accept list), no certificate is proof
// enough: each is yellow.
type DCCCheck struct {
	// Accept names the certificate types taken: vaccination, test, recovery.
	Accept []string `toml:"accept" json:"accept,omitempty"`
	// VaccinationMinDays: days after the last dose of a complete course
	// (dn >= sd) before it counts; VaccinationMaxDays: days after which it
	// stops counting (0: never).
	VaccinationMinDays int `toml:"vaccination_min_days" json:"vaccination_min_days,omitempty"`
	VaccinationMaxDays int `toml:"vaccination_max_days" json:"vaccination_max_days,omitempty"`
	// PCRMaxAge and RapidAntigenMaxAge: how long after sampling a negative
	// test of each type counts; "" that type is not taken.
	PCRMaxAge          Duration `toml:"pcr_max_age" json:"pcr_max_age,omitempty"`
	RapidAntigenMaxAge Duration `toml:"rapid_antigen_max_age" json:"rapid_antigen_max_age,omitempty"`
}

// Certificate types a DCCCheck may accept.
const (
	DCCVaccination = "vaccination"
	DCCTest        = "test"
	DCCRecovery    = "recovery"
)

var dccTypes = []string{DCCVaccination, DCCTest, DCCRecovery}

// Accepts says whether certificates of type t are taken.
func (d DCCCheck) Accepts(t string) bool { return slices.Contains(d.Accept, t) }

// TestMaxAges are the accepted test types' windows by their name;
// a type without a window is absent.
func (d DCCCheck) TestMaxAges() (pcr, rapidAntigen time.Duration) {
	return d.PCRMaxAge.orZero(), d.RapidAntigenMaxAge.orZero()
}

func (d DCCCheck) check(c *checker) {
	const k = "checks.dcc."
	for i, t := range d.Accept {
		oneOf(c, k+"accept", t, dccTypes...)
		if slices.Index(d.Accept, t) != i {
			c.bad(k+"accept", "names %q twice", t)
		}
	}
	if d.VaccinationMinDays < 0 || d.VaccinationMinDays > 365 {
		c.bad(k+"vaccination_min_days", "%d: days after the last dose, 0-365 (the plans use 14)", d.VaccinationMinDays)
	}
	if d.VaccinationMaxDays < 0 || d.VaccinationMaxDays > 3650 {
		c.bad(k+"vaccination_max_days", "%d: days after the last dose, 0-3650 (0: no limit; the plans use 270)", d.VaccinationMaxDays)
	} else if d.VaccinationMaxDays > 0 && d.VaccinationMaxDays <= d.VaccinationMinDays {
		c.bad(k+"vaccination_max_days", "%d is not after vaccination_min_days %d: no vaccination would count", d.VaccinationMaxDays, d.VaccinationMinDays)
	}
	for _, w := range []struct {
		key string
		d   Duration
	}{{"pcr_max_age", d.PCRMaxAge}, {"rapid_antigen_max_age", d.RapidAntigenMaxAge}} {
		if w.d != "" {
			checkDuration(c, k+w.key, w.d, time.Hour, 7*24*time.Hour)
		}
	}
	if d.Accepts(DCCTest) && d.PCRMaxAge == "" && d.RapidAntigenMaxAge == "" {
		c.bad(k+"accept", "takes tests but neither pcr_max_age nor rapid_antigen_max_age is set: set the window of each test type taken, like \"72h\"")
	}
	if !d.Accepts(DCCTest) && (d.PCRMaxAge != "" || d.RapidAntigenMaxAge != "") {
		c.bad(k+"accept", "test windows are set but accept does not name \"test\": add it or remove the windows")
	}
}
