package policy

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/wire"
)

// Mode says what a failed check does (docs/product.md "Outcomes are not just
// yes/no": each check can be hard (deny) or soft (allow and log)).
type Mode string

const (
	Hard Mode = "hard" // the check's outcome ends the decision
	Soft Mode = "soft" // a reason is logged and screening goes on
	Off  Mode = "off"  // not checked
)

// Fallback says what to do when a health code could not be judged: the
// verifier timed out, or its answer did not verify.
type Fallback string

const (
	FallbackHard     Fallback = "hard"     // the check's outcome (deny by default)
	FallbackSoft     Fallback = "soft"     // allow and log
	FallbackRegister Fallback = "register" // the guard registers the person by ID
)

// Group is who a check applies to. Residents are everyone with a pass
// (residents, staff, workers, supply vehicles); visitors are everyone else.
type Group string

const (
	Residents Group = "residents"
	Visitors  Group = "visitors"
)

// Checks are the rules in the plans' order: temperature → code → mask →
// registration, then capacity. A check left out of a document is off,
// except temperature, which is hard.
type Checks struct {
	Temperature  TemperatureCheck `toml:"temperature" json:"temperature"`
	HealthCode   HealthCodeCheck  `toml:"health_code" json:"health_code"`
	TravelCard   OutcomeCheck     `toml:"travel_card" json:"travel_card"`
	NucleicAcid  NucleicAcidCheck `toml:"nucleic_acid" json:"nucleic_acid"`
	Mask         MaskCheck        `toml:"mask" json:"mask"`
	ResidentPass PassCheck        `toml:"resident_pass" json:"resident_pass"`
	Visitor      VisitorCheck     `toml:"visitor" json:"visitor"`
	Courier      Check            `toml:"courier" json:"courier"`
	Capacity     CapacityCheck    `toml:"capacity" json:"capacity"`
	Watch        WatchCheck       `toml:"watch" json:"watch"`
	Household    HouseholdCheck   `toml:"household" json:"household"`
	Registration Registration     `toml:"registration" json:"registration"`
	// Staff is the roll call of the site's staff and pupils (staff.go).
	Staff    StaffRule     `toml:"staff" json:"staff,omitzero"`
	IDCard   IDCardCheck   `toml:"id_card" json:"id_card,omitzero"` // idcard.go
	Vehicle  VehicleCheck  `toml:"vehicle" json:"vehicle"`
	Returnee ReturneeCheck `toml:"returnee" json:"returnee"`
	Hold     HoldCheck     `toml:"hold" json:"hold"`
	DCC      DCCCheck      `toml:"dcc" json:"dcc,omitzero"`
	// Appointment is the booking rule (appointment.go), read by the
	// centre's booking page from the same document.
	Appointment wire.Appointments `toml:"appointment" json:"appointment,omitzero"`
}

// Registration says what a visitor registration keeps (SECURITY.md
// "PII minimisation"). By
// default the unit keeps only masked phone and ID numbers and their keyed
// hashes; FullNumbers also keeps both in full, sealed for the centre, where
// the plans demand a full register (登记造册), e.g. a care home in an
// outbreak.
//
// Fields and Required are what the venue code's page asks a visitor for
// besides the name (wire.VisitorFields): the centre reads them from the
// policy assigned to the site, and a unit keeps no other field a
// registration code brings.
type Registration struct {
	FullNumbers bool     `toml:"full_numbers" json:"full_numbers"`
	Fields      []string `toml:"fields" json:"fields,omitempty"`
	Required    []string `toml:"required" json:"required,omitempty"`
}

// Check is a check with nothing to set but its mode.
type Check struct {
	Mode Mode `toml:"mode" json:"mode"`
}

// TemperatureCheck is the fever rule. OnFever is what a first fever
// reading does: recheck (the default) or refer (clinics send fever
// patients straight to the fever clinic, 发热门诊).
type TemperatureCheck struct {
	Mode    Mode          `toml:"mode" json:"mode"`
	OnFever wire.Decision `toml:"on_fever" json:"on_fever"`
}

// OutcomeCheck is a check whose failure leads to Outcome.
type OutcomeCheck struct {
	Mode    Mode          `toml:"mode" json:"mode"`
	Outcome wire.Decision `toml:"outcome" json:"outcome"`
}

// MaskCheck is the mask rule (口罩). Confirm says how the guard takes
// part: "guard" (the default) has the guard confirm each person, and an
// unconfirmed mask is logged as such; "exception" counts everyone as
// wearing one unless the guard marks them 未戴口罩 while they are on
// screen — for a busy entrance where nobody can press a button per
// person (docs/product.md "What a checkpoint checks": mask).
type MaskCheck struct {
	Mode    Mode          `toml:"mode" json:"mode"`
	Outcome wire.Decision `toml:"outcome" json:"outcome"`
	Confirm MaskConfirm   `toml:"confirm" json:"confirm"`
}

// MaskConfirm is how a mask is confirmed.
type MaskConfirm string

const (
	MaskByGuard     MaskConfirm = "guard"
	MaskByException MaskConfirm = "exception"
)

// HealthCodeCheck judges a health code (健康码). Statuses not in Accept
// lead to Outcome; timeouts and failed verifications follow their fallback;
// OnMissing covers people who show no code or one the unit cannot read
// (docs/product.md "What else the plans ask of a checkpoint": people
// without phones are registered by ID).
type HealthCodeCheck struct {
	Mode           Mode                `toml:"mode" json:"mode"`
	Accept         []credential.Status `toml:"accept" json:"accept"`
	Outcome        wire.Decision       `toml:"outcome" json:"outcome"`
	OnTimeout      Fallback            `toml:"on_timeout" json:"on_timeout"`
	OnVerifyFailed Fallback            `toml:"on_verify_failed" json:"on_verify_failed"`
	OnMissing      Fallback            `toml:"on_missing" json:"on_missing"`
	OnNotFound     Fallback            `toml:"on_not_found" json:"on_not_found,omitempty"` // the service knows no such code; default hard
	OnExpired      Fallback            `toml:"on_expired" json:"on_expired,omitempty"`     // the code must be refreshed; default hard
}

// NucleicAcidCheck asks for a negative test sampled within Window of now
// (docs/product.md "What a checkpoint checks": 24 h, 48 h, 72 h, 7 days), from the groups in AppliesTo.
type NucleicAcidCheck struct {
	Mode      Mode          `toml:"mode" json:"mode"`
	Window    Duration      `toml:"window" json:"window"`
	AppliesTo []Group       `toml:"applies_to" json:"applies_to"`
	Outcome   wire.Decision `toml:"outcome" json:"outcome"`
}

// PassCheck judges resident passes (出入证/通行证): statuses in Accept pass,
// others lead to Outcome.
type PassCheck struct {
	Mode    Mode                `toml:"mode" json:"mode"`
	Accept  []credential.Status `toml:"accept" json:"accept"`
	Outcome wire.Decision       `toml:"outcome" json:"outcome"`
}

// VisitorCheck is what happens to everyone without a pass: register them,
// persuade them to return (劝返, closed management) or deny them.
type VisitorCheck struct {
	Mode   Mode          `toml:"mode" json:"mode"`
	Action wire.Decision `toml:"action" json:"action"`
	// MaxStay is how long a registered visitor may stay before the centre
	// is alerted (the visit is still open: nobody closed it out at an
	// exit). Empty: no limit. It travels on each visit
	// (wire.Visit.MaxStaySeconds), so the centre needs no policy copy.
	MaxStay Duration `toml:"max_stay" json:"max_stay,omitempty"`
}

// MaxStayDuration is MaxStay parsed; 0 when there is no limit (Validate
// has refused one that does not parse).
func (v VisitorCheck) MaxStayDuration() time.Duration {
	d, _ := v.MaxStay.Parse()
	return d
}

// CapacityCheck caps how many people are inside at once (限流). Max 0
// takes the capacity the unit is told (Input.Capacity).
type CapacityCheck struct {
	Mode Mode `toml:"mode" json:"mode"`
	Max  int  `toml:"max" json:"max"`
}

// WatchCheck applies the centre's roster (watch.go). A person in home quarantine
// (居家隔离) is denied on an exit lane and reported; on an entry lane
// OnQuarantineEntry says what happens: allow at a community or village
// (they are going home), deny or refer elsewhere. A returnee from a risk
// area registers.
type WatchCheck struct {
	Mode              Mode          `toml:"mode" json:"mode"`
	OnQuarantineEntry wire.Decision `toml:"on_quarantine_entry" json:"on_quarantine_entry"`
	// The roster's other kinds and a visitor to a quarantined household
	// (watch.go); allow is alert-only (仅预警). A roster entry's own outcome
	// overrides OnMonitoring and OnReturnee.
	OnMonitoring          wire.Decision `toml:"on_monitoring" json:"on_monitoring"`
	OnReturnee            wire.Decision `toml:"on_returnee" json:"on_returnee"`
	OnVisitorToQuarantine wire.Decision `toml:"on_visitor_to_quarantine" json:"on_visitor_to_quarantine"`
}

// appliesTo reports whether g is one of the check's groups.
func (n NucleicAcidCheck) appliesTo(g Group) bool {
	for _, a := range n.AppliesTo {
		if a == g {
			return true
		}
	}
	return false
}

// Duration is a length of time as a site manager writes it: Go's "48h",
// "10m", "1h30m", or whole days "7d".
type Duration string

// Parse returns d as a time.Duration.
func (d Duration) Parse() (time.Duration, error) {
	s := string(d)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		if days, err := strconv.Atoi(n); err == nil && days >= 0 && days <= 366 {
			return time.Duration(days) * 24 * time.Hour, nil
		}
	} else if v, err := time.ParseDuration(s); err == nil {
		return v, nil
	}
	return 0, fmt.Errorf("%q is not a duration like 48h", s)
}

// orZero is d parsed, or 0 when it does not parse; Validate has reported it.
func (d Duration) orZero() time.Duration {
	v, _ := d.Parse()
	return v
}
