package delivery

import (
	"errors"
	"sync"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/wire"
)

// ErrAckTopic is an ack whose site and unit are not those of its topic.
var ErrAckTopic = errors.New("the ack names another unit than its topic")

// ReadAck decodes the collector's ack m. ok is false for an empty payload,
// a retained ack being cleared, which says nothing. An ack must name the
// unit of the topic it came on: a consumer checks topic and payload agree.
// Acks arrive on paho's goroutine; whoever reads them there only records
// them and wakes its sender, which writes the ledger or the store.
func ReadAck(m mqtt.Message) (a wire.Ack, ok bool, err error) {
	if len(m.Payload()) == 0 {
		return wire.Ack{}, false, nil
	}
	a, err = wire.DecodeAck(m.Payload())
	if err == nil && wire.AckTopic(a.Site, a.Unit) != m.Topic() {
		err = ErrAckTopic
	}
	return a, err == nil, err
}

// Acks carries the acks a sender receives, by unit, from paho's goroutine
// to the sender's, which applies them to its Lanes. An ack says
// "everything up to seq is stored", so one supersedes the one before.
// Any goroutine may Put; Latest and Take are the sender's. The zero value
// keeps the latest ack of each unit.
type Acks struct {
	// Highest keeps the highest ack of each unit rather than the latest.
	// A unit's sender keeps the latest: its collector may forget it, and
	// what it says now is what the unit checks against its ledger.
	Highest bool
	mu      sync.Mutex
	in      map[string]uint64
}

// Put records unit's ack of seq.
func (a *Acks) Put(unit string, seq uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.in == nil {
		a.in = map[string]uint64{}
	}
	if a.Highest {
		seq = max(seq, a.in[unit])
	}
	a.in[unit] = seq
}

// Latest is unit's ack as held, which stays held.
func (a *Acks) Latest(unit string) uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.in[unit]
}

// Take returns every unit's ack held and empties the holder; nil if none.
func (a *Acks) Take() map[string]uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.in) == 0 {
		return nil
	}
	in := a.in
	a.in = map[string]uint64{}
	return in
}
