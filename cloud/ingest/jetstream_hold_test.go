package ingest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/sqlite"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/natstest"
	"github.com/kakou/kakou/internal/testenv"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// stallStore holds its first batch until released, as a PostgreSQL stuck
// behind a lock or a checkpoint would.
type stallStore struct {
	*sqlite.Store
	entered, release chan struct{}
	once             sync.Once
}

func (s *stallStore) PutEntries(ctx context.Context, e []wire.Entry, at time.Time) (store.PutResult, error) {
	first := false
	s.once.Do(func() { first = true; close(s.entered) })
	if first {
		select {
		case <-s.release:
		case <-ctx.Done():
			return store.PutResult{}, ctx.Err()
		}
	}
	return s.Store.PutEntries(ctx, e, at)
}

func TestJetStreamKeepsWhatASlowStoreHoldsPastAckWaitAndNoOtherCollectorGetsIt(t *testing.T) {
	c, s := natstest.Cluster(t, 3), openStore(t)
	st := &stallStore{Store: s, entered: make(chan struct{}), release: make(chan struct{})}
	const ackWait = time.Second
	a := startJetStreamIngest(t, st, c, 0, "cloud-a", ackWait)
	// Watching from the start: live acks, not a retained one a later
	// subscriber may find stale on NATS.
	w := watchAcks(t, c.Node(2).MQTTURL, "watch")
	publishOn(t, natsUnit(t, c.Node(1).MQTTURL, "unit"), "u1", 1, 10)
	testenv.Await(t, "a's store stalled on the batch", clusterWait, func() bool {
		select {
		case <-st.entered:
			return true
		default:
			return false
		}
	})
	b := startJetStreamIngest(t, s, c, 1, "cloud-b", ackWait) // pulling, ready for anything handed out again
	// Six rounds of InProgress, a third of AckWait apart: the batch has
	// been a's for twice AckWait and more while its store stalled.
	testenv.Await(t, "a kept its entries for two AckWaits", clusterWait, func() bool {
		return a.js.hold.extended.Load() >= 6
	})
	close(st.release)
	testenv.Await(t, "u1 acknowledged to 10", clusterWait, w.reaches("u1", 10))
	if got := entries(t, s); len(got) != 10 {
		t.Fatalf("stored %d entries, want the 10", len(got))
	}
	if got := b.Stats().Accepted; got != 0 {
		t.Fatalf("collector b took %d entries, want none: a's were handed out again while its store stalled", got)
	}
	if info := consumerInfo(t, c); info.NumRedelivered != 0 || info.NumAckPending != 0 {
		t.Fatalf("consumer has %d redelivered and %d pending, want none", info.NumRedelivered, info.NumAckPending)
	}
}

func TestHoldsLetGoOfAMessageHeldPastMaxHold(t *testing.T) {
	h := &holds{held: map[jetstream.Msg]time.Time{}}
	now := time.Now()
	var fresh, stale jetstream.Msg = &countingMsg{}, &countingMsg{}
	h.held[fresh], h.held[stale] = now, now.Add(-maxHold-time.Second)
	if n := h.extend(now); n != 1 {
		t.Fatalf("extended %d messages, want only the fresh one", n)
	}
	if fresh.(*countingMsg).inProgress != 1 || stale.(*countingMsg).inProgress != 0 {
		t.Fatalf("InProgress sent fresh %d, stale %d; want 1 and 0", fresh.(*countingMsg).inProgress, stale.(*countingMsg).inProgress)
	}
	if _, ok := h.held[stale]; ok {
		t.Fatal("the stale message is still held")
	}
}

// countingMsg counts InProgress; nothing else of it is used.
type countingMsg struct {
	jetstream.Msg
	inProgress int
}

func (m *countingMsg) InProgress() error { m.inProgress++; return nil }

func TestJetStreamStreamKeepsEntriesForTheConfiguredMaxAge(t *testing.T) {
	c := natstest.Cluster(t, 3)
	startClusterIngest(t, openStore(t), Options{BrokerURLs: c.MQTTURLs(), ClientID: "cloud",
		JetStream: &JetStreamOptions{URLs: c.NATSURLs(), Replicas: 3, MaxAge: 7 * 24 * time.Hour}})
	nc, err := nats.Connect(c.Node(1).NATSURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), clusterWait)
	defer cancel()
	s, err := js.Stream(ctx, DefaultStream)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.CachedInfo().Config.MaxAge; got != 7*24*time.Hour {
		t.Fatalf("stream max age %v, want 168h as configured", got)
	}
}
