package policy

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var shanghai = time.FixedZone("CST", 8*3600)

func schoolRounds() StaffRule {
	return StaffRule{Rounds: []Round{{Name: "晨检", From: "07:00", To: "09:00"},
		{Name: "午检", From: "12:00", To: "14:00"}, {Name: "晚检", From: "22:00", To: "01:00"}}}
}

func TestStaffRoundIsTheOneTheLocalTimeFallsIn(t *testing.T) {
	day := func(d, h, m int) time.Time { return time.Date(2026, 12, d, h, m, 0, 0, shanghai) }
	for _, tt := range []struct {
		name    string
		now     time.Time
		synced  bool
		round   string
		day     string
		end     time.Time
		inRound bool
	}{
		{"the first minute of a round", day(7, 7, 0), true, "晨检", "2026-12-07", day(7, 9, 0), true},
		{"the last minute of a round", day(7, 8, 59), true, "晨检", "2026-12-07", day(7, 9, 0), true},
		{"its end is not in it", day(7, 9, 0), true, "", "", time.Time{}, false},
		{"before the first round", day(7, 6, 59), true, "", "", time.Time{}, false},
		{"between rounds", day(7, 11, 0), true, "", "", time.Time{}, false},
		{"noon", day(7, 13, 30), true, "午检", "2026-12-07", day(7, 14, 0), true},
		{"a round crossing midnight, before it", day(7, 23, 0), true, "晚检", "2026-12-07", day(8, 1, 0), true},
		{"a round crossing midnight belongs to the day it began", day(8, 0, 30), true, "晚检", "2026-12-07", day(8, 1, 0), true},
		{"after a midnight round", day(8, 1, 0), true, "", "", time.Time{}, false},
		{"an unsynced clock has no round", day(7, 8, 0), false, "", "", time.Time{}, false},
		{"a Pi booted in 1970", time.Unix(8*3600, 0).In(shanghai), false, "", "", time.Time{}, false},
		{"the year 9999", time.Date(9999, 12, 31, 23, 30, 0, 0, shanghai), true, "晚检", "9999-12-31", time.Date(10000, 1, 1, 1, 0, 0, 0, shanghai), true},
		{"new year's eve crossing", time.Date(2027, 1, 1, 0, 10, 0, 0, shanghai), true, "晚检", "2026-12-31", time.Date(2027, 1, 1, 1, 0, 0, 0, shanghai), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, ok := schoolRounds().Current(tt.now, tt.synced)
			if ok != tt.inRound || r.Name != tt.round || r.Day != tt.day || !r.End.Equal(tt.end) {
				t.Fatalf("got %+v %v, want %s of %s ending %s (%v)", r, ok, tt.round, tt.day, tt.end, tt.inRound)
			}
		})
	}
	if _, ok := (StaffRule{}).Current(day(7, 8, 0), true); ok {
		t.Fatal("a policy without rounds has a round")
	}
}

func TestStaffRoundsAreValidatedWithEveryProblemAndItsKey(t *testing.T) {
	for _, tt := range []struct {
		name   string
		rounds []Round
		keys   []string
	}{
		{"good", schoolRounds().Rounds, nil},
		{"two rounds of an office", []Round{{"上午", "08:00", "10:00"}, {"下午", "14:00", "16:00"}}, nil},
		{"bad time", []Round{{"晨检", "7:00", "09:00"}, {"午检", "12:00", "25:00"}},
			[]string{"checks.staff.rounds[0].from", "checks.staff.rounds[1].to"}},
		{"overlap", []Round{{"晨检", "07:00", "09:00"}, {"早读", "08:30", "10:00"}},
			[]string{"checks.staff.rounds[1]"}},
		{"overlap across midnight", []Round{{"晚检", "22:00", "02:00"}, {"早检", "01:00", "03:00"}},
			[]string{"checks.staff.rounds[1]"}},
		{"empty round", []Round{{"晨检", "07:00", "07:00"}}, []string{"checks.staff.rounds[0]"}},
		{"names", []Round{{"", "07:00", "08:00"}, {"晨检", "09:00", "10:00"}, {"晨检", "11:00", "12:00"}},
			[]string{"checks.staff.rounds[0].name", "checks.staff.rounds[2].name"}},
		{"too many", make([]Round, MaxRounds+1), []string{"checks.staff.rounds"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := Default()
			p.Checks.Staff.Rounds = tt.rounds
			err := p.Validate()
			var ve *ValidationError
			if tt.keys == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.As(err, &ve) {
				t.Fatalf("got %v, want problems at %v", err, tt.keys)
			}
			var got []string
			for _, pr := range ve.Problems {
				got = append(got, pr.Key)
			}
			if strings.Join(got, " ") != strings.Join(tt.keys, " ") {
				t.Fatalf("problems %v, want keys %v", ve.Problems, tt.keys)
			}
		})
	}
}

func TestStaffRoundsAreReadFromADocumentAndAMisspeltKeyIsRefused(t *testing.T) {
	doc := strings.Replace(string(defaultDoc), "[checks.temperature]",
		"[checks.staff]\nrounds = [{name = \"晨检\", from = \"07:00\", to = \"09:00\"}]\n\n[checks.temperature]", 1)
	p, err := Parse([]byte(doc), "t.toml")
	if err != nil || len(p.Checks.Staff.Rounds) != 1 || p.Checks.Staff.Rounds[0].Name != "晨检" {
		t.Fatalf("%+v %v", p.Checks.Staff, err)
	}
	bad := strings.Replace(doc, "from = \"07:00\"", "form = \"07:00\"", 1)
	if _, err := Parse([]byte(bad), "t.toml"); err == nil || !strings.Contains(err.Error(), "form") {
		t.Fatalf("misspelt key: %v", err)
	}
}

func TestProfilesCheckStaffInTheirRounds(t *testing.T) {
	for file, want := range map[string]int{"school-normal.toml": 3, "clinic-normal.toml": 2,
		"nursing-home-outbreak.toml": 2, "community-closed.toml": 0} {
		p, err := Load("../../configs/policies/" + file)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(p.Checks.Staff.Rounds); got != want {
			t.Errorf("%s: %d rounds, want %d", file, got, want)
		}
	}
}
