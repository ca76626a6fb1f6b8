package rollcall

import (
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// Board is what the console's roll-call panel shows: the current round
// and, by group and class, who has been checked and who not yet.
type Board struct {
	// On: the policy has rounds; InRound: now is in one of them; Synced:
	// the clock can tell (an unsynced unit knows no round).
	On            bool      `json:"on"`
	InRound       bool      `json:"in_round"`
	Synced        bool      `json:"synced"`
	Round         string    `json:"round,omitempty"`
	Day           string    `json:"day,omitempty"`
	EndsAt        time.Time `json:"ends_at,omitzero"`
	RosterVersion uint64    `json:"roster_version"`
	Total         int       `json:"total"`
	Checked       int       `json:"checked"`
	Groups        []Group   `json:"groups"`
}

// Group is one group and class on the board.
type Group struct {
	Group     wire.StaffGroup `json:"group"`
	Class     string          `json:"class"`
	Unchecked []Person        `json:"unchecked"`
	Checked   []Person        `json:"checked"`
}

// Person is one member on the board, name masked as the roster has it.
type Person struct {
	ID    string    `json:"id"`
	Name  string    `json:"name"`
	TempC float64   `json:"temp_c,omitempty"`
	Fever bool      `json:"fever,omitempty"`
	At    time.Time `json:"at,omitzero"`
}

// Board is the roll call now.
func (t *Tracker) Board() Board {
	now, synced := t.now()
	rule := t.rule()
	b := Board{On: rule.On(), Synced: synced, Groups: []Group{}}
	r, ok := rule.Current(now.In(t.loc), synced)
	t.mu.Lock()
	defer t.mu.Unlock()
	b.RosterVersion = t.roster.Version
	b.Total = len(t.roster.Members)
	if !ok {
		return b
	}
	b.InRound, b.Round, b.Day, b.EndsAt = true, r.Name, r.Day, r.End
	done := t.checked[roundKey{r.Day, r.Name}]
	at := map[[2]string]int{}
	for _, m := range t.roster.Members {
		k := [2]string{string(m.Group), m.Class}
		i, seen := at[k]
		if !seen {
			i = len(b.Groups)
			at[k] = i
			b.Groups = append(b.Groups, Group{Group: m.Group, Class: m.Class, Unchecked: []Person{}, Checked: []Person{}})
		}
		p := Person{ID: m.ID, Name: m.Name}
		if c, ok := done[m.ID]; ok {
			p.TempC, p.Fever, p.At = c.TempC, c.Alert, c.At
			b.Groups[i].Checked = append(b.Groups[i].Checked, p)
			b.Checked++
		} else {
			b.Groups[i].Unchecked = append(b.Groups[i].Unchecked, p)
		}
	}
	sortedGroups(b.Groups)
	return b
}
