package uplink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/wire"
)

// Run keeps the uplink connected and the ledger drained until ctx is done.
// Then it publishes a retained offline status, disconnects cleanly and
// returns nil. Broker trouble is logged and retried, never returned. Run must
// not be called twice at the same time.
func (u *Uplink) Run(ctx context.Context) error {
	retry := backoff{min: u.t.retryMin, max: u.t.retryMax}
	for {
		wasUp, err := u.session(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if wasUp {
			retry.reset() // a working connection was lost: try again soon
		}
		delay := retry.next()
		u.log.Warn("uplink: broker unavailable", "broker", u.opts.Broker, "err", err, "retry_in", delay)
		if !sleep(ctx, delay) {
			return nil
		}
	}
}

// session runs one connection from dial to loss or shutdown. wasUp says
// whether the connection was established.
func (u *Uplink) session(ctx context.Context) (wasUp bool, err error) {
	lost := make(chan error, 1)
	c := mqtt.NewClient(u.clientOptions(lost))
	if err := u.connect(ctx, c); err != nil {
		return false, err
	}
	err = u.serve(ctx, c, lost)
	u.connected.Store(false)
	if ctx.Err() != nil {
		u.goodbye(c)
		return true, nil
	}
	c.Disconnect(0) // no-op if the connection is already gone
	return true, err
}

func (u *Uplink) clientOptions(lost chan<- error) *mqtt.ClientOptions {
	o := mqtt.NewClientOptions().
		AddBroker(u.opts.Broker).
		SetClientID(u.opts.ClientID).
		SetUsername(u.opts.Username).
		SetPassword(u.opts.Password).
		SetCleanSession(true).   // the ledger is the session; see doc.go
		SetAutoReconnect(false). // Run reconnects with jitter; see doc.go
		SetConnectRetry(false).
		SetConnectTimeout(u.t.connect).
		SetBinaryWill(u.statusTopic(), u.status(wire.Offline), wire.QoSStatus, true)
	o.SetConnectionLostHandler(func(_ mqtt.Client, err error) {
		select {
		case lost <- err:
		default:
		}
	})
	return o
}

func (u *Uplink) statusTopic() string {
	return wire.StatusTopic(u.opts.Status.Site, u.opts.Status.Unit)
}

// connect dials once. If ctx ends first, the attempt is abandoned: paho
// closes the connection should it still complete.
func (u *Uplink) connect(ctx context.Context, c mqtt.Client) error {
	tok := c.Connect()
	select {
	case <-tok.Done():
	case <-ctx.Done():
		c.Disconnect(0)
		return ctx.Err()
	}
	if err := tok.Error(); err != nil {
		return fmt.Errorf("uplink: connect %s: %w", u.opts.Broker, err)
	}
	return nil
}

// serve announces the unit and drains the ledger whenever woken, until the
// connection is lost, a publish fails or ctx ends (then it returns nil).
func (u *Uplink) serve(ctx context.Context, c mqtt.Client, lost <-chan error) error {
	u.takeDirty() // before rendering: a change after this point is sent again
	if err := u.publishStatus(ctx, c, wire.Online); err != nil {
		return err
	}
	u.connected.Store(true)
	u.log.Info("uplink: online", "broker", u.opts.Broker)
	poll := time.NewTicker(u.t.poll)
	defer poll.Stop()
	for {
		if u.takeDirty() {
			if err := u.publishStatus(ctx, c, wire.Online); err != nil {
				return err
			}
		}
		if err := u.drain(ctx, c); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case err := <-lost:
			return fmt.Errorf("uplink: connection lost: %w", err)
		case <-u.wake:
		case <-poll.C:
		}
	}
}

// goodbye replaces the retained online status with offline, which the will
// cannot do on a clean disconnect, then disconnects.
func (u *Uplink) goodbye(c mqtt.Client) {
	ctx, cancel := context.WithTimeout(context.Background(), u.t.goodbye)
	defer cancel()
	if err := u.publishStatus(ctx, c, wire.Offline); err != nil {
		u.log.Warn("uplink: offline status not acknowledged", "err", err)
	}
	c.Disconnect(250) // ms for the DISCONNECT packet to leave
	u.log.Info("uplink: offline")
}

func (u *Uplink) publishStatus(ctx context.Context, c mqtt.Client, state wire.UnitState) error {
	tok := c.Publish(u.statusTopic(), wire.QoSStatus, true, u.status(state))
	deadline := time.NewTimer(u.t.ack)
	defer deadline.Stop()
	if err := await(ctx, tok, deadline.C); err != nil {
		return fmt.Errorf("uplink: publish %s status: %w", state, err)
	}
	return nil
}

var errAckTimeout = errors.New("no acknowledgement in time")

// await waits for tok like token.WaitTimeout, but also gives up when ctx
// ends; the deadline is shared so a whole batch gets one timeout.
func await(ctx context.Context, tok mqtt.Token, deadline <-chan time.Time) error {
	select {
	case <-tok.Done():
		return tok.Error()
	case <-ctx.Done():
		return ctx.Err()
	case <-deadline:
		return errAckTimeout
	}
}

// backoff yields doubling delays from min to max with "equal jitter": each
// delay is drawn from the upper half of its step, so units that lost the
// broker together do not come back together.
type backoff struct {
	min, max, step time.Duration
}

func (b *backoff) next() time.Duration {
	b.step = min(max(2*b.step, b.min), b.max)
	half := b.step / 2
	return half + rand.N(b.step-half+1)
}

func (b *backoff) reset() { b.step = 0 }

// sleep waits for d and reports false if ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// drain publishes pending entries batch by batch until none is left. It
// returns an error only when the connection can no longer be trusted; a
// ledger error is logged and left for the next wake-up, because reconnecting
// would not cure it.
func (u *Uplink) drain(ctx context.Context, c mqtt.Client) error {
	var after uint64
	for ctx.Err() == nil {
		batch, err := u.src.Pending(ctx, after, u.opts.BatchSize)
		if err != nil {
			u.log.Error("uplink: read pending entries", "err", err)
			return nil
		}
		if len(batch) == 0 {
			return nil
		}
		acked, err := u.publishBatch(ctx, c, batch)
		u.markDelivered(ctx, acked)
		if err != nil {
			return err
		}
		// Continue after this batch even if marking failed: those entries
		// are still pending and go out again on the next drain.
		after = batch[len(batch)-1].Seq
	}
	return nil
}

// publishBatch sends the whole batch before waiting, so one round trip
// covers up to BatchSize entries, then collects PUBACKs in seq order. It
// returns the seqs acknowledged before the first failure.
func (u *Uplink) publishBatch(ctx context.Context, c mqtt.Client, batch []wire.Entry) ([]uint64, error) {
	toks := make([]mqtt.Token, len(batch))
	for i := range batch {
		e := &batch[i]
		body, err := json.Marshal(e)
		if err != nil {
			return nil, fmt.Errorf("uplink: encode seq %d: %w", e.Seq, err)
		}
		// The topic names the unit the entry says it came from, so topic
		// and payload always agree, even for entries a unit logged before
		// it was renamed.
		toks[i] = c.Publish(wire.EntryTopic(e.Site, e.Unit), wire.QoSEntry, false, body)
	}
	deadline := time.NewTimer(u.t.ack)
	defer deadline.Stop()
	acked := make([]uint64, 0, len(batch))
	for i, tok := range toks {
		if err := await(ctx, tok, deadline.C); err != nil {
			return acked, fmt.Errorf("uplink: publish seq %d: %w", batch[i].Seq, err)
		}
		acked = append(acked, batch[i].Seq)
	}
	return acked, nil
}

// markDelivered records the acknowledged entries. It outlives ctx: an entry
// the broker acknowledged during shutdown should not be sent again needlessly.
func (u *Uplink) markDelivered(ctx context.Context, seqs []uint64) {
	if len(seqs) == 0 {
		return
	}
	if err := u.src.MarkDelivered(context.WithoutCancel(ctx), seqs); err != nil {
		u.log.Error("uplink: mark entries delivered", "err", err, "first_seq", seqs[0], "count", len(seqs))
		return
	}
	u.log.Debug("uplink: delivered", "first_seq", seqs[0], "count", len(seqs))
}
