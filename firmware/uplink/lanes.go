package uplink

import (
	"context"
	"time"

	"github.com/kakou/kakou/firmware/delivery"
	"github.com/kakou/kakou/firmware/ledger"
	"github.com/kakou/kakou/firmware/wire"
)

// sender publishes the ledger over the current connection and applies the
// collector's acks. Only the Run goroutine touches it; it outlives a
// connection so the last ack is remembered across reconnects.
//
// Its lanes are the delivery protocol's (delivery.Lanes), walking the
// ledger's seqs, which are the seqs the collector acks (BySeq): above the
// last ack the entries fall in two lanes, split at LiveFrom, the ledger's
// last seq when the connection came up (or the sender restarted):
//   - backlog, (acked, LiveFrom]: sent with Historical set, its alerts
//     first, then the rest in seq order at BacklogRate, with at most Window
//     of the latter sent and not yet acknowledged;
//   - live, above LiveFrom: sent as soon as Notify says they are there,
//     before any backlog batch, so a live entry never queues behind an
//     outage (docs/product.md "What people complained about": backlogs that block live data for hours).
//
// What is the unit's own: reading its one ledger (PendingAlerts finds the
// alerts), marking it, and refusing an ack beyond it (ack.go).
type sender struct {
	*delivery.Lanes
	u *Uplink
	c *delivery.Link

	marked  uint64 // what the ledger was told; behind the ack until the next mark (ack.go)
	refused uint64 // an ack beyond the ledger's end, already reported
	// markAt is the earliest time of the next mark while entries are
	// outstanding: marks are coalesced (ack.go).
	markAt time.Time
	// inflight holds the publishes (entries and statuses) the broker has
	// not PUBACKed yet: the sender goes on publishing while they are
	// outstanding, up to delivery.MaxInflight, so a broker that stalls its
	// PUBACKs for seconds (a NATS node electing a stream leader) does not
	// stop live entries it already passes on to the collectors.
	inflight delivery.Inflight
	topic    topicCache
}

// unit names the one ledger in the lanes' per-unit counts and acks.
const unit = ""

func newSender(u *Uplink) *sender {
	rate := u.opts.BacklogRate
	if rate == NoRateLimit {
		rate = 0
	}
	return &sender{u: u, Lanes: delivery.NewLanes(delivery.LaneOptions{
		Window: u.opts.Window, Rate: rate, AckTimeout: u.opts.AckTimeout, BySeq: true,
	}), inflight: delivery.Inflight{Max: u.t.inflight, Timeout: u.t.puback, Prefix: "uplink"}}
}

// begin starts a connection's lanes from the last ack: everything after it
// is sent again, and a duplicate costs the idempotent collector nothing.
func (s *sender) begin(ctx context.Context, c *delivery.Link) {
	s.c = c
	s.inflight.Reset()
	s.restart(ctx)
}

// restart puts every pending entry in the backlog and starts both lanes
// over; a ledger error leaves the lanes split where they were.
func (s *sender) restart(ctx context.Context) {
	last, err := s.u.src.LastSeq(ctx)
	if err != nil {
		s.u.log.Error("uplink: read last seq", "err", err)
		last = max(s.Live, s.LiveFrom)
	}
	acked := s.Acked(unit)
	// What is in flight stays tracked: the connection still owes its
	// PUBACKs.
	s.Restart(acked, max(last, acked), time.Now())
	if s.LiveFrom > acked {
		s.u.log.Info("uplink: sending backlog", "after_seq", acked, "up_to_seq", s.LiveFrom)
	}
}

// step does what can be done now, most urgent first.
func (s *sender) step(ctx context.Context) error {
	now := time.Now()
	if err := s.inflight.Harvest(now); err != nil {
		return err
	}
	s.applyAck(ctx, now)
	if s.AckExpired(now) {
		s.u.log.Warn("uplink: the collector has not acknowledged in time; resending",
			"from_seq", s.Acked(unit)+1, "outstanding", s.Outstanding(), "waited", s.AckTimeout())
		s.Stall()
		s.restart(ctx)
	}
	defer s.AckClock(s.AckDue())
	if err := s.sendLive(ctx); err != nil {
		return err
	}
	if err := s.sendAlerts(ctx); err != nil {
		return err
	}
	return s.sendBacklog(ctx, now)
}

// due says how long the session may sleep before the sender has work of
// its own (the next backlog batch, the ack timeout, a mark); false for no
// limit.
func (s *sender) due(now time.Time) (time.Duration, bool) {
	d, ok := s.Due(now, s.markAt, s.marked < s.Acked(unit))
	if p, pok := s.inflight.Due(now); pok && (!ok || p < d) {
		return p, true
	}
	return d, ok
}

// sendLive sends every entry past the live cursor.
func (s *sender) sendLive(ctx context.Context) error {
	for {
		es, err := s.u.src.Pending(ctx, s.Live, s.u.opts.BatchSize)
		if err != nil {
			s.u.log.Error("uplink: read pending entries", "err", err)
			return nil
		}
		if len(es) == 0 {
			return nil
		}
		s.Live = es[len(es)-1].Seq
		if err := s.publish(ctx, es, delivery.LiveLane); err != nil {
			return err
		}
		if len(es) < s.u.opts.BatchSize {
			return nil
		}
	}
}

// sendAlerts sends one batch of the backlog's alerts, ahead of the backlog
// (delivery.TakeAlerts).
func (s *sender) sendAlerts(ctx context.Context) error {
	n := s.u.opts.BatchSize
	if s.AlertsDone {
		return nil
	}
	es, err := s.u.src.PendingAlerts(ctx, s.AlertsAt, n)
	if err != nil {
		s.u.log.Error("uplink: read pending alerts", "err", err)
		s.Hold(time.Now().Add(time.Second))
		return nil
	}
	es = delivery.TakeAlerts(s.Lanes, es, n, seqOf, func(*ledger.Record) bool { return true })
	return s.publish(ctx, es, delivery.AheadLane)
}

// sendBacklog sends the next backlog batch once the alerts are out, if the
// backlog's window and the rate allow, skipping the alerts already sent.
func (s *sender) sendBacklog(ctx context.Context, now time.Time) error {
	n := min(s.Room(), s.u.opts.BatchSize)
	if !s.AlertsDone || s.Backlog >= s.LiveFrom || n == 0 || !s.BatchReady(now) {
		return nil
	}
	es, err := s.u.src.Pending(ctx, s.Backlog, n)
	if err != nil {
		s.u.log.Error("uplink: read pending entries", "err", err)
		s.Hold(now.Add(time.Second))
		return nil
	}
	es, last := delivery.TakeBacklog(s.Lanes, es, n, now, seqOf)
	if last {
		s.u.log.Info("uplink: backlog sent", "up_to_seq", s.LiveFrom)
	}
	return s.publish(ctx, es, delivery.BacklogLane)
}

// seqOf is a ledger record's position in the lanes: its seq.
func seqOf(r *ledger.Record) uint64 { return r.Seq }

// publish sends es without waiting for the broker's PUBACKs: they are
// tracked in inflight, which makes the sender wait only once
// delivery.MaxInflight are outstanding. They prove nothing about the
// collector, so nothing is marked delivered here (doc.go). Backlog entries carry Historical in the payload
// only; the ledger's copy stays as it was logged.
func (s *sender) publish(ctx context.Context, es []ledger.Record, l delivery.Lane) error {
	if len(es) == 0 {
		return nil
	}
	historical := l != delivery.LiveLane
	for i := range es {
		r := &es[i]
		if err := s.inflight.Room(ctx, s.c); err != nil {
			return err
		}
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
		s.inflight.Add(tok, r.Seq, time.Now())
		s.Sent(unit, r.Seq, l)
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
