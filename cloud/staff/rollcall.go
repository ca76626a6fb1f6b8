package staff

import (
	"context"
	"slices"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// RollCall is a site's roll call in its current round: who is on the
// roster, who was checked at any unit of the site, and who not yet.
type RollCall struct {
	Site string `json:"site"`
	// Round is the round the site's units last named; Open says it has
	// not ended. Empty Round: no unit has named one (no rounds in the
	// policy, or no unit online with a synced clock).
	Round         string    `json:"round,omitempty"`
	Day           string    `json:"day,omitempty"`
	EndsAt        time.Time `json:"ends_at,omitzero"`
	Open          bool      `json:"open"`
	Rounds        int       `json:"rounds_per_day,omitempty"`
	RosterVersion uint64    `json:"roster_version"`
	Total         int       `json:"total"`
	Checked       int       `json:"checked"`
	Unchecked     []Person  `json:"unchecked"`
	Fevers        []Person  `json:"fevers"`
}

// Person is a roster member as the centre shows them, name masked.
type Person struct {
	ID    string          `json:"id"`
	Name  string          `json:"name"`
	Group wire.StaffGroup `json:"group"`
	Class string          `json:"class,omitempty"`
	Unit  string          `json:"unit,omitempty"`
	TempC float64         `json:"temp_c,omitempty"`
	At    time.Time       `json:"at,omitzero"`
}

// CurrentRound is the round of the site's units: the latest named by a
// live status whose round has not ended, or else the latest named at all
// (then it has ended and no round is open).
func CurrentRound(rs []store.UnitRound, now time.Time) (wire.StaffRound, bool) {
	var best store.UnitRound
	open := false
	for _, r := range rs {
		o := r.Round.EndsAt.After(now)
		if o && !open || o == open && r.SeenAt.After(best.SeenAt) {
			best, open = r, o
		}
	}
	return best.Round, open
}

// Compute joins a roster, the units' rounds and the site's checks into the
// roll call of the current round.
func Compute(site string, roster store.StaffRoster, rounds []store.UnitRound, checks []store.StaffCheckRow, now time.Time) RollCall {
	rc := RollCall{Site: site, RosterVersion: roster.Version, Total: len(roster.Members),
		Unchecked: []Person{}, Fevers: []Person{}}
	round, open := CurrentRound(rounds, now)
	rc.Round, rc.Day, rc.EndsAt, rc.Open, rc.Rounds = round.Round, round.Day, round.EndsAt, open, round.Rounds
	done := map[string]store.StaffCheckRow{}
	for _, c := range checks {
		if c.Day != round.Day || c.Round != round.Round {
			continue
		}
		if prev, ok := done[c.ID]; !ok || !prev.Fever {
			done[c.ID] = c
		}
	}
	for _, m := range roster.Members {
		p := Person{ID: m.ID, Name: m.Name, Group: m.Group, Class: m.Class}
		c, ok := done[m.ID]
		switch {
		case round.Round == "" || !ok:
			rc.Unchecked = append(rc.Unchecked, p)
			continue
		case c.Fever:
			p.Unit, p.TempC, p.At = c.Unit, c.TempC, c.At
			rc.Fevers = append(rc.Fevers, p)
		}
		rc.Checked++
	}
	slices.SortStableFunc(rc.Unchecked, func(a, b Person) int {
		if a.Class != b.Class {
			if a.Class < b.Class {
				return -1
			}
			return 1
		}
		return 0
	})
	return rc
}

// Load reads what Compute needs for site from st: the checks of the last
// two days, enough for a round that crossed midnight.
func Load(ctx context.Context, st Store, site string, now time.Time) (RollCall, error) {
	roster, err := st.StaffRoster(ctx, site)
	if err != nil {
		return RollCall{}, err
	}
	rounds, err := st.StaffRounds(ctx, site)
	if err != nil {
		return RollCall{}, err
	}
	checks, err := st.StaffChecks(ctx, site, now.Add(-48*time.Hour))
	if err != nil {
		return RollCall{}, err
	}
	return Compute(site, roster, rounds, checks, now), nil
}
