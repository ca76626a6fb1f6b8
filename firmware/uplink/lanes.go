package uplink

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/delivery"
	"github.com/kakou/kakou/firmware/ledger"
	"github.com/kakou/kakou/firmware/wire"
)

// sender publishes the ledger over the current connection and applies the
// collector's acks. Only the Run goroutine touches it; it outlives a
// connection so the last ack is remembered across reconnects.
//
// Above the last ack the entries fall in two lanes, split at liveFrom, the
// ledger's last seq when the connection came up (or the sender restarted):
//   - backlog, (acked, liveFrom]: sent with Historical set, its alerts
//     first, then the rest in seq order at BacklogRate, with at most Window
//     of the latter sent and not yet acknowledged;
//   - live, above liveFrom: sent as soon as Notify says they are there,
//     before any backlog batch, so a live entry never queues behind an
//     outage (docs/product.md "What people complained about": backlogs that block live data for hours).
//
// Live entries and the alerts sent ahead are counted apart from the
// backlog's window (window.go): they wait for their ack behind the backlog,
// so in its window they would take its room and stop the drain that would
// free them.
type sender struct {
	u *Uplink
	c *delivery.Link

	acked   uint64 // the collector's ack as applied: every seq <= acked is stored
	marked  uint64 // what the ledger was told; behind acked until the next mark (ack.go)
	refused uint64 // an ack beyond the ledger's end, already reported
	// markAt is the earliest time of the next mark while entries are
	// outstanding: marks are coalesced (ack.go).
	markAt time.Time

	liveFrom   uint64
	live       uint64          // live cursor: highest live seq sent
	backlog    uint64          // backlog cursor: seqs up to it are sent or skipped
	alertsAt   uint64          // alert cursor within the backlog
	alertsDone bool            // every backlog alert is sent
	ahead      map[uint64]bool // backlog alerts sent before the backlog cursor got there
	// backlogOut holds the seqs the backlog cursor sent on this connection
	// and not yet acknowledged: the window. aheadOut holds the backlog's
	// alerts sent ahead of it, liveOut the live lane's, each ascending;
	// no window bounds them.
	backlogOut []uint64
	aheadOut   []uint64
	liveOut    []uint64
	// unacked holds the PUBACK tokens of the last publish round, awaited at
	// the start of the next one, so the broker works on one round while
	// the sender reads and encodes the next.
	unacked   []seqToken
	progress  time.Time // the ack last moved, or became due (window.go)
	stalls    int       // ack timeouts in a row, without progress between
	nextBatch time.Time // the next backlog batch may go then (BacklogRate)
	topic     topicCache
}

// begin starts a connection's lanes from the last ack: everything after it
// is sent again, and a duplicate costs the idempotent collector nothing.
func (s *sender) begin(ctx context.Context, c *delivery.Link) {
	s.c = c
	s.restart(ctx)
}

// restart puts every pending entry in the backlog and starts both lanes
// over; a ledger error leaves the lanes split where they were.
func (s *sender) restart(ctx context.Context) {
	last, err := s.u.src.LastSeq(ctx)
	if err != nil {
		s.u.log.Error("uplink: read last seq", "err", err)
		last = max(s.live, s.liveFrom)
	}
	s.liveFrom = max(last, s.acked)
	s.live = s.liveFrom
	s.backlog, s.alertsAt, s.alertsDone = s.acked, s.acked, false
	s.ahead = map[uint64]bool{}
	s.backlogOut, s.aheadOut, s.liveOut = s.backlogOut[:0], s.aheadOut[:0], s.liveOut[:0]
	s.unacked = s.unacked[:0]
	now := time.Now()
	s.progress, s.nextBatch = now, now
	if s.liveFrom > s.acked {
		s.u.log.Info("uplink: sending backlog", "after_seq", s.acked, "up_to_seq", s.liveFrom)
	}
}

// step does what can be done now, most urgent first.
func (s *sender) step(ctx context.Context) error {
	now := time.Now()
	s.applyAck(ctx, now)
	if s.ackDue() && now.Sub(s.progress) >= s.ackTimeout() {
		s.u.log.Warn("uplink: the collector has not acknowledged in time; resending",
			"from_seq", s.acked+1, "outstanding", s.outstanding(), "waited", s.ackTimeout())
		s.stalls++
		s.restart(ctx)
	}
	defer s.startAckClock(s.ackDue())
	if err := s.sendLive(ctx); err != nil {
		return err
	}
	if err := s.sendAlerts(ctx); err != nil {
		return err
	}
	return s.sendBacklog(ctx, now)
}

// due says how long the session may sleep before the sender has work of
// its own (the next backlog batch, or the ack timeout); false for no limit.
func (s *sender) due(now time.Time) (time.Duration, bool) {
	var d time.Duration
	ok := false
	if s.ackDue() {
		d, ok = s.progress.Add(s.ackTimeout()).Sub(now), true
	}
	if !s.alertsDone || s.room() > 0 && s.backlog < s.liveFrom {
		if b := s.nextBatch.Sub(now); !ok || b < d {
			d, ok = b, true
		}
	}
	if s.marked < s.acked {
		if m := s.markAt.Sub(now); !ok || m < d {
			d, ok = m, true
		}
	}
	return max(d, 0), ok
}

// sendLive sends every entry past the live cursor.
func (s *sender) sendLive(ctx context.Context) error {
	for {
		es, err := s.u.src.Pending(ctx, s.live, s.u.opts.BatchSize)
		if err != nil {
			s.u.log.Error("uplink: read pending entries", "err", err)
			return nil
		}
		if len(es) == 0 {
			return nil
		}
		s.live = es[len(es)-1].Seq
		if err := s.publish(ctx, es, liveLane); err != nil {
			return err
		}
		if len(es) < s.u.opts.BatchSize {
			return nil
		}
	}
}

// sendAlerts sends one batch of the backlog's alerts. They are not held to
// the backlog's window: sent ahead of the backlog cursor, they can be
// acknowledged only once the backlog has caught up with them, and with
// more alerts than the window holds the backlog would never start.
func (s *sender) sendAlerts(ctx context.Context) error {
	n := s.u.opts.BatchSize
	if s.alertsDone {
		return nil
	}
	es, err := s.u.src.PendingAlerts(ctx, s.alertsAt, n)
	if err != nil {
		s.u.log.Error("uplink: read pending alerts", "err", err)
		s.nextBatch = time.Now().Add(time.Second)
		return nil
	}
	es, more := s.inBacklog(es, n)
	s.alertsDone = !more
	if len(es) == 0 {
		return nil
	}
	s.alertsAt = es[len(es)-1].Seq
	for _, e := range es {
		s.ahead[e.Seq] = true
	}
	return s.publish(ctx, es, alertLane)
}

// sendBacklog sends the next backlog batch once the alerts are out, if the
// backlog's window and the rate allow, skipping the alerts already sent.
func (s *sender) sendBacklog(ctx context.Context, now time.Time) error {
	n := min(s.room(), s.u.opts.BatchSize)
	if !s.alertsDone || s.backlog >= s.liveFrom || n == 0 || now.Before(s.nextBatch) {
		return nil
	}
	es, err := s.u.src.Pending(ctx, s.backlog, n)
	if err != nil {
		s.u.log.Error("uplink: read pending entries", "err", err)
		s.nextBatch = now.Add(time.Second)
		return nil
	}
	es, more := s.inBacklog(es, n)
	s.backlog = s.liveFrom
	if more {
		s.backlog = es[len(es)-1].Seq
	} else {
		s.u.log.Info("uplink: backlog sent", "up_to_seq", s.liveFrom)
	}
	s.pace(now, len(es))
	send := slices.DeleteFunc(es, func(r ledger.Record) bool { return s.ahead[r.Seq] })
	maps.DeleteFunc(s.ahead, func(seq uint64, _ bool) bool { return seq <= s.backlog })
	if len(send) == 0 {
		return nil
	}
	return s.publish(ctx, send, backlogLane)
}

// inBacklog keeps the entries of es (asked for up to asked of them) that
// belong to the backlog, and reports whether the backlog may go on after
// them.
func (s *sender) inBacklog(es []ledger.Record, asked int) ([]ledger.Record, bool) {
	i, _ := slices.BinarySearchFunc(es, s.liveFrom+1, func(r ledger.Record, seq uint64) int {
		return cmp.Compare(r.Seq, seq)
	})
	return es[:i], i == len(es) && len(es) == asked
}

// pace spaces backlog batches at BacklogRate. A batch sent late by less
// than a batch's spacing (a busy Pi, a slow ledger read, the timer's own
// lateness) keeps the schedule, or the lateness of every batch would add
// up and the drain fall short of its rate; one sent later than that starts
// the clock afresh, so idle time never builds up more than one batch.
func (s *sender) pace(now time.Time, n int) {
	if s.u.opts.BacklogRate == NoRateLimit {
		return
	}
	per := time.Second / time.Duration(s.u.opts.BacklogRate)
	spacing := time.Duration(n) * per
	s.nextBatch = later(s.nextBatch, now.Add(-spacing)).Add(spacing)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// publish sends es and waits for the broker's PUBACKs, which pace the
// broker; they prove nothing about the collector, so nothing is marked
// delivered here (doc.go). Backlog entries carry Historical in the payload
// only; the ledger's copy stays as it was logged.
func (s *sender) publish(ctx context.Context, es []ledger.Record, l lane) error {
	historical := l != liveLane
	if err := s.settle(ctx); err != nil {
		return err
	}
	for i := range es {
		r := &es[i]
		body, err := payload(r, historical)
		if err != nil {
			// Sent as stored all the same: holding it back would not let
			// the ack get past it either, and the collector logs what it
			// refused.
			s.u.log.Error("uplink: stored entry is not a valid entry; sent as stored",
				"seq", r.Seq, "err", err)
			body = r.Body
		}
		// The topic names the unit the entry says it came from, so topic
		// and payload always agree, even for entries a unit logged before
		// it was renamed.
		tok := s.c.Publish(s.topic.entry(r.Site, r.Unit), wire.QoSEntry, false, body)
		s.unacked = append(s.unacked, seqToken{r.Seq, tok})
		s.sent(r.Seq, l)
	}
	return nil
}

// topicCache remembers the last entry topic, which every entry of a unit
// that was never renamed shares, so it is not built once per entry.
type topicCache struct{ site, unit, topic string }

func (c *topicCache) entry(site, unit string) string {
	if c.topic == "" || site != c.site || unit != c.unit {
		*c = topicCache{site, unit, wire.EntryTopic(site, unit)}
	}
	return c.topic
}

// seqToken is a published entry waiting for the broker's PUBACK.
type seqToken struct {
	seq uint64
	tok mqtt.Token
}

// settle waits for the PUBACKs of the previous publish round, which paces
// the sender to the broker; one shared deadline covers the round.
func (s *sender) settle(ctx context.Context) error {
	if len(s.unacked) == 0 {
		return nil
	}
	deadline := time.NewTimer(s.u.t.puback)
	defer deadline.Stop()
	for _, st := range s.unacked {
		if err := s.c.Await(ctx, st.tok, deadline.C); err != nil {
			return fmt.Errorf("uplink: publish seq %d: %w", st.seq, err)
		}
	}
	s.unacked = s.unacked[:0]
	return nil
}
