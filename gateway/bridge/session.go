package bridge

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/wire"
)

// Run keeps the bridge connected to the cloud and the store drained until
// ctx is done; then it publishes the gateway's retained offline status,
// disconnects cleanly and returns nil. Cloud trouble is logged and retried
// with a jittered, doubling delay, never returned. Run must not be called
// twice at the same time.
func (b *Bridge) Run(ctx context.Context) error {
	if !b.running.TryLock() {
		return errors.New("bridge: Run is already running")
	}
	defer b.running.Unlock()
	// Pushed policies go down to the LAN until ctx ends; Run returns only
	// once the relay has stopped.
	defer b.startPolicies(ctx)()
	s := newSender(b) // outlives connections: it remembers the cloud's acks
	retry := backoff{min: b.t.retryMin, max: b.t.retryMax}
	for {
		wasUp, err := b.session(ctx, s)
		if ctx.Err() != nil {
			return nil
		}
		if wasUp {
			retry.reset() // a working connection was lost: try again soon
		}
		delay := retry.next()
		b.log.Warn("bridge: cloud broker unavailable", "broker", b.opts.Broker, "err", err, "retry_in", delay)
		if !sleep(ctx, delay) {
			return nil
		}
	}
}

// session runs one connection from dial to loss or shutdown; wasUp says
// whether it was established.
func (b *Bridge) session(ctx context.Context, s *sender) (wasUp bool, err error) {
	c := &link{down: make(chan struct{})}
	c.Client = mqtt.NewClient(b.clientOptions(ctx, c))
	if err := b.connect(ctx, c); err != nil {
		return false, err
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

// clientOptions builds a fresh paho client per connection with paho's own
// reconnect off: its retries carry no jitter (every gateway of a city would
// come back in step after an outage), and without it a lost connection
// fails the publish tokens at once instead of at the PUBACK timeout. The
// session is clean because the store is the session.
func (b *Bridge) clientOptions(ctx context.Context, l *link) *mqtt.ClientOptions {
	o := mqtt.NewClientOptions().
		AddBroker(b.opts.Broker).
		SetClientID(b.opts.ClientID).
		SetUsername(b.opts.Username).
		SetPassword(b.opts.Password).
		SetCleanSession(true).
		SetAutoReconnect(false).
		SetConnectRetry(false).
		SetConnectTimeout(b.t.connect).
		SetKeepAlive(b.t.keepalive).
		SetWriteTimeout(b.t.write).
		SetBinaryWill(b.statusTopic(), b.status(ctx, wire.Offline), wire.QoSStatus, true)
	if b.opts.TLS != nil {
		o.SetTLSConfig(b.opts.TLS)
	}
	if buffersReads(b.opts.Broker) {
		o.SetCustomOpenConnectionFn(bufferedDial)
	}
	o.SetConnectionLostHandler(func(_ mqtt.Client, err error) { l.lose(err) })
	return o
}

// connect dials once; if ctx ends first the attempt is abandoned.
func (b *Bridge) connect(ctx context.Context, c mqtt.Client) error {
	tok := c.Connect()
	select {
	case <-tok.Done():
	case <-ctx.Done():
		c.Disconnect(0)
		return ctx.Err()
	}
	if err := tok.Error(); err != nil {
		return fmt.Errorf("bridge: connect %s: %w", b.opts.Broker, err)
	}
	return nil
}

// serve subscribes to the cloud's acks and policies, announces the
// gateway, and then forwards whatever there is to forward until the
// connection is lost, a publish fails or ctx ends (then it returns nil).
func (b *Bridge) serve(ctx context.Context, c *link, s *sender) error {
	if err := b.subscribe(ctx, c, b.ackFilter(), b.onAck); err != nil {
		return err
	}
	if err := b.subscribe(ctx, c, b.policyFilter(), b.onPolicy); err != nil {
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
	b.log.Info("bridge: online", "broker", b.opts.Broker)
	return b.loop(ctx, c, s)
}

// loop is the session's work: relayed statuses, the heartbeat and the
// sender's lanes, whenever something wakes it.
func (b *Bridge) loop(ctx context.Context, c *link, s *sender) error {
	poll := time.NewTicker(b.t.poll)
	defer poll.Stop()
	heartbeat := time.NewTicker(b.t.heartbeat)
	defer heartbeat.Stop()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		if err := b.relayStatuses(ctx, c); err != nil {
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
		case <-c.down:
			return fmt.Errorf("bridge: %w", c.lostErr())
		case <-heartbeat.C:
			if err := b.publishStatus(ctx, c, wire.Online); err != nil {
				return err
			}
		case <-poll.C:
			s.livePoll = true // a record stored without an Offer is found here
		case <-b.wake:
		case <-due:
		}
	}
}

// subscribe subscribes at QoS 1 and checks the broker granted it: without
// acks nothing is ever marked delivered, without policies none reach the
// units.
func (b *Bridge) subscribe(ctx context.Context, c *link, filter string, h mqtt.MessageHandler) error {
	tok := c.Subscribe(filter, 1, h)
	deadline := time.NewTimer(b.t.puback)
	defer deadline.Stop()
	if err := c.await(ctx, tok, deadline.C); err != nil {
		return fmt.Errorf("bridge: subscribe %s: %w", filter, err)
	}
	if st, ok := tok.(*mqtt.SubscribeToken); ok && st.Result()[filter] == 0x80 {
		return fmt.Errorf("bridge: subscribe %s: refused by the cloud broker; "+
			"its ACL must let the gateway read its site's acks and policies", filter)
	}
	return nil
}

// goodbye replaces the retained online status with offline, which the will
// cannot do on a clean disconnect, then disconnects.
func (b *Bridge) goodbye(c *link) {
	ctx, cancel := context.WithTimeout(context.Background(), b.t.goodbye)
	defer cancel()
	if err := b.publishStatus(ctx, c, wire.Offline); err != nil {
		b.log.Warn("bridge: offline status not acknowledged", "err", err)
	}
	c.Disconnect(250) // ms for the DISCONNECT packet to leave
	b.log.Info("bridge: offline")
}

var errPubackTimeout = errors.New("no PUBACK in time")

// link is one connection: its paho client, and down, closed when paho
// reports the connection lost. Every wait on a token also waits on down:
// paho never completes the token of a publish still queued when the
// connection went, so only down ends that wait before the PUBACK timeout.
type link struct {
	mqtt.Client
	down chan struct{}
	once sync.Once
	err  error // why it was lost; written before down is closed
}

func (l *link) lose(err error) {
	l.once.Do(func() {
		l.err = err
		close(l.down)
	})
}

// lostErr is why the connection was lost; only valid once down is closed.
func (l *link) lostErr() error { return fmt.Errorf("connection lost: %w", l.err) }

// await waits for tok, the connection's loss, ctx or the deadline,
// whichever comes first; the deadline is shared so a whole publish round
// gets one timeout.
func (l *link) await(ctx context.Context, tok mqtt.Token, deadline <-chan time.Time) error {
	select {
	case <-tok.Done():
		return tok.Error()
	case <-l.down:
		return l.lostErr()
	case <-ctx.Done():
		return ctx.Err()
	case <-deadline:
		return errPubackTimeout
	}
}

// backoff yields doubling delays from min to max with "equal jitter", each
// drawn from the upper half of its step, so gateways that lost the cloud
// together do not come back together.
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
