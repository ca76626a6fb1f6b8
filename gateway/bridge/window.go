package bridge

import "slices"

// The cloud acks each unit's contiguous prefix, so a live record is
// acknowledged only once its unit's backlog below it is stored. Counted in
// the backlog's window, live records sent during a drain would fill it, the
// backlog would stop, the acks with it, and the ack timeout would send
// everything again, over and over for as long as the doors are busy. So
// each lane counts its outstanding records in a window of its own, and
// only the backlog's count limits the backlog.

// lane is one lane's records published on this connection and not yet
// acknowledged, by unit.
type lane struct {
	seqs map[string][]uint64
	n    int // len of all of seqs' slices
}

func (l *lane) reset() { l.seqs, l.n = map[string][]uint64{}, 0 }

func (l *lane) add(unit string, seq uint64) {
	l.seqs[unit] = append(l.seqs[unit], seq)
	l.n++
}

// ack takes unit's seqs up to seq out of the lane.
func (l *lane) ack(unit string, seq uint64) {
	if out, ok := l.seqs[unit]; ok {
		kept := slices.DeleteFunc(out, func(q uint64) bool { return q <= seq })
		l.n -= len(out) - len(kept)
		l.seqs[unit] = kept
	}
}

func (s *sender) outstanding() int { return s.backlogOut.n + s.liveOut.n }

// room is how many more backlog records (alerts included) may go out; live
// records never take any of it.
func (s *sender) room() int { return max(window-s.backlogOut.n, 0) }

// liveRoom is the live lane's own window: a burst (a unit emptying its own
// backlog into the gateway) is bounded too.
func (s *sender) liveRoom() int { return max(window-s.liveOut.n, 0) }
