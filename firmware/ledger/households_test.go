package ledger

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

const twoDays = 48 * time.Hour

// householdExit is an exit of household hh at t; counted says it was a use.
func householdExit(i int, hh string, t time.Time, synced, counted bool) wire.Entry {
	e := sampleEntry(i)
	e.Lane, e.Time, e.ClockSynced = wire.LaneOut, t, synced
	e.Household = &wire.Household{ID: hh, Counted: counted, Allowance: 1, PeriodSeconds: int64(twoDays / time.Second)}
	return e
}

func householdRecord(i int, hh, action string, delta int, t time.Time) wire.Entry {
	e := sampleEntry(i)
	e.Decision, e.Reasons, e.Temperature, e.Time, e.Guard = "", nil, nil, t, "g-01"
	e.Credential = wire.Credential{Kind: wire.CredentialNone}
	e.Record = &wire.Record{Kind: wire.RecordHousehold,
		Household: &wire.HouseholdChange{Household: hh, Action: action, Delta: delta, Reason: "物业核准"}}
	return e
}

func mustAppend(t testing.TB, l *Ledger, es ...wire.Entry) {
	t.Helper()
	for i := range es {
		if err := l.Append(context.Background(), &es[i]); err != nil {
			t.Fatal(err)
		}
	}
}

func used(t *testing.T, l *Ledger, hh string, now time.Time, synced bool) int {
	t.Helper()
	uses, end, err := l.HouseholdUses(context.Background(), hh, 0, now, synced, twoDays)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := wire.HouseholdWindow(uses, end, twoDays, 1)
	return n
}

func TestHouseholdUsesSurviveAReboot(t *testing.T) {
	l, path := openTemp(t)
	t0 := time.Date(2026, 12, 7, 8, 15, 0, 0, time.UTC)
	mustAppend(t, l, householdExit(1, "B3-1201", t0, true, true),
		householdExit(2, "B3-1201", t0.Add(time.Minute), true, false), // refused: not a use
		householdExit(3, "B1-0101", t0, true, true))
	l.Close()
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if n := used(t, l, "B3-1201", t0.Add(time.Hour), true); n != 1 {
		t.Fatalf("after a reboot B3-1201 has %d uses, want 1", n)
	}
	if n := used(t, l, "B3-1201", t0.Add(twoDays), true); n != 0 {
		t.Fatalf("two days on B3-1201 still has %d uses", n)
	}
}

func TestHouseholdResetAndGrantAreHonoured(t *testing.T) {
	l, _ := openTemp(t)
	t0 := time.Date(2026, 12, 7, 8, 15, 0, 0, time.UTC)
	mustAppend(t, l, householdExit(1, "H", t0, true, true),
		householdRecord(2, "H", wire.HouseholdReset, 0, t0.Add(time.Minute)))
	if n := used(t, l, "H", t0.Add(time.Hour), true); n != 0 {
		t.Fatalf("after a reset %d uses", n)
	}
	mustAppend(t, l, householdExit(3, "H", t0.Add(2*time.Hour), true, true),
		householdRecord(4, "H", wire.HouseholdAdjust, 1, t0.Add(3*time.Hour)))
	if n := used(t, l, "H", t0.Add(4*time.Hour), true); n != 0 {
		t.Fatalf("after a grant of one %d uses", n)
	}
	mustAppend(t, l, householdRecord(5, "H", wire.HouseholdAdjust, -2, t0.Add(5*time.Hour)))
	if n := used(t, l, "H", t0.Add(6*time.Hour), true); n != 2 {
		t.Fatalf("after taking two back %d uses, want 2", n)
	}
}

// A Pi boots in 1970: a use logged before NTP synced must neither be
// dropped as ancient (a refund) nor counted twice once the clock syncs.
func TestHouseholdUseFromAnUnsyncedBootIsNeitherRefundedNorDoubled(t *testing.T) {
	l, path := openTemp(t)
	t0 := time.Date(2026, 12, 7, 8, 15, 0, 0, time.UTC)
	mustAppend(t, l, householdExit(1, "other", t0, true, true)) // the ledger knows 12-07 08:15
	l.Close()
	l, err := Open(path) // the reboot
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	boot := time.Unix(120, 0)
	mustAppend(t, l, householdExit(2, "H", boot, false, true))
	if n := used(t, l, "H", boot.Add(time.Minute), false); n != 1 {
		t.Fatalf("unsynced: %d uses, want 1", n)
	}
	synced := t0.Add(3 * time.Hour)
	for range 2 {
		if n := used(t, l, "H", synced, true); n != 1 {
			t.Fatalf("after the clock synced: %d uses, want 1", n)
		}
	}
	// Re-dated to when the clock synced, so it lasts two days from then.
	if n := used(t, l, "H", synced.Add(twoDays-time.Second), true); n != 1 {
		t.Fatalf("the unsynced use left the window early: %d", n)
	}
	if n := used(t, l, "H", synced.Add(twoDays), true); n != 0 {
		t.Fatalf("the unsynced use never leaves: %d", n)
	}
	// And an unsynced clock reading 1970 does not age out synced uses.
	if n := used(t, l, "other", boot, false); n != 1 {
		t.Fatalf("a 1970 clock aged out a use of 12-07: %d", n)
	}
}

func TestHouseholdUsesAboveAWatermark(t *testing.T) {
	l, _ := openTemp(t)
	t0 := time.Date(2026, 12, 7, 8, 15, 0, 0, time.UTC)
	mustAppend(t, l, householdExit(1, "H", t0, true, true), householdExit(2, "H", t0.Add(time.Minute), true, true))
	uses, _, err := l.HouseholdUses(context.Background(), "H", 1, t0.Add(time.Hour), true, twoDays)
	if err != nil || len(uses) != 1 {
		t.Fatalf("uses above seq 1: %v %v", uses, err)
	}
}

// BenchmarkHouseholdUsesAfterAYear is the gate's per-scan query on a
// ledger holding a year of a busy exit's household uses: 2,000 households
// each going out every 2 days (366,000 rows). The rows go straight into
// household_uses, the only table the query reads (the trigger that fills
// it from entries is TestHouseholdUsesSurviveAReboot's), so setting up a
// year takes a second rather than minutes.
func BenchmarkHouseholdUsesAfterAYear(b *testing.B) {
	l, _ := openTemp(b)
	t0 := time.Date(2025, 12, 7, 0, 0, 0, 0, time.UTC)
	const households, days = 2000, 366
	_, err := l.db.Exec(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
		INSERT INTO household_uses (seq, household, at, synced, n, reset)
		SELECT i + 1, printf('H-%04d', i % ?), ? + (i / ?) * ? + (i % ?) * 1000000, 1, 1, 0 FROM n`,
		households*days/2, households, t0.UnixMicro(), households, (48 * time.Hour).Microseconds(), households)
	if err != nil {
		b.Fatal(err)
	}
	now := t0.Add((days - 1) * 24 * time.Hour) // a day after the last round of uses
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		uses, _, err := l.HouseholdUses(context.Background(), fmt.Sprintf("H-%04d", n%households), 0, now, true, twoDays)
		if err != nil || len(uses) != 1 {
			b.Fatalf("%d uses in the window (want 1), %v", len(uses), err)
		}
	}
}

func TestPurgeHouseholdUsesKeepsRecentAndUndatedUses(t *testing.T) {
	l, _ := openTemp(t)
	t0 := time.Date(2026, 12, 7, 8, 15, 0, 0, time.UTC)
	mustAppend(t, l, householdExit(1, "old", t0.Add(-400*24*time.Hour), true, true),
		householdExit(2, "H", t0, true, true), householdExit(3, "boot", time.Unix(60, 0), false, true))
	n, err := l.PurgeHouseholdUses(context.Background(), t0.Add(-366*24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("purged %d (%v), want the one use over a year old", n, err)
	}
	if used(t, l, "H", t0.Add(time.Hour), false) != 1 || used(t, l, "boot", t0.Add(time.Hour), false) != 1 {
		t.Fatal("a recent or an undated use was purged")
	}
}
