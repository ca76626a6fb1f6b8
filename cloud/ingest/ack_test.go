package ingest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// ackFilter subscribes to every unit's acknowledgements, as a gateway or a
// monitoring tool would; a unit subscribes to its own wire.AckTopic.
var ackFilter = wire.Root + "/+/+/" + wire.KindAck

// gotAck is an acknowledgement as a subscriber received it.
type gotAck struct {
	wire.Ack
	topic    string
	retained bool
}

// ackWatcher records every acknowledgement a subscriber receives.
type ackWatcher struct {
	mu   sync.Mutex
	acks []gotAck
}

func watchAcks(t testing.TB, url, clientID string) *ackWatcher {
	t.Helper()
	w := &ackWatcher{}
	c := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID(clientID))
	if tok := c.Connect(); !tok.WaitTimeout(wait) || tok.Error() != nil {
		t.Fatalf("%s connect: %v", clientID, tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(0) })
	tok := c.Subscribe(ackFilter, wire.QoSAck, func(_ paho.Client, m paho.Message) {
		if len(m.Payload()) == 0 {
			return // a retained ack being cleared
		}
		a, err := wire.DecodeAck(m.Payload())
		if err != nil {
			t.Errorf("ack on %s: %v", m.Topic(), err)
			return
		}
		w.mu.Lock()
		w.acks = append(w.acks, gotAck{Ack: a, topic: m.Topic(), retained: m.Retained()})
		w.mu.Unlock()
	})
	if !tok.WaitTimeout(wait) || tok.Error() != nil {
		t.Fatalf("%s subscribe: %v", clientID, tok.Error())
	}
	return w
}

func (w *ackWatcher) all() []gotAck {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.acks)
}

// seqs lists the acknowledged seqs of unit in the order they arrived.
func (w *ackWatcher) seqs(unit string) []uint64 {
	var out []uint64
	for _, a := range w.all() {
		if a.Unit == unit {
			out = append(out, a.Seq)
		}
	}
	return out
}

// reaches is a condition for eventually: unit has been acknowledged up to seq.
func (w *ackWatcher) reaches(unit string, seq uint64) func() bool {
	return func() bool { return slices.Contains(w.seqs(unit), seq) }
}

func publishEntries(t *testing.T, u paho.Client, unitID string, seqs ...uint64) {
	t.Helper()
	for _, seq := range seqs {
		publish(t, u, wire.EntryTopic("site-a", unitID), false, entry("site-a", unitID, seq))
	}
}

func TestIngestPublishesRetainedAckOnceEntriesAreStored(t *testing.T) {
	url, s := startBroker(t), openStore(t)
	startIngest(t, s, url, "cloud")
	live := watchAcks(t, url, "watch-live")
	publishEntries(t, unit(t, url), "u1", 1, 2, 3)
	testenv.Await(t, "u1 acknowledged up to 3", wait, live.reaches("u1", 3))
	if got := live.seqs("u1"); !slices.IsSorted(got) || got[0] < 1 {
		t.Fatalf("acks %v, want rising seqs from 1", got)
	}

	late := watchAcks(t, url, "watch-late") // a unit reconnecting
	testenv.Await(t, "retained ack delivered", wait, func() bool { return len(late.all()) == 1 })
	a := late.all()[0]
	if !a.retained || a.topic != wire.AckTopic("site-a", "u1") || a.Site != "site-a" ||
		a.Unit != "u1" || a.Seq != 3 || a.Time.IsZero() {
		t.Fatalf("retained ack %+v, want u1 at seq 3 on %s", a, wire.AckTopic("site-a", "u1"))
	}
}

func TestIngestAckHoldsAtAGapAndJumpsWhenItFills(t *testing.T) {
	url, s := startBroker(t), openStore(t)
	startIngest(t, s, url, "cloud")
	w := watchAcks(t, url, "watch")
	u := unit(t, url)
	publishEntries(t, u, "u1", 1)
	testenv.Await(t, "ack 1", wait, w.reaches("u1", 1))
	publishEntries(t, u, "u1", 3, 4, 2, 3) // 2 was lost on the way and comes again, 3 twice
	testenv.Await(t, "ack 4", wait, w.reaches("u1", 4))
	for _, seq := range w.seqs("u1") {
		if seq != 1 && seq != 4 {
			t.Fatalf("acks %v: %d acknowledges entries the collector did not have", w.seqs("u1"), seq)
		}
	}
}

// birth publishes a unit's retained online status, as its uplink does on
// connecting and before any entry.
func birth(t *testing.T, u paho.Client, unitID string, backlog int) {
	t.Helper()
	publish(t, u, wire.StatusTopic("site-a", unitID), true, wire.Status{Schema: wire.SchemaVersion,
		Site: "site-a", Unit: unitID, State: wire.Online, Backlog: backlog, Time: t0})
}

func TestIngestAcksUnitFirstHeardOfAtSeq500(t *testing.T) {
	url, s := startBroker(t), openStore(t)
	startIngest(t, s, url, "cloud")
	w := watchAcks(t, url, "watch")
	u := unit(t, url)
	// Its ledger purged 1..499, acknowledged long ago; nothing waits.
	publish(t, u, wire.StatusTopic("site-a", "u1"), true, wire.Status{Schema: wire.SchemaVersion,
		Site: "site-a", Unit: "u1", State: wire.Online, AckedSeq: 499, Time: t0})
	publishEntries(t, u, "u1", 500, 501, 502)
	testenv.Await(t, "ack 502", wait, w.reaches("u1", 502))
	if got := w.seqs("u1"); got[0] < 500 {
		t.Fatalf("acks %v, want them to start at 500", got)
	}
}

func TestIngestDoesNotAckALiveEntryThatOvertookTheBacklog(t *testing.T) {
	url, s := startBroker(t), openStore(t)
	startIngest(t, s, url, "cloud")
	w := watchAcks(t, url, "watch")
	u := unit(t, url)
	birth(t, u, "u1", 3) // it screened 1..3 offline
	publishEntries(t, u, "u1", 4)
	testenv.Await(t, "the live entry stored", wait, func() bool { return len(entries(t, s)) == 1 })
	units, err := s.Units(context.Background(), t0)
	if err != nil || len(units) != 1 || units[0].AckedSeq != 0 {
		t.Fatalf("units %+v, %v: want u1's watermark not started before its backlog", units, err)
	}
	publishEntries(t, u, "u1", 1, 2, 3)
	testenv.Await(t, "ack 4", wait, w.reaches("u1", 4))
	for _, seq := range w.seqs("u1") {
		if seq < 1 || seq > 4 {
			t.Fatalf("acks %v, want them within 1..4", w.seqs("u1"))
		}
	}
}

func TestIngestAcksAgainWhenUnitReSendsWhatIsStored(t *testing.T) {
	defer func(d time.Duration) { reackEvery = d }(reackEvery)
	reackEvery = 0 // every re-send is answered; the default limits it to once a second
	url, s := startBroker(t), openStore(t)
	startIngest(t, s, url, "cloud")
	w := watchAcks(t, url, "watch")
	u := unit(t, url)
	publishEntries(t, u, "u1", 1, 2)
	testenv.Await(t, "ack 2", wait, w.reaches("u1", 2))

	// The broker restarted without persistence: the retained ack is gone
	// and the unit, never having heard it, sends its entries again.
	publish(t, u, wire.AckTopic("site-a", "u1"), true, []byte{})
	publishEntries(t, u, "u1", 1, 2)
	testenv.Await(t, "ack 2 published again", wait, func() bool {
		n := 0
		for _, seq := range w.seqs("u1") {
			if seq == 2 {
				n++
			}
		}
		return n >= 2
	})
	again := watchAcks(t, url, "watch-again")
	testenv.Await(t, "retained ack restored", wait, again.reaches("u1", 2))
}

func TestIngestAcksEachUnitOnItsOwnTopic(t *testing.T) {
	url, s := startBroker(t), openStore(t)
	startIngest(t, s, url, "cloud")
	w := watchAcks(t, url, "watch")
	u := unit(t, url)
	for i := range 3 {
		publishEntries(t, u, fmt.Sprintf("u%d", i), 1, 2)
	}
	for i := range 3 {
		testenv.Await(t, fmt.Sprintf("u%d acknowledged", i), wait, w.reaches(fmt.Sprintf("u%d", i), 2))
	}
	for _, a := range w.all() {
		if a.topic != wire.AckTopic(a.Site, a.Unit) {
			t.Fatalf("ack of %s/%s came on %s", a.Site, a.Unit, a.topic)
		}
	}
}
