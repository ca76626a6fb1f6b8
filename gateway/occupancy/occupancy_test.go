package occupancy

import (
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

var t0 = time.Date(2022, 4, 1, 9, 0, 0, 0, time.UTC)

// site builds a site with entrance lanes e1..eN and one exit x1.
func site(capacity, count, entrances int) *Site {
	s := New("riverside-market", capacity, count)
	for i := 1; i <= entrances; i++ {
		s.SetRole("e"+string(rune('0'+i)), RoleIn)
	}
	s.SetRole("x1", RoleOut)
	return s
}

// sendAll plans and marks every flow sent, returning them by unit.
func sendAll(s *Site) map[string]wire.Flow {
	out := map[string]wire.Flow{}
	for _, f := range s.Plan(t0, true) {
		s.Sent(f)
		out[f.Unit] = f
	}
	return out
}

func TestPlanSpreadsGrantsEvenlyUnderTheCap(t *testing.T) {
	tests := []struct {
		name                 string
		capacity, count, n   int
		wantEach, wantUnused int
	}{
		{"empty site, two doors", 200, 0, 2, 100, 0},
		{"half full: split evenly", 200, 100, 2, 50, 0},
		{"nearly full: nothing to spread", 10, 8, 2, 0, 2},
		{"full", 10, 10, 3, 0, 0},
		{"over full after a correction", 10, 12, 3, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := site(tt.capacity, tt.count, tt.n)
			flows := sendAll(s)
			if len(flows) != tt.n {
				t.Fatalf("%d flows, want one per entrance (%d): %+v", len(flows), tt.n, flows)
			}
			for u, f := range flows {
				if f.Allowance != tt.wantEach || f.Capacity != tt.capacity || f.Occupancy != max(0, tt.count) {
					t.Errorf("%s: %+v, want allowance %d", u, f, tt.wantEach)
				}
			}
			if got := tt.capacity - s.Count() - s.Outstanding(); max(0, got) != tt.wantUnused {
				t.Errorf("unused slots %d, want %d", got, tt.wantUnused)
			}
		})
	}
}

func TestPlanGivesTheLastSlotToTheLaneWhereSomeoneWaits(t *testing.T) {
	s := site(4, 3, 2)
	sendAll(s)
	if s.Outstanding() != 0 {
		t.Fatalf("outstanding %d with one free slot and nobody waiting, want 0 (reserve)", s.Outstanding())
	}
	s.Observe(Obs{Unit: "e2", Seq: 1, Lane: wire.LaneIn, Decision: wire.Wait, Watermark: 1, Row: 1})
	flows := sendAll(s)
	if f := flows["e2"]; f.Allowance != 1 || f.AfterSeq != 1 || f.Waiting != 1 {
		t.Fatalf("e2 flow %+v, want 1 slot after seq 1 with 1 waiting", f)
	}
	if f := flows["e1"]; f.Allowance != 0 || f.Waiting != 1 {
		t.Fatalf("e1 flow %+v, want no slot, 1 waiting shown", f)
	}
}

func TestAnExitFreesASlotForTheHeldLane(t *testing.T) {
	s := site(2, 2, 2)
	sendAll(s)
	s.Observe(Obs{Unit: "e1", Seq: 7, Lane: wire.LaneIn, Decision: wire.Wait, Watermark: 7, Row: 1})
	if f := sendAll(s)["e1"]; f.Allowance != 0 {
		t.Fatalf("full site granted %+v", f)
	}
	s.Observe(Obs{Unit: "x1", Seq: 1, Lane: wire.LaneOut, Decision: wire.Allow, Counts: true, Watermark: 1, Row: 2})
	f := sendAll(s)["e1"]
	if f.Allowance != 1 || f.Occupancy != 1 || f.AfterSeq != 7 {
		t.Fatalf("after an exit e1 got %+v, want 1 slot after seq 7, occupancy 1", f)
	}
}

func TestRebaseKeepsWhatALaneMayStillAdmit(t *testing.T) {
	s := site(10, 0, 1)
	first := sendAll(s)["e1"] // 10 after 0
	// e1 admits seq 1..3; the gateway stores 1 and 3 (2 is still on its way).
	s.Observe(Obs{Unit: "e1", Seq: 1, Lane: wire.LaneIn, Decision: wire.Allow, Counts: true, Watermark: 1})
	s.Observe(Obs{Unit: "e1", Seq: 3, Lane: wire.LaneIn, Decision: wire.Allow, Counts: true, Watermark: 1})
	f := sendAll(s)["e1"]
	// Outstanding was 10-2 = 8; free is 10-2-8 = 0. Rebased to after 1,
	// seq 3 stays counted against it: allowance 8+1.
	if f.AfterSeq != 1 || f.Allowance != 9 || f.Seq <= first.Seq {
		t.Fatalf("rebased flow %+v, want after 1 allowance 9 and a newer seq than %d", f, first.Seq)
	}
	if s.Count()+s.Outstanding() > s.Capacity() {
		t.Fatalf("count %d + outstanding %d > capacity", s.Count(), s.Outstanding())
	}
}

func TestNoCapPublishesCapacityZero(t *testing.T) {
	s := site(0, 5, 2)
	for u, f := range sendAll(s) {
		if f.Capacity != 0 || f.Allowance != 0 || f.Occupancy != 5 {
			t.Errorf("%s: %+v, want capacity 0 (admit freely) showing 5 inside", u, f)
		}
	}
	if again := s.Plan(t0, true); len(again) != 0 {
		t.Errorf("nothing changed but Plan returned %+v", again)
	}
}

func TestCorrectionAndLoweredCapacityTakeNothingBack(t *testing.T) {
	s := site(10, 0, 2)
	before := sendAll(s)
	s.SetCapacity(4)
	s.SetCount(3)
	after := sendAll(s)
	for u, f := range after {
		if f.Allowance < before[u].Allowance {
			t.Errorf("%s: allowance went from %d to %d", u, before[u].Allowance, f.Allowance)
		}
		if f.Capacity != 4 || f.Occupancy != 3 {
			t.Errorf("%s: %+v, want capacity 4 and 3 inside", u, f)
		}
	}
}

func TestRestoreContinuesFlowSeqAndCountsUsedSlots(t *testing.T) {
	s := New("riverside-market", 10, 4)
	s.Restore(LaneState{Unit: "e1", Role: RoleIn, Grant: Grant{AfterSeq: 20, Allowance: 5, Seq: 41},
		Watermark: 22, Admits: []uint64{22, 21}})
	f := sendAll(s)["e1"]
	// Used 2 of 5: 3 outstanding; free 10-4-3 = 3 is spread to the one lane.
	if f.Seq != 42 || f.AfterSeq != 22 || f.Allowance != 6 {
		t.Fatalf("restored flow %+v, want seq 42, after 22, allowance 3+3", f)
	}
}

func TestCountOnlyChangesWaitForADisplayRound(t *testing.T) {
	s := site(100, 10, 2)
	sendAll(s)
	s.Observe(Obs{Unit: "x1", Seq: 1, Lane: wire.LaneOut, Decision: wire.Allow, Counts: true, Watermark: 1})
	s.Observe(Obs{Unit: "e1", Seq: 1, Lane: wire.LaneIn, Decision: wire.Allow, Counts: true, Watermark: 1})
	quick := s.Plan(t0, false)
	if len(quick) != 1 || quick[0].Unit != "e1" {
		t.Fatalf("without display: %+v, want only e1 (its grant moved)", quick)
	}
	s.Sent(quick[0])
	s.Observe(Obs{Unit: "x1", Seq: 2, Lane: wire.LaneOut, Decision: wire.Allow, Counts: true, Watermark: 2})
	if again := s.Plan(t0, false); len(again) != 0 {
		t.Fatalf("an exit with slots to spare re-granted %+v", again)
	}
	shown := s.Plan(t0, true)
	if len(shown) != 2 || shown[0].Occupancy != 9 {
		t.Fatalf("display round: %+v, want both entrances told the new count", shown)
	}
}
