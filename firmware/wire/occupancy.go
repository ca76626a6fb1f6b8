package wire

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// SiteOccupancy is a site gateway's own count of the people inside, in
// its status (Status.Occupancy, only with Role gateway). It is the truth
// for a site with a gateway: the gateway sees every door, holds the cap
// and takes the staff's corrections, which in − out at the centre cannot
// know. A status is latest-wins, which suits a count; the corrections
// themselves travel as records (RecordOccupancy), so the centre keeps
// every one even when the gateway was offline while they were made.
type SiteOccupancy struct {
	Inside   int `json:"inside"`   // people inside now, as the gateway counts them
	Capacity int `json:"capacity"` // the cap in force, from the policy; 0: none
	Waiting  int `json:"waiting"`  // entrances holding someone at "please wait" (等候)
	// AsOf is when the gateway took the figure: of two statuses the one
	// with the later AsOf wins, so a retained or late copy never rolls
	// the count back.
	AsOf time.Time `json:"as_of"`
	// LastCorrection is the newest staff correction; absent: none yet.
	LastCorrection *OccupancyCorrection `json:"last_correction,omitempty"`
}

// OccupancyCorrection is a site manager's setting of the count, at
// opening or closing time or after a miscount. In a record (Record.Kind
// RecordOccupancy) Entry.Guard is the manager's id and Record.GuardName
// their name; in a status By and ByName say the same.
type OccupancyCorrection struct {
	Count    int       `json:"count"`
	Previous int       `json:"previous"` // what the gateway counted before
	Reason   string    `json:"reason"`
	By       string    `json:"by,omitempty"`
	ByName   string    `json:"by_name,omitempty"`
	At       time.Time `json:"at"`
}

// MaxOccupancy bounds a count, a cap and a correction: no facility holds
// a million people, and a bigger number is a forgery or a bug.
const MaxOccupancy = 1_000_000

// RecordOccupancy is a correction of a site gateway's count: an entry of
// the gateway's own id (its seq is the gateway's), never counted as a
// person.
const RecordOccupancy RecordKind = "occupancy"

// Validate holds the figure to what a gateway can count.
func (o *SiteOccupancy) Validate() error {
	switch {
	case o.Inside < 0 || o.Inside > MaxOccupancy:
		return fmt.Errorf("inside %d is not 0..%d", o.Inside, MaxOccupancy)
	case o.Capacity < 0 || o.Capacity > MaxOccupancy:
		return fmt.Errorf("capacity %d is not 0..%d", o.Capacity, MaxOccupancy)
	case o.Waiting < 0 || o.Waiting > 10_000:
		return fmt.Errorf("waiting %d is not 0..10000 entrances", o.Waiting)
	case o.AsOf.IsZero() || o.AsOf.Year() > 9998:
		return errors.New("as_of must be a time before the year 9999")
	}
	if c := o.LastCorrection; c != nil {
		if err := c.validate(); err != nil {
			return fmt.Errorf("last_correction: %w", err)
		}
	}
	return nil
}

func (c *OccupancyCorrection) validate() error {
	switch {
	case c.Count < 0 || c.Count > MaxOccupancy:
		return fmt.Errorf("count %d is not 0..%d", c.Count, MaxOccupancy)
	case c.Previous < 0 || c.Previous > MaxOccupancy:
		return fmt.Errorf("previous %d is not 0..%d", c.Previous, MaxOccupancy)
	case strings.TrimSpace(c.Reason) == "" || len(c.Reason) > 256 || !utf8.ValidString(c.Reason):
		return errors.New("reason must be 1-256 bytes of UTF-8: a count that changes without a why cannot be audited")
	case c.By != "" && ValidateID(c.By) != nil:
		return fmt.Errorf("by: %w", ValidateID(c.By))
	case c.At.Year() > 9998:
		return errors.New("at must be before the year 9999")
	}
	return ValidateDisplayName(c.ByName)
}
