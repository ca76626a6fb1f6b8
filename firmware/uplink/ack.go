package uplink

import (
	"context"
	"errors"
	"fmt"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/delivery"
	"github.com/kakou/kakou/firmware/wire"
)

// subscribeAcks asks for the collector's acks on this connection. The ack
// is retained, so the latest one arrives right after the SUBACK. A NATS
// node still taking over the streams of a dead one refuses QoS 1
// subscriptions for a few seconds, so a refusal or no answer is tried
// again on this connection, pausing as keepListening does, for as long
// as one PUBACK may take: dropping the connection would cost a new
// CONNECT on a node no readier. Only then does the connection go.
func (u *Uplink) subscribeAcks(ctx context.Context, c *delivery.Link) error {
	topic := wire.AckTopic(u.opts.Status.Site, u.opts.Status.Unit)
	deadline := time.Now().Add(u.t.puback)
	for pause := u.t.subRetry; ; pause = min(2*pause, u.t.retryMax) {
		err := c.Listen(ctx, topic, wire.QoSAck, u.onAck, u.t.puback)
		if err == nil || ctx.Err() != nil || isDown(c) || time.Now().Add(pause).After(deadline) {
			return ackSubscription(err)
		}
		u.log.Warn("uplink: the ack subscription was not granted; trying again on this connection",
			"topic", topic, "err", err, "retry_in", pause)
		pauseOn(ctx, c, pause)
	}
}

func ackSubscription(err error) error {
	if errors.Is(err, delivery.ErrRefused) {
		return fmt.Errorf("uplink: %w (check its ACL; a cluster node still recovering refuses for a while too): "+
			"without acks nothing is ever delivered", err)
	}
	if err != nil {
		return fmt.Errorf("uplink: %w", err)
	}
	return nil
}

// onAck runs on paho's goroutine, so it only records the ack and wakes the
// session; the ledger is written there.
func (u *Uplink) onAck(_ mqtt.Client, m mqtt.Message) {
	a, ok, err := delivery.ReadAck(m)
	if !ok && err == nil {
		return // a retained ack being cleared: it says nothing
	}
	if err == nil && (a.Site != u.opts.Status.Site || a.Unit != u.opts.Status.Unit) {
		err = fmt.Errorf("ack for %s/%s", a.Site, a.Unit)
	}
	if err != nil {
		u.log.Warn("uplink: ignored a bad ack", "topic", m.Topic(), "err", err)
		return
	}
	u.acks.Put(unit, a.Seq)
	u.Notify()
}

// applyAck applies the latest ack the collector sent: the entries it covers
// leave the lanes' windows and the cursors skip past them at once
// (delivery.Lanes.Ack); the ledger is told by mark, at once if nothing is
// left outstanding, else when markAt comes or markRows entries wait.
//
// An ack is applied only as far as this connection has sent every entry
// (SentThrough). An entry the unit never sent cannot have been stored as
// it: on an open broker a forger's entries can take its seqs and be
// acknowledged, and marking by such an ack would drop the unit's own
// entries unsent. Sent, they reach the collector, which keeps them aside
// as conflicts (cloud/store Conflict). The price is that an ack from an
// earlier connection covers the entries only once they are sent again,
// which the idempotent collector acknowledges at once. The latest ack stays
// held (delivery.Acks) until a newer one comes, so its rest applies then.
func (s *sender) applyAck(ctx context.Context, now time.Time) {
	if a := s.u.acks.Latest(unit); a > s.Acked(unit) && !s.beyondLedger(ctx, a) {
		s.Ack(unit, a, now)
	}
	if s.Outstanding() == 0 || !now.Before(s.markAt) || s.Acked(unit)-s.marked >= markRows {
		s.mark(ctx, now)
	}
}

// markRows bounds how many entries one mark covers. Marking costs a few
// microseconds an entry, and the transaction holds the ledger's only
// connection, and with it the gate's Append and the next live entry, for
// all of them: 4,000 entries took 12-24 ms on a desktop's disk, 1,000 took
// 3 ms. The per-transaction cost coalescing saves is nearly all saved at
// 1,000.
const markRows = 1000

// mark tells the ledger what the collector has acknowledged. While entries
// are outstanding it does so every t.mark or every markRows entries,
// whichever comes first, not on every ack: a fast drain brings an ack
// every few milliseconds, and a ledger transaction with its fsync for each
// is work the drain can do without. Coalescing never marks more than was
// acked; an entry acked but not yet marked when the power goes is simply
// sent again, and the collector stores it once.
func (s *sender) mark(ctx context.Context, now time.Time) {
	acked := s.Acked(unit)
	if s.marked >= acked {
		return
	}
	s.markAt = now.Add(s.u.t.mark)
	// The mark outlives ctx: an entry the collector stored during shutdown
	// should not be sent again needlessly. A failure is retried at the
	// next markAt; meanwhile the cursors have moved on, since the
	// collector has the entries whatever the ledger says.
	if err := s.u.src.MarkDeliveredUpTo(context.WithoutCancel(ctx), acked); err != nil {
		s.u.log.Error("uplink: mark entries delivered", "err", err, "up_to_seq", acked)
		return
	}
	s.u.log.Debug("uplink: delivered", "up_to_seq", acked)
	s.marked = acked
}

// end applies and marks the last ack when a connection ends, lost or shut
// down, so what the collector acknowledged is durable before the uplink
// waits for the broker or returns.
func (s *sender) end(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	now := time.Now()
	s.applyAck(ctx, now)
	s.mark(ctx, now)
}

// beyondLedger reports an ack for seqs this ledger never assigned, which
// must not be applied: the collector remembers an earlier ledger of the same
// unit (a replaced SD card), and marking by it would mark entries the
// collector never stored. It is reported once per ack value.
func (s *sender) beyondLedger(ctx context.Context, a uint64) bool {
	if a <= max(s.Live, s.LiveFrom) {
		return false
	}
	last, err := s.u.src.LastSeq(ctx)
	if err != nil {
		s.u.log.Error("uplink: read last seq", "err", err)
		return true // try again on the next step
	}
	if a <= last {
		return false
	}
	if a != s.refused {
		s.u.log.Error("uplink: the collector acknowledges entries this ledger never held; ack ignored "+
			"(was the ledger replaced? the collector must forget this unit's old seqs)",
			"ack_seq", a, "last_seq", last)
		s.refused = a
	}
	return true
}
