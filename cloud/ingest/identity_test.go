package ingest

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// acksOf lists the seqs acknowledged on one unit's own ack topic.
func (w *ackWatcher) acksOf(site, unit string) []uint64 {
	var out []uint64
	for _, a := range w.all() {
		if a.topic == wire.AckTopic(site, unit) {
			out = append(out, a.Seq)
		}
	}
	return out
}

// Two real units both called gate-1 at two sites, through the broker: each
// is stored whole and acknowledged on its own topic for its own entries.
// Before, the second one's were dropped as duplicates and acknowledged.
func TestIngestKeepsTwoSitesUnitsOfOneIDApart(t *testing.T) {
	url, s := startBroker(t), openStore(t)
	in := startIngest(t, s, url, "cloud")
	acks := watchAcks(t, url, "watch")
	u := unit(t, url)
	for seq := uint64(1); seq <= 20; seq++ {
		for _, site := range []string{"site-a", "site-b"} {
			e := entry(site, "gate-1", seq)
			e.ID = site + "-" + e.ID
			publish(t, u, wire.EntryTopic(site, "gate-1"), false, e)
		}
	}
	testenv.Await(t, "40 entries handled", wait, handled(in, 40))
	for _, site := range []string{"site-a", "site-b"} {
		recs, err := s.Entries(context.Background(), store.Query{Site: site, Unit: "gate-1", Limit: 100})
		if err != nil || len(recs) != 20 {
			t.Fatalf("%s/gate-1: %d entries stored, %v; want 20", site, len(recs), err)
		}
		testenv.Await(t, site+"/gate-1 acknowledged to 20", wait, func() bool { return slices.Contains(acks.acksOf(site, "gate-1"), 20) })
	}
	if st := in.Stats(); st.Duplicates != 0 || st.Conflicts != 0 {
		t.Fatalf("stats %+v, want no duplicates or conflicts", st)
	}
}

// A forged status claims 2,000 more entries than were stored; the
// collector goes away and comes back. The watermark, and so the ack, stays
// on what the store holds: nothing the unit logged after it is lost.
func TestIngestDoesNotAcknowledgeWhatAForgedStatusClaims(t *testing.T) {
	url, s := startBroker(t), openStore(t)
	in := startIngest(t, s, url, "cloud")
	u := unit(t, url)
	publishEntries(t, u, "u1", 1, 2, 3)
	testenv.Await(t, "3 entries stored", wait, handled(in, 3))
	forged := wire.Status{Schema: wire.SchemaVersion, Site: "site-a", Unit: "u1", State: wire.Online, AckedSeq: 2003}
	publish(t, u, wire.StatusTopic("site-a", "u1"), true, forged)
	testenv.Await(t, "status stored", wait, handled(in, 4))
	in.Stop()
	in = startIngest(t, s, url, "cloud") // the collector back after an outage
	acks := watchAcks(t, url, "watch")
	publishEntries(t, u, "u1", 5, 6) // 4 is still on its way
	testenv.Await(t, "entries handled", wait, handled(in, 2))
	if seq, _ := s.AckedSeq(context.Background(), store.UnitID{Site: "site-a", Unit: "u1"}); seq != 3 {
		t.Fatalf("watermark %d, want 3: 4 was never stored", seq)
	}
	for _, seq := range acks.acksOf("site-a", "u1") {
		if seq > 3 {
			t.Fatalf("acknowledged %d; only 1-3 are stored", seq)
		}
	}
}

// Five forged entries ahead of the real unit: the real ones are set aside
// whole as dead letters (and alerted), never counted as duplicates.
func TestIngestSetsAsideRealEntriesThatForgedOnesGotAheadOf(t *testing.T) {
	url, s := startBroker(t), openStore(t)
	in := startIngest(t, s, url, "cloud")
	u := unit(t, url)
	publishEntries(t, u, "u1", 1, 2)
	for seq := uint64(3); seq <= 7; seq++ {
		e := entry("site-a", "u1", seq)
		e.ID = "forged-" + e.ID
		publish(t, u, wire.EntryTopic("site-a", "u1"), false, e)
	}
	publishEntries(t, u, "u1", 3, 4, 5, 6, 7)
	testenv.Await(t, "12 entries handled", wait, handled(in, 12))
	if st := in.Stats(); st.Conflicts != 5 || st.Duplicates != 0 {
		t.Fatalf("stats %+v, want the 5 real entries as conflicts, none as duplicates", st)
	}
	dead, err := s.DeadLetters(context.Background(), 10)
	if err != nil || len(dead) != 5 {
		t.Fatalf("dead letters %d, %v; want the 5 real entries", len(dead), err)
	}
	for _, d := range dead {
		if e, err := wire.DecodeEntry(d.Payload); err != nil || strings.HasPrefix(e.ID, "forged-") {
			t.Fatalf("dead letter holds %+v (%v), want a real entry", e, err)
		}
	}
}
