package bridge

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/wire"
)

func TestBridgeRelaysUnitStatusWithTheCloudsAckAndBacklog(t *testing.T) {
	r := newRig(t, time.Minute, true)
	r.backlog([]string{"door-1"}, 1, 10, nil)
	r.start()
	waitFor(t, "the cloud's ack of seq 10 in the outbox", func() bool { return r.ackedSeq("door-1") == 10 })
	r.col.holdAcks(true)
	for seq := uint64(11); seq <= 15; seq++ {
		r.live("door-1", seq)
	}
	waitFor(t, "seqs 11-15 at the collector", func() bool { return r.col.count() == 15 })
	_, storedAt, _ := r.out.Backlog(t.Context(), "door-1")

	unitOldest := time.Date(2020, 2, 3, 7, 0, 0, 0, time.UTC)
	for i, tc := range []struct {
		name        string
		backlog     int
		oldest      *time.Time
		wantBacklog int
		wantOldest  time.Time
	}{
		{"the unit holds older entries", 2, &unitOldest, 7, unitOldest},
		{"the unit holds none", 0, nil, 5, storedAt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The unit thinks seq 15 is acked: the gateway acked it locally.
			st := wire.Status{Schema: wire.SchemaVersion, Site: testSite, Unit: "door-1", Lane: wire.LaneIn,
				State: wire.Online, Time: time.Now().UTC(), Backlog: tc.backlog, OldestUnacked: tc.oldest,
				AckedSeq: 15, Firmware: "unit-7"}
			raw := mustJSON(t, st)
			raw = append(raw[:len(raw)-1], `,"x_future":"kept"}`...)
			watched := watch(t, r.cloud.url, fmt.Sprintf("test-watch-%d", i), wire.StatusTopic(testSite, "door-1"))
			r.b.RelayStatus(st, raw)
			var msg paho.Message
			got := awaitStatus(t, watched, "door-1's status", func(_ wire.Status, m paho.Message) bool {
				msg = m
				return !m.Retained() // the previous row's status is retained; this one comes live
			})
			if got.AckedSeq != 10 || got.Backlog != tc.wantBacklog || got.OldestUnacked == nil ||
				!got.OldestUnacked.Equal(tc.wantOldest) {
				t.Errorf("relayed acked_seq %d backlog %d oldest %v; want 10, %d, %v",
					got.AckedSeq, got.Backlog, got.OldestUnacked, tc.wantBacklog, tc.wantOldest)
			}
			if got.Firmware != "unit-7" || got.Lane != wire.LaneIn || !bytes.Contains(msg.Payload(), []byte(`"x_future":"kept"`)) {
				t.Errorf("the unit's own fields did not survive the rewrite: %s", msg.Payload())
			}
		})
	}
}

func TestBridgeRelaysPolicyPushesRetainedToTheLAN(t *testing.T) {
	r := newRig(t, time.Minute, false)
	push := func(unit, version string) []byte {
		return mustJSON(t, wire.PolicyPush{Schema: wire.SchemaVersion, Site: testSite, Unit: unit,
			Profile: "supermarket", Version: version, Document: "name = \"x\"\n",
			IssuedAt: time.Now().UTC(), IssuedBy: "centre"})
	}
	before, after := push("door-1", "v1"), push("door-2", "v2")
	publishRetained(t, r.cloud.url, wire.PolicyTopic(testSite, "door-1"), before) // chosen while the gateway was off
	r.start()
	r.connected()
	publishRetained(t, r.cloud.url, wire.PolicyTopic(testSite, "door-2"), after)
	for unit, want := range map[string][]byte{"door-1": before, "door-2": after} {
		waitFor(t, unit+"'s policy retained on the LAN", func() bool {
			got, ok := retained(t, r.lan.url, wire.PolicyTopic(testSite, unit))
			return ok && bytes.Equal(got, want)
		})
	}
}

// retained reports what the broker at url retains on topic, asking a
// fresh subscriber; ok is false if nothing came within a moment.
func retained(t testing.TB, url, topic string) (payload []byte, ok bool) {
	return retainedWithin(t, url, topic, 200*time.Millisecond)
}

// retainedWithin is retained with its own wait for the message: a payload
// of several MiB takes the broker longer than 200 ms to hand over under
// -race on a loaded machine, and a poll that always gives up first never
// sees it.
func retainedWithin(t testing.TB, url, topic string, wait time.Duration) (payload []byte, ok bool) {
	got := make(chan paho.Message, 1)
	c := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID("test-retained"))
	if tok := c.Connect(); !tok.WaitTimeout(hangGuard) || tok.Error() != nil {
		t.Fatalf("retained: connect: %v", tok.Error())
	}
	defer c.Disconnect(0)
	tok := c.Subscribe(topic, 1, func(_ paho.Client, m paho.Message) {
		select {
		case got <- m:
		default:
		}
	})
	if !tok.WaitTimeout(hangGuard) || tok.Error() != nil {
		t.Fatalf("retained: subscribe: %v", tok.Error())
	}
	select {
	case m := <-got:
		return m.Payload(), m.Retained()
	case <-time.After(wait):
		return nil, false
	}
}

func TestBridgePublishesBirthAndLastWill(t *testing.T) {
	r := newRig(t, time.Minute, false)
	r.backlog([]string{"door-1"}, 1, 5, nil) // no collector: the backlog stays
	statuses := watch(t, r.cloud.url, "test-watch", wire.StatusTopic(testSite, testGateway))
	gateway := func(state wire.UnitState) func(wire.Status, paho.Message) bool {
		return func(s wire.Status, _ paho.Message) bool { return s.State == state && s.Role == wire.RoleGateway }
	}
	r.start()
	birth := awaitStatus(t, statuses, "birth", gateway(wire.Online))
	if birth.Backlog != 5 || birth.OldestUnacked == nil || birth.Facility != "supermarket" || birth.Firmware != "test-1" {
		t.Errorf("birth %+v: want backlog 5 with its oldest, facility and firmware", birth)
	}
	r.connected()
	r.cloud.cutClient(t, "kakou-gateway-"+testSite+"-"+testGateway)
	awaitStatus(t, statuses, "last will after the cut", gateway(wire.Offline))
	awaitStatus(t, statuses, "birth after reconnecting", gateway(wire.Online))
	r.stop()
	awaitStatus(t, statuses, "offline at shutdown", gateway(wire.Offline))
	got, ok := retained(t, r.cloud.url, wire.StatusTopic(testSite, testGateway))
	var s wire.Status
	if !ok || json.Unmarshal(got, &s) != nil || s.State != wire.Offline {
		t.Errorf("retained gateway status after shutdown: %s (retained %v), want offline", got, ok)
	}
}

func TestBridgeRelaysGuardRostersRetainedToTheLAN(t *testing.T) {
	r := newRig(t, time.Minute, false)
	roster := mustJSON(t, wire.GuardRoster{Schema: wire.SchemaVersion, Site: testSite, Unit: "door-1", Version: 3,
		IssuedAt: time.Now().UTC(), IssuedBy: "centre", Guards: []wire.RosterGuard{{ID: "wang", Name: "王师傅",
			PINHash: "pbkdf2-sha256$1000$MDEyMzQ1Njc4OWFiY2RlZg$47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"}}})
	publishRetained(t, r.cloud.url, wire.GuardsTopic(testSite, "door-2"), roster) // addressed to door-1: dropped
	r.start()
	r.connected()
	publishRetained(t, r.cloud.url, wire.GuardsTopic(testSite, "door-1"), roster)
	waitFor(t, "door-1's roster retained on the LAN", func() bool {
		got, ok := retained(t, r.lan.url, wire.GuardsTopic(testSite, "door-1"))
		return ok && bytes.Equal(got, roster)
	})
	if _, ok := retained(t, r.lan.url, wire.GuardsTopic(testSite, "door-2")); ok {
		t.Fatal("a roster on another unit's topic was relayed")
	}
}

func TestBridgeRelaysTestResultsRetainedToTheLAN(t *testing.T) {
	r := newRig(t, time.Minute, false)
	push := mustJSON(t, wire.ResultPush{Schema: wire.SchemaVersion, Site: testSite, Unit: "door-1", Version: 4,
		IssuedAt: time.Now().UTC(), Results: []wire.TestResult{{ID: "r1", Pass: "P-1", Result: wire.ResultNegative,
			SampledAt: time.Now().UTC()}}})
	publishRetained(t, r.cloud.url, wire.ResultsTopic(testSite, "door-2"), push) // addressed to door-1: dropped
	r.start()
	r.connected()
	publishRetained(t, r.cloud.url, wire.ResultsTopic(testSite, "door-1"), push)
	waitFor(t, "door-1's results retained on the LAN", func() bool {
		got, ok := retained(t, r.lan.url, wire.ResultsTopic(testSite, "door-1"))
		return ok && bytes.Equal(got, push)
	})
	if _, ok := retained(t, r.lan.url, wire.ResultsTopic(testSite, "door-2")); ok {
		t.Fatal("results on another unit's topic were relayed")
	}
}
