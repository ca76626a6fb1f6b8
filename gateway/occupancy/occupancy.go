// Package occupancy counts the people inside a facility with several
// lanes and hands each entrance lane a grant of how many more it may admit,
// so the cap holds with several doors, no round trip per person, and no
// internet (the grant scheme is the doc comment of wire.Flow, and
// gateway/README.md "The grant scheme in plain words").
//
// It is pure logic: the lan package feeds it every newly stored entry and
// persists and publishes what it plans; the store rebuilds it after a
// restart. Nothing here does I/O or reads the clock.
//
// The invariant, when the capacity is set:
//
//	occupancy + Σ outstanding grants ≤ capacity
//
// where a lane's outstanding grant is its allowance less the admissions it
// made under it that the gateway has stored. Admissions the gateway has
// not heard of yet (a unit cut off from it) are paid for out of the
// outstanding grant, so the true number inside never exceeds the cap.
// A grant is never reduced: the lane may be using it.
package occupancy

import (
	"slices"
	"sort"

	"github.com/kakou/kakou/firmware/wire"
)

// Role says which way a lane's people go: "in" (an entrance), "out" (an
// exit) or "both". Entrances and "both" lanes get grants.
type Role string

const (
	RoleIn   Role = "in"
	RoleOut  Role = "out"
	RoleBoth Role = "both"
)

// ValidRole reports whether r is one of the three roles.
func ValidRole(r Role) bool { return r == RoleIn || r == RoleOut || r == RoleBoth }

func (r Role) admits() bool { return r == RoleIn || r == RoleBoth }

// Grant is what one Flow told a lane: it may admit while its admissions
// with seq above AfterSeq are fewer than Allowance. Seq is the flow's own.
type Grant struct {
	AfterSeq  uint64
	Allowance int
	Seq       uint64
}

// LaneState rebuilds a lane after a restart, from the store.
type LaneState struct {
	Unit      string
	Role      Role
	Grant     Grant    // as last saved
	Watermark uint64   // the unit's local watermark
	Admits    []uint64 // seqs of stored admissions above Grant.AfterSeq
	Latest    uint64   // the unit's highest stored seq
	Waiting   bool     // its latest entry's decision was wait
	WaitRow   int64    // arrival order of that entry: longest held first
}

// lane is one unit's state; see LaneState.
type lane struct {
	LaneState
	sent  wire.Flow // last flow published; Seq 0: none since start
	dirty bool      // something a flow carries may have changed
}

// Site is the count and the grants of one facility. It is not safe for
// concurrent use; the lan package serialises calls.
type Site struct {
	site     string
	capacity int
	count    int // raw: may dip below 0 when exits of people counted in before a correction come in
	lanes    map[string]*lane
}

// New returns a site with no lanes, the given capacity (0: no cap) and
// count (from the last correction plus the movement since).
func New(site string, capacity, count int) *Site {
	return &Site{site: site, capacity: max(0, capacity), count: count, lanes: map[string]*lane{}}
}

// Capacity is the cap in force; 0 means none.
func (s *Site) Capacity() int { return s.capacity }

// SetCapacity changes the cap. Lowering it below what is inside or
// granted takes nothing back; it only stops new grants until people leave.
func (s *Site) SetCapacity(n int) {
	if n = max(0, n); n != s.capacity {
		s.capacity = n
		s.touchAll()
	}
}

// Count is the number of people inside as counted, never below 0.
func (s *Site) Count() int { return max(0, s.count) }

// SetCount replaces the count: a staff correction. Entries stored after
// it move it as usual; the caller decides which count (see Observe).
func (s *Site) SetCount(n int) {
	s.count = n
	s.touchAll()
}

// Restore adds or replaces a lane from its saved state.
func (s *Site) Restore(st LaneState) {
	st.Admits = slices.Clone(st.Admits)
	slices.Sort(st.Admits)
	s.lanes[st.Unit] = &lane{LaneState: st, dirty: true}
}

// SetRole gives a unit a role, adding the lane if it is new.
func (s *Site) SetRole(unit string, r Role) {
	l := s.lane(unit)
	if l.Role != r {
		l.Role, l.dirty = r, true
	}
}

// Role is the unit's role; "" when the site does not know the unit.
func (s *Site) Role(unit string) Role {
	if l, ok := s.lanes[unit]; ok {
		return l.Role
	}
	return ""
}

func (s *Site) lane(unit string) *lane {
	l, ok := s.lanes[unit]
	if !ok {
		l = &lane{LaneState: LaneState{Unit: unit}, dirty: true}
		s.lanes[unit] = l
	}
	return l
}

func (s *Site) touchAll() {
	for _, l := range s.lanes {
		l.dirty = true
	}
}

// Obs is one entry the store has just stored for the first time.
type Obs struct {
	Unit      string
	Seq       uint64
	Lane      wire.Lane
	Decision  wire.Decision
	Counts    bool   // its time is after the last correction, so it moves the count
	Watermark uint64 // the unit's local watermark after storing it
	Row       int64  // arrival order
}

// Observe applies a newly stored entry. Calling it twice for one entry
// would count it twice: the store's idempotent Add says which are new.
func (s *Site) Observe(o Obs) {
	l := s.lane(o.Unit)
	if l.Role == "" {
		l.Role = Role(o.Lane) // the first entry says which way the lane faces
	}
	l.Watermark = max(l.Watermark, o.Watermark)
	allow := o.Decision == wire.Allow
	if allow && o.Counts {
		if o.Lane == wire.LaneIn {
			s.count++
		} else {
			s.count--
		}
		s.touchAll()
	}
	if allow && o.Lane == wire.LaneIn && l.Role.admits() && o.Seq > l.Grant.AfterSeq {
		i, found := slices.BinarySearch(l.Admits, o.Seq)
		if !found {
			l.Admits = slices.Insert(l.Admits, i, o.Seq)
		}
	}
	// A guard's record (no decision: a duty, a hand-over) is nobody at
	// the gate: it neither counts nor ends a wait held at the lane.
	if o.Seq >= l.Latest && o.Decision != "" {
		waiting := o.Decision == wire.Wait
		if waiting != l.Waiting {
			s.touchAll() // every lane shows how many are held
		}
		l.Latest, l.Waiting, l.WaitRow = o.Seq, waiting, o.Row
	}
	l.dirty = true
}

// SetWatermark moves a lane's watermark up (a status moved it).
func (s *Site) SetWatermark(unit string, w uint64) {
	l := s.lane(unit)
	if w > l.Watermark {
		l.Watermark, l.dirty = w, true
	}
}

// Waiting is how many entrance lanes hold someone (latest entry: wait).
func (s *Site) Waiting() int {
	n := 0
	for _, l := range s.lanes {
		if l.Role.admits() && l.Waiting {
			n++
		}
	}
	return n
}

// Outstanding is the sum of what entrance lanes may still admit under
// their grants, as far as the gateway knows.
func (s *Site) Outstanding() int {
	n := 0
	for _, l := range s.lanes {
		if l.Role.admits() {
			n += l.outstanding()
		}
	}
	return n
}

func (l *lane) outstanding() int { return max(0, l.Grant.Allowance-len(l.Admits)) }

// entrances lists the lanes that get grants, by unit id.
func (s *Site) entrances() []*lane {
	var out []*lane
	for _, l := range s.lanes {
		if l.Role.admits() {
			out = append(out, l)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Unit < out[j].Unit })
	return out
}
