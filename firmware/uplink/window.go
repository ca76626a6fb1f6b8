package uplink

import (
	"slices"
	"time"
)

// The collector acks a contiguous prefix, so a live entry is acknowledged
// only once the whole backlog below it is stored, and so is a backlog
// alert sent ahead of the backlog cursor. Counted in the backlog's window,
// live entries sent during a drain would fill it, the backlog would stop,
// the ack with it, and the ack timeout would send everything again, over
// and over for as long as people keep arriving; alerts, more of them than
// the window holds, would keep the backlog from ever starting. So the
// entries the ack cannot reach before the backlog are counted apart, and
// only what the backlog cursor sent limits the backlog.

// lane says which count a published entry goes in.
type lane int

const (
	liveLane    lane = iota // live: counted apart, not limited
	alertLane               // backlog alerts sent ahead: counted apart, not limited
	backlogLane             // the backlog in seq order: the window
)

// sent records seq as published on this connection and not yet
// acknowledged.
func (s *sender) sent(seq uint64, l lane) {
	switch l {
	case backlogLane:
		s.backlogOut = append(s.backlogOut, seq)
	case alertLane:
		s.aheadOut = append(s.aheadOut, seq)
	default:
		s.liveOut = append(s.liveOut, seq)
	}
}

// acknowledged takes the seqs up to a out of every count.
func (s *sender) acknowledged(a uint64) {
	s.backlogOut = slices.DeleteFunc(s.backlogOut, func(seq uint64) bool { return seq <= a })
	s.aheadOut = after(s.aheadOut, a)
	s.liveOut = after(s.liveOut, a)
}

// after is the part of the ascending seqs above a.
func after(seqs []uint64, a uint64) []uint64 {
	i, _ := slices.BinarySearch(seqs, a+1)
	return seqs[i:]
}

func (s *sender) outstanding() int { return len(s.backlogOut) + len(s.aheadOut) + len(s.liveOut) }

// room is how many more backlog entries may go out in seq order: live
// entries and alerts sent ahead never take any of it.
func (s *sender) room() int { return max(s.u.opts.Window-len(s.backlogOut), 0) }

// ackDue says the collector could move its ack now: the entry after it has
// been sent on this connection. Live entries and alerts sent ahead of a
// backlog that is still waiting for its next batch (BacklogRate) cannot be
// acknowledged yet, and the ack timeout must not blame the collector for
// that: it runs only while the ack is due.
func (s *sender) ackDue() bool { return s.acked < s.sentThrough() }

// sentThrough is the seq up to which every entry has been sent on this
// connection: the backlog cursor until the backlog is all out, then the
// live cursor.
func (s *sender) sentThrough() uint64 {
	if s.backlog < s.liveFrom {
		return s.backlog
	}
	return s.live
}

// startAckClock starts the ack timeout when a step made the ack due: it
// runs from the moment the collector had something to acknowledge.
func (s *sender) startAckClock(wasDue bool) {
	if !wasDue && s.ackDue() {
		s.progress = time.Now()
	}
}

// ackTimeout is AckTimeout, doubled for each timeout in a row up to 8
// times: a collector that is down, or does not know the unit yet (see the
// cloud's store.Watermark), gets the window re-sent every few minutes,
// not every AckTimeout forever.
func (s *sender) ackTimeout() time.Duration {
	return s.u.opts.AckTimeout << min(s.stalls, 3)
}
