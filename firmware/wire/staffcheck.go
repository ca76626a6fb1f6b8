package wire

import (
	"fmt"
	"time"
	"unicode/utf8"
)

// StaffCheck marks an entry as a roll-call check of a staff roster member
// (staff.go): Day is the unit's local date the round belongs to and Round
// the policy's name for it (晨检); a round that crosses midnight belongs to
// the day it began. It rides on a person's entry when their staff pass was
// scanned with a temperature at a lane, and on a record of kind
// staff_check when a guard or teacher ticked them on the console's
// roll-call panel and typed a reading.
type StaffCheck struct {
	ID    string `json:"id"`
	Round string `json:"round"`
	Day   string `json:"day"`
}

// RecordStaffCheck is a roll-call tick at the console: not a person at the
// gate, so it travels as a record; its Entry.StaffCheck says who.
const RecordStaffCheck RecordKind = "staff_check"

// StaffRound is the round of checks a unit is in, in its status, so the
// centre knows the current round (and its end) from the policy the unit
// actually runs. Rounds is how many rounds the day has.
type StaffRound struct {
	Day    string    `json:"day"`
	Round  string    `json:"round"`
	Rounds int       `json:"rounds"`
	EndsAt time.Time `json:"ends_at"`
}

func (s *StaffCheck) validate() error {
	if err := ValidateStaffID(s.ID); err != nil {
		return err
	}
	return validateRound(s.Day, s.Round)
}

// Validate reports what makes a status's round unusable.
func (r *StaffRound) Validate() error {
	if err := validateRound(r.Day, r.Round); err != nil {
		return err
	}
	if r.Rounds < 1 || r.Rounds > 8 {
		return fmt.Errorf("rounds %d: 1 to 8 a day", r.Rounds)
	}
	if r.EndsAt.Year() >= 9999 || r.EndsAt.IsZero() {
		return fmt.Errorf("ends_at %s: a time before the year 9999", r.EndsAt)
	}
	return nil
}

func validateRound(day, round string) error {
	if _, err := time.Parse(time.DateOnly, day); err != nil || len(day) != 10 {
		return fmt.Errorf("day %q is not a date like 2026-12-07", day)
	}
	if n := utf8.RuneCountInString(round); n < 1 || n > 16 || !utf8.ValidString(round) || hasControl(round) {
		return fmt.Errorf("round %q: 1-16 characters of plain text, the policy's name for it (晨检)", round)
	}
	return nil
}

// validateStaffCheck holds the block to where it may appear: a person's
// entry, or a record of kind staff_check, which must carry it.
func (e *Entry) validateStaffCheck() error {
	isTick := e.Record != nil && e.Record.Kind == RecordStaffCheck
	switch {
	case isTick && e.StaffCheck == nil:
		return fmt.Errorf("wire: entry staff_check: a staff_check record names who was checked")
	case e.StaffCheck == nil:
		return nil
	case e.Record != nil && !isTick:
		return fmt.Errorf("wire: entry staff_check: only on a person's entry or a staff_check record")
	}
	if err := e.StaffCheck.validate(); err != nil {
		return fmt.Errorf("wire: entry staff_check: %w", err)
	}
	return nil
}
