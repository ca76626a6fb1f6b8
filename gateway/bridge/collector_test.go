package bridge

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/wire"
)

// key names one entry: the collector stores by (unit, seq).
type key struct {
	unit string
	seq  uint64
}

// arrival is an entry as it first reached the collector.
type arrival struct {
	key
	historical bool
	alert      string
}

// collector is a tiny cloud collector: a paho subscriber that stores
// entries by (unit, seq), acks each unit's contiguous prefix with a
// retained wire.Ack, as cloud/ingest does, and survives broker restarts
// (its map is its database).
type collector struct {
	t      testing.TB
	client paho.Client
	wake   chan struct{}
	stop   chan struct{}
	done   chan struct{}

	mu       sync.Mutex
	got      map[key]wire.Entry
	copies   int // every entry message, duplicates included
	arrivals []arrival
	mark     map[string]uint64 // contiguous prefix stored, per unit
	dirty    map[string]bool   // unit's ack to publish (again)
	hold     bool              // acks withheld: the window fills
}

func startCollector(t testing.TB, url string) *collector {
	t.Helper()
	c := &collector{t: t, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
		got: map[key]wire.Entry{}, mark: map[string]uint64{}, dirty: map[string]bool{}}
	o := paho.NewClientOptions().AddBroker(url).SetClientID("test-collector").
		SetCleanSession(true).SetAutoReconnect(true).SetMaxReconnectInterval(100 * time.Millisecond).
		SetOnConnectHandler(c.onConnect)
	c.client = paho.NewClient(o)
	if tok := c.client.Connect(); !tok.WaitTimeout(hangGuard) || tok.Error() != nil {
		t.Fatalf("collector connect: %v", tok.Error())
	}
	go c.ack()
	t.Cleanup(func() {
		close(c.stop)
		<-c.done
		c.client.Disconnect(0)
	})
	return c
}

// onConnect subscribes on every (re)connection and publishes every ack
// again, since a restarted broker has lost the retained ones.
func (c *collector) onConnect(cl paho.Client) {
	cl.Subscribe(wire.EntryFilter, 1, c.onEntry) // the token completes later; a failure shows as missing entries
	c.mu.Lock()
	for unit := range c.mark {
		c.dirty[unit] = true
	}
	c.mu.Unlock()
	c.signal()
}

func (c *collector) onEntry(_ paho.Client, m paho.Message) {
	e, err := wire.DecodeEntry(m.Payload())
	if err != nil || wire.EntryTopic(e.Site, e.Unit) != m.Topic() {
		c.t.Errorf("bad entry on %s: %v", m.Topic(), err)
		return
	}
	k := key{e.Unit, e.Seq}
	c.mu.Lock()
	c.copies++
	if _, dup := c.got[k]; !dup {
		c.got[k] = e
		c.arrivals = append(c.arrivals, arrival{k, e.Historical, e.Alert})
		for c.got[key{e.Unit, c.mark[e.Unit] + 1}].ID != "" {
			c.mark[e.Unit]++
		}
	}
	c.dirty[e.Unit] = true // a duplicate means the sender missed the ack
	c.mu.Unlock()
	c.signal()
}

func (c *collector) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// ack publishes the dirty units' acks on its own goroutine: waiting for a
// PUBACK on paho's handler would deadlock it (cloud/ingest/ack.go).
func (c *collector) ack() {
	defer close(c.done)
	for {
		select {
		case <-c.stop:
			return
		case <-c.wake:
		}
		for _, a := range c.takeAcks() {
			body, _ := json.Marshal(a) // plain struct: cannot fail
			tok := c.client.Publish(wire.AckTopic(a.Site, a.Unit), wire.QoSAck, true, body)
			tok.WaitTimeout(5 * time.Second) // lost with a broker restart: onConnect sends it again
		}
	}
}

func (c *collector) takeAcks() []wire.Ack {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hold {
		return nil
	}
	var acks []wire.Ack
	for unit := range c.dirty {
		if e, ok := c.got[key{unit, c.mark[unit]}]; ok {
			acks = append(acks, wire.Ack{Schema: wire.SchemaVersion, Site: e.Site, Unit: unit,
				Seq: c.mark[unit], Time: time.Now().UTC()})
		}
	}
	clear(c.dirty)
	return acks
}

// holdAcks withholds acks (true) or releases them (false).
func (c *collector) holdAcks(on bool) {
	c.mu.Lock()
	c.hold = on
	c.mu.Unlock()
	c.signal()
}

func (c *collector) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.got)
}

// snapshot copies what the collector has.
func (c *collector) snapshot() (got map[key]wire.Entry, arrivals []arrival) {
	c.mu.Lock()
	defer c.mu.Unlock()
	got = make(map[key]wire.Entry, len(c.got))
	for k, e := range c.got {
		got[k] = e
	}
	return got, append([]arrival(nil), c.arrivals...)
}
