package uplink

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/kakou/kakou/firmware/delivery"
	"github.com/kakou/kakou/firmware/wire"
)

// Run keeps the uplink connected and the ledger drained until ctx is done.
// Then it publishes a retained offline status, disconnects cleanly and
// returns nil. Broker trouble is logged and retried, never returned. A Run
// while another has not returned fails with delivery.ErrRunning.
func (u *Uplink) Run(ctx context.Context) error {
	leave, err := u.loop.Enter()
	if err != nil {
		return fmt.Errorf("uplink: %w", err)
	}
	defer leave()
	s := newSender(u) // outlives connections: it remembers the last ack
	// Pushed policies and flows are handed over until ctx ends; Run returns
	// only once OnPolicy and OnFlow have.
	defer u.startPolicies(ctx)()
	defer u.startFlows(ctx)()
	defer u.startGuards(ctx)()
	defer u.startStaff(ctx)()
	defer u.startResults(ctx)()
	defer u.startHouseholds(ctx)()
	defer u.startWatch(ctx)()
	defer u.startTrust(ctx)()
	defer u.startUpdate(ctx)()
	u.loop.Min, u.loop.Max = u.t.retryMin, u.t.retryMax
	u.loop.Reconnect(ctx,
		func(ctx context.Context) (bool, error) { return u.session(ctx, s) },
		func(err error, delay time.Duration) {
			u.log.Warn("uplink: broker unavailable", "err", err, "next", u.brokers.Current(), "retry_in", delay)
		})
	return nil
}

// session runs one connection from dial to loss or shutdown. wasUp says
// whether the connection was established.
func (u *Uplink) session(ctx context.Context, s *sender) (wasUp bool, err error) {
	// Whatever ends this connection, the next one tries the next node of
	// a cluster first: the one this ended on may be the one that died.
	defer u.brokers.Next()
	c, err := delivery.Dial(ctx, u.dialConfig(ctx))
	if err != nil {
		return false, fmt.Errorf("uplink: %w", err)
	}
	err = u.serve(ctx, c, s)
	u.connected.Store(false)
	s.end(ctx)
	if ctx.Err() != nil {
		u.goodbye(c)
		return true, nil
	}
	c.Disconnect(0) // no-op if the connection is already gone
	return true, err
}

// dialConfig is the next connection's: the unit's credential and TLS, and
// a will stamped now.
func (u *Uplink) dialConfig(ctx context.Context) delivery.Config {
	return delivery.Config{
		Broker:    u.brokers.Current(),
		ClientID:  u.opts.ClientID,
		Username:  u.opts.Username,
		Password:  u.opts.Password,
		TLS:       u.tls,
		WillTopic: u.statusTopic(),
		Will:      u.status(ctx, wire.Offline),
		Timing:    u.t.conn,

		SubscribeQoS0: u.opts.SubscribeQoS0,
	}
}

func (u *Uplink) statusTopic() string {
	return wire.StatusTopic(u.opts.Status.Site, u.opts.Status.Unit)
}

// serve listens for acks, pushed policies and flows, announces the unit and then
// publishes whenever there is something to do, until the connection is
// lost, a publish fails or ctx ends (then it returns nil).
func (u *Uplink) serve(ctx context.Context, c *delivery.Link, s *sender) error {
	if err := u.subscribeAcks(ctx, c); err != nil {
		return err
	}
	// Pushes are subscribed to on a context of this connection's, so
	// their retries end with it.
	subCtx, cancel := context.WithCancel(ctx)
	var retries sync.WaitGroup
	defer retries.Wait()
	defer cancel()
	u.subscribePushes(subCtx, c, &retries)
	// The lanes split before the birth is rendered, so a birth that says
	// nothing waits is never followed by a backlog the split made after
	// it: an entry logged in between would go out behind the next live
	// one, and the collector starts an idle unit's watermark from its
	// birth (cloud/store Watermark).
	s.begin(ctx, c)
	u.takeDirty() // before rendering: a change after this point is sent again
	u.announce(ctx, c, s)
	u.connected.Store(true)
	u.log.Info("uplink: online", "broker", c.Broker)
	poll := time.NewTicker(u.t.poll)
	defer poll.Stop()
	heartbeat := time.NewTicker(u.opts.Heartbeat)
	defer heartbeat.Stop()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		if u.takeDirty() {
			u.announce(ctx, c, s)
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
		case <-c.Down():
			return fmt.Errorf("uplink: %w", c.Lost())
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
func (u *Uplink) goodbye(c *delivery.Link) {
	ctx, cancel := context.WithTimeout(context.Background(), u.t.goodbye)
	defer cancel()
	if err := u.publishStatus(ctx, c, wire.Offline); err != nil {
		u.log.Warn("uplink: offline status not acknowledged", "err", err)
	}
	c.Disconnect(250) // ms for the DISCONNECT packet to leave
	u.log.Info("uplink: offline")
}

// announce publishes the retained online status without waiting for its
// PUBACK: the sender tracks it with the entries in flight, so a broker
// slow to store a retained message (a NATS stream without a leader) holds
// up neither the live entries nor the acks, and the connection is given
// up only if the status is not PUBACKed within puback.
func (u *Uplink) announce(ctx context.Context, c *delivery.Link, s *sender) {
	tok := c.Publish(u.statusTopic(), wire.QoSStatus, true, u.status(ctx, wire.Online))
	s.inflight.AddOther(tok, "online status", time.Now())
}

// publishStatus publishes a status and waits for its PUBACK: the goodbye,
// which must be stored before the clean DISCONNECT.
func (u *Uplink) publishStatus(ctx context.Context, c *delivery.Link, state wire.UnitState) error {
	err := c.Send(ctx, u.statusTopic(), wire.QoSStatus, true, u.status(ctx, state), u.t.puback)
	if err != nil {
		return fmt.Errorf("uplink: publish %s status: %w", state, err)
	}
	return nil
}
