package ingest

import (
	"context"
	"fmt"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/kakou/kakou/firmware/wire"
)

// Store retries back off from retryFirst to retryMax while the store fails
// (a locked or full disk): nothing is acknowledged meanwhile, so the broker
// keeps the messages and the units keep their outboxes.
var (
	retryFirst = 200 * time.Millisecond
	retryMax   = 10 * time.Second
)

// message is a decoded, consistent payload: exactly one of entry or status.
type message struct {
	entry  *wire.Entry
	status *wire.Status
	// replayed marks a retained copy the broker sent on subscribe: a status
	// that tells the unit's state, not that it was heard from just now.
	replayed bool
}

// handle runs on paho's router goroutine for every message, in order. It
// stores synchronously and acknowledges afterwards, so the PUBACK tells the
// unit (or the gateway) that the message is durable here and it may drop
// its copy. A malformed message is acknowledged too, since re-sending it
// would never make it valid; it is logged and counted instead.
func (in *Ingest) handle(_ paho.Client, m paho.Message) {
	receivedAt := time.Now()
	msg, err := parse(m.Topic(), m.Payload())
	if err != nil {
		in.rejected.Add(1)
		in.log.Warn("rejected message", "topic", m.Topic(), "bytes", len(m.Payload()), "err", err)
		m.Ack()
		return
	}
	msg.replayed = m.Retained()
	if !in.storeUntilDone(msg, receivedAt) {
		return // stopping: left unacknowledged, so it is delivered again
	}
	m.Ack()
}

// parse decodes a payload and checks it belongs to the topic it came on, so
// a unit cannot write into another unit's or site's records.
func parse(topic string, payload []byte) (message, error) {
	site, unit, kind, err := wire.ParseTopic(topic)
	if err != nil {
		return message{}, err
	}
	var msg message
	var gotSite, gotUnit string
	switch kind {
	case wire.KindEntry:
		e, err := wire.DecodeEntry(payload)
		if err != nil {
			return message{}, err
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

// storeUntilDone stores msg, retrying until it succeeds or Stop is called;
// it reports whether the message was stored.
func (in *Ingest) storeUntilDone(msg message, receivedAt time.Time) bool {
	for delay := retryFirst; ; delay = min(2*delay, retryMax) {
		err := in.put(in.stopped, msg, receivedAt)
		if err == nil {
			return true
		}
		if in.stopped.Err() != nil {
			return false
		}
		in.log.Error("store failed, retrying before acknowledging", "err", err, "retry_in", delay)
		select {
		case <-in.stopped.Done():
			return false
		case <-time.After(delay):
		}
	}
}

func (in *Ingest) put(ctx context.Context, msg message, receivedAt time.Time) error {
	if msg.status != nil {
		if msg.replayed {
			receivedAt = time.Time{} // the store's "state only" signal
		}
		if err := in.store.PutStatus(ctx, *msg.status, receivedAt); err != nil {
			return err
		}
		in.accepted.Add(1)
		return nil
	}
	n, err := in.store.PutEntries(ctx, []wire.Entry{*msg.entry}, receivedAt)
	if err != nil {
		return err
	}
	in.accepted.Add(1)
	if n == 0 {
		in.duplicates.Add(1)
	}
	return nil
}
