package ingest

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/kakou/kakou/firmware/wire"
	"github.com/nats-io/nats.go"
)

// Live-path limits: how much a collector's live subscription may have
// waiting in nats.go before NATS counts it a slow consumer and drops the
// excess. As many as the writer's queue holds, so a collector only drops
// once it is behind by a whole queue; what it drops comes through the
// durable consumer anyway.
const (
	livePendingMsgs  = queueSize
	livePendingBytes = 64 << 20
)

// liveSub is the live path beside the durable consumer (JetStreamOptions.Live).
//
// NATS's MQTT listener hands every unit's PUBLISH to core NATS subscribers
// at once, before and independently of any JetStream store. A core-NATS
// queue subscription on EntrySubjects, shared by every collector under one
// queue name, therefore sees each live entry at once on exactly one
// connected collector, even while the KAKOU_ENTRIES stream has no leader
// (raft takes seconds to elect another after its node dies, and stores
// nothing meanwhile). The entry is decoded, stored, and acknowledged to its
// unit as a pulled one is; there is nothing to acknowledge to NATS.
//
// Core delivery is at most once: an entry lost on this path (the collector
// died before storing it, or NATS dropped it as a slow consumer) is not
// lost, because the stream stored it too and the durable consumer hands it
// out. That copy, and the copy of every entry this path did store, comes
// through the consumer marked an echo: the store takes it once, it counts
// as an echo rather than a duplicate, and it raises no second ack, alert
// or lag sample (see putRun).
type liveSub struct {
	sub   *nats.Subscription
	taken atomic.Uint64 // entries taken off the live path
}

// liveQueue is the queue group of the collectors sharing a consumer.
func liveQueue(consumer string) string { return consumer + "-live" }

// startLive subscribes the live path on nc, when it is on.
func (in *Ingest) startLive(nc *nats.Conn, o JetStreamOptions) error {
	if o.DurableOnly {
		return nil
	}
	l := &liveSub{}
	sub, err := nc.QueueSubscribe(EntrySubjects, liveQueue(o.Consumer), func(m *nats.Msg) { in.handleLive(l, m) })
	if err != nil {
		return fmt.Errorf("subscribe the live path to %s: %w", EntrySubjects, err)
	}
	if err := sub.SetPendingLimits(livePendingMsgs, livePendingBytes); err != nil {
		_ = sub.Unsubscribe()
		return fmt.Errorf("live path limits: %w", err)
	}
	l.sub = sub
	in.live = l
	return nil
}

// handleLive runs on the subscription's goroutine, one message at a time,
// so a unit's live entries reach the writer in the order they came. A
// malformed one is left to the durable consumer's copy, which dead-letters
// it once; here it would be counted and kept twice.
func (in *Ingest) handleLive(l *liveSub, m *nats.Msg) {
	topic := subjectTopic(m.Subject)
	msg, err := parse(topic, m.Data)
	if err != nil || msg.entry == nil {
		in.log.Debug("live path: left to the durable consumer", "topic", topic, "err", err)
		return
	}
	l.taken.Add(1)
	it := incoming{m: liveMessage{topic: topic, data: m.Data}, msg: msg, receivedAt: time.Now()}
	select {
	case in.queue <- it:
	case <-in.stopped.Done(): // the durable consumer brings it
	}
}

// stop ends the live path; what it took and did not store comes
// through the durable consumer.
func (l *liveSub) stop() {
	if l != nil {
		_ = l.sub.Unsubscribe()
	}
}

// liveErrors logs what nats.go reports on the connection's subscriptions;
// a slow consumer on the live path loses nothing, but it must be visible.
func (in *Ingest) liveErrors(_ *nats.Conn, sub *nats.Subscription, err error) {
	if sub != nil && errors.Is(err, nats.ErrSlowConsumer) {
		dropped, _ := sub.Dropped()
		in.log.Warn("live path behind: NATS dropped entries to this collector; the durable consumer brings them, "+
			"later; if this repeats, the store is too slow for the city or the collector needs more CPU",
			"subject", sub.Subject, "dropped", dropped)
		return
	}
	in.log.Warn("NATS reported an error", "err", err)
}

// liveMessage is an entry taken off the live path: there is nothing to
// acknowledge to NATS, core delivery having no acknowledgement.
type liveMessage struct {
	topic string
	data  []byte
}

func (liveMessage) Duplicate() bool   { return false }
func (liveMessage) Qos() byte         { return 0 }
func (liveMessage) Retained() bool    { return false }
func (l liveMessage) Topic() string   { return l.topic }
func (liveMessage) MessageID() uint16 { return 0 }
func (l liveMessage) Payload() []byte { return l.data }
func (liveMessage) Ack()              {}

// echo says a pulled entry may already have been stored through the live
// path (handle marks its incoming so).
func (j jsMessage) echo() bool { return j.live }

// count is how many entries the live path took; 0 when it is off.
func (l *liveSub) count() uint64 {
	if l == nil {
		return 0
	}
	return l.taken.Load()
}

// entryRun gathers a batch's consecutive entries, the echoes apart, so
// putEntries can tell what the live path stored already from what is new.
type entryRun struct {
	entries, echoes []wire.Entry
	at              time.Time // the latest arrival: when the whole run was here
}

func (r *entryRun) add(it incoming) {
	if it.echo {
		r.echoes = append(r.echoes, *it.msg.entry)
	} else {
		r.entries = append(r.entries, *it.msg.entry)
	}
	r.at = it.receivedAt
}

// putRun stores the run, live and MQTT entries first, and empties it.
func (in *Ingest) putRun(ctx context.Context, r *entryRun) bool {
	if len(r.entries) > 0 && !in.putEntries(ctx, r.entries, r.at, false) {
		return false
	}
	if len(r.echoes) > 0 && !in.putEntries(ctx, r.echoes, r.at, true) {
		return false
	}
	r.entries, r.echoes = r.entries[:0], r.echoes[:0]
	return true
}
