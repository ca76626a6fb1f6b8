package uplink

import (
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/mqttproxy"
)

// awaitCond polls cond until it holds; hangGuard only turns a hang into a
// failure.
func awaitCond(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(hangGuard)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A NATS node whose streams have no leader still passes every entry on to
// the collectors at once but PUBACKs nothing for seconds. An uplink that
// waited for a round's PUBACKs before the next round stopped there; it now
// goes on publishing while they are outstanding, and when they come
// everything is acknowledged on the same connection, nothing sent twice.
func TestUplinkKeepsSendingLiveEntriesWhileTheBrokersPubacksAreHeld(t *testing.T) {
	b := startBroker(t, "127.0.0.1:0", nil)
	coll := startCollector(t, b.url)
	p := mqttproxy.Start(t, b.url)
	l := newLedger(t)
	u := newUplink(t, l, p.URL(), batchOf(5))
	u.t.puback = 10 * hangGuard // only the pipelining can get the entries through in time
	runUplink(t, u)
	if _, err := l.add(); err != nil {
		t.Fatal(err)
	}
	u.Notify()
	coll.awaitContig(1)

	p.HoldPubacks(true)
	const live = 60 // twelve of the old rounds of five
	for range live {
		if _, err := l.add(); err != nil {
			t.Fatal(err)
		}
		u.Notify()
	}
	coll.awaitContig(1 + live)
	// The broker PUBACKs each entry as it passes it on; the proxy may read
	// the last few a moment after the collector has them.
	awaitCond(t, "every entry's PUBACK held back at the proxy", func() bool { return p.Pubacks.Load() >= live })
	p.HoldPubacks(false)
	l.awaitEmptyBacklog(t)
	if n := p.Accepted.Load(); n != 1 {
		t.Fatalf("%d connections, want the first one to carry everything", n)
	}
	for seq := uint64(1); seq <= 1+live; seq++ {
		if n := coll.copies(seq); n != 1 {
			t.Fatalf("seq %d arrived %d times, want once", seq, n)
		}
	}
}

// A broker that never PUBACKs costs the connection once the oldest publish
// has waited puback: the unit reconnects and sends again what the
// collector has not acknowledged.
func TestUplinkDropsTheConnectionWhenAPubackIsHeldPastItsTimeoutAndResends(t *testing.T) {
	b := startBroker(t, "127.0.0.1:0", nil)
	coll := startCollector(t, b.url)
	coll.setAcking(false)
	p := mqttproxy.Start(t, b.url)
	p.HoldPubacks(true)
	l := newLedger(t)
	l.addN(t, 10)
	log := new(lines)
	u := newUplink(t, l, p.URL(), func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(log, nil)) })
	u.t.puback = 300 * time.Millisecond
	runUplink(t, u)

	awaitCond(t, "a reconnection after the PUBACK timeout", func() bool { return p.Accepted.Load() >= 2 })
	awaitCond(t, "the entries sent again", func() bool { return coll.copies(10) >= 2 })
	if log.count("no acknowledgement in time") == 0 {
		t.Fatalf("the log does not say the broker did not acknowledge:\n%s", log.buf.String())
	}
	p.HoldPubacks(false)
	coll.setAcking(true)
	l.awaitEmptyBacklog(t)
	coll.awaitContig(10)
}

// A push subscription whose SUBACK does not come (a recovering NATS node
// making a JetStream consumer for it) no longer keeps the unit offline: it
// goes online, sends its entries and keeps asking; once the broker
// answers, pushes on that topic reach the unit.
func TestUplinkGoesOnlineWhileAPushSubscriptionIsUnansweredAndGetsThePushLater(t *testing.T) {
	b := startBroker(t, "127.0.0.1:0", nil)
	coll := startCollector(t, b.url)
	p := mqttproxy.Start(t, b.url)
	filter := wire.PolicyTopic(testStatus.Site, testStatus.Unit)
	p.HoldSuback(filter)
	l := newLedger(t)
	l.addN(t, 5)
	got := make(chan wire.PolicyPush, 10)
	log := new(lines)
	u := newUplink(t, l, p.URL(), hookInto(got), func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(log, nil)) })
	u.t.puback = 500 * time.Millisecond
	u.t.subRetry = 50 * time.Millisecond
	runUplink(t, u)

	coll.awaitContig(5)
	l.awaitEmptyBacklog(t)
	awaitCond(t, "a retried policy subscription", func() bool { return p.Subscriptions(filter) >= 2 })
	if n := p.Accepted.Load(); n != 1 {
		t.Fatalf("%d connections, want the first one to go online without the policy SUBACK", n)
	}
	if log.count("did not answer the policy subscription within") == 0 {
		t.Fatalf("the log does not say the subscription went unanswered:\n%s", log.buf.String())
	}
	p.ReleaseSuback(filter)
	b.publishPolicy(t, testStatus.Unit, encodePush(t, push("v2", testStatus.Unit)), true)
	if v := nextPush(t, got).Version; v != "v2" {
		t.Fatalf("push %q handed over, want v2", v)
	}
}

// A subscription the broker refuses is logged as refused, with its ACL to
// check, and asked for again on the same connection, while the other
// pushes and the entries go on; once the broker grants it the log says so.
func TestUplinkRetriesARefusedSubscriptionWithoutHoldingUpTheOthers(t *testing.T) {
	b := startBroker(t, "127.0.0.1:0", nil)
	coll := startCollector(t, b.url)
	p := mqttproxy.Start(t, b.url)
	p.RefuseSuback(wire.TrustTopic, 2)
	b.publishPolicy(t, testStatus.Unit, encodePush(t, push("v1", testStatus.Unit)), true)
	l := newLedger(t)
	l.addN(t, 3)
	got := make(chan wire.PolicyPush, 10)
	log := new(lines)
	u := newUplink(t, l, p.URL(), hookInto(got), func(o *Options) {
		o.OnTrust = func([]byte) {}
		o.Logger = slog.New(slog.NewTextHandler(log, nil))
	})
	u.t.subRetry = 20 * time.Millisecond
	runUplink(t, u)

	if v := nextPush(t, got).Version; v != "v1" {
		t.Fatalf("push %q handed over, want v1", v)
	}
	coll.awaitContig(3)
	awaitCond(t, "the trust list subscription granted on a retry", func() bool {
		return log.count("granted the trust list subscription on a retry") == 1
	})
	if n := p.Refusals(wire.TrustTopic); n != 2 {
		t.Fatalf("%d refusals, want 2", n)
	}
	if n := p.Subscriptions(wire.TrustTopic); n != 3 {
		t.Fatalf("%d trust list SUBSCRIBEs, want 3 (two refused, one granted)", n)
	}
	if log.count("refused the trust list subscription (check its ACL") != 1 {
		t.Fatalf("want the first refusal logged once as refused:\n%s", log.buf.String())
	}
	if n := p.Accepted.Load(); n != 1 {
		t.Fatalf("%d connections, want one", n)
	}
}

// A node taking over a dead node's streams refuses the ack subscription
// for a while: the unit asks again on the same connection rather than
// dropping it for a new CONNECT, and delivers once it is granted.
func TestUplinkAsksAgainForARefusedAckSubscriptionOnTheSameConnection(t *testing.T) {
	b := startBroker(t, "127.0.0.1:0", nil)
	coll := startCollector(t, b.url)
	p := mqttproxy.Start(t, b.url)
	acks := wire.AckTopic(testStatus.Site, testStatus.Unit)
	p.RefuseSuback(acks, 2)
	l := newLedger(t)
	l.addN(t, 4)
	u := newUplink(t, l, p.URL())
	u.t.subRetry = 20 * time.Millisecond
	runUplink(t, u)

	coll.awaitContig(4)
	l.awaitEmptyBacklog(t)
	if n := p.Subscriptions(acks); n != 3 {
		t.Fatalf("%d ack SUBSCRIBEs, want 3 (two refused, one granted)", n)
	}
	if n := p.Accepted.Load(); n != 1 {
		t.Fatalf("%d connections, want the refusals ridden out on the first", n)
	}
}

// A broker that keeps refusing the acks (an ACL without them) costs the
// connection once the retries have taken as long as a PUBACK may: the
// unit does not go online with nothing to tell it what was delivered.
func TestUplinkDropsAConnectionWhoseAckSubscriptionIsRefusedForAPubackTimeout(t *testing.T) {
	b := startBroker(t, "127.0.0.1:0", nil)
	p := mqttproxy.Start(t, b.url)
	acks := wire.AckTopic(testStatus.Site, testStatus.Unit)
	p.RefuseSuback(acks, 1000)
	l := newLedger(t)
	l.addN(t, 2)
	u := newUplink(t, l, p.URL())
	u.t.subRetry = 20 * time.Millisecond
	u.t.puback = 200 * time.Millisecond
	runUplink(t, u)

	awaitCond(t, "a second connection after the acks were refused", func() bool { return p.Accepted.Load() >= 2 })
	if u.connected.Load() {
		t.Fatal("the unit went online without its acks")
	}
}

// A broker reads a connection's packets in order, so entries published
// behind an unanswered SUBSCRIBE wait in the broker: the unit goes online
// only once every push subscription has had its first answer (or
// pushWait has passed), and sends what it logged meanwhile as backlog.
func TestUplinkGoesOnlineOnlyOnceItsPushSubscriptionsAreAnswered(t *testing.T) {
	b := startBroker(t, "127.0.0.1:0", nil)
	coll := startCollector(t, b.url)
	p := mqttproxy.Start(t, b.url)
	filter := wire.PolicyTopic(testStatus.Site, testStatus.Unit)
	p.HoldSuback(filter)
	l := newLedger(t)
	l.addN(t, 3)
	u := newUplink(t, l, p.URL(), hookInto(make(chan wire.PolicyPush, 10)))
	u.t.pushWait = time.Minute
	runUplink(t, u)

	awaitCond(t, "the policy SUBSCRIBE at the broker", func() bool { return p.Subscriptions(filter) >= 1 })
	for end := time.Now().Add(300 * time.Millisecond); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if u.connected.Load() {
			t.Fatal("the unit went online with its policy subscription unanswered")
		}
	}
	p.ReleaseSuback(filter)
	coll.awaitContig(3)
	l.awaitEmptyBacklog(t)
}

// A subscription the broker never answers holds the unit back no longer
// than pushWait.
func TestUplinkGoesOnlineAfterPushWaitThoughASubscriptionIsStillUnanswered(t *testing.T) {
	b := startBroker(t, "127.0.0.1:0", nil)
	coll := startCollector(t, b.url)
	p := mqttproxy.Start(t, b.url)
	p.HoldSuback(wire.PolicyTopic(testStatus.Site, testStatus.Unit))
	l := newLedger(t)
	l.addN(t, 3)
	u := newUplink(t, l, p.URL(), hookInto(make(chan wire.PolicyPush, 10)))
	u.t.pushWait = 200 * time.Millisecond
	runUplink(t, u)

	coll.awaitContig(3)
	l.awaitEmptyBacklog(t)
	if n := p.Accepted.Load(); n != 1 {
		t.Fatalf("%d connections, want one", n)
	}
}

// With SubscribeQoS0 (for a NATS cluster) the acks and every push are
// asked for at QoS 0, and still arrive: the retained ack drains the
// ledger and a retained policy is handed over. Without it, QoS 1.
func TestUplinkSubscribesAtQoS0OnlyWhenAskedAndStillGetsItsAcksAndPushes(t *testing.T) {
	for _, qos0 := range []bool{true, false} {
		t.Run(fmt.Sprintf("qos0=%v", qos0), func(t *testing.T) {
			b := startBroker(t, "127.0.0.1:0", nil)
			coll := startCollector(t, b.url)
			p := mqttproxy.Start(t, b.url)
			b.publishPolicy(t, testStatus.Unit, encodePush(t, push("v3", testStatus.Unit)), true)
			l := newLedger(t)
			l.addN(t, 5)
			got := make(chan wire.PolicyPush, 10)
			u := newUplink(t, l, p.URL(), hookInto(got), func(o *Options) { o.SubscribeQoS0 = qos0 })
			runUplink(t, u)

			coll.awaitContig(5)
			l.awaitEmptyBacklog(t)
			if v := nextPush(t, got).Version; v != "v3" {
				t.Fatalf("push %q handed over, want v3", v)
			}
			want := byte(1)
			if qos0 {
				want = 0
			}
			for _, f := range []string{wire.AckTopic(testStatus.Site, testStatus.Unit), wire.PolicyTopic(testStatus.Site, testStatus.Unit)} {
				if q, ok := p.RequestedQoS(f); !ok || q != want {
					t.Errorf("%s subscribed at QoS %d (seen %v), want %d", f, q, ok, want)
				}
			}
		})
	}
}
