package bridge

import (
	"context"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/delivery"
	"github.com/kakou/kakou/firmware/wire"
)

// ackFilter is every ack of the gateway's site: the cloud acks each unit,
// not the gateway, and the gateway holds entries for all of them.
func (b *Bridge) ackFilter() string {
	return wire.Root + "/" + b.opts.Site + "/+/" + wire.KindAck
}

// onAck runs on paho's goroutine, so it only records the ack and wakes the
// sender, which writes the store. Cloud acks are never relayed to the
// units: the gateway acknowledges them itself once their entries are in
// its store.
func (b *Bridge) onAck(_ mqtt.Client, m mqtt.Message) {
	a, ok, err := delivery.ReadAck(m)
	if !ok && err == nil {
		return // a retained ack being cleared says nothing
	}
	if err == nil && a.Site != b.opts.Site {
		err = errOtherSite
	}
	if err != nil {
		b.log.Warn("bridge: ignored a bad cloud ack", "topic", m.Topic(), "err", err)
		return
	}
	b.acks.Put(a.Unit, a.Seq)
	b.notify()
}

// applyAcks applies the acks that came in: the records they cover leave
// the lanes' windows at once, so the drain goes on; the store is told by
// mark, at once when nothing is outstanding, else every t.mark.
func (s *sender) applyAcks(ctx context.Context, now time.Time) {
	for unit, seq := range s.b.acks.Take() {
		s.Ack(unit, seq, now)
	}
	if s.Outstanding() == 0 || !now.Before(s.markAt) {
		s.mark(ctx, now)
	}
}

// behind says some ack is applied here but not yet in the store.
func (s *sender) behind() bool {
	for unit, seq := range s.AckedUnits() {
		if s.marked[unit] < seq {
			return true
		}
	}
	return false
}

// mark tells the store what the cloud has acknowledged. During a drain an
// ack comes every few milliseconds; a store transaction with its fsync
// for each would be work the drain can do without, so marks are coalesced
// to one per t.mark. A record acked but not yet marked when the power goes
// is simply sent again, and the cloud stores it once.
func (s *sender) mark(ctx context.Context, now time.Time) {
	if !s.behind() {
		return
	}
	s.markAt = now.Add(s.b.t.mark)
	// The mark outlives ctx: what the cloud stored during shutdown should
	// not be sent again needlessly.
	ctx = context.WithoutCancel(ctx)
	for unit, seq := range s.AckedUnits() {
		if s.marked[unit] >= seq {
			continue
		}
		n, err := s.b.opts.Outbox.CloudAcked(ctx, s.b.opts.Site, unit, seq)
		if err != nil {
			s.b.log.Error("bridge: mark entries stored in the cloud", "unit", unit, "up_to_seq", seq, "err", err)
			continue // retried at the next markAt
		}
		s.marked[unit] = seq
		s.b.log.Debug("bridge: cloud acknowledged", "unit", unit, "up_to_seq", seq, "rows", n)
	}
}

// end applies and marks the last acks when a connection ends, so what the
// cloud acknowledged is durable before the bridge waits or returns.
func (s *sender) end(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	now := time.Now()
	s.applyAcks(ctx, now)
	s.mark(ctx, now)
}
