package lan

import (
	"context"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/gateway/occupancy"
	"github.com/kakou/kakou/gateway/store"
)

// householdsOf subscribes u to its households and returns the channel.
func householdsOf(t *testing.T, u *unit) chan wire.Households {
	ch := make(chan wire.Households, 100)
	wait(t, u.c.Subscribe(wire.HouseholdsTopic(testSite, u.name), 1, func(_ paho.Client, m paho.Message) {
		if h, err := wire.DecodeHouseholds(m.Payload()); err == nil {
			offer(ch, h)
		}
	}))
	return ch
}

func householdWhere(t *testing.T, ch chan wire.Households, what string, ok func(wire.Households) bool) wire.Households {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case h := <-ch:
			if ok(h) {
				return h
			}
		case <-deadline:
			t.Fatalf("no households message with %s in 10s", what)
		}
	}
}

func (u *unit) householdExit(hh string) uint64 {
	u.seq++
	e := u.entry(u.seq, wire.Allow)
	e.Credential = wire.Credential{Kind: wire.CredentialResidentPass, Result: "valid", Subject: "P-1"}
	e.Household = &wire.Household{ID: hh, Counted: true, Allowance: 1, PeriodSeconds: 2 * 86400}
	u.publish(e)
	return u.seq
}

// lastOffered is the last record handed to the bridge so far.
func lastOffered(ch chan store.Record) (r store.Record) {
	for {
		select {
		case r = <-ch:
		default:
			return r
		}
	}
}

func usesOf(h wire.Households, hh string) int {
	u, _ := h.Usage(hh)
	return len(u.Uses)
}

func TestGatewayCountsAHouseholdAcrossTwoLanesAndAcrossARestart(t *testing.T) {
	g := startGateway(t, 0, map[string]occupancy.Role{"north": occupancy.RoleOut, "south": occupancy.RoleOut})
	north := connectUnit(t, g.srv.URL(), "north", wire.LaneOut)
	south := connectUnit(t, g.srv.URL(), "south", wire.LaneOut)
	south.status(0)
	southHH := householdsOf(t, south)
	seq := north.householdExit("B3-1201")
	north.ackFor(seq)
	h := householdWhere(t, southHH, "north's use", func(h wire.Households) bool { return usesOf(h, "B3-1201") == 1 })
	if h.Unit != "south" || h.Site != testSite {
		t.Fatalf("addressed to %s/%s", h.Site, h.Unit)
	}
	// The copied pass at the south lane at once: the gateway flags the overuse.
	south.ackFor(south.householdExit("B3-1201"))
	if used := g.srv.Household("B3-1201"); used.Used != 2 || used.Allowance != 1 || used.NextAt == nil {
		t.Fatalf("after two lanes' uses: %+v", used)
	}
	if !strings.Contains(g.logs.String(), "household over its allowance") {
		t.Fatalf("the overuse was not flagged:\n%s", g.logs)
	}

	g.restart()
	north = connectUnit(t, g.srv.URL(), "north", wire.LaneOut)
	northHH := householdsOf(t, north)
	h = householdWhere(t, northHH, "the uses after a restart", func(h wire.Households) bool { return usesOf(h, "B3-1201") == 2 })
	if h.AfterSeq != 1 {
		t.Fatalf("north's watermark %d, want 1", h.AfterSeq)
	}
}

// A lane the gateway first hears of after another lane's use learns of
// it as soon as it is online, not at the next use.
func TestALaneComingOnlineAfterAUseHearsOfIt(t *testing.T) {
	g := startGateway(t, 0, map[string]occupancy.Role{"north": occupancy.RoleOut, "south": occupancy.RoleOut})
	north := connectUnit(t, g.srv.URL(), "north", wire.LaneOut)
	north.ackFor(north.householdExit("B3-1201"))
	south := connectUnit(t, g.srv.URL(), "south", wire.LaneOut)
	southHH := householdsOf(t, south)
	south.status(0)
	householdWhere(t, southHH, "north's earlier use", func(h wire.Households) bool { return usesOf(h, "B3-1201") == 1 })
}

func TestManagerResetReachesEveryLaneAndTheCentre(t *testing.T) {
	g := &gateway{t: t, dir: t.TempDir(), logs: &syncBuffer{}, opts: Options{Site: testSite, Listen: "127.0.0.1:0",
		Gateway: "site-gateway", Lanes: map[string]occupancy.Role{"north": occupancy.RoleOut}}}
	offered := make(chan store.Record, 10)
	g.opts.OnStored = func(r store.Record) { offered <- r }
	g.open()
	t.Cleanup(g.close)
	north := connectUnit(t, g.srv.URL(), "north", wire.LaneOut)
	hh := householdsOf(t, north)
	north.ackFor(north.householdExit("H-7"))
	householdWhere(t, hh, "the use", func(h wire.Households) bool { return usesOf(h, "H-7") == 1 })
	e, err := g.srv.ChangeHousehold(context.Background(), wire.HouseholdChange{Household: "H-7", Action: wire.HouseholdReset,
		Reason: "误刷，物业核实"}, Manager{ID: "m-01", Name: "物业张经理"})
	if err != nil {
		t.Fatal(err)
	}
	if e.Record == nil || e.Record.Kind != wire.RecordHousehold || e.Guard != "m-01" || e.Unit != g.opts.Gateway {
		t.Fatalf("record %+v", e)
	}
	if r := lastOffered(offered); r.Unit != "site-gateway" || r.Seq != 1 || !strings.Contains(string(r.Body), e.ID) {
		t.Fatalf("the record offered to the bridge for the centre: %+v", r)
	}
	h := householdWhere(t, hh, "the reset", func(h wire.Households) bool { u, _ := h.Usage("H-7"); return u.Reset != nil })
	if usesOf(h, "H-7") != 0 {
		t.Fatalf("uses listed after the reset: %+v", h)
	}
	if _, err := g.srv.ChangeHousehold(context.Background(), wire.HouseholdChange{Household: "H-7", Action: wire.HouseholdAdjust},
		Manager{ID: "m-01", Name: "x"}); err == nil {
		t.Fatal("an adjustment without a delta or a reason was stored")
	}
}
