package lan

import (
	"errors"
	"fmt"
	"math"
	"time"
	"unicode/utf8"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/gateway/occupancy"
)

// The handlers run on the publishing unit's connection goroutine, after
// mochi has sent the unit its PUBACK: a unit counts an entry delivered only
// when the gateway's wire.Ack covers it, so nothing is lost if storing
// fails here; the unit re-sends.

func (s *Server) onEntry(_ *mqtt.Client, _ packets.Subscription, pk packets.Packet) {
	if err := s.handleEntry(pk.TopicName, pk.Payload); err != nil {
		s.refuse(pk, err)
	}
}

func (s *Server) onStatus(_ *mqtt.Client, _ packets.Subscription, pk packets.Packet) {
	if err := s.handleStatus(pk.TopicName, pk.Payload); err != nil {
		s.refuse(pk, err)
	}
}

func (s *Server) onPolicy(_ *mqtt.Client, _ packets.Subscription, pk packets.Packet) {
	if err := s.handlePolicy(pk.TopicName, pk.Payload); err != nil {
		s.refuse(pk, err)
	}
}

func (s *Server) refuse(pk packets.Packet, err error) {
	s.refused.Add(1)
	s.log.Warn("refused message", "topic", pk.TopicName, "bytes", len(pk.Payload), "err", err)
}

// parseEntry decodes an entry and checks it belongs where it came: the
// topic's site and unit must be the payload's, and the site this
// gateway's, so a unit cannot write into another unit's or site's count.
func parseEntry(site, topic string, payload []byte) (wire.Entry, error) {
	tSite, tUnit, kind, err := wire.ParseTopic(topic)
	if err != nil {
		return wire.Entry{}, err
	}
	if kind != wire.KindEntry {
		return wire.Entry{}, fmt.Errorf("lan: topic %q is not an entry topic", topic)
	}
	// JSON is UTF-8 (RFC 8259); encoding/json would quietly store U+FFFD
	// for what the unit sent, as the collector's ingest also refuses.
	if !utf8.Valid(payload) {
		return wire.Entry{}, errors.New("lan: payload is not valid UTF-8, which JSON must be")
	}
	e, err := wire.DecodeEntry(payload)
	if err != nil {
		return wire.Entry{}, err
	}
	if err := belongs(site, tSite, tUnit, e.Site, e.Unit); err != nil {
		return wire.Entry{}, err
	}
	// SQLite keeps seq in a signed INTEGER; a larger one would fail every
	// retry and hold the unit's watermark forever.
	if e.Seq > math.MaxInt64 {
		return wire.Entry{}, fmt.Errorf("lan: entry seq %d is beyond %d", e.Seq, int64(math.MaxInt64))
	}
	return e, nil
}

func belongs(site, tSite, tUnit, pSite, pUnit string) error {
	if pSite != tSite || pUnit != tUnit {
		return fmt.Errorf("lan: payload is from %s/%s but came on the topic of %s/%s", pSite, pUnit, tSite, tUnit)
	}
	if pSite != site {
		return fmt.Errorf("lan: site %q is not this gateway's (%q)", pSite, site)
	}
	return nil
}

// handleEntry stores an entry, counts it if new, publishes the flows that
// changed and acknowledges the unit's watermark. A re-sent entry changes
// nothing but is acknowledged again: its unit evidently missed the ack.
func (s *Server) handleEntry(topic string, payload []byte) error {
	e, err := parseEntry(s.opts.Site, topic, payload)
	if err != nil {
		return err
	}
	now := time.Now()
	body := append([]byte(nil), payload...) // the bridge keeps it; the packet is mochi's
	s.mu.Lock()
	added, err := s.opts.Store.Add(s.ctx, e, body, now)
	if err == nil && added.New {
		ts := now
		if e.ClockSynced {
			ts = e.Time
		}
		s.site.Observe(occupancy.Obs{Unit: e.Unit, Seq: e.Seq, Lane: e.Lane, Decision: e.Decision,
			Counts: s.correctedAt.IsZero() || ts.After(s.correctedAt), Watermark: added.Watermark,
			Row: added.Record.Row})
		if perr := s.publishFlows(s.ctx, false); perr != nil {
			s.log.Error("flows not published", "err", perr)
		}
		s.observeHousehold(s.ctx, e, ts)
	}
	s.mu.Unlock()
	if err != nil {
		return err // not acknowledged: the unit re-sends
	}
	if added.Started {
		s.publishAck(e.Unit, added.Watermark)
	}
	if added.New && s.opts.OnStored != nil {
		s.opts.OnStored(added.Record)
	}
	return nil
}

// handleStatus records a unit's status: its lane, and the acked_seq its
// watermark starts from; then relays it to the bridge.
func (s *Server) handleStatus(topic string, payload []byte) error {
	tSite, tUnit, _, err := wire.ParseTopic(topic)
	if err != nil {
		return err
	}
	st, err := wire.DecodeStatus(payload)
	if err != nil {
		return err
	}
	if err := belongs(s.opts.Site, tSite, tUnit, st.Site, st.Unit); err != nil {
		return err
	}
	if st.Role == wire.RoleGateway {
		return fmt.Errorf("lan: status of %s says it is a gateway; only units connect here", st.Unit)
	}
	if err := s.noteStatus(st); err != nil {
		return err
	}
	if s.opts.OnStatus != nil {
		s.opts.OnStatus(st, payload)
	}
	return nil
}

func (s *Server) noteStatus(st wire.Status) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, started, moved, err := s.opts.Store.StatusSeen(s.ctx, st, time.Now())
	if err != nil {
		return err
	}
	if _, named := s.opts.Lanes[st.Unit]; !named && st.Lane != "" {
		s.site.SetRole(st.Unit, occupancy.Role(st.Lane))
	}
	s.site.SetWatermark(st.Unit, w)
	if started && (moved || st.State == wire.Online) {
		s.publishAck(st.Unit, w) // a unit coming online learns at once how far it is stored
	}
	if st.State == wire.Online && st.Unit != s.opts.Gateway {
		if err := s.publishHouseholdsTo(st.Unit, w); err != nil {
			return err
		}
	}
	return s.publishFlows(s.ctx, false)
}
