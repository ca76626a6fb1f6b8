package ingest

import (
	"errors"
	"fmt"
	"math"
	"time"
	"unicode/utf8"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/kakou/kakou/firmware/wire"
)

// message is a decoded, consistent payload: exactly one of entry or status.
type message struct {
	entry  *wire.Entry
	status *wire.Status
	// replayed marks a retained copy the broker sent on subscribe: a status
	// that tells the unit's state, not that it was heard from just now.
	replayed bool
}

// incoming is a message waiting for the writer, with what it needs to be
// stored and then acknowledged to the broker.
type incoming struct {
	m          paho.Message
	msg        message
	rejected   bool  // malformed: acknowledged in its turn, stored only as a dead letter
	echo       bool  // pulled while the live path is on: perhaps stored already (jetstream_live.go)
	err        error // why it was rejected
	receivedAt time.Time
}

// handle runs on paho's router goroutine for every message, in order. It
// decodes the message and queues it for the writer (batch.go), which stores
// it and only then acknowledges it, so the PUBACK still tells the broker
// the message is durable here. The queue holds all a broker can have in
// flight to us (queueSize), so handle does not block paho's reading.
//
// A malformed message is queued too, to be acknowledged in its turn: MQTT
// 3.1.1 (4.6) wants PUBACKs in the order the messages came, and re-sending
// it would never make it valid. It is logged, counted and kept in the
// dead-letter table instead (deadletter.go).
func (in *Ingest) handle(_ paho.Client, m paho.Message) {
	it := incoming{m: m, receivedAt: time.Now()}
	msg, err := parse(m.Topic(), m.Payload())
	if err != nil {
		in.rejected.Add(1)
		in.opts.Observer.Rejected()
		in.log.Warn("rejected message", "topic", m.Topic(), "bytes", len(m.Payload()), "err", err)
		it.rejected, it.err = true, err
	}
	it.msg = msg
	it.msg.replayed = m.Retained()
	if e, ok := m.(interface{ echo() bool }); ok {
		it.echo = e.echo()
	}
	select {
	case in.queue <- it:
	case <-in.stopped.Done(): // left unacknowledged, so it is delivered again
	}
}

// parse decodes a payload and checks it belongs to the topic it came on, so
// a unit cannot write into another unit's or site's records.
func parse(topic string, payload []byte) (message, error) {
	site, unit, kind, err := wire.ParseTopic(topic)
	if err != nil {
		return message{}, err
	}
	// JSON is UTF-8 (RFC 8259); encoding/json would quietly turn invalid
	// bytes into U+FFFD and store a text the unit never sent.
	if !utf8.Valid(payload) {
		return message{}, errors.New("ingest: payload is not valid UTF-8, which JSON must be")
	}
	var msg message
	var gotSite, gotUnit string
	switch kind {
	case wire.KindEntry:
		e, err := wire.DecodeEntry(payload)
		if err != nil {
			return message{}, err
		}
		// The store keeps seq in SQLite's signed INTEGER; a larger one
		// would fail every retry and hold up everything behind it.
		if e.Seq > math.MaxInt64 {
			return message{}, fmt.Errorf("ingest: entry seq %d is beyond %d", e.Seq, int64(math.MaxInt64))
		}
		msg.entry, gotSite, gotUnit = &e, e.Site, e.Unit
	case wire.KindStatus:
		st, err := wire.DecodeStatus(payload)
		if err != nil {
			return message{}, err
		}
		msg.status, gotSite, gotUnit = &st, st.Site, st.Unit
	default:
		return message{}, fmt.Errorf("ingest: topic kind %q is neither %s nor %s", kind, wire.KindEntry, wire.KindStatus)
	}
	if gotSite != site || gotUnit != unit {
		return message{}, fmt.Errorf("ingest: payload is from %s/%s but came on the topic of %s/%s",
			gotSite, gotUnit, site, unit)
	}
	return msg, nil
}
