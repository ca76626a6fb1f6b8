package bridge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/kakou/kakou/firmware/delivery"
	"github.com/kakou/kakou/firmware/update"
	"github.com/kakou/kakou/firmware/wire"
)

var (
	errTopicMismatch = errors.New("the topic does not name the payload's site and unit")
	errOtherSite     = errors.New("the payload is for another site than this gateway's")
)

func (b *Bridge) statusTopic() string { return wire.StatusTopic(b.opts.Site, b.opts.Gateway) }

// status renders the gateway's own birth, heartbeat or will: its backlog
// is every entry of the site it holds for the cloud. A store error leaves
// the backlog out (and is logged) rather than holding back the status.
func (b *Bridge) status(ctx context.Context, state wire.UnitState) []byte {
	s := wire.Status{Schema: wire.SchemaVersion, Site: b.opts.Site, Unit: b.opts.Gateway,
		Facility: b.opts.Facility, Role: wire.RoleGateway, State: state,
		Firmware: b.opts.Firmware, Arch: update.Arch(), Time: time.Now().UTC()}
	n, oldest, err := b.opts.Outbox.Backlog(ctx, "")
	if err != nil {
		b.log.Error("bridge: read backlog for status", "err", err)
	}
	s.Backlog = n
	if n > 0 {
		s.OldestUnacked = &oldest
	}
	if b.opts.Occupancy != nil {
		s.Occupancy = b.opts.Occupancy()
	}
	s.Update = b.upd.report.Load()
	out, err := json.Marshal(s)
	if err != nil {
		panic("bridge: marshal wire.Status: " + err.Error()) // plain struct: cannot fail
	}
	return out
}

// publishStatus publishes the gateway's retained status. Inside the
// session's loop an online status is not waited for: the sender tracks
// its PUBACK with the entries in flight (sendStatus), so a broker slow to
// store a retained message holds up nothing. Otherwise (the birth, the
// goodbye) it waits for the PUBACK.
func (b *Bridge) publishStatus(ctx context.Context, c *delivery.Link, state wire.UnitState) error {
	body := b.status(ctx, state)
	if state == wire.Online && b.sendStatus(c, b.statusTopic(), body, "online status") {
		b.occSent.remember(body)
		return nil
	}
	if err := c.Send(ctx, b.statusTopic(), wire.QoSStatus, true, body, b.t.puback); err != nil {
		return fmt.Errorf("bridge: publish %s status: %w", state, err)
	}
	b.occSent.remember(body)
	return nil
}

// statusRelay holds the latest status of each unit seen on the LAN until
// it is published to the cloud; kept while the cloud is away, so the
// control room learns each unit's last word when it comes back.
type statusRelay struct {
	mu     sync.Mutex
	latest map[string]relayed // by unit
	dirty  map[string]bool    // not yet published on this connection
}

type relayed struct {
	st  wire.Status
	raw []byte
}

func (r *statusRelay) init() {
	r.latest = map[string]relayed{}
	r.dirty = map[string]bool{}
}

// dirtyAll asks for every status to be published again: a new connection
// may be to a broker that lost its retained messages.
func (r *statusRelay) dirtyAll() {
	r.mu.Lock()
	for unit := range r.latest {
		r.dirty[unit] = true
	}
	r.mu.Unlock()
}

// take returns the statuses to publish, in unit order, and clears them.
func (r *statusRelay) take() []relayed {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]relayed, 0, len(r.dirty))
	for _, unit := range slices.Sorted(maps.Keys(r.dirty)) {
		out = append(out, r.latest[unit])
	}
	clear(r.dirty)
	return out
}

// RelayStatus takes a unit's status seen on the site's LAN, to be relayed
// to the cloud rewritten (see relayBody). It never blocks; only the latest
// status of each unit is kept.
func (b *Bridge) RelayStatus(st wire.Status, raw []byte) {
	if st.Site != b.opts.Site || wire.ValidateID(st.Unit) != nil || st.Unit == b.opts.Gateway {
		b.log.Warn("bridge: not relaying a status that is not of one of this site's units",
			"status_site", st.Site, "status_unit", st.Unit)
		return
	}
	r := &b.statuses
	r.mu.Lock()
	r.latest[st.Unit] = relayed{st: st, raw: raw}
	r.dirty[st.Unit] = true
	r.mu.Unlock()
	b.notify()
}

// relayStatuses publishes the statuses waiting; a failed publish puts the
// status back for the next connection.
func (b *Bridge) relayStatuses(ctx context.Context, c *delivery.Link) error {
	for _, r := range b.statuses.take() {
		body := b.relayBody(ctx, r.st, r.raw)
		if b.sendStatus(c, wire.StatusTopic(r.st.Site, r.st.Unit), body, "status of "+r.st.Unit) {
			continue // a connection that breaks first makes them all dirty again (serve)
		}
		err := c.Send(ctx, wire.StatusTopic(r.st.Site, r.st.Unit), wire.QoSStatus, true, body, b.t.puback)
		if err != nil {
			b.statuses.dirtyAll()
			return fmt.Errorf("bridge: relay status of %s: %w", r.st.Unit, err)
		}
	}
	return nil
}

// relayBody rewrites a unit's status for the cloud. The unit's AckedSeq
// and Backlog speak of the gateway's local acks; the cloud must hear how
// far the cloud itself has the unit's entries, or a collector new to the
// unit would start its watermark at entries it never got. So AckedSeq
// becomes the cloud's ack, Backlog adds what the gateway still holds for
// the unit, and OldestUnacked is the older of the two.
//
// The unit's own JSON is rewritten key by key rather than re-encoded from
// wire.Status, so fields a newer unit sends and this build does not know
// reach the cloud all the same; raw that is not a JSON object falls back
// to st.
func (b *Bridge) relayBody(ctx context.Context, st wire.Status, raw []byte) []byte {
	acked, err := b.opts.Outbox.CloudAckedSeq(ctx, st.Unit)
	if err != nil {
		b.log.Error("bridge: read cloud ack for status", "unit", st.Unit, "err", err)
	}
	n, oldest, err := b.opts.Outbox.Backlog(ctx, st.Unit)
	if err != nil {
		b.log.Error("bridge: read backlog for status", "unit", st.Unit, "err", err)
	}
	st.AckedSeq = acked
	st.Backlog += n
	if n > 0 && (st.OldestUnacked == nil || oldest.Before(*st.OldestUnacked)) {
		st.OldestUnacked = &oldest
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil || fields == nil {
		out, _ := json.Marshal(st) // plain struct: cannot fail
		return out
	}
	setField(fields, "acked_seq", st.AckedSeq, st.AckedSeq == 0)
	setField(fields, "backlog", st.Backlog, false)
	setField(fields, "oldest_unacked", st.OldestUnacked, st.OldestUnacked == nil)
	out, _ := json.Marshal(fields) // re-encodes only valid JSON: cannot fail
	return out
}

// setField sets key to v's JSON, or removes it when omit, as the field's
// omitempty would.
func setField(fields map[string]json.RawMessage, key string, v any, omit bool) {
	if omit {
		delete(fields, key)
		return
	}
	b, _ := json.Marshal(v) // numbers and times: cannot fail
	fields[key] = b
}

// sendStatus publishes a retained status without waiting, its PUBACK
// tracked with the entries in flight, when the session's loop is running
// (inflight set); false otherwise.
func (b *Bridge) sendStatus(c *delivery.Link, topic string, body []byte, what string) bool {
	if b.inflight == nil {
		return false
	}
	tok := c.Publish(topic, wire.QoSStatus, true, body)
	b.inflight.AddOther(tok, what, time.Now())
	return true
}
