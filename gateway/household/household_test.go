package household

import (
	"fmt"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

var t0 = time.Date(2026, 12, 7, 8, 15, 0, 0, time.UTC)

const twoDays = 48 * time.Hour

func useAt(unit string, seq uint64, hh string, at time.Time) Row {
	return Row{Unit: unit, Seq: seq, Household: hh, At: at, N: 1, Allowance: 1, Period: twoDays}
}

func TestEachLaneHearsTheOtherLanesUsesButNotItsOwnAboveItsWatermark(t *testing.T) {
	s := New("sunshine-garden", 0)
	s.Observe(useAt("north", 5, "H", t0))
	m := s.Message("south", 3, t0.Add(time.Minute))
	if u, ok := m.Usage("H"); !ok || len(u.Uses) != 1 {
		t.Fatalf("south does not hear of north's use: %+v", m)
	}
	// north's watermark is 4: seq 5 is not yet contiguous there, north counts it itself.
	if u, _ := s.Message("north", 4, t0.Add(time.Minute)).Usage("H"); len(u.Uses) != 0 {
		t.Fatalf("north would count its own use twice: %+v", u)
	}
	if u, _ := s.Message("north", 5, t0.Add(time.Minute)).Usage("H"); len(u.Uses) != 1 {
		t.Fatalf("north's stored use is missing once under its watermark: %+v", u)
	}
	if m2 := s.Message("south", 3, t0.Add(2*time.Minute)); m2.Seq <= m.Seq {
		t.Fatalf("message seq did not grow: %d then %d", m.Seq, m2.Seq)
	}
}

func TestTwoLanesLettingACopiedPassOutAtOnceIsAnOveruse(t *testing.T) {
	s := New("sunshine-garden", 0)
	if o := s.Observe(useAt("north", 1, "H", t0)); o != nil {
		t.Fatalf("the first use is an overuse: %+v", o)
	}
	o := s.Observe(useAt("south", 1, "H", t0.Add(time.Second)))
	if o == nil || o.Used != 2 || o.Allowance != 1 {
		t.Fatalf("the second lane's use of a spent allowance was not flagged: %+v", o)
	}
}

func TestResetForgetsEarlierUsesAndAGrantGivesOneBack(t *testing.T) {
	s := New("s", 0)
	s.Observe(useAt("north", 1, "H", t0))
	s.Observe(Row{Unit: "gw", Seq: 1, Household: "H", At: t0.Add(time.Minute), Reset: true})
	if used, _, _ := s.Used("H", t0.Add(2*time.Minute)); used != 0 {
		t.Fatalf("after a reset %d used", used)
	}
	// A use made before the reset but arriving after it (a lane that was cut off) stays forgotten.
	s.Observe(useAt("south", 1, "H", t0.Add(30*time.Second)))
	s.Observe(useAt("north", 2, "H", t0.Add(3*time.Minute)))
	s.Observe(Row{Unit: "gw", Seq: 2, Household: "H", At: t0.Add(4 * time.Minute), N: -1})
	if used, _, _ := s.Used("H", t0.Add(5*time.Minute)); used != 0 {
		t.Fatalf("after a use and a grant of one %d used", used)
	}
}

func TestUsesLeaveTheMessageWithTheirPeriod(t *testing.T) {
	s := New("s", 0)
	s.Observe(useAt("north", 1, "H", t0))
	if m := s.Message("south", 0, t0.Add(twoDays)); len(m.Uses) != 0 {
		t.Fatalf("a use two days old is still listed: %+v", m.Uses)
	}
}

func TestMessageIsBoundedNewestFirst(t *testing.T) {
	s := New("s", 0)
	for i := range wire.MaxHouseholds + 10 {
		s.Observe(useAt("north", uint64(i+1), fmt.Sprintf("H-%d", i), t0.Add(time.Duration(i)*time.Second)))
	}
	m := s.Message("south", 0, t0.Add(time.Hour))
	if !m.Truncated || len(m.Uses) != wire.MaxHouseholds || m.Uses[0].ID != fmt.Sprintf("H-%d", wire.MaxHouseholds+9) {
		t.Fatalf("truncated %v, %d listed, first %s", m.Truncated, len(m.Uses), m.Uses[0].ID)
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
}
