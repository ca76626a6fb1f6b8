package bridge

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/delivery"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/gateway/store"
)

// sender publishes the store's pending records over the current connection
// and applies the cloud's acks. Only the Run goroutine touches it; it
// outlives connections so the acks already applied are remembered.
//
// Pending records fall in two lanes, split at liveFrom, the highest pending
// Row when the connection came up (or the lanes restarted):
//   - backlog, Row <= liveFrom: sent with "historical":true, alerts first,
//     then the rest in Row order, at most window of the latter outstanding;
//   - live, Row > liveFrom: sent as soon as an Offer (or the poll) says
//     they are there, before any backlog batch, at most window of its
//     records outstanding.
//
// Live records and the alerts sent ahead are counted apart from the
// backlog's window (window.go).
//
// Both lanes read the store, not the offers, so a record is in exactly one
// of them whatever order storing, offering and connecting happen in.
type sender struct {
	b *Bridge
	c *delivery.Link

	acked  map[string]uint64 // the cloud's ack per unit as applied here
	marked map[string]uint64 // what the outbox was told; behind acked until the next mark
	markAt time.Time         // next mark while records are outstanding (ack.go)

	liveFrom   int64
	live       int64          // live cursor: highest live Row read
	livePoll   bool           // read the live lane even without a new offer
	backlog    int64          // backlog cursor: Rows up to it are sent or skipped
	alertsAt   int64          // alert cursor within the backlog
	alertsDone bool           // every backlog alert is sent
	ahead      map[int64]bool // backlog alerts sent before the backlog cursor got there

	backlogOut sentSeqs     // backlog records sent in Row order on this connection, not yet acked
	aheadOut   sentSeqs     // backlog alerts sent ahead likewise
	liveOut    sentSeqs     // live records likewise
	unacked    []mqtt.Token // PUBACKs of the last publish round, awaited at the next
	progress   time.Time    // the ack last moved, or records became outstanding
	stalls     int          // ack timeouts in a row without progress
	// pausedUntil holds the backlog lanes back after a store error, so a
	// failing store is retried every storePause, not in a busy loop.
	pausedUntil time.Time
	topic       topicCache
}

func newSender(b *Bridge) *sender {
	return &sender{b: b, acked: map[string]uint64{}, marked: map[string]uint64{}}
}

// begin starts a connection's lanes from the store, which holds only what
// the cloud has not acknowledged: everything the cloud may have missed is
// sent again, and a duplicate costs the idempotent collector nothing.
func (s *sender) begin(ctx context.Context, c *delivery.Link) {
	s.c = c
	s.restart(ctx)
}

// restart puts every pending record in the backlog and starts both lanes
// over; a store error leaves the split where it was.
func (s *sender) restart(ctx context.Context) {
	last, err := lastPendingRow(ctx, s.b.opts.Outbox)
	if err != nil && ctx.Err() == nil {
		s.b.log.Error("bridge: find the end of the backlog", "err", err)
	}
	s.liveFrom = max(last, s.live, s.liveFrom)
	s.live = s.liveFrom
	s.livePoll = true
	s.backlog, s.alertsAt, s.alertsDone = 0, 0, false
	s.ahead = map[int64]bool{}
	s.backlogOut.reset()
	s.aheadOut.reset()
	s.liveOut.reset()
	s.unacked = s.unacked[:0]
	s.progress = time.Now()
	if last > 0 {
		s.b.log.Info("bridge: sending backlog", "up_to_row", s.liveFrom)
	}
}

// step does what can be done now, most urgent first.
func (s *sender) step(ctx context.Context) error {
	now := time.Now()
	s.applyAcks(ctx, now)
	if s.outstanding() > 0 && now.Sub(s.progress) >= s.ackTimeout() {
		s.b.log.Warn("bridge: the cloud has not acknowledged in time; resending",
			"outstanding", s.outstanding(), "waited", s.ackTimeout())
		s.stalls++
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
	var d time.Duration
	ok := false
	if s.outstanding() > 0 {
		d, ok = s.progress.Add(s.ackTimeout()).Sub(now), true
	}
	if s.behind() {
		if m := s.markAt.Sub(now); !ok || m < d {
			d, ok = m, true
		}
	}
	if !s.alertsDone || s.room() > 0 && s.backlog < s.liveFrom {
		if p := s.pausedUntil.Sub(now); !ok || p < d {
			d, ok = p, true // more backlog may go now, or after a store error
		}
	}
	return max(d, 0), ok
}

// ackTimeout is AckTimeout doubled for each timeout in a row, up to 8
// times: a cloud that is down or does not know a unit yet gets the window
// again every minute or so, not every AckTimeout forever.
func (s *sender) ackTimeout() time.Duration {
	return s.b.opts.AckTimeout << min(s.stalls, 3)
}

// storePause is how long the backlog waits after a failed store read.
const storePause = time.Second

// storeFailed logs a failed store read, unless the session is ending
// anyway, and pauses the backlog lanes.
func (s *sender) storeFailed(ctx context.Context, what string, err error) {
	s.pausedUntil = time.Now().Add(storePause)
	if ctx.Err() == nil {
		s.b.log.Error("bridge: "+what, "err", err)
	}
}

// sendLive sends every record past the live cursor. It reads the store
// only when an offer or the poll says there may be something to read.
// Live records have a window of their own beside the backlog's, so a full
// backlog window never holds them up, nor they the backlog.
func (s *sender) sendLive(ctx context.Context) error {
	for s.livePoll || s.b.offered.Load() > s.live {
		n := min(s.liveRoom(), batchSize)
		if n <= 0 {
			return nil // the next ack wakes the session
		}
		rs, err := s.b.opts.Outbox.Pending(ctx, s.live, n)
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
		s.live = rs[len(rs)-1].Row
		if err := s.publish(ctx, rs, liveLane); err != nil {
			return err
		}
	}
	return nil
}

// sendAlerts looks through one page of the backlog for alerts and sends
// them. Reading the backlog twice is the price of alerts first without an
// index the outbox does not offer. They are not held to the backlog's
// window: sent ahead of the backlog cursor, they can be acknowledged only
// once the backlog has caught up with them, and with more alerts than the
// window holds the backlog would never start.
func (s *sender) sendAlerts(ctx context.Context) error {
	if s.alertsDone || time.Now().Before(s.pausedUntil) {
		return nil
	}
	rs, err := s.b.opts.Outbox.Pending(ctx, s.alertsAt, scanBatch)
	if err != nil {
		s.storeFailed(ctx, "read pending records for alerts", err)
		return nil
	}
	done := len(rs) < scanBatch
	var send []store.Record
	for _, r := range rs {
		if r.Row > s.liveFrom {
			done = true
			break
		}
		if r.Alert != "" {
			send = append(send, r)
			s.ahead[r.Row] = true
		}
		s.alertsAt = r.Row
	}
	s.alertsDone = done
	return s.publish(ctx, send, alertLane)
}

// sendBacklog sends the next backlog batch once the alerts are out, if the
// window allows, skipping the alerts already sent.
func (s *sender) sendBacklog(ctx context.Context) error {
	n := min(s.room(), batchSize)
	if !s.alertsDone || s.backlog >= s.liveFrom || n == 0 || time.Now().Before(s.pausedUntil) {
		return nil
	}
	rs, err := s.b.opts.Outbox.Pending(ctx, s.backlog, n)
	if err != nil {
		s.storeFailed(ctx, "read pending records", err)
		return nil
	}
	i := len(rs)
	for i > 0 && rs[i-1].Row > s.liveFrom {
		i--
	}
	more := i == len(rs) && len(rs) == n
	rs = rs[:i]
	s.backlog = s.liveFrom
	if more {
		s.backlog = rs[len(rs)-1].Row
	} else {
		s.b.log.Info("bridge: backlog sent", "up_to_row", s.liveFrom)
	}
	rs = slices.DeleteFunc(rs, func(r store.Record) bool { return s.ahead[r.Row] })
	maps.DeleteFunc(s.ahead, func(row int64, _ bool) bool { return row <= s.backlog })
	return s.publish(ctx, rs, backlogLane)
}

// publish sends rs, having waited for the previous round's PUBACKs, which
// pace the bridge to the broker. They prove nothing about the collector,
// so nothing is marked here; only the cloud's ack does that (ack.go).
func (s *sender) publish(ctx context.Context, rs []store.Record, l lane) error {
	if len(rs) == 0 {
		return nil
	}
	if err := s.settle(ctx); err != nil {
		return err
	}
	if s.outstanding() == 0 {
		s.progress = time.Now() // the ack timeout runs from now
	}
	for i := range rs {
		r := &rs[i]
		if r.Seq <= s.acked[r.Unit] {
			continue // acknowledged while the store had not been told yet
		}
		body, err := payload(r.Body, l != liveLane)
		if err != nil {
			// Sent as stored all the same: holding it back would not let the
			// cloud's ack get past it either, and the collector logs what it
			// refused.
			s.b.log.Error("bridge: stored entry is not a valid entry; sent as stored",
				"unit", r.Unit, "seq", r.Seq, "err", err)
			body = r.Body
		}
		tok := s.c.Publish(s.topic.entry(r.Site, r.Unit), wire.QoSEntry, false, body)
		s.unacked = append(s.unacked, tok)
		s.sent(r.Unit, r.Seq, l)
	}
	return nil
}

// settle waits for the PUBACKs of the previous publish round, so the
// broker works on one round while the bridge reads the next.
func (s *sender) settle(ctx context.Context) error {
	if len(s.unacked) == 0 {
		return nil
	}
	deadline := time.NewTimer(s.b.t.puback)
	defer deadline.Stop()
	for _, tok := range s.unacked {
		if err := s.c.Await(ctx, tok, deadline.C); err != nil {
			return fmt.Errorf("bridge: publish entry: %w", err)
		}
	}
	s.unacked = s.unacked[:0]
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
