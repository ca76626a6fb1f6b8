package bridge

import "slices"

// The cloud acks each unit's contiguous prefix, so a live record is
// acknowledged only once its unit's backlog below it is stored, and so is
// a backlog alert sent ahead of the backlog cursor. Counted in the
// backlog's window, live records sent during a drain would fill it, the
// backlog would stop, the acks with it, and the ack timeout would send
// everything again, over and over for as long as the doors are busy;
// alerts, more of them than the window holds, would keep the backlog from
// ever starting. So the records the acks cannot reach before the backlog
// are counted apart, and only what the backlog cursor sent limits the
// backlog.

// lane says which count a published record goes in.
type lane int

const (
	liveLane    lane = iota // live: a window of its own
	alertLane               // backlog alerts sent ahead: counted apart, not limited
	backlogLane             // the backlog in Row order: the window
)

// sentSeqs are one lane's records published on this connection and not yet
// acknowledged, by unit.
type sentSeqs struct {
	seqs map[string][]uint64
	n    int // len of all of seqs' slices
}

func (l *sentSeqs) reset() { l.seqs, l.n = map[string][]uint64{}, 0 }

func (l *sentSeqs) add(unit string, seq uint64) {
	l.seqs[unit] = append(l.seqs[unit], seq)
	l.n++
}

// ack takes unit's seqs up to seq out.
func (l *sentSeqs) ack(unit string, seq uint64) {
	if out, ok := l.seqs[unit]; ok {
		kept := slices.DeleteFunc(out, func(q uint64) bool { return q <= seq })
		l.n -= len(out) - len(kept)
		l.seqs[unit] = kept
	}
}

// sent records a published record in its lane's count.
func (s *sender) sent(unit string, seq uint64, l lane) {
	switch l {
	case backlogLane:
		s.backlogOut.add(unit, seq)
	case alertLane:
		s.aheadOut.add(unit, seq)
	default:
		s.liveOut.add(unit, seq)
	}
}

// ackedUpTo takes unit's seqs up to seq out of every count.
func (s *sender) ackedUpTo(unit string, seq uint64) {
	s.backlogOut.ack(unit, seq)
	s.aheadOut.ack(unit, seq)
	s.liveOut.ack(unit, seq)
}

func (s *sender) outstanding() int { return s.backlogOut.n + s.aheadOut.n + s.liveOut.n }

// room is how many more backlog records may go out in Row order: live
// records and alerts sent ahead never take any of it.
func (s *sender) room() int { return max(window-s.backlogOut.n, 0) }

// liveRoom is the live lane's own window: a burst (a unit emptying its own
// backlog into the gateway) is bounded too.
func (s *sender) liveRoom() int { return max(window-s.liveOut.n, 0) }
