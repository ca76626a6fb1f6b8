package uplink

import (
	"context"
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
	s := &sender{u: u} // outlives connections: it remembers the last ack
	// Pushed policies and flows are handed over until ctx ends; Run returns
	// only once OnPolicy and OnFlow have.
	defer u.startPolicies(ctx)()
	defer u.startFlows(ctx)()
	retry := backoff{min: u.t.retryMin, max: u.t.retryMax}
	for {
		wasUp, err := u.session(ctx, s)
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
func (u *Uplink) session(ctx context.Context, s *sender) (wasUp bool, err error) {
	lost := make(chan error, 1)
	c := mqtt.NewClient(u.clientOptions(ctx, lost))
	if err := u.connect(ctx, c); err != nil {
		return false, err
	}
	err = u.serve(ctx, c, s, lost)
	u.connected.Store(false)
	s.end(ctx)
	if ctx.Err() != nil {
		u.goodbye(c)
		return true, nil
	}
	c.Disconnect(0) // no-op if the connection is already gone
	return true, err
}

func (u *Uplink) clientOptions(ctx context.Context, lost chan<- error) *mqtt.ClientOptions {
	o := mqtt.NewClientOptions().
		AddBroker(u.opts.Broker).
		SetClientID(u.opts.ClientID).
		SetUsername(u.opts.Username).
		SetPassword(u.opts.Password).
		SetCleanSession(true).   // the ledger is the session; see doc.go
		SetAutoReconnect(false). // Run reconnects with jitter; see doc.go
		SetConnectRetry(false).
		SetConnectTimeout(u.t.connect).
		SetBinaryWill(u.statusTopic(), u.status(ctx, wire.Offline), wire.QoSStatus, true)
	if u.tls != nil {
		o.SetTLSConfig(u.tls)
	}
	if buffersReads(u.opts.Broker) {
		o.SetCustomOpenConnectionFn(bufferedDial) // see conn.go
	}
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

// serve listens for acks, pushed policies and flows, announces the unit and then
// publishes whenever there is something to do, until the connection is
// lost, a publish fails or ctx ends (then it returns nil).
func (u *Uplink) serve(ctx context.Context, c mqtt.Client, s *sender, lost <-chan error) error {
	if err := u.subscribeAcks(ctx, c); err != nil {
		return err
	}
	if err := u.subscribePolicy(ctx, c); err != nil {
		return err
	}
	if err := u.subscribeFlow(ctx, c); err != nil {
		return err
	}
	u.takeDirty() // before rendering: a change after this point is sent again
	if err := u.publishStatus(ctx, c, wire.Online); err != nil {
		return err
	}
	u.connected.Store(true)
	u.log.Info("uplink: online", "broker", u.opts.Broker)
	s.begin(ctx, c)
	poll := time.NewTicker(u.t.poll)
	defer poll.Stop()
	heartbeat := time.NewTicker(u.opts.Heartbeat)
	defer heartbeat.Stop()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		if u.takeDirty() {
			if err := u.publishStatus(ctx, c, wire.Online); err != nil {
				return err
			}
		}
		if err := s.step(ctx); err != nil {
			return err
		}
		var due <-chan time.Time
		if d, ok := s.due(time.Now()); ok {
			timer.Reset(d) // Go 1.23 timers: no stale tick survives Reset
			due = timer.C
		}
		select {
		case <-ctx.Done():
			return nil
		case err := <-lost:
			return fmt.Errorf("uplink: connection lost: %w", err)
		case <-heartbeat.C:
			u.beat()
		case <-u.wake:
		case <-poll.C:
		case <-due:
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
	tok := c.Publish(u.statusTopic(), wire.QoSStatus, true, u.status(ctx, state))
	deadline := time.NewTimer(u.t.puback)
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
