package store

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

var (
	ctx = context.Background()
	t0  = time.Date(2022, 4, 1, 9, 0, 0, 0, time.UTC)
)

func open(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(filepath.Join(dir, "gateway.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func entry(unit string, seq uint64, lane wire.Lane, d wire.Decision) wire.Entry {
	return wire.Entry{Schema: 1, ID: fmt.Sprintf("%s-%d", unit, seq), Site: "riverside-market", Unit: unit,
		Seq: seq, Lane: lane, Time: t0.Add(time.Duration(seq) * time.Second), ClockSynced: true,
		Credential: wire.Credential{Kind: wire.CredentialNone}, Decision: d}
}

func add(t *testing.T, s *Store, e wire.Entry) Added {
	t.Helper()
	b, _ := json.Marshal(e)
	a, err := s.Add(ctx, e, b, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestAddIsIdempotentByIDAndBySeq(t *testing.T) {
	s := open(t, t.TempDir())
	e := entry("entrance-1", 1, wire.LaneIn, wire.Allow)
	if a := add(t, s, e); !a.New || a.Watermark != 1 || !a.Started || a.Record.Row == 0 {
		t.Fatalf("first add %+v, want new at watermark 1", a)
	}
	sameSeq := e
	sameSeq.ID = "another-id"
	for _, again := range []wire.Entry{e, sameSeq} {
		if a := add(t, s, again); a.New || a.Watermark != 1 {
			t.Fatalf("re-add %+v, want not new, watermark 1", a)
		}
	}
	if n, _, _ := s.Backlog(ctx, ""); n != 1 {
		t.Fatalf("backlog %d, want 1", n)
	}
}

func TestWatermarkHoldsAtAGapAndJumpsWhenItFills(t *testing.T) {
	s := open(t, t.TempDir())
	steps := []struct {
		seq  uint64
		want uint64
	}{{1, 1}, {2, 2}, {4, 2}, {5, 2}, {3, 5}, {7, 5}, {6, 7}}
	for _, st := range steps {
		if a := add(t, s, entry("u", st.seq, wire.LaneIn, wire.Allow)); a.Watermark != st.want {
			t.Fatalf("after seq %d: watermark %d, want %d", st.seq, a.Watermark, st.want)
		}
	}
}

func TestWatermarkStartsFromTheUnitsStatus(t *testing.T) {
	s := open(t, t.TempDir())
	// Heard first at 501 with nothing said: not started, no ack.
	if a := add(t, s, entry("u", 501, wire.LaneIn, wire.Allow)); a.Started {
		t.Fatalf("started %+v without seq 1 or a status", a)
	}
	st := wire.Status{Schema: 1, Site: "riverside-market", Unit: "u", Lane: wire.LaneIn, State: wire.Online, AckedSeq: 500}
	w, started, moved, err := s.StatusSeen(ctx, st, t0)
	if err != nil || !started || !moved || w != 501 {
		t.Fatalf("after status acked 500: watermark %d started %v moved %v err %v, want 501", w, started, moved, err)
	}
	st.AckedSeq = 3 // a lower claim moves nothing back
	if w, _, moved, _ := s.StatusSeen(ctx, st, t0); w != 501 || moved {
		t.Fatalf("lower claim: watermark %d moved %v, want 501 unmoved", w, moved)
	}
	units, _ := s.Units(ctx)
	if len(units) != 1 || units[0].Lane != wire.LaneIn || units[0].Watermark != 501 {
		t.Fatalf("units %+v", units)
	}
}

func TestCloudAcksMarkEntriesAndShrinkTheBacklog(t *testing.T) {
	s := open(t, t.TempDir())
	for seq := uint64(1); seq <= 5; seq++ {
		add(t, s, entry("a", seq, wire.LaneIn, wire.Allow))
	}
	add(t, s, entry("b", 1, wire.LaneOut, wire.Allow))
	if n, oldest, _ := s.Backlog(ctx, "a"); n != 5 || !oldest.Equal(t0.Add(time.Hour)) {
		t.Fatalf("backlog of a %d since %v, want 5", n, oldest)
	}
	if n, err := s.CloudAcked(ctx, "riverside-market", "a", 3); n != 3 || err != nil {
		t.Fatalf("acked %d (%v), want 3", n, err)
	}
	if n, _ := s.CloudAcked(ctx, "riverside-market", "a", 3); n != 0 {
		t.Fatalf("repeated ack marked %d, want 0", n)
	}
	if seq, _ := s.CloudAckedSeq(ctx, "a"); seq != 3 {
		t.Fatalf("cloud seq %d, want 3", seq)
	}
	s.CloudAcked(ctx, "riverside-market", "a", 2) // older ack, retained copy
	if seq, _ := s.CloudAckedSeq(ctx, "a"); seq != 3 {
		t.Fatalf("cloud seq went back to %d", seq)
	}
	p, err := s.Pending(ctx, 0, 10)
	if err != nil || len(p) != 3 || p[0].Seq != 4 || p[2].Unit != "b" {
		t.Fatalf("pending %+v (%v), want a/4, a/5, b/1", p, err)
	}
	if p2, _ := s.Pending(ctx, p[0].Row, 1); len(p2) != 1 || p2[0].Seq != 5 {
		t.Fatalf("pending after row %d: %+v, want a/5", p[0].Row, p2)
	}
	if n, oldest, _ := s.Backlog(ctx, ""); n != 3 || oldest.IsZero() {
		t.Fatalf("site backlog %d, want 3", n)
	}
	s.CloudAcked(ctx, "riverside-market", "a", 5)
	s.CloudAcked(ctx, "riverside-market", "b", 1)
	if n, oldest, _ := s.Backlog(ctx, ""); n != 0 || !oldest.IsZero() {
		t.Fatalf("backlog %d since %v after all acked, want 0 and zero time", n, oldest)
	}
}

func TestCorrectionsAreAuditedAndMoveTheCountFromThen(t *testing.T) {
	s := open(t, t.TempDir())
	add(t, s, entry("in", 1, wire.LaneIn, wire.Allow))   // t0+1s
	add(t, s, entry("in", 2, wire.LaneIn, wire.Wait))    // not counted
	add(t, s, entry("out", 3, wire.LaneOut, wire.Allow)) // t0+3s
	if n, _ := s.Movement(ctx, time.Time{}); n != 0 {
		t.Fatalf("movement %d, want 1-1", n)
	}
	for _, bad := range []Correction{{Count: 4, By: "li"}, {Count: 4, Reason: "closing"}, {Count: -1, Reason: "x", By: "y"}} {
		if _, err := s.Correct(ctx, bad); err == nil {
			t.Fatalf("correction %+v accepted", bad)
		}
	}
	c, err := s.Correct(ctx, Correction{Count: 7, Previous: 0, Reason: "opening count", By: "manager wang", At: t0.Add(2 * time.Second)})
	if err != nil || c.ID == 0 {
		t.Fatalf("correct: %+v %v", c, err)
	}
	if n, _ := s.Movement(ctx, c.At); n != -1 {
		t.Fatalf("movement since the correction %d, want -1 (only the exit after it)", n)
	}
	last, ok, _ := s.LastCorrection(ctx)
	if !ok || last.Count != 7 || last.By != "manager wang" || !last.At.Equal(c.At) {
		t.Fatalf("last correction %+v", last)
	}
}

func TestGrantsAndSettingsSurviveReopening(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	g := []Grant{{Unit: "e1", AfterSeq: 10, Allowance: 4, FlowSeq: 33}, {Unit: "e2", AfterSeq: 0, Allowance: 2, FlowSeq: 1}}
	if err := s.SaveGrants(ctx, g); err != nil {
		t.Fatal(err)
	}
	g[0].FlowSeq = 34
	s.SaveGrants(ctx, g[:1])
	s.SetSetting(ctx, "pushed_capacity", "150")
	add(t, s, entry("e1", 11, wire.LaneIn, wire.Allow))
	add(t, s, entry("e1", 12, wire.LaneIn, wire.Wait))
	s.Close()
	s = open(t, dir)
	got, err := s.Grants(ctx)
	if err != nil || len(got) != 2 || got["e1"].FlowSeq != 34 || got["e2"] != g[1] {
		t.Fatalf("grants after reopen %+v (%v)", got, err)
	}
	if v, _ := s.Setting(ctx, "pushed_capacity"); v != "150" {
		t.Fatalf("setting %q", v)
	}
	if a, _ := s.AdmitsAbove(ctx, "e1", 10); len(a) != 1 || a[0] != 11 {
		t.Fatalf("admits above 10: %v, want [11]", a)
	}
	if l, _ := s.LatestEntry(ctx, "e1"); l.Seq != 12 || l.Decision != "wait" {
		t.Fatalf("latest %+v", l)
	}
}
