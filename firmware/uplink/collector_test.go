package uplink

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/wire"
)

// collector stands in for the cloud collector: a bare paho client that
// subscribes to one unit's entries and acks, retained on wire.AckTopic, the
// highest seq up to which it has received every entry, as the real one
// acks what it has stored. It reconnects to a restarted broker and then
// acks again. A test can stop it acking and have it lose an entry's first
// copy, as a collector crash would.
type collector struct {
	t          testing.TB
	cl         paho.Client
	site, unit string
	kick       chan struct{} // size 1: the acker has something to do

	mu      sync.Mutex
	got     []wire.Entry // every copy received, in arrival order
	firstAt map[uint64]time.Time
	above   map[uint64]bool // seqs received above contig
	contig  uint64          // every seq up to this one is here
	acked   uint64          // the ack last published
	lose    map[uint64]bool // seqs whose next copy is dropped
	acking  bool
	changed chan struct{} // closed and replaced on every change
}

// startCollector connects and subscribes before returning, so no entry the
// uplink sends later can miss it.
func startCollector(t testing.TB, brokerURL string) *collector {
	t.Helper()
	c := &collector{t: t, site: testStatus.Site, unit: testStatus.Unit, kick: make(chan struct{}, 1),
		above: map[uint64]bool{}, lose: map[uint64]bool{}, acking: true, changed: make(chan struct{}),
		firstAt: map[uint64]time.Time{}}
	subscribed := make(chan struct{}, 1)
	o := paho.NewClientOptions().AddBroker(brokerURL).SetClientID("test-collector").
		SetCleanSession(true).SetAutoReconnect(true).SetMaxReconnectInterval(100 * time.Millisecond).
		SetOnConnectHandler(func(cl paho.Client) {
			tok := cl.Subscribe(wire.EntryTopic(c.site, c.unit), wire.QoSEntry, c.handle)
			go func() { // the handler must not wait on paho's own goroutine
				if tok.WaitTimeout(hangGuard) && tok.Error() == nil {
					c.mu.Lock()
					c.acked = 0 // a restarted broker lost the retained ack: send it again
					c.mu.Unlock()
					c.poke()
					select {
					case subscribed <- struct{}{}:
					default: // a reconnect: nobody waits
					}
				}
			}()
		})
	c.cl = paho.NewClient(o)
	if tok := c.cl.Connect(); !tok.WaitTimeout(hangGuard) || tok.Error() != nil {
		t.Fatalf("collector connect: %v", tok.Error())
	}
	select {
	case <-subscribed:
	case <-time.After(hangGuard):
		t.Fatal("collector did not subscribe")
	}
	done := make(chan struct{})
	go c.acker(done)
	t.Cleanup(func() { close(done); c.cl.Disconnect(0) })
	return c
}

// handle runs on paho's goroutine: record and move on.
func (c *collector) handle(_ paho.Client, m paho.Message) {
	e, err := wire.DecodeEntry(m.Payload())
	if err != nil {
		c.t.Errorf("collector: bad entry on %s: %v", m.Topic(), err)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lose[e.Seq] {
		delete(c.lose, e.Seq)
		return
	}
	c.got = append(c.got, e)
	if _, seen := c.firstAt[e.Seq]; !seen {
		c.firstAt[e.Seq] = time.Now()
	}
	if e.Seq > c.contig {
		c.above[e.Seq] = true
	}
	for c.above[c.contig+1] {
		delete(c.above, c.contig+1)
		c.contig++
	}
	c.changedLocked()
	c.poke()
}

func (c *collector) changedLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

func (c *collector) poke() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// acker publishes the ack whenever it can advance, coalescing as the real
// collector does between stored batches.
func (c *collector) acker(done <-chan struct{}) {
	for {
		select {
		case <-done:
			return
		case <-c.kick:
		}
		c.mu.Lock()
		seq, due := c.contig, c.acking && c.contig > c.acked
		c.mu.Unlock()
		if !due {
			continue
		}
		if err := c.publishAck(seq); err != nil {
			c.poke() // the broker is away; try again after the reconnect
			time.Sleep(10 * time.Millisecond)
			continue
		}
		c.mu.Lock()
		c.acked = max(c.acked, seq)
		c.changedLocked()
		c.mu.Unlock()
	}
}

func (c *collector) publishAck(seq uint64) error {
	b, _ := json.Marshal(wire.Ack{Schema: wire.SchemaVersion, Site: c.site, Unit: c.unit, Seq: seq, Time: time.Now().UTC()})
	tok := c.cl.Publish(wire.AckTopic(c.site, c.unit), wire.QoSAck, true, b)
	if !tok.WaitTimeout(time.Second) {
		return fmt.Errorf("ack %d: no PUBACK", seq)
	}
	return tok.Error()
}

// setAcking stops or resumes acks; resuming acks what is there at once.
func (c *collector) setAcking(on bool) {
	c.mu.Lock()
	c.acking = on
	c.mu.Unlock()
	c.poke()
}

// loseNext makes the collector drop the next copy of each seq.
func (c *collector) loseNext(seqs ...uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range seqs {
		c.lose[s] = true
	}
}

// await blocks until cond, called with the collector locked, holds.
func (c *collector) await(what string, cond func() bool) {
	c.t.Helper()
	for {
		c.mu.Lock()
		ok, ch := cond(), c.changed
		c.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-time.After(hangGuard):
			c.t.Fatalf("collector: %s did not happen", what)
		}
	}
}

// awaitContig waits until every seq up to n has arrived.
func (c *collector) awaitContig(n uint64) {
	c.t.Helper()
	c.await(fmt.Sprintf("every seq up to %d", n), func() bool { return c.contig >= n })
}

// received returns a copy of every entry received so far, in order.
func (c *collector) received() []wire.Entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.got)
}

// copies counts how often seq arrived.
func (c *collector) copies(seq uint64) int {
	n := 0
	for _, e := range c.received() {
		if e.Seq == seq {
			n++
		}
	}
	return n
}
