package unit

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/clock"
	"github.com/kakou/kakou/firmware/ledger"
	"github.com/kakou/kakou/firmware/uplink"
	"github.com/kakou/kakou/firmware/wire"
)

// maintainedUnit is just enough of a unit for maintain: a real ledger with
// n unacknowledged entries, an uplink that never runs, a 1 MB quota.
func maintainedUnit(t *testing.T, n int) *Unit {
	t.Helper()
	led, err := ledger.Open(filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { led.Close() })
	status := wire.Status{Site: "s1", Unit: "u1"}
	up, err := uplink.New(led, uplink.Options{Broker: "tcp://127.0.0.1:1", Status: status})
	if err != nil {
		t.Fatal(err)
	}
	es := make([]wire.Entry, n)
	for i := range es {
		es[i] = wire.Entry{Schema: wire.SchemaVersion, ID: fmt.Sprintf("e-%d", i), Site: "s1", Unit: "u1",
			BootID: "b", Lane: wire.LaneIn, Time: time.Now(), Decision: wire.Allow,
			Credential: wire.Credential{Kind: wire.CredentialNone},
			Reasons:    []wire.Reason{{Code: "ok", ZH: "通过", EN: "pass"}}, PolicyVersion: "default-1"}
	}
	if err := led.AppendBatch(context.Background(), es); err != nil {
		t.Fatal(err)
	}
	return &Unit{cfg: Config{Ledger: LedgerConfig{RetentionDays: 28, QuotaMB: 1}},
		log: slog.New(slog.DiscardHandler), ledger: led, uplink: up, clock: clock.Clock{Trusted: true}}
}

func TestMaintainRaisesTheDiskAlarmAndDropsNothingUnacknowledged(t *testing.T) {
	const n = 6000 // well over 1 MB
	u := maintainedUnit(t, n)
	ctx := context.Background()
	u.maintain(ctx)
	if !u.DiskAlarm() {
		t.Fatal("quota full of unacknowledged entries, but no disk alarm")
	}
	if backlog, _, err := u.ledger.Backlog(ctx); err != nil || backlog != n {
		t.Fatalf("backlog after maintenance = %d, %v; want all %d kept", backlog, err, n)
	}

	if err := u.ledger.MarkDeliveredUpTo(ctx, n); err != nil { // the uplink is back
		t.Fatal(err)
	}
	u.maintain(ctx)
	if u.DiskAlarm() {
		t.Fatal("disk alarm still on with only acknowledged entries left")
	}
	size, err := u.ledger.Size(ctx)
	if last, _ := u.ledger.Entries(ctx, n-1, 10); err != nil || size > 1<<20 || len(last) != 1 {
		t.Fatalf("after eviction: size %d (err %v), newest entry kept: %v; want under 1 MB with the newest kept",
			size, err, len(last) == 1)
	}
}
