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
// push at once. The unit goes online once each push has had its first
// answer, granted or refused, or after pushWait, whichever is sooner. It
// waits because a broker reads a connection's packets in order: NATS's
// MQTT listener makes a JetStream consumer for each QoS 1 subscription
// before it reads the next packet, which takes seconds on a node taking
// over from a dead one (measured on the city's cluster: the slowest of
// nine 5 to 25 s), and entries published behind those SUBSCRIBEs would
// wait in the broker while the unit counted them as sent live. Logged
// offline they are the backlog, and the unit's status says so. It does
// not wait past pushWait, since pushes are retained and arrive whenever
// the subscription is granted (paho routes them from the SUBSCRIBE on). A
// push subscription the broker refuses or does not answer costs that push
// for a while, not the connection: it is tried again in the background
// on the same connection, after a second, doubling to retryMax, until the
// broker grants it or the connection ends.

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
// (retries.Wait), and returns once each has had its first answer or
// pushWait has passed.
func (u *Uplink) subscribePushes(ctx context.Context, c *delivery.Link, retries *sync.WaitGroup) {
	var answered sync.WaitGroup
	defer awaitAnswers(ctx, c, &answered, u.t.pushWait)
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
		answered.Add(1)
		go func() {
			defer retries.Done()
			u.keepListening(ctx, c, p, answered.Done)
		}()
	}
}

// awaitAnswers waits for answered, at most max, and no longer than ctx or
// the connection lasts.
func awaitAnswers(ctx context.Context, c *delivery.Link, answered *sync.WaitGroup, max time.Duration) {
	all := make(chan struct{})
	go func() {
		answered.Wait()
		close(all)
	}()
	t := time.NewTimer(max)
	defer t.Stop()
	select {
	case <-all:
	case <-t.C:
	case <-ctx.Done():
	case <-c.Down():
	}
}

// keepListening subscribes to p and tries again with a doubling pause
// while the broker refuses or does not answer, until it grants it, ctx
// ends or the connection does. answered is called after the first try.
func (u *Uplink) keepListening(ctx context.Context, c *delivery.Link, p pushSub, answered func()) {
	pause := u.t.subRetry
	for attempt := 1; ; attempt++ {
		err := c.Listen(ctx, p.topic, p.qos, p.on, u.t.puback)
		if attempt == 1 {
			answered()
		}
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
		pauseOn(ctx, c, pause)
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

// pauseOn waits d, or until ctx ends or the connection goes.
func pauseOn(ctx context.Context, c *delivery.Link, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-c.Down():
	case <-t.C:
	}
}

func isDown(c *delivery.Link) bool {
	select {
	case <-c.Down():
		return true
	default:
		return false
	}
}
