package screening

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
)

// Holding a person while the site is full (flow limiting behind a
// site gateway, firmware/README.md: entry units show "please wait" with
// the count and admit again as people leave). A wait
// decision on an entrance lane holds that person at the gate: Run takes no
// next scan while they stand there. When a newer flow leaves room in the
// grant, they are decided again with what was screened (temperature,
// credential, mask, registration) and the new entry is logged; if it
// admits them, it says "admitted after waiting" and the gate opens.
//
// The guard ends a hold from the console when the person gave up and left,
// and a hold ends by itself after HoldTimeout. Neither writes the ledger:
// nobody passed the gate, and the wait entry already records the visit. The
// unit's log says how each hold ended.

// DefaultHoldTimeout is how long a lane holds a person when Options say
// nothing: long enough for a busy shop to free a place, short enough that
// a lane whose person walked off unnoticed does not stay shut.
const DefaultHoldTimeout = 10 * time.Minute

// ErrNotHeld is returned when the guard ends a hold and nobody is held.
var ErrNotHeld = errors.New("screening: nobody is waiting at this lane")

// Held is the person a lane holds: the latest wait entry for them, and
// since when (the unit's clock, for the guard's screen).
type Held struct {
	Entry wire.Entry `json:"entry"`
	Since time.Time  `json:"since"`
}

type hold struct {
	Held
	person *person
	done   chan struct{} // closed when the hold ends, however it ends
}

// Held returns the person held at this lane, or nil.
func (p *Pipeline) Held() *Held {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.hold == nil {
		return nil
	}
	h := p.hold.Held
	return &h
}

// Cancel ends the hold because the person left; the guard says so from
// the console. Only the unit's log records it.
func (p *Pipeline) Cancel() (Held, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.hold == nil {
		return Held{}, ErrNotHeld
	}
	h := p.hold.Held
	p.hold.person.dismissed = true // they left: off the guard's screen too
	p.endHoldLocked("the guard cancelled it: the person left")
	return h, nil
}

// holdLocked starts, updates or ends the hold after an entry for pr was
// logged. Callers hold mu.
func (p *Pipeline) holdLocked(pr *person) {
	e := pr.entry
	switch {
	case e.Decision == wire.Wait && e.Lane == wire.LaneIn && p.hold == nil:
		now, _ := p.opts.Now()
		p.hold = &hold{Held: Held{Entry: e, Since: now}, person: pr, done: make(chan struct{})}
		args := []any{"seq", e.Seq}
		if f := p.flow; f != nil {
			args = append(args, "occupancy", f.Occupancy, "capacity", f.Capacity, "waiting", f.Waiting)
		}
		p.opts.Logger.Info("holding the person at the gate until the site has room", args...)
	case p.hold == nil || p.hold.person != pr:
		// Someone else: a hold is only ever on the person last screened,
		// and the next scan ends it.
	case e.Decision == wire.Wait:
		p.hold.Entry = e // the guard amended them; still waiting
	default:
		p.endHoldLocked("decided again: " + string(e.Decision))
	}
}

// endHoldLocked lets Run take the next scan. Callers hold mu and a hold.
func (p *Pipeline) endHoldLocked(why string) {
	p.opts.Logger.Info("hold ended", "seq", p.hold.Entry.Seq, "why", why)
	close(p.hold.done)
	p.hold = nil
}

// releaseLocked decides the held person again, after a new flow. While
// the grant still leaves no room the decision is wait again, and nothing
// is logged: the wait entry already says so. Callers hold mu.
func (p *Pipeline) releaseLocked(ctx context.Context) error {
	if p.hold == nil {
		return nil
	}
	pr := p.hold.person
	d := p.evaluateLocked(pr)
	if d.Outcome == wire.Wait {
		return nil
	}
	if d.Outcome == wire.Allow {
		d.Reasons = slices.Insert(d.Reasons, 0, policy.ReasonAdmittedAfterWait)
	}
	_, err := p.commitDecisionLocked(ctx, pr, d, p.opts.OnDuty())
	return err
}

// awaitHold blocks Run while someone is held: until they are decided
// again, the guard ends the hold, HoldTimeout passes or ctx ends.
func (p *Pipeline) awaitHold(ctx context.Context) {
	p.mu.Lock()
	h := p.hold
	p.mu.Unlock()
	if h == nil {
		return
	}
	t := time.NewTimer(p.opts.HoldTimeout)
	defer t.Stop()
	beat := time.NewTicker(p.opts.BeatEvery) // a long wait is not a hang (heartbeat.go)
	defer beat.Stop()
	for {
		select {
		case <-h.done:
			return
		case <-ctx.Done():
			return
		case <-beat.C:
			p.beat()
		case <-t.C:
			p.mu.Lock()
			if p.hold == h {
				p.endHoldLocked("timed out after " + p.opts.HoldTimeout.String() + "; the lane takes the next scan")
			}
			p.mu.Unlock()
			return
		}
	}
}
