// Package rollcall is the unit's roll call of the site's staff roster
// (晨午晚检, docs/product.md "People treated differently"): who is to be
// checked in the policy's current round, and who has been. A staff pass
// scanned with a temperature in a round checks its holder (Stamp); a guard
// or teacher can tick someone on the console's roll-call panel with a
// reading taken by hand (the unit logs it as a staff_check record). Both
// carry a wire.StaffCheck, and the tracker learns of each from the entry
// once it is durable (Note), so what it shows is what the ledger holds.
//
// A unit knows the checks made at its own lanes only; the centre's roll
// call (GET /api/v1/rollcall) joins every unit of the site.
package rollcall

import (
	"slices"
	"sync"
	"time"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/ledger"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
)

// staffRoles are the pass roles a roll call may check; a resident's or a
// courier's pass never checks anyone, even with a matching id.
var staffRoles = map[credential.Role]bool{credential.RoleStaff: true, credential.RoleWorker: true,
	credential.RolePupil: true}

// Tracker holds the roster and the checks of the recent rounds.
type Tracker struct {
	rule func() policy.StaffRule
	now  func() (time.Time, bool)
	loc  *time.Location

	mu      sync.Mutex
	roster  wire.StaffRoster
	index   map[string]int                         // roster id → position in roster.Members
	checked map[roundKey]map[string]ledger.Checked // a round's checks by roster id
}

type roundKey struct{ day, round string }

// New returns a tracker that reads the rounds from rule (the policy in
// force) and the time from now, in loc.
func New(rule func() policy.StaffRule, now func() (time.Time, bool), loc *time.Location) *Tracker {
	if loc == nil {
		loc = time.Local
	}
	return &Tracker{rule: rule, now: now, loc: loc, index: map[string]int{}, checked: map[roundKey]map[string]ledger.Checked{}}
}

// SetRoster replaces the roster; checks already made stay.
func (t *Tracker) SetRoster(r wire.StaffRoster) {
	idx := make(map[string]int, len(r.Members))
	for i, m := range r.Members {
		idx[m.ID] = i
	}
	t.mu.Lock()
	t.roster, t.index = r, idx
	t.mu.Unlock()
}

// Roster is the roster in use (Version 0: none yet).
func (t *Tracker) Roster() wire.StaffRoster {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.roster
}

// Current is the round now, as the policy in force has it.
func (t *Tracker) Current() (policy.RoundAt, bool) {
	now, synced := t.now()
	return t.rule().Current(now.In(t.loc), synced)
}

// Stamp is the staff check a scanned entry carries: the credential is a
// verified staff, worker or pupil pass of someone on the roster, a
// temperature was taken, and a round is open. A pass that did not verify
// checks nobody: anyone can print a QR code with a pupil's id.
func (t *Tracker) Stamp(in policy.Input) *wire.StaffCheck {
	c := in.Credential
	if in.Reading == nil || c.Status != credential.StatusValid || !staffRoles[c.Role] || c.Wire.Subject == "" {
		return nil
	}
	r, ok := t.rule().Current(in.Now.In(t.loc), in.ClockSynced)
	if !ok {
		return nil
	}
	if _, on := t.Member(c.Wire.Subject); !on {
		return nil
	}
	return &wire.StaffCheck{ID: c.Wire.Subject, Round: r.Name, Day: r.Day}
}

// Member is the roster's member with id.
func (t *Tracker) Member(id string) (wire.StaffMember, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	i, ok := t.index[id]
	if !ok {
		return wire.StaffMember{}, false
	}
	return t.roster.Members[i], true
}

// Note records a durable entry's staff check; other entries change nothing.
func (t *Tracker) Note(e wire.Entry) {
	sc := e.StaffCheck
	if sc == nil {
		return
	}
	c := ledger.Checked{ID: sc.ID, Day: sc.Day, Round: sc.Round, At: e.Time, Alert: e.Alert != ""}
	if e.Temperature != nil {
		c.TempC = e.Temperature.CorrectedC
	}
	t.add(c)
}

// Restore adds checks read back from the ledger at start.
func (t *Tracker) Restore(cs []ledger.Checked) {
	for _, c := range cs {
		t.add(c)
	}
}

func (t *Tracker) add(c ledger.Checked) {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := roundKey{c.Day, c.Round}
	if t.checked[k] == nil {
		t.checked[k] = map[string]ledger.Checked{}
		t.forgetOldLocked(c.Day)
	}
	// The latest check stands, but a fever is not hidden by a normal
	// reading after it in the same round.
	if prev, ok := t.checked[k][c.ID]; !ok || !prev.Alert {
		t.checked[k][c.ID] = c
	}
}

// forgetOldLocked drops rounds of days more than two before day, so a
// unit that runs for months holds a few rounds only.
func (t *Tracker) forgetOldLocked(day string) {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return
	}
	cut := d.AddDate(0, 0, -2).Format(time.DateOnly)
	for k := range t.checked {
		if k.day < cut {
			delete(t.checked, k)
		}
	}
}

// Checked reports whether id was checked in round r.
func (t *Tracker) Checked(r policy.RoundAt, id string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, ok := t.checked[roundKey{r.Day, r.Name}][id]
	return ok
}

// sortedGroups orders a board's groups: by group, then class.
func sortedGroups(gs []Group) {
	slices.SortFunc(gs, func(a, b Group) int {
		if a.Group != b.Group {
			return groupRank[a.Group] - groupRank[b.Group]
		}
		if a.Class < b.Class {
			return -1
		}
		if a.Class > b.Class {
			return 1
		}
		return 0
	})
}

var groupRank = map[wire.StaffGroup]int{wire.GroupPupil: 0, wire.GroupTeacher: 1, wire.GroupStaff: 2, wire.GroupWorker: 3}
