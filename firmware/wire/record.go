package wire

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Record is what a guard logged at the lane that is not a person at the
// gate: a routine duty done or missed (the duty log), a shift handed
// over, or a guard signing in or out at the lane's console (who was on
// duty when, for the centre: docs/product.md "Guards on duty sign in per
// shift"). It travels as an Entry with an empty Decision, so it takes the
// ledger's seq, the uplink's exactly-once delivery and the collector's
// acknowledgement like any entry and needs no protocol of its own
// (docs/architecture.md "The ledger is the truth"); every consumer that
// counts people skips entries that carry one (Entry.IsRecord).
type Record struct {
	Kind  RecordKind `json:"kind"`
	Duty  *Duty      `json:"duty,omitempty"`
	Shift *Shift     `json:"shift,omitempty"`
	// Occupancy is a site manager's correction of a gateway's count
	// (Kind RecordOccupancy, occupancy.go).
	Occupancy *OccupancyCorrection `json:"occupancy,omitempty"`
	// Vehicle is a vehicle's outcome at a vehicle lane (RecordVehicle).
	Vehicle *VehicleOutcome `json:"vehicle,omitempty"`
	// Household is a reset or adjustment of a household's count (Kind
	// RecordHousehold, household.go).
	Household *HouseholdChange `json:"household,omitempty"`
	// GuardName is the display name of the guard in Entry.Guard, so the
	// centre's log reads 王师傅 without a roster look-up.
	GuardName string `json:"guard_name,omitempty"`
	Note      string `json:"note,omitempty"`
}

// RecordKind says which of Record's parts is set.
type RecordKind string

const (
	RecordDuty    RecordKind = "duty"
	RecordShift   RecordKind = "shift"
	RecordSignIn  RecordKind = "sign_in"  // Entry.Guard signed in
	RecordSignOut RecordKind = "sign_out" // Entry.Guard signed out
)

// Duty is one routine duty of the policy's list (docs/product.md "routine
// duties are logged"), done by Entry.Guard or found missed by the unit.
type Duty struct {
	ID   string `json:"id"`   // the policy's duty id: "gate-disinfection"
	Name string `json:"name"` // 大门消毒
	// Day is the unit's local date the duty was due on ("2026-12-07"),
	// and Slot the due time it answers ("08:00"), or "2/2" for the second
	// of a times-per-day duty; both say which turn a log fulfils, so the
	// centre counts turns, not button presses.
	Day  string `json:"day"`
	Slot string `json:"slot"`
	// Missed is set when the unit found the slot's window closed with
	// nobody having logged it; Entry.Guard is then whoever was signed in.
	Missed bool `json:"missed,omitempty"`
}

// Shift is a hand-over sheet (交接班): what the outgoing guard hands the
// incoming one. Entry.Guard and Record.GuardName are the outgoing guard.
type Shift struct {
	Incoming     string    `json:"incoming"`
	IncomingName string    `json:"incoming_name,omitempty"`
	Since        time.Time `json:"since"` // when the outgoing guard's shift began
	// Counts are the shift's entries by decision.
	Counts map[Decision]int `json:"counts"`
	// Inside are visitors still inside; Open the re-checks, referrals and
	// registrations nobody settled. Each list holds at most MaxSheetRows;
	// the totals say how many there were.
	Inside      []SheetRow `json:"inside"`
	InsideTotal int        `json:"inside_total"`
	Open        []SheetRow `json:"open"`
	OpenTotal   int        `json:"open_total"`
}

// SheetRow is one person on a hand-over sheet, by entry id; Name is masked
// (MaskName) because the sheet is printed and pinned up at the gate.
type SheetRow struct {
	Entry    string    `json:"entry"`
	Time     time.Time `json:"time"`
	Decision Decision  `json:"decision,omitempty"`
	Name     string    `json:"name,omitempty"`
}

// MaxSheetRows bounds each list on a sheet so a shift record stays well
// inside MaxPayload; the rest are counted, and the console lists them all.
const MaxSheetRows = 30

// MaskName keeps a name's first character: 张三丰 → 张**.
func MaskName(name string) string {
	r, size := utf8.DecodeRuneInString(name)
	if r == utf8.RuneError {
		return ""
	}
	return string(r) + strings.Repeat("*", utf8.RuneCountInString(name[size:]))
}

// IsRecord reports whether e is a guard's record rather than a person at
// the gate: it must not count as traffic, an admission or an exit.
func (e *Entry) IsRecord() bool { return e.Record != nil }

// validate holds a record to its kind; the entry has no decision.
func (r *Record) validate() error {
	if r.Kind == RecordVehicle || r.Vehicle != nil {
		return r.validateVehicle()
	}
	if r.Kind == RecordHousehold {
		if r.Household == nil || r.Occupancy != nil || r.Duty != nil || r.Shift != nil {
			return fmt.Errorf("kind household needs household and nothing else")
		}
		return r.Household.validate()
	}
	if r.Household != nil {
		return fmt.Errorf("kind %s has no household", r.Kind)
	}
	if r.Kind == RecordOccupancy {
		if r.Occupancy == nil || r.Duty != nil || r.Shift != nil {
			return fmt.Errorf("kind occupancy needs occupancy and neither duty nor shift")
		}
		return r.Occupancy.validate()
	}
	if r.Occupancy != nil {
		return fmt.Errorf("kind %s has no occupancy", r.Kind)
	}
	switch r.Kind {
	case RecordDuty:
		if r.Duty == nil || r.Shift != nil {
			return fmt.Errorf("kind duty needs duty and no shift")
		}
		return r.Duty.validate()
	case RecordShift:
		if r.Shift == nil || r.Duty != nil {
			return fmt.Errorf("kind shift needs shift and no duty")
		}
		return r.Shift.validate()
	case RecordSignIn, RecordSignOut, RecordStaffCheck:
		if r.Duty != nil || r.Shift != nil {
			return fmt.Errorf("kind %s has neither duty nor shift", r.Kind)
		}
		return nil
	}
	return fmt.Errorf("kind %q is not %q, %q, %q, %q, %q, %q, %q or %q", r.Kind, RecordDuty, RecordShift, RecordSignIn, RecordSignOut, RecordOccupancy, RecordStaffCheck, RecordVehicle, RecordHousehold)
}

func (d *Duty) validate() error {
	if ValidateID(d.ID) != nil {
		return fmt.Errorf("duty.id %q: use a-z 0-9 - _", d.ID)
	}
	if _, err := time.Parse(time.DateOnly, d.Day); err != nil {
		return fmt.Errorf("duty.day %q is not a date like 2026-12-07", d.Day)
	}
	if d.Slot == "" {
		return fmt.Errorf("duty.slot is empty")
	}
	return nil
}

func (s *Shift) validate() error {
	if s.Incoming == "" {
		return fmt.Errorf("shift.incoming is empty")
	}
	if len(s.Inside) > MaxSheetRows || len(s.Open) > MaxSheetRows {
		return fmt.Errorf("shift lists more than %d rows", MaxSheetRows)
	}
	if s.InsideTotal < len(s.Inside) || s.OpenTotal < len(s.Open) {
		return fmt.Errorf("shift totals are less than the rows listed")
	}
	if len(s.Counts) > len(decisions) {
		return fmt.Errorf("shift.counts has more than %d decisions", len(decisions))
	}
	for d, n := range s.Counts {
		if !decisions[d] || n < 0 {
			return fmt.Errorf("shift.counts: %q=%d is not a known decision with a count", d, n)
		}
	}
	for _, r := range append(s.Inside[:len(s.Inside):len(s.Inside)], s.Open...) {
		if r.Entry == "" || (r.Decision != "" && !decisions[r.Decision]) {
			return fmt.Errorf("shift row needs an entry id and a known decision or none")
		}
	}
	return nil
}

func (r *Record) texts() []string {
	t := []string{string(r.Kind), r.GuardName, r.Note}
	if h := r.Household; h != nil {
		t = append(t, h.Household, h.Action, h.Reason)
	}
	if d := r.Duty; d != nil {
		t = append(t, d.ID, d.Name, d.Day, d.Slot)
	}
	if s := r.Shift; s != nil {
		t = append(t, s.Incoming, s.IncomingName)
		for _, row := range append(s.Inside[:len(s.Inside):len(s.Inside)], s.Open...) {
			t = append(t, row.Entry, row.Name)
		}
	}
	return t
}
