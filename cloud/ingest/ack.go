package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/kakou/kakou/firmware/wire"
)

// Acknowledgement timing; tests shorten reackEvery.
var (
	// reackEvery limits how often an unchanged watermark is published again
	// for a unit that re-sends what is already acknowledged: once per wave
	// of re-sends is enough.
	reackEvery = time.Second
	// ackWait is how long the publisher waits for the broker's PUBACK of an
	// ack before going on; the message stays in paho's session meanwhile.
	ackWait = 5 * time.Second
)

// unitKey names a unit in the acker's maps.
type unitKey struct{ site, unit string }

// acker publishes the collector's end-to-end acknowledgements (wire.Ack) on
// its own goroutine, never on paho's message handler or the writer. On the
// handler it could deadlock: paho reads the ack's PUBACK on the goroutine
// that is waiting to hand the handler its next message. On the writer it
// would hold up storing for a round trip to the broker.
//
// Handing the ack over this way loses nothing that matters. The ack is
// idempotent and retained, and says "everything up to seq is stored", so a
// newer one supersedes an older: the acker keeps only the newest per unit
// until it is published, and an ack lost with a broker restart or a crash
// is replaced by the next one, or published again when the unit, not
// having heard it, re-sends stored entries (offer with moved false).
type acker struct {
	client paho.Client
	log    *slog.Logger
	every  time.Duration // reackEvery when the acker was made
	wake   chan struct{} // size 1: offers coalesce
	done   chan struct{} // closed when run returns

	mu      sync.Mutex
	pending map[unitKey]wire.Ack  // newest watermark per unit not yet published
	sent    map[unitKey]time.Time // when each unit's watermark was last published
}

func newAcker(client paho.Client, log *slog.Logger) *acker {
	return &acker{client: client, log: log, every: reackEvery,
		wake: make(chan struct{}, 1), done: make(chan struct{}),
		pending: map[unitKey]wire.Ack{}, sent: map[unitKey]time.Time{}}
}

// offer queues seq as the unit's acknowledgement. moved says the watermark
// advanced; otherwise the unit re-sent entries at or below it, having
// evidently missed the ack, and it is published again at most once per
// reackEvery. offer never blocks.
func (a *acker) offer(site, unit string, seq uint64, moved bool) {
	k := unitKey{site, unit}
	a.mu.Lock()
	queued, ok := a.pending[k]
	switch {
	case ok && seq <= queued.Seq:
		// already on its way
	case ok || moved || time.Since(a.sent[k]) >= a.every:
		a.pending[k] = wire.Ack{Schema: wire.SchemaVersion, Site: site, Unit: unit, Seq: seq}
	}
	a.mu.Unlock()
	a.signal()
}

func (a *acker) signal() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// run publishes what is offered until ctx ends. While the broker is away
// it retries with the store's back-off, so it neither hammers the broker
// nor floods the log.
func (a *acker) run(ctx context.Context) {
	defer close(a.done)
	delay := retryFirst
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.wake:
		}
		err := a.publishAll(ctx)
		if err == nil {
			delay = retryFirst
			continue
		}
		a.log.Warn("acks not published, will retry", "err", err, "retry_in", delay)
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
			delay = min(2*delay, retryMax)
		}
	}
}

// publishAll publishes every pending ack at once and then awaits their
// PUBACKs under one shared deadline of ackWait. One at a time, each unit's
// ack waited behind the others' PUBACKs: on NATS a retained publish is
// PUBACKed only once JetStream has stored it, so while a stream re-elects
// its leader every unit's ack queued behind up to ackWait per unit ahead of
// it. An ack that failed to leave is put back, unless a newer one came, and
// the first such error is returned.
func (a *acker) publishAll(ctx context.Context) error {
	acks := a.take()
	toks := make([]paho.Token, len(acks))
	for i := range acks {
		toks[i] = a.send(&acks[i])
	}
	timer := time.NewTimer(ackWait)
	defer timer.Stop()
	var failed []wire.Ack
	var first error
wait:
	for i, tok := range toks {
		if tok == nil {
			continue // could not even be encoded; a newer ack replaces it
		}
		ack := acks[i]
		select {
		case <-tok.Done():
		case <-timer.C:
			// A PUBACK slower than ackWait is no failure: paho keeps the
			// message in the session and delivers it after a reconnect.
			a.log.Warn("acks not yet confirmed by the broker; paho delivers them after reconnecting",
				"unconfirmed", unconfirmed(toks[i:]))
			break wait
		case <-ctx.Done():
			break wait
		}
		if err := tok.Error(); err != nil {
			failed = append(failed, ack)
			if first == nil {
				first = fmt.Errorf("ack of %s/%s at %d: %w", ack.Site, ack.Unit, ack.Seq, err)
			}
			continue
		}
		a.log.Debug("acknowledged", "site", ack.Site, "unit", ack.Unit, "seq", ack.Seq)
	}
	if len(failed) > 0 {
		a.requeue(failed)
	}
	return first
}

// unconfirmed counts the tokens still waiting for their PUBACK.
func unconfirmed(toks []paho.Token) int {
	n := 0
	for _, tok := range toks {
		if tok == nil {
			continue
		}
		select {
		case <-tok.Done():
		default:
			n++
		}
	}
	return n
}

// take empties the pending map and marks its units as sent now, so a
// re-send arriving while the ack is on the wire does not queue it again.
func (a *acker) take() []wire.Ack {
	a.mu.Lock()
	defer a.mu.Unlock()
	acks := make([]wire.Ack, 0, len(a.pending))
	now := time.Now()
	for k, ack := range a.pending {
		acks = append(acks, ack)
		a.sent[k] = now
		delete(a.pending, k)
	}
	return acks
}

// requeue puts back the acks of a failed round, except where a newer one
// came meanwhile, and wakes run again for them.
func (a *acker) requeue(acks []wire.Ack) {
	a.mu.Lock()
	for _, ack := range acks {
		k := unitKey{ack.Site, ack.Unit}
		if queued, ok := a.pending[k]; !ok || queued.Seq < ack.Seq {
			a.pending[k] = ack
		}
	}
	a.mu.Unlock()
	a.signal()
}

// send publishes one retained ack at QoSAck without waiting for its PUBACK.
func (a *acker) send(ack *wire.Ack) paho.Token {
	ack.Time = time.Now().UTC()
	b, err := json.Marshal(ack)
	if err != nil {
		a.log.Error("ack not encoded", "site", ack.Site, "unit", ack.Unit, "err", err)
		return nil
	}
	return a.client.Publish(wire.AckTopic(ack.Site, ack.Unit), wire.QoSAck, true, b)
}

// PublishRetained publishes a retained message for the centre (a pushed
// policy) and waits for the broker's PUBACK or ctx.
func (in *Ingest) PublishRetained(ctx context.Context, topic string, payload []byte) error {
	tok := in.client.Publish(topic, 1, true, payload)
	select {
	case <-tok.Done():
		return tok.Error()
	case <-ctx.Done():
		return ctx.Err()
	}
}
