package idcard

import (
	"testing"
	"time"
)

func TestCardExpiredComparesTheEndDayWithToday(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	now := time.Date(2026, 12, 7, 23, 59, 0, 0, cst)
	for _, tc := range []struct {
		until string
		want  bool
	}{
		{"20261207", false}, // valid through its last day
		{"20261206", true},
		{"99991231", false},
		{"长期", false},
		{"", true},           // unreadable: the guard looks at it
		{"2026-12-31", true}, // not the card's form
	} {
		if got := (Card{ValidUntil: tc.until}).Expired(now); got != tc.want {
			t.Errorf("valid until %q at %v: expired %v, want %v", tc.until, now, got, tc.want)
		}
	}
	for _, c := range SampleCards() {
		if want := c.Name == "李样本"; c.Expired(now) != want {
			t.Errorf("sample %s: expired %v, want %v", c.Name, c.Expired(now), want)
		}
	}
}
