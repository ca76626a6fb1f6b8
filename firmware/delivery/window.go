package delivery

import (
	"iter"
	"maps"
	"slices"
	"time"
)

// The collector acks each unit's contiguous prefix, so a live entry is
// acknowledged only once its unit's backlog below it is stored, and so is
// a backlog alert sent ahead of the backlog cursor. Counted in the
// backlog's window, live entries sent during a drain would fill it, the
// backlog would stop, the ack with it, and the ack timeout would send
// everything again, over and over for as long as people keep arriving;
// alerts, more of them than the window holds, would keep the backlog from
// ever starting. So the entries the ack cannot reach before the backlog
// are counted apart, and only what the backlog cursor sent limits the
// backlog.

// Lane says which count a published entry goes in.
type Lane int

const (
	LiveLane    Lane = iota // live: counted apart, bounded by LiveWindow if set
	AheadLane               // backlog alerts sent ahead: counted apart, not limited
	BacklogLane             // the backlog in order: the window
)

// sent is one lane's entries published on this connection and not yet
// acknowledged, by unit.
type sent struct {
	seqs map[string][]uint64
	n    int // len of all of seqs' slices
}

func (s *sent) reset() {
	if s.seqs == nil {
		s.seqs = map[string][]uint64{}
	}
	for unit, seqs := range s.seqs {
		s.seqs[unit] = seqs[:0]
	}
	s.n = 0
}

// ack takes unit's seqs up to seq out. They need not be in order: a
// gateway stores a unit's live entries before the backlog the unit is
// still sending it.
func (s *sent) ack(unit string, seq uint64) {
	if out := s.seqs[unit]; len(out) > 0 {
		kept := slices.DeleteFunc(out, func(q uint64) bool { return q <= seq })
		s.n -= len(out) - len(kept)
		s.seqs[unit] = kept
	}
}

// Sent records unit's seq as published on this connection and not yet
// acknowledged, in lane l's count.
func (l *Lanes) Sent(unit string, seq uint64, lane Lane) {
	s := &l.liveOut
	switch lane {
	case BacklogLane:
		s = &l.backlogOut
	case AheadLane:
		s = &l.aheadOut
	}
	if s.seqs == nil {
		s.reset()
	}
	s.seqs[unit] = append(s.seqs[unit], seq)
	s.n++
}

// Outstanding is how many entries are sent and not yet acknowledged.
func (l *Lanes) Outstanding() int { return l.backlogOut.n + l.aheadOut.n + l.liveOut.n }

// Room is how many more backlog entries may go out in order: live entries
// and alerts sent ahead never take any of it.
func (l *Lanes) Room() int { return max(l.opts.Window-l.backlogOut.n, 0) }

// LiveRoom is how many more live entries may go out: the live lane's own
// window, when it has one, bounds a burst too.
func (l *Lanes) LiveRoom() int {
	if l.opts.LiveWindow == 0 {
		return int(^uint(0) >> 1)
	}
	return max(l.opts.LiveWindow-l.liveOut.n, 0)
}

// Acked is the ack applied for unit: every seq up to it is stored.
func (l *Lanes) Acked(unit string) uint64 { return l.acked[unit] }

// AckedUnits yields every unit's ack as applied.
func (l *Lanes) AckedUnits() iter.Seq2[string, uint64] { return maps.All(l.acked) }

// Ack applies unit's ack of seq at now and says whether it moved: the
// entries it covers leave every count, and the ack clock starts afresh.
// With BySeq the ack is applied only as far as everything was sent
// (SentThrough), and the cursors skip past what it covers.
func (l *Lanes) Ack(unit string, seq uint64, now time.Time) bool {
	if l.opts.BySeq {
		seq = min(seq, l.SentThrough())
	}
	if seq <= l.acked[unit] {
		return false
	}
	l.acked[unit] = seq
	l.progress, l.stalls = now, 0
	l.backlogOut.ack(unit, seq)
	l.aheadOut.ack(unit, seq)
	l.liveOut.ack(unit, seq)
	if l.opts.BySeq {
		l.Backlog = max(l.Backlog, min(seq, l.LiveFrom))
		l.AlertsAt = max(l.AlertsAt, min(seq, l.LiveFrom))
		l.Live = max(l.Live, seq)
		maps.DeleteFunc(l.ahead, func(p uint64, _ bool) bool { return p <= seq })
	}
	return true
}

// SentThrough is, with BySeq, the seq up to which every entry has been
// sent on this connection: the backlog cursor until the backlog is all
// out, then the live cursor.
func (l *Lanes) SentThrough() uint64 {
	if l.Backlog < l.LiveFrom {
		return l.Backlog
	}
	return l.Live
}

// AckDue says the other end could move its ack now. With BySeq that is
// when the entry after the ack has been sent: live entries and alerts sent
// ahead of a backlog waiting for its next paced batch cannot be
// acknowledged yet, and the ack timeout must not blame the collector for
// that. Otherwise (many units, whose seqs the positions do not follow) it
// is whenever entries are outstanding.
func (l *Lanes) AckDue() bool {
	if l.opts.BySeq {
		return l.acked[""] < l.SentThrough()
	}
	return l.Outstanding() > 0
}

// AckClock starts the ack timeout when the work since wasDue was taken
// made the ack due: it runs from the moment the other end had something
// to acknowledge.
func (l *Lanes) AckClock(wasDue bool) {
	if !wasDue && l.AckDue() {
		l.progress = time.Now()
	}
}

// AckExpired says the ack has been due and not moved for AckTimeout. The
// sender then counts the stall (Stall) and restarts its lanes.
func (l *Lanes) AckExpired(now time.Time) bool {
	return l.AckDue() && now.Sub(l.progress) >= l.AckTimeout()
}

// Stall counts an ack timeout: the next wait is twice as long.
func (l *Lanes) Stall() { l.stalls++ }

// Stalls is how many ack timeouts came in a row.
func (l *Lanes) Stalls() int { return l.stalls }

// AckTimeout is LaneOptions.AckTimeout, doubled for each timeout in a row
// up to 8 times: a collector that is down, or does not know a unit yet,
// gets the window sent again every few minutes, not every AckTimeout
// forever.
func (l *Lanes) AckTimeout() time.Duration { return l.opts.AckTimeout << min(l.stalls, 3) }

// ClockFrom sets when the ack last moved, or became due.
func (l *Lanes) ClockFrom(t time.Time) { l.progress = t }
