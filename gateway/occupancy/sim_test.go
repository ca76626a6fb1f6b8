package occupancy

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/kakou/kakou/firmware/wire"
)

// The simulation: three entrances and two exits obey the gateway's flows
// the way a unit does, while the network delivers entries and flows late
// and out of order, units are cut off and come back with buffered entries,
// and the gateway restarts from its durable state. The truth is counted as
// people move; the gateway never sees it.

type simEntry struct {
	unit     string
	seq      uint64
	lane     wire.Lane
	decision wire.Decision
}

type simUnit struct {
	name      string
	lane      wire.Lane
	seq       uint64
	admitted  []uint64 // own admissions' seqs: what the unit counts against a grant
	pending   []simEntry
	flows     []wire.Flow // published, not yet delivered
	flow      wire.Flow   // the newest one held
	cut       bool
	queue     int
	waitShown bool
}

// simGateway is the gateway's durable state plus the Site built from it.
type simGateway struct {
	site   *Site
	cap    int
	stored map[string]map[uint64]simEntry
	marks  map[string]uint64
	grants map[string]Grant // saved before publishing
	latest map[string]uint64
	rows   int64
	waitAt map[string]int64
}

func (g *simGateway) store(e simEntry) (uint64, bool) {
	if g.stored[e.unit] == nil {
		g.stored[e.unit] = map[uint64]simEntry{}
	}
	if _, dup := g.stored[e.unit][e.seq]; dup {
		return g.marks[e.unit], false
	}
	g.stored[e.unit][e.seq] = e
	g.rows++
	for {
		if _, ok := g.stored[e.unit][g.marks[e.unit]+1]; !ok {
			break
		}
		g.marks[e.unit]++
	}
	if e.seq >= g.latest[e.unit] {
		g.latest[e.unit], g.waitAt[e.unit] = e.seq, g.rows
	}
	return g.marks[e.unit], true
}

// restart rebuilds the Site the way the lan package does from the store.
func (g *simGateway) restart(roles map[string]Role) {
	count := 0
	for _, m := range g.stored {
		for _, e := range m {
			if e.decision == wire.Allow {
				count += map[wire.Lane]int{wire.LaneIn: 1, wire.LaneOut: -1}[e.lane]
			}
		}
	}
	g.site = New("sim", g.cap, count)
	for u, r := range roles {
		st := LaneState{Unit: u, Role: r, Grant: g.grants[u], Watermark: g.marks[u], Latest: g.latest[u], WaitRow: g.waitAt[u]}
		for seq, e := range g.stored[u] {
			if e.lane == wire.LaneIn && e.decision == wire.Allow && seq > st.Grant.AfterSeq {
				st.Admits = append(st.Admits, seq)
			}
		}
		if e, ok := g.stored[u][g.latest[u]]; ok {
			st.Waiting = e.decision == wire.Wait
		}
		g.site.Restore(st)
	}
}

// publish plans, saves the grants, then hands the flows to the network.
func (g *simGateway) publish(units map[string]*simUnit, display bool) {
	for _, f := range g.site.Plan(t0, display) {
		g.grants[f.Unit] = Grant{AfterSeq: f.AfterSeq, Allowance: f.Allowance, Seq: f.Seq}
		units[f.Unit].flows = append(units[f.Unit].flows, f)
		g.site.Sent(f)
	}
}

func (u *simUnit) mayAdmit() bool {
	if u.flow.Seq == 0 {
		return false // no word from the gateway yet: hold
	}
	if u.flow.Capacity == 0 {
		return true
	}
	used := 0
	for _, s := range u.admitted {
		if s > u.flow.AfterSeq {
			used++
		}
	}
	return used < u.flow.Allowance
}

func (u *simUnit) log(lane wire.Lane, d wire.Decision) {
	u.seq++
	u.pending = append(u.pending, simEntry{u.name, u.seq, lane, d})
	if d == wire.Allow && lane == wire.LaneIn {
		u.admitted = append(u.admitted, u.seq)
	}
}

type sim struct {
	rng      *rand.Rand
	units    map[string]*simUnit
	names    []string
	roles    map[string]Role
	gw       *simGateway
	truth    int
	admitted int
}

func newSim(seed uint64, capacity int) *sim {
	s := &sim{rng: rand.New(rand.NewPCG(seed, 7)), units: map[string]*simUnit{}, roles: map[string]Role{}}
	for _, n := range []string{"e1", "e2", "e3", "x1", "x2"} {
		lane := wire.LaneIn
		if n[0] == 'x' {
			lane = wire.LaneOut
		}
		s.units[n] = &simUnit{name: n, lane: lane}
		s.names = append(s.names, n)
		s.roles[n] = Role(lane)
	}
	s.gw = &simGateway{cap: capacity, stored: map[string]map[uint64]simEntry{}, marks: map[string]uint64{},
		grants: map[string]Grant{}, latest: map[string]uint64{}, waitAt: map[string]int64{}}
	s.gw.restart(s.roles)
	s.gw.publish(s.units, true)
	return s
}

// people arrive, wait, enter and leave.
func (s *sim) people(t *testing.T) {
	for _, n := range s.names {
		u := s.units[n]
		if u.lane == wire.LaneOut {
			if s.truth > 0 && s.rng.IntN(4) == 0 {
				u.log(wire.LaneOut, wire.Allow)
				s.truth--
			}
			continue
		}
		if s.rng.IntN(3) == 0 {
			u.queue++
		}
		switch {
		case u.queue > 0 && u.mayAdmit():
			u.log(wire.LaneIn, wire.Allow)
			u.queue--
			u.waitShown = false
			s.truth++
			s.admitted++
			if s.truth > s.gw.cap {
				t.Fatalf("%d people inside, capacity %d (unit %s under %+v)", s.truth, s.gw.cap, n, u.flow)
			}
		case u.queue > 0 && !u.waitShown:
			u.log(wire.LaneIn, wire.Wait)
			u.waitShown = true
		}
	}
}

// network delivers some of what is in flight, in random order.
func (s *sim) network(t *testing.T) {
	for _, n := range s.names {
		u := s.units[n]
		if u.cut {
			continue
		}
		s.rng.Shuffle(len(u.pending), func(i, j int) { u.pending[i], u.pending[j] = u.pending[j], u.pending[i] })
		keep := u.pending[:0]
		for _, e := range u.pending {
			if s.rng.IntN(3) != 0 {
				keep = append(keep, e)
				continue
			}
			s.deliver(t, e)
		}
		u.pending = keep
		s.rng.Shuffle(len(u.flows), func(i, j int) { u.flows[i], u.flows[j] = u.flows[j], u.flows[i] })
		var later []wire.Flow
		for _, f := range u.flows {
			if s.rng.IntN(3) != 0 {
				later = append(later, f)
			} else if f.Seq > u.flow.Seq {
				u.flow = f
			}
		}
		u.flows = later
	}
}

func (s *sim) deliver(t *testing.T, e simEntry) {
	w, fresh := s.gw.store(e)
	if !fresh {
		return
	}
	s.gw.site.Observe(Obs{Unit: e.unit, Seq: e.seq, Lane: e.lane, Decision: e.decision, Counts: true, Watermark: w, Row: s.gw.rows})
	s.gw.publish(s.units, s.rng.IntN(4) == 0) // the count shown is refreshed now and then
	if c, o := s.gw.site.Count(), s.gw.site.Outstanding(); c+o > s.gw.cap && o > 0 {
		t.Fatalf("gateway granted past the cap: count %d + outstanding %d > %d", c, o, s.gw.cap)
	}
}

func (s *sim) step(t *testing.T) {
	s.people(t)
	s.network(t)
	for _, n := range s.names {
		if s.rng.IntN(60) == 0 {
			s.units[n].cut = !s.units[n].cut
		}
	}
	if s.rng.IntN(400) == 0 {
		for _, u := range s.units {
			u.flows = nil // the LAN broker and what it had not delivered die with the gateway
		}
		s.gw.restart(s.roles)
		s.gw.publish(s.units, true)
	}
}

// drain reconnects every unit and delivers everything.
func (s *sim) drain(t *testing.T) {
	for _, u := range s.units {
		u.cut = false
		slices.Reverse(u.pending) // live first, backlog after: out of order
		for _, e := range u.pending {
			s.deliver(t, e)
		}
		u.pending = nil
	}
}

func TestSimulatedSiteNeverExceedsCapacityAndCountsEveryoneOnce(t *testing.T) {
	for seed := uint64(1); seed <= 30; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			s := newSim(seed, 5+int(seed%4)*5)
			for range 3000 {
				s.step(t)
			}
			s.drain(t)
			if got := s.gw.site.Count(); got != s.truth {
				t.Fatalf("gateway counts %d inside, truly %d", got, s.truth)
			}
			s.gw.restart(s.roles)
			if got := s.gw.site.Count(); got != s.truth {
				t.Fatalf("after a restart the gateway counts %d inside, truly %d", got, s.truth)
			}
			if s.admitted < 100 {
				t.Fatalf("only %d admissions in 3000 steps: the simulation proves little", s.admitted)
			}
		})
	}
}
