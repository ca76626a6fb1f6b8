package loadgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/kakou/kakou/firmware/wire"
)

// A unit's patience with the broker. They are generous because the point
// is to load a broker on a small machine, where a PUBACK under 5,000
// connections may take seconds: a timeout should mean the broker is
// failing, not merely busy.
const (
	connectTimeout  = 10 * time.Second
	connectAttempts = 3
	publishTimeout  = 20 * time.Second
	publishAttempts = 5
	retryDelay      = 500 * time.Millisecond // times the attempt number
	goodbyeWait     = 5 * time.Second        // for the offline status on the way out
	keepAlive       = 60 * time.Second       // 5,000 units at paho's 30 s is 170 PINGs/s for nothing
)

var errTimeout = errors.New("no answer from the broker in time")

// unit is one simulated checkpoint unit: a paho client, its entries and
// the highest seq the collector has acknowledged.
type unit struct {
	fleet              *Fleet
	site, id, facility string
	lane               wire.Lane
	gen                *Generator
	jitter             *rand.Rand
	client             paho.Client

	// sent is the highest seq handed to paho, and acked the highest seq
	// any ack has covered. acked may run ahead of sent: the broker replays
	// the retained ack of an earlier run with the same ids on subscribe,
	// and it is true (those seqs are stored), so a re-run's entries count
	// as acknowledged as soon as they are sent (ackedSeq).
	sent       atomic.Uint64
	acked      atomic.Uint64
	ackMoved   chan struct{} // size 1: wakes awaitAcks
	subscribed chan error    // size 1: the outcome of each connection's SUBSCRIBE
}

func newJitter(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x6b616b6f75)) }

// connect dials, subscribes to the unit's acks and announces it online,
// trying connectAttempts times.
func (u *unit) connect(ctx context.Context) error {
	var err error
	for attempt := 1; attempt <= connectAttempts; attempt++ {
		if err = u.dial(ctx); err == nil {
			if err = u.announce(ctx); err == nil {
				return nil
			}
		}
		if attempt == connectAttempts || !sleep(ctx, time.Duration(attempt)*time.Second) {
			break
		}
	}
	return err
}

func (u *unit) dial(ctx context.Context) error {
	select {
	case <-u.subscribed: // left by an earlier attempt's late connection
	default:
	}
	u.client = paho.NewClient(u.clientOptions())
	err := wait(ctx, u.client.Connect(), connectTimeout)
	if err == nil {
		select {
		case err = <-u.subscribed:
		case <-ctx.Done():
			err = ctx.Err()
		case <-time.After(connectTimeout):
			err = fmt.Errorf("subscribe to acks: %w", errTimeout)
		}
	}
	if err != nil {
		u.client.Disconnect(0)
		return fmt.Errorf("connect %s: %w", u.fleet.opts.BrokerURL, err)
	}
	return nil
}

func (u *unit) clientOptions() *paho.ClientOptions {
	o := u.fleet.opts
	return paho.NewClientOptions().
		AddBroker(o.BrokerURL).
		SetClientID("kakou-unit-"+u.site+"-"+u.id). // as the firmware names itself
		SetUsername(o.Username).
		SetPassword(o.Password).
		SetCleanSession(true). // a unit's ledger is its session, as in the firmware's uplink
		SetAutoReconnect(true).
		SetConnectRetry(false).
		SetConnectTimeout(connectTimeout).
		SetWriteTimeout(publishTimeout).
		SetKeepAlive(keepAlive).
		SetBinaryWill(wire.StatusTopic(u.site, u.id), u.status(wire.Offline), wire.QoSStatus, true).
		// Every connection, first or after a drop, subscribes again: with
		// a clean session the broker forgets the subscription.
		SetOnConnectHandler(u.onConnect).
		SetConnectionLostHandler(func(_ paho.Client, err error) {
			u.fleet.log.Warn("unit lost the broker, reconnecting", "unit", u.id, "err", err)
		})
}

// onConnect runs on its own goroutine, so it may wait for the SUBACK.
func (u *unit) onConnect(c paho.Client) {
	tok := c.Subscribe(wire.AckTopic(u.site, u.id), wire.QoSAck, u.onAck)
	err := errTimeout
	if tok.WaitTimeout(connectTimeout) {
		err = tok.Error()
	}
	if st, ok := tok.(*paho.SubscribeToken); ok && err == nil {
		for filter, code := range st.Result() {
			if code >= 0x80 {
				err = fmt.Errorf("broker refused %s (code 0x%02x)", filter, code)
			}
		}
	}
	select {
	case u.subscribed <- err:
	default: // a reconnect nobody waits for
	}
}

// announce publishes the retained online status, as a unit does on every
// connect: the collector shows it online and starts its watermark at 0.
func (u *unit) announce(ctx context.Context) error {
	err := wait(ctx, u.client.Publish(wire.StatusTopic(u.site, u.id), wire.QoSStatus, true,
		u.status(wire.Online)), publishTimeout)
	if err != nil {
		u.client.Disconnect(0)
		return fmt.Errorf("publish online status: %w", err)
	}
	return nil
}

func (u *unit) status(state wire.UnitState) []byte {
	o := u.fleet.opts
	st := wire.Status{Schema: wire.SchemaVersion, Site: u.site, Unit: u.id, Facility: u.facility,
		Lane: u.lane, State: state, Firmware: o.Firmware, PolicyVersion: o.PolicyVersion,
		BootID: u.gen.BootID(), Time: time.Now().UTC()}
	if state == wire.Online {
		st.Devices = []wire.Device{{Name: "thermometer", OK: true}, {Name: "scanner", OK: true}}
	}
	b, err := json.Marshal(st)
	if err != nil {
		panic("loadgen: a wire.Status always marshals: " + err.Error())
	}
	return b
}

// onAck keeps the highest acknowledged seq; it runs on paho's router and
// must not block.
func (u *unit) onAck(_ paho.Client, m paho.Message) {
	a, err := wire.DecodeAck(m.Payload())
	if err != nil || a.Site != u.site || a.Unit != u.id {
		return
	}
	for {
		old := u.acked.Load()
		if a.Seq <= old {
			return // acks may come out of order from several collectors
		}
		if u.acked.CompareAndSwap(old, a.Seq) {
			select {
			case u.ackMoved <- struct{}{}:
			default:
			}
			return
		}
	}
}

// run publishes the unit's entries, waits for their acks and goes offline.
func (u *unit) run(ctx context.Context) {
	defer u.goodbye()
	u.publishAll(ctx)
	u.awaitAcks(ctx)
}

// publishAll publishes until Duration or EntriesPerUnit is done, or ctx
// ends. Paced units start at a random phase of their gap so the fleet's
// publishes spread over time, and never catch up in a burst: a unit held
// up by a slow broker goes on at its rate from where it is.
func (u *unit) publishAll(ctx context.Context) {
	o := u.fleet.opts
	var stop <-chan time.Time
	if o.Duration > 0 {
		t := time.NewTimer(o.Duration)
		defer t.Stop()
		stop = t.C
	}
	next := time.Now()
	if o.RatePerUnit > 0 {
		next = next.Add(time.Duration(u.jitter.Float64() * float64(u.gap())))
	}
	for n := 0; o.EntriesPerUnit == 0 || n < o.EntriesPerUnit; n++ {
		if !sleepUntil(ctx, stop, next) || !u.publish(ctx, u.gen.Next(time.Now())) {
			return
		}
		if o.RatePerUnit > 0 {
			next = later(next.Add(u.gap()), time.Now())
		}
	}
}

// gap is the time to the next entry: the mean gap at RatePerUnit, ±50%.
func (u *unit) gap() time.Duration {
	mean := float64(time.Second) / u.fleet.opts.RatePerUnit
	return time.Duration(mean * (0.5 + u.jitter.Float64()))
}

// publish sends one entry at QoS 1 and waits for its PUBACK, trying
// publishAttempts times; it reports false only when ctx ended.
func (u *unit) publish(ctx context.Context, e wire.Entry) bool {
	b, err := json.Marshal(e)
	if err != nil {
		panic("loadgen: a generated entry always marshals: " + err.Error())
	}
	u.sent.Store(e.Seq)
	topic := wire.EntryTopic(u.site, u.id)
	for attempt := 1; ; attempt++ {
		began := time.Now()
		err := wait(ctx, u.client.Publish(topic, wire.QoSEntry, false, b), publishTimeout)
		if err == nil {
			u.fleet.latency.add(time.Since(began))
			u.fleet.published.Add(1)
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		u.fleet.publishFailures.Add(1)
		if attempt == publishAttempts {
			u.fleet.log.Warn("entry given up; the unit's acks stop below it", "unit", u.id, "seq", e.Seq, "err", err)
			return true
		}
		if !sleep(ctx, time.Duration(attempt)*retryDelay) {
			return false
		}
	}
}

// ackedSeq is how far this run's entries are acknowledged.
func (u *unit) ackedSeq() uint64 { return min(u.acked.Load(), u.sent.Load()) }

// awaitAcks waits up to AckWait for the collector to acknowledge the last
// entry sent.
func (u *unit) awaitAcks(ctx context.Context) {
	if u.fleet.opts.AckWait < 0 {
		return
	}
	timer := time.NewTimer(u.fleet.opts.AckWait)
	defer timer.Stop()
	for u.acked.Load() < u.sent.Load() {
		select {
		case <-u.ackMoved:
		case <-timer.C:
			u.fleet.log.Debug("acks still short", "unit", u.id, "acked", u.acked.Load(), "sent", u.sent.Load())
			return
		case <-ctx.Done():
			return
		}
	}
}

// goodbye publishes the offline status, as a unit shutting down cleanly
// does (the will covers only a lost connection), and disconnects. It runs
// even when ctx has ended, so the dashboard does not keep thousands of
// simulated units online.
func (u *unit) goodbye() {
	ctx, cancel := context.WithTimeout(context.Background(), goodbyeWait)
	defer cancel()
	wait(ctx, u.client.Publish(wire.StatusTopic(u.site, u.id), wire.QoSStatus, true,
		u.status(wire.Offline)), goodbyeWait)
	u.client.Disconnect(250)
}

// wait is tok's outcome, or errTimeout after d, or ctx's error.
func wait(ctx context.Context, tok paho.Token, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-tok.Done():
		return tok.Error()
	case <-timer.C:
		return errTimeout
	case <-ctx.Done():
		return ctx.Err()
	}
}

// sleep waits d; false means ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	return sleepUntil(ctx, nil, time.Now().Add(d))
}

// sleepUntil waits until t; false means ctx ended or stop fired first.
func sleepUntil(ctx context.Context, stop <-chan time.Time, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		select {
		case <-ctx.Done():
			return false
		case <-stop:
			return false
		default:
			return true
		}
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	case <-stop:
		return false
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
