package report

import (
	"testing"
	"time"
)

// A cut comes from the config file: ParseCut must refuse what is not a
// time of day, with no panic, and round-trip what it accepts.
func FuzzParseCut(f *testing.F) {
	for _, s := range []string{"16:00", "00:00", "23:59", "24:00", "7:5", "16:00:00", "", "16h", "-1:00", "１６:００"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, m, err := ParseCut(s)
		if err != nil {
			return
		}
		if CheckCut(h, m) != nil {
			t.Fatalf("%q gave %d:%d", s, h, m)
		}
		if _, err := (Def{ID: "x", Cut: s}).PeriodFor("2026-11-23", time.UTC); err != nil {
			t.Fatalf("%q accepted but its period fails: %v", s, err)
		}
	})
}

func TestDefCoversItsSitesAndTheSitesOfItsRegions(t *testing.T) {
	d := Def{Scope: []string{"hutang", "mart"}}
	for _, tt := range []struct {
		site    string
		regions []string
		want    bool
	}{
		{"estate", []string{"changzhou", "wujin", "hutang"}, true},
		{"mart", nil, true},
		{"clinic", []string{"changzhou", "xinbei"}, false},
		{"hutang-2", nil, false}, // a site id is matched whole, not by prefix
	} {
		if got := d.Covers(tt.site, tt.regions); got != tt.want {
			t.Errorf("Covers(%q, %v) = %v", tt.site, tt.regions, got)
		}
	}
	if !(Def{}).Covers("any", nil) {
		t.Error("a report with no scope covers every site")
	}
}

func TestCheckIDRefusesWhatCannotBeAPathOrFileName(t *testing.T) {
	for id, ok := range map[string]bool{"daily": true, "zero-12": true, "village_14": true, "": false,
		"../etc": false, "Daily": false, "日报": false, "a b": false, "-x": false,
		"abcdefghijklmnopqrstuvwxyz0123456": false} {
		if err := CheckID(id); (err == nil) != ok {
			t.Errorf("CheckID(%q) = %v", id, err)
		}
	}
}
