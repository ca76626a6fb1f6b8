package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// Two real units both called gate-1 at two sites: before (site, unit) was
// the identity, the second one's entries were skipped as duplicates of the
// first's and acknowledged all the same, and the fleet showed one gate-1.
func behaveSameUnitIDAtTwoSites(t *testing.T, c conf) {
	var batch []wire.Entry
	for seq := uint64(1); seq <= 5; seq++ {
		a, b := Entry("site-a", "gate-1", seq), Entry("site-b", "gate-1", seq)
		b.ID = "b-" + b.ID // ids are random on real units: never shared
		batch = append(batch, a, b)
	}
	res := c.put(Received, batch...)
	if res.Inserted != 10 || len(res.Conflicts) != 0 {
		t.Fatalf("put %d inserted, conflicts %+v; want all 10 stored", res.Inserted, res.Conflicts)
	}
	for _, w := range res.Watermarks {
		if w.Seq != 5 {
			t.Fatalf("watermark %+v, want 5 for each site's gate-1", w)
		}
	}
	list, err := c.s.Units(ctx, T0)
	if err != nil || len(list) != 2 || list[0].Site != "site-a" || list[1].Site != "site-b" {
		t.Fatalf("units %+v, %v; want gate-1 of site-a and of site-b", list, err)
	}
	for _, site := range []string{"site-a", "site-b"} {
		if n := len(c.entries(store.Query{Site: site, Unit: "gate-1"})); n != 5 {
			t.Fatalf("%s/gate-1 has %d entries, want 5", site, n)
		}
		rows := c.rollups(store.RollupQuery{Site: site, Unit: "gate-1", By: "unit", Since: T0.Add(-24 * time.Hour), Until: T0.Add(48 * time.Hour), Whole: true})
		if len(rows) != 1 || rows[0].Key != site+"/gate-1" || rows[0].Counts[store.MetricTotal] != 5 {
			t.Fatalf("%s rollups %+v, want one row of 5 for %s/gate-1", site, rows, site)
		}
	}
}

// Five forged entries ahead of a real unit: each real one that arrives
// later is not a "duplicate" but a conflict, kept whole as a dead letter
// with both ids and an alert; a re-send of the real one adds nothing.
func behaveConflictSetAside(t *testing.T, c conf) {
	c.put(Received, Seqs("u1", 1, 3)...)
	forged := Seqs("u1", 4, 8)
	for i := range forged {
		forged[i].ID = "forged-" + forged[i].ID
	}
	c.put(Received, forged...)
	real := Seqs("u1", 4, 8)
	resend := Entry("site-a", "u1", 2)
	resend.Historical = true // a backlog's copy of a stored entry
	res := c.put(Received, append(real, resend)...)
	if res.Inserted != 0 || len(res.Conflicts) != 5 {
		t.Fatalf("put %d inserted, %d conflicts; want 0 and the 5 real entries set aside", res.Inserted, len(res.Conflicts))
	}
	if got := res.Conflicts[0]; got.Entry.ID != real[0].ID || got.StoredID != forged[0].ID {
		t.Fatalf("conflict %+v, want %s set aside against %s", got, real[0].ID, forged[0].ID)
	}
	c.put(Received, real...) // re-sent: the same conflicts, nothing new kept
	dead, err := c.s.DeadLetters(ctx, 100)
	if err != nil || len(dead) != 5 {
		t.Fatalf("dead letters %d, %v; want the 5 real entries once each", len(dead), err)
	}
	for _, d := range dead {
		e, err := wire.DecodeEntry(d.Payload)
		if err != nil || d.Truncated || !strings.Contains(d.Error, e.ID) || !strings.Contains(d.Error, "forged-"+e.ID) {
			t.Fatalf("dead letter %q (%s): want the whole real entry and both ids", d.Error, err)
		}
	}
	alerts := c.alerts(store.AlertQuery{})
	n := 0
	for _, a := range alerts {
		if a.Kind == store.AlertConflict {
			n++
		}
	}
	if n != 5 {
		t.Fatalf("%d conflict alerts, want 5: %+v", n, alerts)
	}
	sameID := Entry("site-a", "u1", 1)
	sameID.Decision = wire.Deny // same id and seq, other contents: history rewritten
	if res := c.put(Received, sameID); len(res.Conflicts) != 1 {
		t.Fatalf("a changed re-send: %+v, want a conflict", res)
	}
}
