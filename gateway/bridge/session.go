package bridge

import (
	"context"
	"errors"
	"fmt"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/delivery"
	"github.com/kakou/kakou/firmware/wire"
)

// Run keeps the bridge connected to the cloud and the store drained until
// ctx is done; then it publishes the gateway's retained offline status,
// disconnects cleanly and returns nil. Cloud trouble is logged and retried
// with a jittered, doubling delay, never returned. A Run while another has
// not returned fails with delivery.ErrRunning.
func (b *Bridge) Run(ctx context.Context) error {
	leave, err := b.conns.Enter()
	if err != nil {
		return fmt.Errorf("bridge: %w", err)
	}
	defer leave()
	// Pushed policies go down to the LAN until ctx ends; Run returns only
	// once the relay has stopped.
	defer b.startPolicies(ctx)()
	s := newSender(b) // outlives connections: it remembers the cloud's acks
	b.conns.Min, b.conns.Max = b.t.retryMin, b.t.retryMax
	b.conns.Reconnect(ctx,
		func(ctx context.Context) (bool, error) { return b.session(ctx, s) },
		func(err error, delay time.Duration) {
			b.log.Warn("bridge: cloud broker unavailable", "err", err, "next", b.brokers.Current(), "retry_in", delay)
		})
	return nil
}

// session runs one connection from dial to loss or shutdown; wasUp says
// whether it was established.
func (b *Bridge) session(ctx context.Context, s *sender) (wasUp bool, err error) {
	// Whatever ends this connection, the next tries the cluster's next
	// node first: the one this ended on may be the one that died.
	defer b.brokers.Next()
	c, err := delivery.Dial(ctx, b.dialConfig(ctx))
	if err != nil {
		return false, fmt.Errorf("bridge: %w", err)
	}
	err = b.serve(ctx, c, s)
	b.connected.Store(false)
	s.end(ctx)
	if ctx.Err() != nil {
		b.goodbye(c)
		return true, nil
	}
	c.Disconnect(0) // no-op if the connection is already gone
	return true, err
}

// dialConfig is the next connection's: the gateway's credential on the
// cloud broker, and its offline status as the will, stamped now.
func (b *Bridge) dialConfig(ctx context.Context) delivery.Config {
	return delivery.Config{
		Broker:    b.brokers.Current(),
		ClientID:  b.opts.ClientID,
		Username:  b.opts.Username,
		Password:  b.opts.Password,
		TLS:       b.opts.TLS,
		WillTopic: b.statusTopic(),
		Will:      b.status(ctx, wire.Offline),
		Timing:    b.t.conn,

		SubscribeQoS0: b.opts.SubscribeQoS0,
	}
}

// serve subscribes to the cloud's acks and policies, announces the
// gateway, and then forwards whatever there is to forward until the
// connection is lost, a publish fails or ctx ends (then it returns nil).
func (b *Bridge) serve(ctx context.Context, c *delivery.Link, s *sender) error {
	if err := b.subscribe(ctx, c, b.ackFilter(), b.onAck); err != nil {
		return err
	}
	if err := b.subscribe(ctx, c, b.policyFilter(), b.onPolicy); err != nil {
		return err
	}
	for _, p := range unitPushes {
		if err := b.relayUnitPush(ctx, c, p); err != nil {
			return err
		}
	}
	if err := b.relayFleet(ctx, c, watchFeed); err != nil {
		return err
	}
	if err := b.relayFleet(ctx, c, trustFeed); err != nil {
		return err
	}
	if err := b.publishStatus(ctx, c, wire.Online); err != nil {
		return err
	}
	// The lanes split before Connected says so: an entry stored after
	// Connected reports true is live.
	s.begin(ctx, c)
	b.statuses.dirtyAll() // the cloud may have lost them with a restart
	b.connected.Store(true)
	b.log.Info("bridge: online", "broker", c.Broker)
	return b.loop(ctx, c, s)
}

// loop is the session's work: relayed statuses, the heartbeat and the
// sender's lanes, whenever something wakes it.
func (b *Bridge) loop(ctx context.Context, c *delivery.Link, s *sender) error {
	b.inflight = &s.inflight // statuses go without waiting from here on
	defer func() { b.inflight = nil }()
	poll := time.NewTicker(b.t.poll)
	defer poll.Stop()
	heartbeat := time.NewTicker(b.t.heartbeat)
	defer heartbeat.Stop()
	occupancy := time.NewTicker(b.t.occupancy)
	defer occupancy.Stop()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		if err := b.relayStatuses(ctx, c); err != nil {
			return err
		}
		if err := b.updateChanged(ctx, c); err != nil {
			return err
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
			return fmt.Errorf("bridge: %w", c.Lost())
		case <-heartbeat.C:
			if err := b.publishStatus(ctx, c, wire.Online); err != nil {
				return err
			}
		case <-occupancy.C:
			if err := b.occupancyChanged(ctx, c); err != nil {
				return err
			}
		case <-poll.C:
			s.livePoll = true // a record stored without an Offer is found here
		case <-b.wake:
		case <-due:
		}
	}
}

// subscribe subscribes at QoS 1 (0 with SubscribeQoS0) and checks the broker
// granted it: without acks nothing is ever marked delivered, without
// policies none reach the units.
func (b *Bridge) subscribe(ctx context.Context, c *delivery.Link, filter string, h mqtt.MessageHandler) error {
	err := c.Listen(ctx, filter, 1, h, b.t.puback)
	if errors.Is(err, delivery.ErrRefused) {
		return fmt.Errorf("bridge: %w (the cloud broker's ACL must let the gateway read its site's acks and policies)", err)
	}
	if err != nil {
		return fmt.Errorf("bridge: %w", err)
	}
	return nil
}

// goodbye replaces the retained online status with offline, which the will
// cannot do on a clean disconnect, then disconnects.
func (b *Bridge) goodbye(c *delivery.Link) {
	ctx, cancel := context.WithTimeout(context.Background(), b.t.goodbye)
	defer cancel()
	if err := b.publishStatus(ctx, c, wire.Offline); err != nil {
		b.log.Warn("bridge: offline status not acknowledged", "err", err)
	}
	c.Disconnect(250) // ms for the DISCONNECT packet to leave
	b.log.Info("bridge: offline")
}
