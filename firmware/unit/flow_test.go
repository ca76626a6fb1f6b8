package unit

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// newShopUnit builds supermarket entrance s1/u1 with the shipped
// supermarket policy and a simulated crowd.
func newShopUnit(t *testing.T, dataDir, broker string) *Unit {
	t.Helper()
	pol, err := filepath.Abs(filepath.Join("..", "..", "configs", "policies", "supermarket-normal.toml"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "unit.toml")
	body := fmt.Sprintf(`site = "s1"
unit = "u1"
facility = "supermarket"
data_dir = %q
trust_clock = true
[console]
listen = "off"
[mqtt]
broker = %q
[policy]
path = %q
[simulator]
mean_interval = "5ms"
`, dataDir, broker, pol)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	u, err := New(cfg, slog.New(slog.NewTextHandler(newLogSink(), nil)))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// publishFlow sends the gateway's retained flow seq for s1/u1: the shop is
// full and the lane may admit allowance more after its entry afterSeq.
func (b *testBroker) publishFlow(t *testing.T, seq, afterSeq uint64, allowance int) {
	t.Helper()
	payload, err := json.Marshal(wire.Flow{Schema: wire.SchemaVersion, Site: "s1", Unit: "u1", Seq: seq,
		Occupancy: 200, Capacity: 200, Waiting: 1, AfterSeq: afterSeq, Allowance: allowance, Time: time.Now().UTC()})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.srv.Publish(wire.FlowTopic("s1", "u1"), payload, true, wire.QoSFlow); err != nil {
		t.Fatal(err)
	}
}

// awaitHeld waits until u holds someone and returns their wait entry.
func awaitHeld(t *testing.T, u *Unit) wire.Entry {
	t.Helper()
	var held wire.Entry
	testenv.Await(t, "someone held at the full shop", hangGuard, func() bool {
		h := u.Held()
		if h != nil {
			held = h.Entry
		}
		return h != nil
	})
	return held
}

func TestUnitHoldsAPersonAtAFullSiteAndAdmitsThemOnTheGatewaysGrant(t *testing.T) {
	b := startTestBroker(t)
	b.publishFlow(t, 1, 0, 0) // full before the unit came up
	u := newShopUnit(t, filepath.Join(t.TempDir(), "data"), b.url)
	run(t, u)

	held := awaitHeld(t, u)
	if held.Decision != wire.Wait || held.Reasons[len(held.Reasons)-1].Code != policy.ReasonFull.Code {
		t.Fatalf("held entry %s %v", held.Decision, held.Reasons)
	}
	if c := u.Count(); c == nil || c.Remaining != 0 || c.Capacity != 200 {
		t.Fatalf("count %+v", c)
	}

	// Someone left; the gateway has stored every entry of this lane's so
	// far (the admissions before the first flow arrived among them).
	b.publishFlow(t, 2, held.Seq, 1)
	admitted := false
	for seq, deadline := held.Seq, time.Now().Add(hangGuard); !admitted && time.Now().Before(deadline); {
		e := entryAfter(t, u, seq)
		if admitted = e.Decision == wire.Allow; admitted {
			if e.Reasons[0].Code != policy.ReasonAdmittedAfterWait.Code || e.Credential.Subject != held.Credential.Subject {
				t.Fatalf("first admission after the hold: %+v", e)
			}
		}
		seq = e.Seq
	}
	if !admitted {
		t.Fatalf("nobody admitted after the grant for the person held at seq %d", held.Seq)
	}
	es, err := u.Ledger().Entries(context.Background(), held.Seq, 1)
	if err != nil || len(es) != 1 || es[0].Decision != wire.Allow {
		t.Fatalf("the entry after the wait is %+v (%v): the lane took a scan while the person was held", es, err)
	}
}

func TestUnitKeepsTheCapAfterARebootWithoutItsGateway(t *testing.T) {
	b := startTestBroker(t)
	b.publishFlow(t, 1, 0, 0)
	dataDir := filepath.Join(t.TempDir(), "data")
	u := newShopUnit(t, dataDir, b.url)
	stop := run(t, u)
	awaitHeld(t, u)
	stop()
	b.stop() // the gateway is gone while the unit reboots

	u = newShopUnit(t, dataDir, b.url)
	if c := u.Count(); c == nil || c.Remaining != 0 || c.Capacity != 200 {
		t.Fatalf("restored count %+v, want the saved full shop", c)
	}
	stop = run(t, u)
	held := awaitHeld(t, u)
	es, err := u.Ledger().Entries(context.Background(), 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	waits := 0
	for _, e := range es {
		if e.Decision == wire.Wait {
			waits++
		}
	}
	if waits != 2 || held.Decision != wire.Wait {
		t.Fatalf("%d wait entries, want one before and one after the reboot", waits)
	}

	stop()

	// Pointed at another broker (the site dropped its gateway), the unit
	// no longer goes by the old gateway's grant.
	moved := newShopUnit(t, dataDir, "tcp://127.0.0.1:1")
	defer moved.Close()
	if c := moved.Count(); c != nil {
		t.Fatalf("a unit moved to another broker restored the old gateway's count %+v", c)
	}
}
