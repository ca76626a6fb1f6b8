package bridge

import (
	"context"
	"time"

	"github.com/kakou/kakou/firmware/delivery"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/gateway/store"
)

// sender publishes the store's pending records over the current connection
// and applies the cloud's acks. Only the Run goroutine touches it; it
// outlives connections so the acks already applied are remembered.
//
// Its lanes are the delivery protocol's (delivery.Lanes), walking the
// store's Rows, each unit's ack counted apart; pending records fall in two
// lanes, split at LiveFrom, the highest pending Row when the connection
// came up (or the lanes restarted):
//   - backlog, Row <= LiveFrom: sent with "historical":true, alerts first,
//     then the rest in Row order, at most window of the latter outstanding,
//     not paced;
//   - live, Row > LiveFrom: sent as soon as an Offer (or the poll) says
//     they are there, before any backlog batch, at most window of its
//     records outstanding.
//
// Both lanes read the store, not the offers, so a record is in exactly one
// of them whatever order storing, offering and connecting happen in. What
// is the bridge's own: reading the store (a scan finds the alerts, a
// gallop its end), marking it per unit (ack.go), and the offers.
type sender struct {
	*delivery.Lanes
	b *Bridge
	c *delivery.Link

	marked map[string]uint64 // what the outbox was told; behind the acks until the next mark
	markAt time.Time         // next mark while records are outstanding (ack.go)

	livePoll bool // read the live lane even without a new offer
	// inflight holds the publishes the broker has not PUBACKed yet: the
	// bridge goes on publishing while they are outstanding, up to
	// delivery.MaxInflight, so a broker stalling its PUBACKs for seconds
	// does not stop live records it already passes on.
	inflight delivery.Inflight
	topic    topicCache
}

func newSender(b *Bridge) *sender {
	return &sender{b: b, marked: map[string]uint64{}, Lanes: delivery.NewLanes(delivery.LaneOptions{
		Window: window, LiveWindow: window, AckTimeout: b.opts.AckTimeout,
	}), inflight: delivery.Inflight{Max: delivery.MaxInflight, Timeout: b.t.puback, Prefix: "bridge"}}
}

// begin starts a connection's lanes from the store, which holds only what
// the cloud has not acknowledged: everything the cloud may have missed is
// sent again, and a duplicate costs the idempotent collector nothing.
func (s *sender) begin(ctx context.Context, c *delivery.Link) {
	s.c = c
	s.inflight.Reset()
	s.restart(ctx)
}

// restart puts every pending record in the backlog and starts both lanes
// over; a store error leaves the split where it was.
func (s *sender) restart(ctx context.Context) {
	last, err := lastPendingRow(ctx, s.b.opts.Outbox)
	if err != nil && ctx.Err() == nil {
		s.b.log.Error("bridge: find the end of the backlog", "err", err)
	}
	s.Restart(0, max(uint64(last), s.Live, s.LiveFrom), time.Now())
	s.livePoll = true // what is in flight stays tracked: the connection owes its PUBACKs
	if last > 0 {
		s.b.log.Info("bridge: sending backlog", "up_to_row", s.LiveFrom)
	}
}

// step does what can be done now, most urgent first.
func (s *sender) step(ctx context.Context) error {
	now := time.Now()
	if err := s.inflight.Harvest(now); err != nil {
		return err
	}
	s.applyAcks(ctx, now)
	if s.AckExpired(now) {
		s.b.log.Warn("bridge: the cloud has not acknowledged in time; resending",
			"outstanding", s.Outstanding(), "waited", s.AckTimeout())
		s.Stall()
		s.restart(ctx)
	}
	if err := s.sendLive(ctx); err != nil {
		return err
	}
	if err := s.sendAlerts(ctx); err != nil {
		return err
	}
	return s.sendBacklog(ctx)
}

// due says how long the session may sleep before the sender has work of
// its own (the ack timeout, a mark, more backlog); false for no limit.
func (s *sender) due(now time.Time) (time.Duration, bool) {
	d, ok := s.Due(now, s.markAt, s.behind())
	if p, pok := s.inflight.Due(now); pok && (!ok || p < d) {
		return p, true
	}
	return d, ok
}

// storePause is how long the backlog waits after a failed store read.
const storePause = time.Second

// storeFailed logs a failed store read, unless the session is ending
// anyway, and holds the backlog lanes back.
func (s *sender) storeFailed(ctx context.Context, what string, err error) {
	s.Hold(time.Now().Add(storePause))
	if ctx.Err() == nil {
		s.b.log.Error("bridge: "+what, "err", err)
	}
}

// sendLive sends every record past the live cursor. It reads the store
// only when an offer or the poll says there may be something to read.
// Live records have a window of their own beside the backlog's, so a full
// backlog window never holds them up, nor they the backlog.
func (s *sender) sendLive(ctx context.Context) error {
	for s.livePoll || s.b.offered.Load() > int64(s.Live) {
		n := min(s.LiveRoom(), batchSize)
		if n <= 0 {
			return nil // the next ack wakes the session
		}
		rs, err := s.b.opts.Outbox.Pending(ctx, int64(s.Live), n)
		if err != nil {
			s.storeFailed(ctx, "read pending records", err)
			return nil
		}
		if len(rs) < n {
			s.livePoll = false
		}
		if len(rs) == 0 {
			return nil
		}
		s.Live = uint64(rs[len(rs)-1].Row)
		if err := s.publish(ctx, rs, delivery.LiveLane); err != nil {
			return err
		}
	}
	return nil
}

// sendAlerts looks through one page of the backlog for alerts and sends
// them ahead of the backlog (delivery.TakeAlerts). Reading the backlog
// twice is the price of alerts first without an index the outbox does not
// offer.
func (s *sender) sendAlerts(ctx context.Context) error {
	if s.AlertsDone || !s.BatchReady(time.Now()) {
		return nil
	}
	rs, err := s.b.opts.Outbox.Pending(ctx, int64(s.AlertsAt), scanBatch)
	if err != nil {
		s.storeFailed(ctx, "read pending records for alerts", err)
		return nil
	}
	rs = delivery.TakeAlerts(s.Lanes, rs, scanBatch, rowOf, func(r *store.Record) bool { return r.Alert != "" })
	return s.publish(ctx, rs, delivery.AheadLane)
}

// sendBacklog sends the next backlog batch once the alerts are out, if the
// window allows, skipping the alerts already sent.
func (s *sender) sendBacklog(ctx context.Context) error {
	n := min(s.Room(), batchSize)
	now := time.Now()
	if !s.AlertsDone || s.Backlog >= s.LiveFrom || n == 0 || !s.BatchReady(now) {
		return nil
	}
	rs, err := s.b.opts.Outbox.Pending(ctx, int64(s.Backlog), n)
	if err != nil {
		s.storeFailed(ctx, "read pending records", err)
		return nil
	}
	rs, last := delivery.TakeBacklog(s.Lanes, rs, n, now, rowOf)
	if last {
		s.b.log.Info("bridge: backlog sent", "up_to_row", s.LiveFrom)
	}
	return s.publish(ctx, rs, delivery.BacklogLane)
}

// rowOf is a stored record's position in the lanes: its Row, which is
// positive.
func rowOf(r *store.Record) uint64 { return uint64(r.Row) }

// publish sends rs without waiting for the broker's PUBACKs: inflight
// tracks them and makes the bridge wait only once delivery.MaxInflight
// are outstanding. They prove nothing about the collector,
// so nothing is marked here; only the cloud's ack does that (ack.go).
func (s *sender) publish(ctx context.Context, rs []store.Record, l delivery.Lane) error {
	if len(rs) == 0 {
		return nil
	}
	defer s.AckClock(s.AckDue()) // the ack timeout runs from now
	for i := range rs {
		r := &rs[i]
		if r.Seq <= s.Acked(r.Unit) {
			continue // acknowledged while the store had not been told yet
		}
		if err := s.inflight.Room(ctx, s.c); err != nil {
			return err
		}
		body, err := payload(r.Body, l != delivery.LiveLane)
		if err != nil {
			// Sent as stored all the same: holding it back would not let the
			// cloud's ack get past it either, and the collector logs what it
			// refused.
			s.b.log.Error("bridge: stored entry is not a valid entry; sent as stored",
				"unit", r.Unit, "seq", r.Seq, "err", err)
			body = r.Body
		}
		tok := s.c.Publish(s.topic.entry(r.Site, r.Unit), wire.QoSEntry, false, body)
		s.inflight.Add(tok, r.Seq, time.Now())
		s.Sent(r.Unit, r.Seq, l)
	}
	return nil
}

// topicCache remembers the last entry topic, which a run of one unit's
// records shares, so it is not built once per record.
type topicCache struct{ site, unit, topic string }

func (c *topicCache) entry(site, unit string) string {
	if c.topic == "" || site != c.site || unit != c.unit {
		*c = topicCache{site, unit, wire.EntryTopic(site, unit)}
	}
	return c.topic
}

// lastPendingRow finds the highest Row the outbox holds unacknowledged
// using Pending alone: it gallops forward from the first pending row, then
// bisects, some 2·log2(rows) reads of one record each, where reading the
// backlog through would cost every body. Rows stored meanwhile may or may
// not count; either way each pending row is in exactly one lane.
func lastPendingRow(ctx context.Context, o Outbox) (int64, error) {
	next := func(after int64) (int64, bool, error) {
		rs, err := o.Pending(ctx, after, 1)
		if err != nil || len(rs) == 0 {
			return 0, false, err
		}
		return rs[0].Row, true, nil
	}
	lo, ok, err := next(0)
	if err != nil || !ok {
		return 0, err
	}
	hi := int64(0) // once set, nothing is pending after hi
	for step := int64(1024); hi == 0; step = min(2*step, 1<<40) {
		r, ok, err := next(lo + step)
		if err != nil {
			return 0, err
		}
		if ok {
			lo = r
		} else {
			hi = lo + step
		}
	}
	for lo < hi { // lo is a pending row; nothing is pending after hi
		mid := lo + (hi-lo)/2
		r, ok, err := next(mid)
		if err != nil {
			return 0, err
		}
		if ok {
			lo = r
		} else {
			hi = mid
		}
	}
	return lo, nil
}
