package wire

import (
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"
)

// One pass per household (一户一卡, docs/product.md "Closed-management
// community gates"): a household's pass carries an allowance of uses per
// period, e.g. one designated member may go out once every 2 days. The
// unit, the site gateway and the centre all count the uses, so what a use
// is and how a period runs are part of the contract:
//
//   - A use is an allowed entry of a household pass at the counting lane
//     (Entry.Household.Counted); an adjustment record gives uses back or
//     takes them (HouseholdChange.Delta), a reset forgets every use and
//     adjustment before it.
//   - The period is a rolling window: a use counts until Period after it
//     was made. A calendar period ("per 2 days from local midnight") would
//     let a household go out at 23:59 and again at 00:01 under "1 per 2d",
//     which is what the rule is there to stop, and would need every lane,
//     the gateway and the centre to agree on a time zone and an anchor.
//     The window needs neither, and gives the guard an exact next time
//     (HouseholdWindow).

// Household is the household block of an entry of a household pass: who,
// the rule the lane counted by, and where the household stood after the
// entry. Allowance and PeriodSeconds travel so the gateway and the centre
// count by the lane's policy without holding a copy of it.
type Household struct {
	ID string `json:"id"`
	// Counted: the entry is a use (an allowed entry at the counting lane).
	Counted       bool  `json:"counted,omitempty"`
	Allowance     int   `json:"allowance"`
	PeriodSeconds int64 `json:"period_seconds"`
	// Remaining is how many uses are left in the window after this entry,
	// as the lane counted them; NextAt, when none are left, is when the
	// next use is allowed.
	Remaining int        `json:"remaining"`
	NextAt    *time.Time `json:"next_at,omitempty"`
}

// RecordHousehold is the kind of a property office's reset or adjustment
// of a household's count (Record.Household).
const RecordHousehold RecordKind = "household"

// Household change actions.
const (
	HouseholdReset  = "reset"  // forget every use before this record
	HouseholdAdjust = "adjust" // Delta more uses (a grant: positive) or fewer
)

// HouseholdChange is a reset or an adjustment of one household's count,
// made by a signed-in site manager at the gateway page or a guard at a
// lone unit's console (Entry.Guard). Delta > 0 grants that many extra uses
// in the current window; the grant lasts one period, like a use.
type HouseholdChange struct {
	Household string `json:"household"`
	Action    string `json:"action"`
	Delta     int    `json:"delta,omitempty"`
	Reason    string `json:"reason"`
}

// MaxHouseholdDelta bounds an adjustment; no household goes out a hundred
// times a period.
const MaxHouseholdDelta = 100

// MaxHouseholdPeriod bounds a period: a year.
const MaxHouseholdPeriod = 366 * 24 * 3600

func (h *Household) validate() error {
	switch {
	case !validHouseholdID(h.ID):
		return fmt.Errorf("id %q: want 1-64 of A-Z a-z 0-9 -", h.ID)
	case h.Allowance < 0 || h.Allowance > MaxHouseholdDelta:
		return fmt.Errorf("allowance %d: want 0-%d", h.Allowance, MaxHouseholdDelta)
	case h.PeriodSeconds <= 0 || h.PeriodSeconds > MaxHouseholdPeriod:
		return fmt.Errorf("period_seconds %d: want 1-%d", h.PeriodSeconds, MaxHouseholdPeriod)
	case h.Remaining < 0 || h.Remaining > MaxHouseholdDelta*2:
		return fmt.Errorf("remaining %d: want 0-%d", h.Remaining, MaxHouseholdDelta*2)
	case h.NextAt != nil && h.NextAt.Year() >= 9999:
		return errors.New("next_at is past the year 9999")
	}
	return nil
}

// Validate reports what makes c unusable, for a console or a page that
// makes one from a form.
func (c *HouseholdChange) Validate() error { return c.validate() }

func (c *HouseholdChange) validate() error {
	switch {
	case !validHouseholdID(c.Household):
		return fmt.Errorf("household %q: want 1-64 of A-Z a-z 0-9 -", c.Household)
	case c.Action == HouseholdReset && c.Delta != 0:
		return errors.New("a reset has no delta")
	case c.Action == HouseholdAdjust && (c.Delta == 0 || c.Delta < -MaxHouseholdDelta || c.Delta > MaxHouseholdDelta):
		return fmt.Errorf("delta %d: an adjustment is 1-%d uses, or as many taken back", c.Delta, MaxHouseholdDelta)
	case c.Action != HouseholdReset && c.Action != HouseholdAdjust:
		return fmt.Errorf("action %q is neither %q nor %q", c.Action, HouseholdReset, HouseholdAdjust)
	case c.Reason == "" || len(c.Reason) > 256 || !utf8.ValidString(c.Reason):
		return errors.New("reason: say why, in at most 256 bytes of UTF-8")
	}
	return nil
}

// validHouseholdID is the pass's "hh" claim: 1-64 of A-Z a-z 0-9 '-'.
func validHouseholdID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// HouseholdUse is one use (N 1) or adjustment (N −Delta: a grant gives
// uses back) in a household's window, at At.
type HouseholdUse struct {
	At time.Time `json:"at"`
	N  int       `json:"n"`
}

// HouseholdWindow applies the rolling-window rule to uses made after the
// household's last reset: used is the sum of N over the uses within period
// before now (never below 0), and, when used ≥ allowance, next is the
// first time a new use is allowed: when enough of them have left the
// window. A grant leaves the window too, so next is found by walking the
// uses in time order. uses need not be sorted; only times after
// now−period matter.
func HouseholdWindow(uses []HouseholdUse, now time.Time, period time.Duration, allowance int) (used int, next time.Time) {
	from := now.Add(-period)
	in := make([]HouseholdUse, 0, len(uses))
	for _, u := range uses {
		if u.At.After(from) {
			in = append(in, u)
			used += u.N
		}
	}
	used = max(used, 0)
	if used < allowance {
		return used, time.Time{}
	}
	slices.SortStableFunc(in, func(a, b HouseholdUse) int { return a.At.Compare(b.At) })
	left := used
	for _, u := range in {
		left -= u.N
		if left < allowance {
			return used, u.At.Add(period)
		}
	}
	return used, now.Add(period) // allowance 0: never, as far as one period sees
}
