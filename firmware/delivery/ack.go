package delivery

import (
	"errors"

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
