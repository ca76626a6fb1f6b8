package occupancy

import (
	"sort"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// Plan hands out free slots and returns the flows to publish: one for
// each entrance lane whose grant or capacity changed since its last
// published flow, and, when display is set, also for those where only the
// count or the waiting it shows changed. Each carries a new Seq.
// Display-only changes are left for a periodic call with display set: one
// entry moves the count shown at every entrance, and a flow to each of
// them per entry would cost the gateway O(lanes) per person.
// The new grants are in force from now: the caller saves them (store
// SaveGrants) BEFORE publishing, then reports each published flow with
// Sent. A flow not reported is planned again next time.
func (s *Site) Plan(now time.Time, display bool) []wire.Flow {
	lanes := s.entrances()
	add := s.allocate(lanes)
	var out []wire.Flow
	for _, l := range lanes {
		l.rebase(add[l.Unit])
		if !l.dirty && l.sent.Seq != 0 {
			continue
		}
		f := s.flow(l, now)
		if l.sent.Seq != 0 && sameGrant(f, l.sent) {
			if sameDisplay(f, l.sent) {
				l.dirty = false
			}
			if !display || sameDisplay(f, l.sent) {
				continue
			}
		}
		l.Grant.Seq++
		f.Seq = l.Grant.Seq
		out = append(out, f)
	}
	return out
}

// Sent records that f was published; until then Plan returns it again.
func (s *Site) Sent(f wire.Flow) {
	if l, ok := s.lanes[f.Unit]; ok && f.Seq == l.Grant.Seq {
		l.sent, l.dirty = f, false
	}
}

// Flows returns the flow each entrance lane holds as last planned, for
// republishing after the LAN broker lost its retained copies.
func (s *Site) Flows(now time.Time) []wire.Flow {
	var out []wire.Flow
	for _, l := range s.entrances() {
		if l.Grant.Seq != 0 {
			f := s.flow(l, now)
			f.Seq = l.Grant.Seq
			out = append(out, f)
		}
	}
	return out
}

func (s *Site) flow(l *lane, now time.Time) wire.Flow {
	return wire.Flow{Schema: wire.SchemaVersion, Site: s.site, Unit: l.Unit,
		Occupancy: s.Count(), Capacity: s.capacity, Waiting: s.Waiting(),
		AfterSeq: l.Grant.AfterSeq, Allowance: l.Grant.Allowance, Time: now.UTC()}
}

// sameGrant compares what a unit acts on.
func sameGrant(a, b wire.Flow) bool {
	return a.AfterSeq == b.AfterSeq && a.Allowance == b.Allowance && a.Capacity == b.Capacity
}

// sameDisplay compares what a unit only shows.
func sameDisplay(a, b wire.Flow) bool { return a.Occupancy == b.Occupancy && a.Waiting == b.Waiting }

// allocate decides how many new slots each entrance lane gets. Free slots
// go first to lanes holding someone, longest held first, one each. The
// rest are spread evenly so no lane holds more than ceil(capacity/lanes),
// but only while more slots are free than there are lanes: near the cap
// the last few go where someone is actually waiting, not to an idle door.
func (s *Site) allocate(lanes []*lane) map[string]int {
	add := map[string]int{}
	if s.capacity == 0 || len(lanes) == 0 {
		return add
	}
	free := s.capacity - s.Count() - s.Outstanding()
	held := waitingFirst(lanes)
	for _, l := range held {
		if free > 0 && l.Waiting && l.outstanding() == 0 {
			add[l.Unit]++
			free--
		}
	}
	if free > len(lanes) {
		spread(held, add, free, (s.capacity+len(lanes)-1)/len(lanes))
	}
	return add
}

// spread fills lanes towards target in rounds of an even share of what is
// free, so two idle doors end up with the same grant.
func spread(lanes []*lane, add map[string]int, free, target int) {
	for free > 0 {
		needy := 0
		for _, l := range lanes {
			if l.outstanding()+add[l.Unit] < target {
				needy++
			}
		}
		if needy == 0 {
			return
		}
		share := max(1, free/needy)
		for _, l := range lanes {
			give := min(share, target-l.outstanding()-add[l.Unit], free)
			if give > 0 {
				add[l.Unit] += give
				free -= give
			}
		}
	}
}

// waitingFirst orders lanes holding someone first, longest held first.
func waitingFirst(lanes []*lane) []*lane {
	out := append([]*lane(nil), lanes...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Waiting != b.Waiting {
			return a.Waiting
		}
		return a.Waiting && a.WaitRow < b.WaitRow
	})
	return out
}

// rebase moves the lane's grant up to its watermark and adds extra slots,
// keeping what it may still admit unchanged: admissions stored above the
// new AfterSeq (beyond a gap) count against the new allowance, and those
// the gateway has not heard of lie above the watermark, so they are paid
// for exactly as under the old grant (see wire.Flow).
func (l *lane) rebase(extra int) {
	keep := l.outstanding() + extra
	after := max(l.Grant.AfterSeq, l.Watermark)
	i := 0
	for i < len(l.Admits) && l.Admits[i] <= after {
		i++
	}
	l.Admits = l.Admits[i:]
	g := Grant{AfterSeq: after, Allowance: keep + len(l.Admits), Seq: l.Grant.Seq}
	if g != l.Grant {
		l.Grant, l.dirty = g, true
	}
}
