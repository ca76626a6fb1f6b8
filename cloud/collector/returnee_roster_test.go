package collector

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/roster"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/sqlite"
	"github.com/kakou/kakou/cloud/store/storetest"
	"github.com/kakou/kakou/firmware/wire"
)

type dropPublisher struct{}

func (dropPublisher) PublishRetained(context.Context, string, []byte) error { return nil }

// The returnees a gate registers reach the watch roster every gate
// matches by, with their origin's plan, once however often the sweep
// offers them (a restarted collector offers the whole hold window again).
func TestReturneesJoinTheWatchRosterOnceWithTheirOriginsPlan(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "cloud.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	wuhan := storetest.ReturneeOf("site-a", "gate-1", 1, "湖北省武汉市")
	if _, err := st.PutEntries(ctx, []wire.Entry{wuhan}, storetest.Received); err != nil {
		t.Fatal(err)
	}
	c := &Collector{store: st, log: slog.New(slog.DiscardHandler), cfg: Config{Returnees: []ReturneeRule{
		{Origin: "武汉", Kind: KindHomeQuarantine, Plan: "14+7+7", Tests: []string{"24h", "7d", "14d"}},
	}}}
	c.SetRosterAdder(watchAdder{roster.New(st, dropPublisher{}, c.log)})
	now := storetest.T0.Add(time.Hour)
	for range 2 {
		c.holds.joined = nil // as after a restart
		if err := c.JoinReturnees(ctx, now); err != nil {
			t.Fatal(err)
		}
	}
	es, err := st.WatchEntries(ctx, store.WatchQuery{Ended: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 {
		t.Fatalf("roster holds %d entries, want the returnee once: %+v", len(es), es)
	}
	e := es[0]
	if e.ID != returneeRosterID(wuhan.ID) || e.Kind != wire.WatchHomeQuarantine || e.Plan != "14+7+7" ||
		len(e.Tests) != 3 || e.IDHash != wuhan.Visitor.IDHash || e.Site != "site-a" || !e.Start.Equal(wuhan.Returnee.Arrived) {
		t.Fatalf("roster entry %+v, want the Wuhan returnee on 14+7+7 by the hash they registered with", e)
	}
}

// A returnee with nothing a gate could match them by is listed in the
// reports but cannot join the roster; the sweep says so and goes on.
func TestAReturneeWithNothingToMatchByIsRefusedByTheRosterAndTheSweepGoesOn(t *testing.T) {
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "cloud.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a := watchAdder{roster.New(st, dropPublisher{}, slog.New(slog.DiscardHandler))}
	r := Returnee{EntryID: "0190aaaa-0000-7000-8000-000000000001", Site: "site-a", Unit: "gate-1",
		Returnee: wire.Returnee{Origin: "湖北省武汉市", Arrived: storetest.T0},
		Rule:     ReturneeRule{Kind: KindHomeQuarantine, Plan: "14", Tests: []string{"24h"}}}
	if err := a.AddReturnee(context.Background(), r); err == nil || !errors.Is(err, errUnmatchable) {
		t.Fatalf("AddReturnee with no pass, hash or household = %v, want errUnmatchable", err)
	}
}
