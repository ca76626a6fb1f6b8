package delivery

import (
	"cmp"
	"maps"
	"slices"
	"time"
)

// Lanes is a sender's bookkeeping: where its lanes stand, what it has sent
// and not yet seen acknowledged, what has been acknowledged, when the ack
// is overdue and when the next backlog batch may go. Reading the entries,
// publishing them and telling the store what was acknowledged stay with the
// sender (the unit's uplink, the gateway's bridge); only the sender's
// goroutine touches its Lanes, which outlive a connection so the acks
// applied are remembered.
//
// The lanes walk positions: the order in which the sender's store hands
// out its entries (a ledger's seq, a gateway store's row). Above the split,
// LiveFrom, fixed when a connection comes up or the lanes restart, entries
// are live and go as soon as they are there; at or below it they are the
// backlog, its alerts first (sent ahead of the backlog cursor), then the
// rest in order, at most Window of them outstanding, spaced at Rate.
//
// The acks count each unit's seqs, a contiguous prefix. With BySeq the
// positions are those seqs (one ledger, one unit, named ""), so an ack
// also moves the cursors and is applied only as far as everything has been
// sent (SentThrough).
type Lanes struct {
	opts LaneOptions

	// The cursors, positions: what is at or below one has been sent on
	// this connection, or skipped.
	LiveFrom   uint64 // the split: backlog at or below, live above
	Live       uint64 // the live lane's cursor
	Backlog    uint64 // the backlog's cursor
	AlertsAt   uint64 // the cursor of the backlog's alerts, sent ahead
	AlertsDone bool   // every backlog alert is sent

	ahead map[uint64]bool   // backlog alerts sent before the backlog cursor got there
	acked map[string]uint64 // the ack per unit as applied: every seq <= it is stored

	backlogOut, aheadOut, liveOut sent // window.go
	progress                      time.Time
	stalls                        int       // ack timeouts in a row, without progress between
	nextBatch                     time.Time // the next backlog batch may go then
}

// LaneOptions are what tells one sender's lanes from another's.
type LaneOptions struct {
	Window     int // backlog entries sent in order and not yet acknowledged
	LiveWindow int // live entries likewise; 0 leaves the live lane unbounded
	// Rate spaces the backlog's batches at this many entries a second; 0
	// leaves it unpaced (bounded by the window alone).
	Rate int
	// AckTimeout is how long the ack may stay put while it is due before
	// the lanes start again from it; it doubles while the other end stays
	// silent (AckTimeout method).
	AckTimeout time.Duration
	// BySeq says the positions are the seqs the ack counts: one ledger
	// sends, its unit named "" (see Lanes).
	BySeq bool
}

// NewLanes returns lanes that have acknowledged nothing; Restart starts
// them on a connection.
func NewLanes(o LaneOptions) *Lanes {
	return &Lanes{opts: o, ahead: map[uint64]bool{}, acked: map[string]uint64{}}
}

// Restart starts both lanes over: the backlog from start, the split at
// split, nothing outstanding. Everything after the last ack is sent again
// on a new connection or after an ack timeout, and a duplicate costs an
// idempotent collector nothing.
func (l *Lanes) Restart(start, split uint64, now time.Time) {
	l.LiveFrom, l.Live = split, split
	l.Backlog, l.AlertsAt, l.AlertsDone = start, start, false
	clear(l.ahead)
	l.backlogOut.reset()
	l.aheadOut.reset()
	l.liveOut.reset()
	l.progress, l.nextBatch = now, now
}

// BacklogWork says the backlog lanes have more to send: alerts to look
// for, or backlog entries the window has room for.
func (l *Lanes) BacklogWork() bool {
	return !l.AlertsDone || l.Room() > 0 && l.Backlog < l.LiveFrom
}

// BatchReady says the next backlog batch may go at now (Rate, Hold).
func (l *Lanes) BatchReady(now time.Time) bool { return !now.Before(l.nextBatch) }

// Hold keeps the next backlog batch back until then: a store that failed
// is tried again then, not in a busy loop.
func (l *Lanes) Hold(until time.Time) { l.nextBatch = until }

// Due says how long the sender may sleep before its lanes have work of
// their own (the ack timeout, the next backlog batch) or, when marking,
// before mark, when the sender tells its store of the acks; false for no
// limit.
func (l *Lanes) Due(now time.Time, mark time.Time, marking bool) (time.Duration, bool) {
	var d time.Duration
	ok := false
	sooner := func(t time.Time) {
		if u := t.Sub(now); !ok || u < d {
			d, ok = u, true
		}
	}
	if l.AckDue() {
		sooner(l.progress.Add(l.AckTimeout()))
	}
	if l.BacklogWork() {
		sooner(l.nextBatch)
	}
	if marking {
		sooner(mark)
	}
	return max(d, 0), ok
}

// cut keeps the entries of rs (read after a cursor, asked of them at most)
// that are in the backlog, and says whether the backlog goes on after them.
func cut[R any](l *Lanes, rs []R, asked int, pos func(*R) uint64) ([]R, bool) {
	i, _ := slices.BinarySearchFunc(rs, l.LiveFrom+1, func(r R, p uint64) int {
		return cmp.Compare(pos(&r), p)
	})
	return rs[:i], i == len(rs) && len(rs) == asked
}

// TakeAlerts takes entries read after AlertsAt, asked of them at most, and
// returns the backlog's alerts among them, to be sent ahead of the backlog
// cursor; the cursor moves past them. They are not held to the window: the
// ack reaches them only once the backlog has caught up with them, and with
// more alerts than the window holds the backlog would never start.
func TakeAlerts[R any](l *Lanes, rs []R, asked int, pos func(*R) uint64, alert func(*R) bool) []R {
	rs, more := cut(l, rs, asked, pos)
	l.AlertsDone = !more
	if len(rs) == 0 {
		return nil
	}
	l.AlertsAt = pos(&rs[len(rs)-1])
	send := slices.DeleteFunc(rs, func(r R) bool { return !alert(&r) })
	for i := range send {
		l.ahead[pos(&send[i])] = true
	}
	return send
}

// TakeBacklog takes a batch read after the backlog cursor, asked of them
// at most, moves the cursor past it and paces the next batch; it returns
// the entries to send, the alerts already sent ahead left out, and whether
// that was the backlog's last batch.
func TakeBacklog[R any](l *Lanes, rs []R, asked int, now time.Time, pos func(*R) uint64) (send []R, last bool) {
	rs, more := cut(l, rs, asked, pos)
	l.Backlog = l.LiveFrom
	if more {
		l.Backlog = pos(&rs[len(rs)-1])
	}
	l.pace(now, len(rs))
	send = slices.DeleteFunc(rs, func(r R) bool { return l.ahead[pos(&r)] })
	maps.DeleteFunc(l.ahead, func(p uint64, _ bool) bool { return p <= l.Backlog })
	return send, !more
}

// pace spaces backlog batches at Rate. A batch sent late by less than a
// batch's spacing (a busy Pi, a slow read, the timer's own lateness) keeps
// the schedule, or the lateness of every batch would add up and the drain
// fall short of its rate; one sent later than that starts the clock
// afresh, so idle time never builds up more than one batch.
func (l *Lanes) pace(now time.Time, n int) {
	if l.opts.Rate <= 0 {
		return
	}
	spacing := time.Duration(n) * (time.Second / time.Duration(l.opts.Rate))
	l.nextBatch = later(l.nextBatch, now.Add(-spacing)).Add(spacing)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
