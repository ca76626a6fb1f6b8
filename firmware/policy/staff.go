package policy

import (
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/kakou/kakou/firmware/wire"
)

// StaffRule is the roll call of the site's staff, workers, teachers and
// pupils (docs/product.md "People treated differently": staff are checked
// twice a day, schools three times, 晨午晚检). Each round is a window of
// the unit's local day; a staff pass scanned with a temperature inside a
// round, or a tick on the console's roll-call panel, checks its holder
// for that round. Without rounds the rule is off. A round may cross
// midnight (a night shift's 22:00-02:00): it belongs to the day it began.
type StaffRule struct {
	Rounds []Round `toml:"rounds" json:"rounds,omitempty"`
}

// Round is one round of checks: its name as the guard reads it (晨检) and
// its window, "07:00" to "09:00", To not included.
type Round struct {
	Name string `toml:"name" json:"name"`
	From string `toml:"from" json:"from"`
	To   string `toml:"to" json:"to"`
}

// MaxRounds bounds a day's rounds; the plans name two or three.
const MaxRounds = 8

// On reports whether the site checks its staff at all.
func (s StaffRule) On() bool { return len(s.Rounds) > 0 }

// RoundAt is the round a moment falls in: the round's name, the local day
// it belongs to, and its start and end.
type RoundAt struct {
	Name       string
	Day        string // 2006-01-02, the unit's local date the round began
	Index      int    // its place in the policy's list
	Start, End time.Time
}

// Current is the round now falls in, by now's own location (the unit's
// local time). ok is false between rounds, with the rule off, and on a
// clock that is not synced: a Pi that booted in 1970 cannot say whether
// it is morning, and a check put in the wrong round would hide a person
// who was never checked.
func (s StaffRule) Current(now time.Time, synced bool) (r RoundAt, ok bool) {
	if !synced {
		return RoundAt{}, false
	}
	y, m, d := now.Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, now.Location())
	for i, rd := range s.Rounds {
		from, err1 := Clock(rd.From)
		to, err2 := Clock(rd.To)
		if err1 != nil || err2 != nil {
			continue // Validate refused it; a policy in force has none
		}
		// The round that began today, and for one crossing midnight also
		// the one that began yesterday.
		for _, day := range []time.Time{today, today.AddDate(0, 0, -1)} {
			start := atClock(day, from)
			end := atClock(day, to)
			if to <= from {
				end = atClock(day.AddDate(0, 0, 1), to)
			}
			if !now.Before(start) && now.Before(end) {
				return RoundAt{Name: rd.Name, Day: day.Format(time.DateOnly), Index: i, Start: start, End: end}, true
			}
		}
	}
	return RoundAt{}, false
}

// atClock is the wall-clock time of day tod on day, so a day of 23 or 25 hours
// still puts 07:00 at 07:00.
func atClock(day time.Time, tod time.Duration) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), int(tod/time.Hour), int(tod%time.Hour/time.Minute), 0, 0, day.Location())
}

// checkStaff reports every problem of the rounds: names, times, overlaps.
func (s StaffRule) check(c *checker) {
	if len(s.Rounds) > MaxRounds {
		c.bad("checks.staff.rounds", "%d rounds; at most %d a day", len(s.Rounds), MaxRounds)
		return
	}
	var day [24 * 60]int8 // which round (1-based) holds each minute of the day
	names := map[string]bool{}
	for i, rd := range s.Rounds {
		key := fmt.Sprintf("checks.staff.rounds[%d]", i)
		if n := utf8.RuneCountInString(rd.Name); n < 1 || n > 16 || hasControlChar(rd.Name) {
			c.bad(key+".name", "must be 1-16 characters, shown to the guard (晨检)")
		} else if names[rd.Name] {
			c.bad(key+".name", "%q is listed twice; each round needs its own name", rd.Name)
		}
		names[rd.Name] = true
		from, err1 := Clock(rd.From)
		to, err2 := Clock(rd.To)
		if err1 != nil {
			c.bad(key+".from", "%v", err1)
		}
		if err2 != nil {
			c.bad(key+".to", "%v", err2)
		}
		if err1 != nil || err2 != nil {
			continue
		}
		if from == to {
			c.bad(key, "from and to are both %s: a round lasts from one time to a later one", rd.From)
			continue
		}
		for m := from; m != to; m = (m + time.Minute) % (24 * time.Hour) {
			k := int(m / time.Minute)
			if day[k] != 0 {
				c.bad(key, "%s-%s overlaps rounds[%d] (%s) at %02d:%02d: a check must belong to one round",
					rd.From, rd.To, day[k]-1, s.Rounds[day[k]-1].Name, k/60, k%60)
				break
			}
			day[k] = int8(i + 1)
		}
	}
}

func hasControlChar(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return true
		}
	}
	return false
}

// WireRound is the round for a unit's status; ok as Current's.
func (s StaffRule) WireRound(now time.Time, synced bool) (*wire.StaffRound, bool) {
	r, ok := s.Current(now, synced)
	if !ok {
		return nil, false
	}
	return &wire.StaffRound{Day: r.Day, Round: r.Name, Rounds: len(s.Rounds), EndsAt: r.End}, true
}

func cloneStaff(s StaffRule) StaffRule { return StaffRule{Rounds: slices.Clone(s.Rounds)} }
