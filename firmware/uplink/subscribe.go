package uplink

import (
	"context"
	"errors"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/delivery"
)

// A connection's subscriptions: the acks first, since without them nothing
// is ever delivered and the connection is not worth having; then every
// push at once, in the background: the unit goes online without waiting
// for their SUBACKs. A NATS node that is recovering answers a QoS 1
// subscription only once it has made a JetStream consumer for it, seconds
// each and sometimes a refusal after a while (measured on the city's
// cluster: the slowest of nine took 5 to 25 s), and entries must not wait
// for pushes, which are retained and arrive whenever the subscription is
// granted (paho routes them from the SUBSCRIBE on). A push subscription
// the broker refuses or does not answer costs that push for a while, not
// the connection: it is tried again in the background on the same
// connection, after a second, doubling to retryMax, until the broker
// grants it or the connection ends.

// pushSub is one push subscription: its topic and handler, what it is called
// in the log, and what a refusal costs the unit.
type pushSub struct {
	what     string // "policy", for the log
	topic    string
	qos      byte
	on       mqtt.MessageHandler
	refused  string // what the unit goes without meanwhile
	expected bool   // a refusal is normal (no site gateway): logged as news
}

// subscribePushes starts every push subscription, each on a goroutine
// that retries it until it is granted, ctx ends or the connection does
// (retries.Wait), and returns at once.
func (u *Uplink) subscribePushes(ctx context.Context, c *delivery.Link, retries *sync.WaitGroup) {
	subs := []func() (pushSub, bool){
		u.policyPush, u.flowPush, u.guardsPush, u.staffPush, u.resultsPush,
		u.watchPush, u.householdsPush, u.trustPush, u.updatePush,
	}
	for _, sub := range subs {
		p, ok := sub()
		if !ok {
			continue
		}
		retries.Add(1)
		go func() {
			defer retries.Done()
			u.keepListening(ctx, c, p)
		}()
	}
}

// keepListening subscribes to p and tries again with a doubling pause while the broker refuses or does
// not answer, until it grants it, ctx ends or the connection does.
func (u *Uplink) keepListening(ctx context.Context, c *delivery.Link, p pushSub) {
	pause := u.t.subRetry
	for attempt := 1; ; attempt++ {
		err := c.Listen(ctx, p.topic, p.qos, p.on, u.t.puback)
		if err == nil {
			if attempt > 1 {
				u.log.Info("uplink: the broker granted the "+p.what+" subscription on a retry",
					"topic", p.topic, "attempts", attempt)
			}
			return
		}
		if ctx.Err() != nil || isDown(c) {
			return
		}
		u.subscriptionFailed(p, err, attempt, pause)
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
		case <-c.Down():
		case <-t.C:
		}
		t.Stop()
		if ctx.Err() != nil || isDown(c) {
			return
		}
		pause = min(2*pause, u.t.retryMax)
	}
}

// subscriptionFailed says why, on the first failure; later ones of the
// same subscription are only debug, or a refusing ACL would fill the log.
func (u *Uplink) subscriptionFailed(p pushSub, err error, attempt int, pause time.Duration) {
	log, msg := u.log.Error, "uplink: the broker refused the "+p.what+" subscription (check its ACL; "+
		"a cluster node still recovering refuses for a while too): "+p.refused+"; retrying"
	switch {
	case !errors.Is(err, delivery.ErrRefused):
		log, msg = u.log.Warn, "uplink: the broker did not answer the "+p.what+" subscription within "+
			u.t.puback.String()+"; retrying (meanwhile "+p.refused+")"
	case p.expected:
		log, msg = u.log.Info, "uplink: the broker refused the "+p.what+" subscription; "+p.refused+"; retrying"
	}
	if attempt > 1 {
		log = u.log.Debug
	}
	log(msg, "topic", p.topic, "err", err, "retry_in", pause)
}

func isDown(c *delivery.Link) bool {
	select {
	case <-c.Down():
		return true
	default:
		return false
	}
}
