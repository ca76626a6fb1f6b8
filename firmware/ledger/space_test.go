package ledger

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// fill appends n sample entries in one transaction; every alertEvery-th one
// (if > 0) carries a fever alert.
func fill(t testing.TB, l *Ledger, n, alertEvery int) {
	t.Helper()
	es := make([]wire.Entry, n)
	for i := range es {
		es[i] = sampleEntry(i)
		if alertEvery > 0 && (i+1)%alertEvery == 0 {
			es[i].Alert = "fever"
		}
	}
	if err := l.AppendBatch(context.Background(), es); err != nil {
		t.Fatal(err)
	}
}

func TestMarkDeliveredUpToCoversEveryLowerSeqAndIsIdempotent(t *testing.T) {
	l, _ := openTemp(t)
	fill(t, l, 10, 0)
	ctx := context.Background()
	for _, upTo := range []uint64{4, 4, 2, 7, 99} {
		if err := l.MarkDeliveredUpTo(ctx, upTo); err != nil {
			t.Fatal(err)
		}
	}
	if n, _, err := l.Backlog(ctx); err != nil || n != 0 {
		t.Fatalf("after an ack beyond the last seq, backlog = %d, %v; want 0", n, err)
	}
	l2, _ := openTemp(t)
	fill(t, l2, 10, 0)
	if err := l2.MarkDeliveredUpTo(ctx, 6); err != nil {
		t.Fatal(err)
	}
	got, err := l2.Pending(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	wantSeqs(t, got, span(7, 10)...)
}

func TestPendingAlertsReturnsOnlyUndeliveredAlertsInSeqOrder(t *testing.T) {
	l, _ := openTemp(t)
	fill(t, l, 20, 4) // alerts at 4, 8, 12, 16, 20
	ctx := context.Background()
	if err := l.MarkDeliveredUpTo(ctx, 8); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		after uint64
		limit int
		want  []uint64
	}{
		{0, 100, []uint64{12, 16, 20}},
		{0, 2, []uint64{12, 16}},
		{12, 100, []uint64{16, 20}},
		{20, 100, nil},
	}
	for _, tc := range cases {
		got, err := l.PendingAlerts(ctx, tc.after, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		wantSeqs(t, got, tc.want...)
		for _, r := range got {
			if !r.Alert {
				t.Fatalf("seq %d is not flagged as an alert", r.Seq)
			}
		}
	}
	if last, err := l.LastSeq(ctx); err != nil || last != 20 {
		t.Fatalf("LastSeq = %d, %v; want 20", last, err)
	}
}

func TestAppendBatchAssignsConsecutiveSeqsOrStoresNothing(t *testing.T) {
	l, _ := openTemp(t)
	fill(t, l, 3, 0)
	ctx := context.Background()
	bad := []wire.Entry{sampleEntry(3), sampleEntry(4)}
	bad[1].Lane = "sideways"
	if err := l.AppendBatch(ctx, bad); err == nil || bad[0].Seq != 0 {
		t.Fatalf("AppendBatch with an invalid entry = %v, first seq %d; want an error and no seq", err, bad[0].Seq)
	}
	good := []wire.Entry{sampleEntry(3), sampleEntry(4)}
	if err := l.AppendBatch(ctx, good); err != nil || good[0].Seq != 4 || good[1].Seq != 5 {
		t.Fatalf("AppendBatch = %v, seqs %d %d; want 4 5", err, good[0].Seq, good[1].Seq)
	}
}

func TestPurgeDeletesOnlyDeliveredEntriesWhoseDeliveryAgedOut(t *testing.T) {
	l, _ := openTemp(t)
	fill(t, l, 15, 0)
	ctx := context.Background()
	now := time.Now()
	unsynced := time.Unix(300, 0) // a Pi that booted without NTP
	for _, d := range []struct {
		upTo uint64
		at   time.Time
	}{{3, unsynced}, {6, now.Add(-40 * 24 * time.Hour)}, {9, unsynced}, {12, now.Add(-24 * time.Hour)}} {
		if err := l.markDeliveredUpTo(ctx, d.upTo, d.at); err != nil {
			t.Fatal(err)
		}
	}
	// 7-9 carry 1970 stamps but were delivered after 6: they stay while a
	// delivery after them (10-12) is within retention.
	if n, err := l.Purge(ctx, now.Add(-28*24*time.Hour)); err != nil || n != 6 {
		t.Fatalf("Purge(28 days) = %d, %v; want 6", n, err)
	}
	all, err := l.Entries(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	wantSeqs(t, all, span(7, 15)...)
	if n, err := l.Purge(ctx, now.Add(time.Hour)); err != nil || n != 6 {
		t.Fatalf("Purge(everything delivered) = %d, %v; want 6", n, err)
	}
	if all, _ = l.Entries(ctx, 0, 100); len(all) != 3 || all[0].Seq != 13 {
		t.Fatalf("after purging every delivery, the undelivered 13-15 must remain; have %d entries", len(all))
	}
}

func TestPurgeWorksThroughMoreThanOneChunk(t *testing.T) {
	l, _ := openTemp(t)
	fill(t, l, 2*chunk+10, 0)
	ctx := context.Background()
	if err := l.markDeliveredUpTo(ctx, 2*chunk+5, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n, err := l.Purge(ctx, time.Now()); err != nil || n != 2*chunk+5 {
		t.Fatalf("Purge = %d, %v; want %d", n, err, 2*chunk+5)
	}
}

func TestEnforceQuotaEvictsOldestDeliveredAndShrinksTheFile(t *testing.T) {
	l, _ := openTemp(t)
	fill(t, l, 3000, 0)
	ctx := context.Background()
	if err := l.MarkDeliveredUpTo(ctx, 2000); err != nil {
		t.Fatal(err)
	}
	before, err := l.Size(ctx)
	if err != nil {
		t.Fatal(err)
	}
	quota := before / 2
	full, err := l.EnforceQuota(ctx, quota)
	if err != nil || full {
		t.Fatalf("EnforceQuota = %v, %v; want room found among delivered entries", full, err)
	}
	after, err := l.Size(ctx)
	if err != nil || after > quota {
		t.Fatalf("size after eviction %d (err %v), want at most the quota %d (was %d)", after, err, quota, before)
	}
	all, err := l.Entries(ctx, 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	first := all[0].Seq
	if first == 1 || first > 2001 {
		t.Fatalf("oldest remaining seq %d: want some delivered entries evicted and no undelivered one", first)
	}
	wantSeqs(t, all, span(first, 3000)...)
}

func TestEnforceQuotaReportsFullAndDropsNothingUndelivered(t *testing.T) {
	l, _ := openTemp(t)
	fill(t, l, 1000, 0)
	ctx := context.Background()
	if err := l.MarkDeliveredUpTo(ctx, 100); err != nil {
		t.Fatal(err)
	}
	full, err := l.EnforceQuota(ctx, 64<<10)
	if err != nil || !full {
		t.Fatalf("EnforceQuota = %v, %v; want full", full, err)
	}
	all, err := l.Entries(ctx, 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	wantSeqs(t, all, span(101, 1000)...)
	e := sampleEntry(5000)
	if err := l.Append(ctx, &e); err != nil || e.Seq != 1001 {
		t.Fatalf("append over quota = seq %d, %v; the unit must keep screening", e.Seq, err)
	}
}

func TestNewLedgerUsesIncrementalAutoVacuum(t *testing.T) {
	l, _ := openTemp(t)
	var mode int
	if err := l.db.QueryRow(`PRAGMA auto_vacuum`).Scan(&mode); err != nil || mode != 2 {
		t.Fatalf("auto_vacuum = %d, %v; want 2 (incremental)", mode, err)
	}
}

// TestOpenUpgradesALedgerFromBeforeAlertsAndQuotas builds a schema-2 ledger
// as older firmware left it (no auto-vacuum, no alert column) and opens it.
func TestOpenUpgradesALedgerFromBeforeAlertsAndQuotas(t *testing.T) {
	ctx := context.Background()
	path, old := oldLedger(t, 2)
	for i := range 300 {
		e := sampleEntry(i)
		e.Seq = uint64(i + 1)
		if i%100 == 50 {
			e.Alert = "fever"
		}
		body, _ := json.Marshal(e)
		if _, err := old.Exec(`INSERT INTO entries (seq, id, time, decision, body, delivered_at)
			VALUES (?, ?, ?, ?, ?, CASE WHEN ? <= 100 THEN 1 END)`,
			i+1, e.ID, e.Time.UnixMicro(), e.Decision, body, i+1); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()

	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	alerts, err := l.PendingAlerts(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	wantSeqs(t, alerts, 151, 251) // 51 was delivered before the upgrade
	pending, err := l.Pending(ctx, 0, 1000)
	if err != nil || len(pending) != 200 {
		t.Fatalf("Pending on an upgraded ledger = %d records, %v; want 200", len(pending), err)
	}
	for _, r := range pending { // routing columns filled from the JSON of old undelivered rows
		if r.Site != "sunshine-garden" || r.Unit != "north-gate" || r.Alert != (r.Seq%100 == 51) {
			t.Fatalf("upgraded seq %d routes as site %q unit %q alert %v", r.Seq, r.Site, r.Unit, r.Alert)
		}
	}
	if full, err := l.EnforceQuota(ctx, 1); err != nil || !full {
		t.Fatalf("EnforceQuota on an upgraded ledger = %v, %v; want full", full, err)
	}
	if all, _ := l.Entries(ctx, 0, 1000); len(all) != 200 || all[0].Seq != 101 {
		t.Fatalf("upgraded ledger holds %d entries; want the 200 undelivered", len(all))
	}
}

func TestAcknowledgedIsJustBelowTheOldestUndeliveredEntry(t *testing.T) {
	l, _ := openTemp(t)
	ctx := context.Background()
	if n, err := l.Acknowledged(ctx); err != nil || n != 0 {
		t.Fatalf("empty ledger: %d %v", n, err)
	}
	appendN(t, l, 0, 10)
	if n, _ := l.Acknowledged(ctx); n != 0 {
		t.Fatalf("nothing delivered: %d, want 0", n)
	}
	if err := l.MarkDeliveredUpTo(ctx, 6); err != nil {
		t.Fatal(err)
	}
	if n, _ := l.Acknowledged(ctx); n != 6 {
		t.Fatalf("delivered to 6: %d", n)
	}
	l.MarkDeliveredUpTo(ctx, 10)
	if n, _ := l.Acknowledged(ctx); n != 10 {
		t.Fatalf("all delivered: %d, want 10", n)
	}
}
