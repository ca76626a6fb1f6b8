// Package household counts one pass per household (一户一卡) across every
// lane of a site, as gateway/occupancy counts the people inside: the lan
// package feeds it each newly stored household entry and record, and it
// plans the retained wire.Households message each lane counts by (the
// scheme is the doc comment of wire.Households; the rolling window is
// wire.HouseholdWindow). It is pure logic: no I/O, no clock.
package household

import (
	"slices"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// Row is one household entry or record as the gateway stored it. At is the
// gateway's time for it: the entry's own time from a synced clock, the
// gateway's receive time otherwise.
type Row struct {
	Unit      string
	Seq       uint64
	Household string
	At        time.Time
	N         int  // 1 a use, -delta an adjustment
	Reset     bool // forget every earlier row of the household
	// Allowance and Period are the lane's rule, from a use's household
	// block; zero on records.
	Allowance int
	Period    time.Duration
}

// use is one counted row kept for the window.
type use struct {
	unit string
	seq  uint64
	at   time.Time
	n    int
}

// book is one household's uses after its last reset.
type book struct {
	uses      []use
	reset     time.Time // zero: none known
	allowance int
	period    time.Duration
}

// Site is the household count of one site. It is not safe for concurrent
// use; the lan package serialises calls.
type Site struct {
	site  string
	books map[string]*book
	seq   uint64
}

// New returns an empty count for site; seq is where the messages' Seq
// starts (the gateway's clock in milliseconds, so it grows across
// restarts without being saved).
func New(site string, seq uint64) *Site {
	return &Site{site: site, books: map[string]*book{}, seq: seq}
}

// Overuse is a household that went through more often than its allowance
// within one period: two lanes let a copied pass through at once, or a
// lane cut off from the gateway counted alone.
type Overuse struct {
	Household string
	Used      int
	Allowance int
}

// Observe counts r and reports an overuse if the household is now over
// its allowance.
func (s *Site) Observe(r Row) *Overuse {
	b := s.books[r.Household]
	if b == nil {
		b = &book{}
		s.books[r.Household] = b
	}
	if r.Reset {
		if r.At.After(b.reset) {
			b.reset = r.At
			b.uses = slices.DeleteFunc(b.uses, func(u use) bool { return !u.at.After(r.At) })
		}
		return nil
	}
	if !b.reset.IsZero() && !r.At.After(b.reset) {
		return nil // made before a reset that already came in
	}
	if r.Allowance > 0 {
		b.allowance, b.period = r.Allowance, r.Period
	}
	b.uses = append(b.uses, use{unit: r.Unit, seq: r.Seq, at: r.At, n: r.N})
	if b.period == 0 || r.N <= 0 {
		return nil
	}
	used, _ := wire.HouseholdWindow(b.window(r.At), r.At, b.period, b.allowance)
	if used > b.allowance {
		return &Overuse{Household: r.Household, Used: used, Allowance: b.allowance}
	}
	return nil
}

func (b *book) window(now time.Time) []wire.HouseholdUse {
	out := make([]wire.HouseholdUse, 0, len(b.uses))
	for _, u := range b.uses {
		if u.at.After(now.Add(-b.period)) {
			out = append(out, wire.HouseholdUse{At: u.at, N: u.n})
		}
	}
	return out
}

// Message plans the households message for unit, whose entries the
// gateway has stored up to watermark: every household with uses in its
// window at now, newest use first, at most wire.MaxHouseholds, leaving
// out the unit's own uses above the watermark (the lane counts those
// itself, so listing them would count them twice). Old uses are dropped.
func (s *Site) Message(unit string, watermark uint64, now time.Time) wire.Households {
	s.seq++
	m := wire.Households{Schema: wire.SchemaVersion, Site: s.site, Unit: unit, Seq: s.seq,
		AfterSeq: watermark, Time: now.UTC(), Uses: []wire.HouseholdUsage{}}
	type listed struct {
		u      wire.HouseholdUsage
		newest time.Time
	}
	var all []listed
	for id, b := range s.books {
		b.prune(now)
		if len(b.uses) == 0 && b.reset.IsZero() {
			delete(s.books, id)
			continue
		}
		l := listed{u: wire.HouseholdUsage{ID: id, Uses: []wire.HouseholdUse{}}, newest: b.reset}
		if !b.reset.IsZero() {
			r := b.reset.UTC()
			l.u.Reset = &r
		}
		for _, x := range b.uses {
			if x.unit == unit && x.seq > watermark {
				continue
			}
			l.u.Uses = append(l.u.Uses, wire.HouseholdUse{At: x.at.UTC(), N: x.n})
			if x.at.After(l.newest) {
				l.newest = x.at
			}
		}
		all = append(all, l)
	}
	slices.SortFunc(all, func(a, b listed) int { return b.newest.Compare(a.newest) })
	if len(all) > wire.MaxHouseholds {
		all, m.Truncated = all[:wire.MaxHouseholds], true
	}
	for _, l := range all {
		m.Uses = append(m.Uses, l.u)
	}
	return m
}

// prune drops uses that have left the window, and a reset older than a
// period (every use before it has left the window by then too).
func (b *book) prune(now time.Time) {
	period := b.period
	if period == 0 {
		period = wire.MaxHouseholdPeriod * time.Second // only records seen yet: keep them
	}
	from := now.Add(-period)
	b.uses = slices.DeleteFunc(b.uses, func(u use) bool { return !u.at.After(from) })
	if len(b.uses) > 2*wire.MaxHouseholdDelta {
		b.uses = b.uses[len(b.uses)-2*wire.MaxHouseholdDelta:]
	}
	if !b.reset.IsZero() && !b.reset.After(from) {
		b.reset = time.Time{}
	}
}

// Used is household's uses in the window at now, its allowance, and when
// it may go next (zero: it may now), for the gateway page.
func (s *Site) Used(household string, now time.Time) (used, allowance int, next time.Time) {
	b := s.books[household]
	if b == nil || b.period == 0 {
		return 0, 0, time.Time{}
	}
	used, next = wire.HouseholdWindow(b.window(now), now, b.period, b.allowance)
	return used, b.allowance, next
}
