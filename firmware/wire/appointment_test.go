package wire

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var cst = time.FixedZone("CST", 8*3600)

func clinicSchedule(mod func(*Appointments)) Appointments {
	a := Appointments{Mode: "hard", AppliesTo: "visitors", SlotMinutes: 30, Capacity: 20,
		Hours: []string{"14:00-17:30", "08:00-12:00"}, Early: 15, Late: 10, DaysAhead: 2}
	if mod != nil {
		mod(&a)
	}
	return a
}

func slotAt(t time.Time, minutes int) VenueSlot {
	return VenueSlot{Start: t.Unix(), End: t.Add(time.Duration(minutes) * time.Minute).Unix()}
}

func TestAppointmentsValidateCollectsEveryKey(t *testing.T) {
	a := Appointments{Mode: "sometimes", AppliesTo: "staff", SlotMinutes: 4, Capacity: 0,
		Early: -1, DaysAhead: 8, UTCOffset: "Asia/Shanghai", Hours: []string{"8-12"}}
	err := a.Validate()
	var j interface{ Unwrap() []error }
	if !errors.As(err, &j) {
		t.Fatalf("Validate = %v, want every problem joined", err)
	}
	for _, key := range []string{"mode", "applies_to", "slot_minutes", "capacity", "early_minutes/late_minutes", "days_ahead", "utc_offset", "hours"} {
		if !strings.Contains(err.Error(), "checks.appointment."+key+":") {
			t.Errorf("no problem under checks.appointment.%s in:\n%v", key, err)
		}
	}
	if n := len(j.Unwrap()); n != 8 {
		t.Errorf("%d problems, want 8", n)
	}
	for name, h := range map[string][]string{
		"none":          nil,
		"overlap":       {"08:00-12:00", "11:30-13:00"},
		"backwards":     {"12:00-08:00"},
		"not whole":     {"08:00-08:45"},
		"past midnight": {"23:00-24:30"},
		"bad minutes":   {"08:0-12:00"},
	} {
		a := clinicSchedule(func(a *Appointments) { a.Hours = h })
		if err := a.Validate(); err == nil || !strings.Contains(err.Error(), "checks.appointment.hours") {
			t.Errorf("hours %s %q: Validate = %v, want a problem under hours", name, h, err)
		}
	}
	for _, mode := range []string{"", "off"} {
		off := Appointments{Mode: mode, SlotMinutes: -3}
		if err := off.Validate(); err != nil || off.On() {
			t.Errorf("mode %q: Validate = %v, On = %v; want nothing checked, off", mode, err, off.On())
		}
	}
	good := clinicSchedule(nil)
	if err := good.Validate(); err != nil || !good.On() {
		t.Fatalf("the clinic's schedule: %v", err)
	}
}

func TestSlotsOnADayWithTwoPeriods(t *testing.T) {
	a := clinicSchedule(nil)
	// 2026-12-08 16:30 UTC is 00:30 the next day in +08:00: the slots are
	// the 9th's, not the 8th's.
	slots := a.SlotsOn(time.Date(2026, 12, 8, 16, 30, 0, 0, time.UTC))
	if len(slots) != 8+7 {
		t.Fatalf("%d slots, want 15", len(slots))
	}
	first := time.Date(2026, 12, 9, 8, 0, 0, 0, cst)
	if slots[0] != slotAt(first, 30) {
		t.Fatalf("first slot %s, want 12月9日 08:00–08:30", a.Label(slots[0]))
	}
	if got := a.Label(slots[8]); got != "12月9日 14:00–14:30" {
		t.Fatalf("first afternoon slot %s", got)
	}
	if got := a.Label(slots[14]); got != "12月9日 17:00–17:30" {
		t.Fatalf("last slot %s", got)
	}
	for i := 1; i < len(slots); i++ {
		if slots[i].Start < slots[i-1].End {
			t.Fatalf("slots out of order at %d", i)
		}
	}
	// 2026-12-08 15:59 UTC is still the 8th, 23:59 local
	if got := a.Label(a.SlotsOn(time.Date(2026, 12, 8, 15, 59, 0, 0, time.UTC))[0]); got != "12月8日 08:00–08:30" {
		t.Fatalf("just before local midnight: %s", got)
	}
}

func TestHasRefusesSlotsNotOnTheSchedule(t *testing.T) {
	a := clinicSchedule(nil)
	day := time.Date(2026, 12, 8, 0, 0, 0, 0, cst)
	for _, c := range []struct {
		name string
		s    VenueSlot
		want bool
	}{
		{"morning slot", slotAt(day.Add(9*time.Hour), 30), true},
		{"afternoon slot", slotAt(day.Add(17*time.Hour), 30), true},
		{"off the grid", slotAt(day.Add(9*time.Hour+10*time.Minute), 30), false},
		{"wrong length", slotAt(day.Add(9*time.Hour), 60), false},
		{"lunch break", slotAt(day.Add(12*time.Hour), 30), false},
		{"after hours", slotAt(day.Add(17*time.Hour+30*time.Minute), 30), false},
	} {
		if got := a.Has(c.s); got != c.want {
			t.Errorf("%s: Has = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestAdmitsAtTheEdges(t *testing.T) {
	a := clinicSchedule(nil)
	start := time.Date(2026, 12, 8, 14, 0, 0, 0, cst)
	s := slotAt(start, 30)
	for _, c := range []struct {
		at   time.Time
		want bool
	}{
		{start.Add(-15*time.Minute - time.Second), false},
		{start.Add(-15 * time.Minute), true},
		{start.Add(40*time.Minute - time.Second), true},
		{start.Add(40 * time.Minute), false},
	} {
		if got := a.Admits(s, c.at); got != c.want {
			t.Errorf("Admits at %s = %v, want %v", c.at.Format("15:04:05"), got, c.want)
		}
	}
}

func TestNextSpansDaysAhead(t *testing.T) {
	a := clinicSchedule(nil)
	now := time.Date(2026, 12, 8, 17, 0, 0, 0, cst) // the day's last slot began
	next := a.Next(now)
	if len(next) != 2*15 {
		t.Fatalf("%d slots, want the next two days' 30", len(next))
	}
	if got := a.Label(next[0]); got != "12月9日 08:00–08:30" {
		t.Fatalf("next slot %s", got)
	}
	if got := a.Label(next[len(next)-1]); got != "12月10日 17:00–17:30" {
		t.Fatalf("last bookable slot %s", got)
	}
	a.DaysAhead = 0
	if next := a.Next(now); len(next) != 0 {
		t.Fatalf("booking today only, after the last slot: %d slots", len(next))
	}
}

func TestLabelInTheSiteZone(t *testing.T) {
	a := clinicSchedule(func(a *Appointments) { a.UTCOffset = "+05:00" })
	s := slotAt(time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC), 30)
	if got := a.Label(s); got != "1月2日 08:00–08:30" {
		t.Fatalf("Label = %q", got)
	}
}
