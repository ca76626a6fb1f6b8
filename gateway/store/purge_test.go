package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// visitorAt is entry seq of unit at time at, with a visitor whose id hash
// is unique, so the test can look for its bytes in the file.
func visitorAt(unit string, seq uint64, lane wire.Lane, at time.Time) (wire.Entry, string) {
	e := entry(unit, seq, lane, wire.Allow)
	e.Time = at
	hash := fmt.Sprintf("%060x%04d", 0xfeed, seq+1000*uint64(len(unit)))
	e.Visitor = &wire.Visitor{Name: "李四", ID: "110***********002X", IDHash: hash}
	return e, hash
}

// count is the occupancy count the gateway rebuilds on restart.
func count(t *testing.T, s *Store) int {
	t.Helper()
	c, _, err := s.LastCorrection(ctx)
	if err != nil {
		t.Fatal(err)
	}
	moved, err := s.Movement(ctx, c.At)
	if err != nil {
		t.Fatal(err)
	}
	return c.Count + moved
}

func TestPurgeDeletesOnlyOldCloudAcknowledgedEntriesAndKeepsTheCount(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	now := time.Now()
	old, recent := now.Add(-40*24*time.Hour), now.Add(-24*time.Hour)
	hashes := map[string]bool{} // hash → must survive
	put := func(unit string, seq uint64, lane wire.Lane, at time.Time, survives bool) {
		e, h := visitorAt(unit, seq, lane, at)
		b, _ := json.Marshal(e)
		if _, err := s.Add(ctx, e, b, at); err != nil {
			t.Fatal(err)
		}
		hashes[h] = survives
	}
	// entrance-1: 1-3 old (acked: purged), 4 recent (acked), 5-6 recent (not acked).
	for seq := uint64(1); seq <= 3; seq++ {
		put("entrance-1", seq, wire.LaneIn, old, false)
	}
	put("entrance-1", 4, wire.LaneIn, recent, true)
	put("entrance-1", 5, wire.LaneIn, recent, true)
	put("entrance-1", 6, wire.LaneIn, recent, true)
	// exit-1: 1-2 old and never acknowledged by the cloud: kept.
	put("exit-1", 1, wire.LaneOut, old, true)
	put("exit-1", 2, wire.LaneOut, old, true)
	if _, err := s.CloudAcked(ctx, "riverside-market", "entrance-1", 4); err != nil {
		t.Fatal(err)
	}
	before := count(t, s)
	n, err := s.Purge(ctx, now.Add(-28*24*time.Hour))
	if err != nil || n != 3 {
		t.Fatalf("Purge(28 days) = %d, %v; want the 3 old acknowledged entries", n, err)
	}
	if after := count(t, s); after != before {
		t.Errorf("occupancy count %d after the purge, %d before", after, before)
	}
	if backlog, _, _ := s.Backlog(ctx, ""); backlog != 4 {
		t.Errorf("backlog %d after the purge, want the 4 unacknowledged entries", backlog)
	}
	if n, err := s.Purge(ctx, now.Add(-28*24*time.Hour)); err != nil || n != 0 {
		t.Errorf("second Purge = %d, %v; want nothing left to purge", n, err)
	}
	if c, _ := s.Corrections(ctx, 10); len(c) != 1 || c[0].By != retentionBy {
		t.Errorf("corrections %+v, want one retention baseline", c)
	}
	s.Close() // checkpoint the WAL into the file
	disk := readAll(t, dir)
	for h, survives := range hashes {
		if bytes.Contains(disk, []byte(h)) != survives {
			t.Errorf("visitor hash %s on disk = %v, want %v", h[56:], !survives, survives)
		}
	}
}

func TestPurgeKeepsEachUnitsLatestEntry(t *testing.T) {
	s := open(t, t.TempDir())
	old := time.Now().Add(-40 * 24 * time.Hour)
	for seq := uint64(1); seq <= 2; seq++ {
		e, _ := visitorAt("entrance-1", seq, wire.LaneIn, old)
		b, _ := json.Marshal(e)
		if _, err := s.Add(ctx, e, b, old); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.CloudAcked(ctx, "riverside-market", "entrance-1", 2); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Purge(ctx, time.Now()); err != nil || n != 1 {
		t.Fatalf("Purge = %d, %v; want 1 (the latest stays)", n, err)
	}
	if l, err := s.LatestEntry(ctx, "entrance-1"); err != nil || l.Seq != 2 {
		t.Fatalf("latest %+v, %v", l, err)
	}
}

func readAll(t *testing.T, dir string) []byte {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "gateway.db*"))
	var out []byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b...)
	}
	return out
}
