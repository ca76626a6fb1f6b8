package lan

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/gateway/occupancy"
)

func TestEntryIsStoredAndAcknowledgedLocally(t *testing.T) {
	g := startGateway(t, 10, nil)
	u := connectUnit(t, g.srv.URL(), "entrance-1", wire.LaneIn)
	u.status(0)
	u.send(wire.Allow)
	if a := u.ackFor(1); a.Seq != 1 || a.Unit != "entrance-1" {
		t.Fatalf("ack %+v, want seq 1 for entrance-1", a)
	}
	if n, _, _ := g.st.Backlog(context.Background(), ""); n != 1 {
		t.Fatalf("backlog for the cloud %d, want 1", n)
	}
}

func TestResentEntryIsAcknowledgedAgainAndCountedOnce(t *testing.T) {
	g := startGateway(t, 10, nil)
	u := connectUnit(t, g.srv.URL(), "entrance-1", wire.LaneIn)
	u.status(0)
	u.send(wire.Allow)
	u.ackFor(1)
	u.publish(u.entry(1, wire.Allow))
	if a := u.ackFor(1); a.Seq != 1 {
		t.Fatalf("re-ack %+v, want seq 1", a)
	}
	if o := g.srv.Occupancy(); o.Occupancy != 1 {
		t.Fatalf("occupancy %d after a re-send, want 1", o.Occupancy)
	}
}

func TestFullSiteHoldsEveryEntrance(t *testing.T) {
	lanes := map[string]occupancy.Role{"entrance-1": occupancy.RoleIn, "entrance-2": occupancy.RoleIn}
	g := startGateway(t, 3, lanes)
	a := connectUnit(t, g.srv.URL(), "entrance-1", wire.LaneIn)
	b := connectUnit(t, g.srv.URL(), "entrance-2", wire.LaneIn)
	// Each entrance uses the whole grant it was given: 2 + 1 of 3.
	for _, u := range []*unit{a, b} {
		f := u.flowWhere("a grant", func(f wire.Flow) bool { return f.Allowance > 0 })
		for range f.Allowance {
			u.send(wire.Allow)
		}
		u.ackFor(u.seq)
	}
	full := func(f wire.Flow) bool { return f.Occupancy == 3 && f.Capacity == 3 }
	for _, u := range []*unit{a, b} {
		if f := u.flowWhere("a full site", full); f.AfterSeq != u.seq || f.Allowance != 0 {
			t.Errorf("%s: flow %+v, want allowance 0 after seq %d", u.name, f, u.seq)
		}
	}
	if o := g.srv.Occupancy(); o.Occupancy != 3 || o.Outstanding != 0 {
		t.Fatalf("occupancy %+v, want 3 inside and nothing granted", o)
	}
}

func TestExitGrantsTheWaitingEntrance(t *testing.T) {
	lanes := map[string]occupancy.Role{"entrance-1": occupancy.RoleIn, "exit-1": occupancy.RoleOut}
	g := startGateway(t, 1, lanes)
	in := connectUnit(t, g.srv.URL(), "entrance-1", wire.LaneIn)
	out := connectUnit(t, g.srv.URL(), "exit-1", wire.LaneOut)
	// With one slot free and one entrance, the slot goes to it only once
	// someone waits there: near the cap, slots go where people are held.
	in.send(wire.Wait)
	in.flowWhere("a slot", func(f wire.Flow) bool { return f.Allowance == 1 && f.Waiting == 1 })
	in.send(wire.Allow)
	in.send(wire.Wait)
	in.flowWhere("the site full and one held", func(f wire.Flow) bool {
		return f.Occupancy == 1 && f.Waiting == 1 && f.Allowance == 0
	})
	out.send(wire.Allow)
	f := in.flowWhere("a slot after the exit", func(f wire.Flow) bool { return f.Allowance == 1 })
	if f.AfterSeq != 3 || f.Occupancy != 0 {
		t.Fatalf("flow %+v, want 1 slot after seq 3 with nobody inside", f)
	}
}

func TestRestartKeepsCountAndGrants(t *testing.T) {
	lanes := map[string]occupancy.Role{"entrance-1": occupancy.RoleIn}
	g := startGateway(t, 5, lanes)
	u := connectUnit(t, g.srv.URL(), "entrance-1", wire.LaneIn)
	before := u.flowWhere("a grant", func(f wire.Flow) bool { return f.Allowance == 5 })
	u.send(wire.Allow)
	u.send(wire.Allow)
	u.ackFor(2)
	last := u.flowWhere("two inside", func(f wire.Flow) bool { return f.Occupancy == 2 })
	g.restart()
	if o := g.srv.Occupancy(); o.Occupancy != 2 || o.Outstanding != 3 {
		t.Fatalf("after restart %+v, want 2 inside and 3 still granted", o)
	}
	u2 := connectUnit(t, g.srv.URL(), "entrance-1", wire.LaneIn)
	f := u2.flowWhere("the republished flow", func(wire.Flow) bool { return true })
	if f.Seq <= last.Seq || f.Seq <= before.Seq || f.AfterSeq != 2 || f.Allowance != 3 {
		t.Fatalf("republished flow %+v, want seq above %d, 3 left after seq 2", f, last.Seq)
	}
	if a := u2.ackFor(2); a.Seq != 2 {
		t.Fatalf("republished ack %+v, want 2", a)
	}
}

func TestMalformedAndForeignMessagesChangeNothing(t *testing.T) {
	g := startGateway(t, 10, nil)
	u := connectUnit(t, g.srv.URL(), "entrance-1", wire.LaneIn)
	good := u.entry(1, wire.Allow)
	foreign := good
	foreign.Site, foreign.ID = "other-site", "x"
	otherUnit := good
	otherUnit.Unit, otherUnit.ID = "entrance-2", "y"
	bad := []struct {
		name, topic string
		body        any
	}{
		{"not JSON", wire.EntryTopic(testSite, "entrance-1"), "{"},
		{"wrong schema", wire.EntryTopic(testSite, "entrance-1"), map[string]any{"schema": 9}},
		{"another site on its own topic", wire.EntryTopic("other-site", "entrance-1"), foreign},
		{"another unit's entry", wire.EntryTopic(testSite, "entrance-1"), otherUnit},
		{"status of a gateway", wire.StatusTopic(testSite, "entrance-1"),
			wire.Status{Schema: 1, Site: testSite, Unit: "entrance-1", Role: wire.RoleGateway, State: wire.Online}},
		{"policy without a document", wire.PolicyTopic(testSite, "entrance-1"),
			wire.PolicyPush{Schema: 1, Site: testSite, Unit: "entrance-1", Version: "v"}},
	}
	sent := 0
	for _, b := range bad {
		raw, ok := b.body.(string)
		if !ok {
			j, _ := json.Marshal(b.body)
			raw = string(j)
		}
		u.raw(b.topic, []byte(raw))
		if !strings.HasPrefix(b.topic, wire.Root+"/other-site/") {
			sent++ // the gateway subscribes to its own site only
		}
	}
	u.publish(good)
	u.ackFor(1) // handled in order on the unit's connection: the bad ones are done
	if got := g.srv.Refused(); got != int64(sent) {
		t.Errorf("refused %d, want %d", got, sent)
	}
	if n, _, _ := g.st.Backlog(context.Background(), ""); n != 1 {
		t.Errorf("stored %d entries, want only the good one", n)
	}
	if o := g.srv.Occupancy(); o.Occupancy != 1 || o.Capacity != 10 {
		t.Errorf("occupancy %+v, want 1 inside, capacity 10", o)
	}
	if logs := g.logs.String(); strings.Count(logs, "refused message") != sent {
		t.Errorf("log has %d refusals, want %d:\n%s", strings.Count(logs, "refused message"), sent, logs)
	}
}
