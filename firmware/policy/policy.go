// Package policy decides what happens to a person at the gate from what the
// sensors, the scanned code and the guard said. Decisions are pure functions
// of a policy and the inputs so they can be tested as tables and replayed.
//
// A policy is data (docs/product.md "The rules must be data, not code"): a
// versioned document naming its facility type, phase and dates in effect,
// the fever rule and a set of checks, each hard (it chooses the outcome),
// soft (allow and log a reason) or off. The documents live in
// configs/policies/ as TOML; the centre can push the same struct as JSON.
// [Parse] and [Load] read one, [Select] picks the one in effect, [Holder]
// keeps the last good one, and [Policy.Evaluate] decides.
package policy

import (
	_ "embed"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"periph.io/x/conn/v3/physic"
)

// Policy is the rule set a unit screens with. Version is recorded on every
// entry so any decision can be traced to the rules that made it. The field
// names are the document's keys; see configs/policies/ for commented
// examples.
type Policy struct {
	Version  string   `toml:"version" json:"version"`
	Facility Facility `toml:"facility" json:"facility"`
	Phase    Phase    `toml:"phase" json:"phase"`
	// EffectiveFrom and EffectiveTo bound when the document is in effect
	// (docs/product.md "What else the plans ask of a checkpoint":
	// policies are time-boxed, "from 1-28 to 3-8"); zero means
	// open-ended. A document with neither is the fallback [Select] uses.
	EffectiveFrom time.Time `toml:"effective_from" json:"effective_from,omitzero"`
	EffectiveTo   time.Time `toml:"effective_to" json:"effective_to,omitzero"`

	// FeverCompare is ">=" (the common plans) or ">" (some plans say
	// "over 37.3").
	FeverCompare    string  `toml:"fever_compare" json:"fever_compare"`
	FeverThresholdC float64 `toml:"fever_threshold_c" json:"fever_threshold_c"`
	// RecheckWindow is how long a fever reading counts: a second fever
	// reading at the same lane within it refers the person to the fever
	// clinic. The pipeline tracks it and sets Input.PriorFever.
	RecheckWindow Duration `toml:"recheck_window" json:"recheck_window"`

	Checks Checks `toml:"checks" json:"checks"`

	// Duties are the guards' routine duties (duties.go); MinGuards is
	// the staffing rule (双岗: 2), 0 for none.
	Duties    []Duty `toml:"duties" json:"duties,omitempty"`
	MinGuards int    `toml:"min_guards" json:"min_guards,omitempty"`

	// FeverAt, when set, overrides FeverThresholdC. It exists for code that
	// builds a policy from the unit config's fever_threshold_c rather than
	// loading a document; documents set FeverThresholdC.
	FeverAt physic.Temperature `toml:"-" json:"-"`
}

// Facility is the kind of place a checkpoint guards (docs/product.md
// "Facility types").
type Facility string

const (
	Community   Facility = "community"
	Supermarket Facility = "supermarket"
	Market      Facility = "market"
	Clinic      Facility = "clinic"
	School      Facility = "school"
	NursingHome Facility = "nursing_home"
	Village     Facility = "village"
	Office      Facility = "office"
)

var facilities = []Facility{Community, Supermarket, Market, Clinic, School, NursingHome, Village, Office}

// Phase is the stage of epidemic prevention a site is in, switched by a
// central decision (docs/product.md "Phases seen").
type Phase string

const (
	PhaseNormal   Phase = "normal"   // 常态化防控
	PhaseClosed   Phase = "closed"   // 封闭管理
	PhaseOutbreak Phase = "outbreak" // local outbreak, risk zones
	PhaseClassB   Phase = "class_b"  // 乙类乙管, from 2023-01-08
)

var phases = []Phase{PhaseNormal, PhaseClosed, PhaseOutbreak, PhaseClassB}

// Fever comparisons.
const (
	AtOrOver = ">="
	Over     = ">"
)

// Defaults the documents may leave out (docs/product.md "Numbers worth knowing").
const (
	DefaultFeverThresholdC = 37.3
	DefaultRecheckWindow   = Duration("10m")
)

// defaultVersion names the built-in policy. Ledgers and unit configs in the
// field already say "default-1", so Default keeps the name although its
// rules now come from community-normal.toml.
const defaultVersion = "default-1"

//go:embed default.toml
var defaultDoc []byte

// Default is the policy a unit uses when its config names no other: the
// community-normal profile (fever at or over 37.3 °C → re-check, visitors
// and unknown codes → register, resident passes → allow, exit → allow).
func Default() Policy {
	p, err := parsedDefault()
	if err != nil {
		panic(fmt.Sprintf("policy: the embedded default is invalid: %v", err))
	}
	p.Version = defaultVersion
	// Each caller gets its own lists, so changing one Default changes no other.
	p.Checks.HealthCode.Accept = slices.Clone(p.Checks.HealthCode.Accept)
	p.Checks.ResidentPass.Accept = slices.Clone(p.Checks.ResidentPass.Accept)
	p.Checks.NucleicAcid.AppliesTo = slices.Clone(p.Checks.NucleicAcid.AppliesTo)
	p.Duties = cloneDuties(p.Duties)
	p.Checks.Staff = cloneStaff(p.Checks.Staff)
	return p
}

var parsedDefault = sync.OnceValues(func() (Policy, error) { return Parse(defaultDoc, "default.toml") })

// Celsius converts a configured °C value; config files are an edge.
func Celsius(c float64) physic.Temperature {
	// Rounding matters: 37.3*1e9 is 37299999999.99… in float64.
	return physic.ZeroCelsius + Delta(c)
}

// Delta converts a configured difference in °C (or K), such as a forehead
// offset, to a temperature difference.
func Delta(c float64) physic.Temperature {
	return physic.Temperature(math.Round(c * float64(physic.Kelvin)))
}

// Threshold is the body temperature the fever rule compares against.
func (p Policy) Threshold() physic.Temperature {
	if p.FeverAt != 0 {
		return p.FeverAt
	}
	return Celsius(p.FeverThresholdC)
}

// Fever reports whether body counts as fever under p's comparison.
func (p Policy) Fever(body physic.Temperature) bool {
	if p.FeverCompare == Over {
		return body > p.Threshold()
	}
	return body >= p.Threshold()
}

// InEffect reports whether now falls within p's dates; a policy without
// dates is always in effect. From is inclusive, To exclusive.
func (p Policy) InEffect(now time.Time) bool {
	if !p.EffectiveFrom.IsZero() && now.Before(p.EffectiveFrom) {
		return false
	}
	return p.EffectiveTo.IsZero() || now.Before(p.EffectiveTo)
}

// Dated reports whether p names either date.
func (p Policy) Dated() bool {
	return !p.EffectiveFrom.IsZero() || !p.EffectiveTo.IsZero()
}
