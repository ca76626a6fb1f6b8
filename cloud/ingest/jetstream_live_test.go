package ingest

import (
	"context"
	"encoding/json"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/natstest"
	"github.com/kakou/kakou/internal/testenv"
)

// lagSamples counts the live-lag samples ingest reports.
type lagSamples struct {
	noObserver
	n atomic.Int64
}

func (l *lagSamples) Lag(time.Duration) { l.n.Add(1) }

// startLiveIngest is startJetStreamIngest with the live path's switch and
// an observer.
func startLiveIngest(t testing.TB, st Store, c *natstest.Nodes, first int, clientID string, ackWait time.Duration,
	durableOnly bool, obs Observer) *Ingest {
	t.Helper()
	return startClusterIngest(t, st, Options{BrokerURLs: rotate(c.MQTTURLs(), first), ClientID: clientID, Observer: obs,
		JetStream: &JetStreamOptions{URLs: rotate(c.NATSURLs(), first), Replicas: c.Len(), AckWait: ackWait,
			DurableOnly: durableOnly}})
}

// publishAsync publishes a unit's entries without waiting for the PUBACKs,
// which a node may hold while JetStream has no leader for its own streams.
func publishAsync(t testing.TB, u paho.Client, e ...wire.Entry) {
	t.Helper()
	for _, e := range e {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		u.Publish(wire.EntryTopic(e.Site, e.Unit), wire.QoSEntry, false, b)
	}
}

func TestLiveAndDurableCopiesOfAnEntryStoreItOnceWithOneAlertOneLagSampleAndNoReack(t *testing.T) {
	defer func(d time.Duration) { reackEvery = d }(reackEvery)
	reackEvery = 0 // every re-send would be answered at once: an echo taken for one would show
	c, s := natstest.Cluster(t, 3), openStore(t)
	obsA, obsB := &lagSamples{}, &lagSamples{}
	a := startLiveIngest(t, s, c, 0, "cloud-a", DefaultAckWait, false, obsA)
	b := startLiveIngest(t, s, c, 1, "cloud-b", DefaultAckWait, false, obsB)
	w := watchAcks(t, c.Node(2).MQTTURL, "watch")
	u := natsUnit(t, c.Node(2).MQTTURL, "unit")

	const n, fevers = 20, 5
	var sent []wire.Entry
	for seq := uint64(1); seq <= n; seq++ {
		e := entry("site-a", "u1", seq)
		if seq%(n/fevers) == 0 {
			e.Decision, e.Alert = wire.Deny, "fever"
			e.Temperature = &wire.Temperature{RawC: 38.6, CorrectedC: 38.9}
			e.Reasons = []wire.Reason{{Code: "fever", ZH: "体温异常", EN: "fever"}}
		}
		sent = append(sent, e)
	}
	publishAsync(t, u, sent...)
	testenv.Await(t, "all stored", clusterWait, func() bool { return len(entries(t, s)) == n })
	testenv.Await(t, "the durable copies taken and acknowledged", clusterWait, func() bool {
		info := consumerInfo(t, c)
		return info.NumAckPending == 0 && info.NumPending == 0 && info.Delivered.Consumer >= n
	})
	testenv.Await(t, "the echoes counted", clusterWait, func() bool {
		sa, sb := a.Stats(), b.Stats()
		return sa.Echoes+sb.Echoes+(sa.Accepted+sb.Accepted-n) >= n
	})
	testenv.Await(t, "ack 20", clusterWait, w.reaches("u1", n))

	sa, sb := a.Stats(), b.Stats()
	// Each entry to one collector at most: a queue group. (One published
	// before a node learnt of the group's interest reaches none, and
	// comes through the durable consumer alone.)
	if sa.Live+sb.Live > n || sa.Live+sb.Live == 0 {
		t.Errorf("live path took %d+%d, want each of the %d entries on one collector at most", sa.Live, sb.Live, n)
	}
	if got := sa.Accepted + sb.Accepted - sa.Duplicates - sb.Duplicates; got != n {
		t.Errorf("new entries counted %d (a %+v, b %+v), want %d", got, sa, sb, n)
	}
	if got := obsA.n.Load() + obsB.n.Load(); got != n {
		t.Errorf("%d lag samples, want one per entry, %d", got, n)
	}
	alerts, err := s.Alerts(context.Background(), store.AlertQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != fevers {
		t.Errorf("%d alerts, want one per feverish entry, %d", len(alerts), fevers)
	}
	// Two collectors each publish the watermark their own batch left, so
	// an older one may arrive after a newer, and both may leave the
	// newest when their last batches end together; an echo taken for a
	// re-send would add one for each of the n echoes.
	if got := w.seqs("u1"); slices.Max(got) != n || countOf(got, n) > 2 {
		t.Errorf("acks %v: want the watermark %d published once by each collector at most, not again for each echo", got, n)
	}
	if len(deadLetters(t, s)) != 0 {
		t.Errorf("dead letters %v, want none", deadLetters(t, s))
	}
}

func countOf(seqs []uint64, seq uint64) int {
	n := 0
	for _, s := range seqs {
		if s == seq {
			n++
		}
	}
	return n
}

func TestLivePathOffTakesEntriesOnlyThroughTheDurableConsumer(t *testing.T) {
	c, s := natstest.Cluster(t, 3), openStore(t)
	in := startLiveIngest(t, s, c, 0, "cloud", DefaultAckWait, true, nil)
	publishOn(t, natsUnit(t, c.Node(1).MQTTURL, "unit"), "u1", 1, 10)
	testenv.Await(t, "the 10 entries stored", clusterWait, func() bool { return len(entries(t, s)) == 10 })
	if st := in.Stats(); st.Live != 0 || st.Echoes != 0 || st.Accepted != 10 || in.live != nil {
		t.Fatalf("stats %+v, live path %v: want every entry through the durable consumer alone", st, in.live)
	}
}

func TestLivePathLosesNothingWhenACollectorDiesHoldingItsShare(t *testing.T) {
	c, s := natstest.Cluster(t, 3), openStore(t)
	broken := &flakyStore{Store: s}
	broken.failures.Store(1 << 30) // its database never answers
	a := startLiveIngest(t, broken, c, 0, "cloud-a", time.Second, false, nil)
	b := startLiveIngest(t, s, c, 1, "cloud-b", time.Second, false, nil)
	var sent []wire.Entry
	for seq := uint64(1); seq <= 20; seq++ {
		sent = append(sent, entry("site-a", "u1", seq))
	}
	publishAsync(t, natsUnit(t, c.Node(2).MQTTURL, "unit"), sent...)
	testenv.Await(t, "the broken collector taking its share live", clusterWait, func() bool {
		return a.Stats().Live > 0 && broken.attempts.Load() > 0
	})
	a.Stop() // killed mid-batch: what it took live is gone from it
	testenv.Await(t, "the other collector storing all 20", clusterWait, func() bool { return len(entries(t, s)) == 20 })
	if la, lb := a.Stats().Live, b.Stats().Live; la+lb > 20 || lb == 20 {
		t.Fatalf("live path took %d and %d: want the 20 split, some lost with the dead collector", la, lb)
	}
}
