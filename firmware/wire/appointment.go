package wire

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Appointments is a site's schedule of appointment slots (预约、分时错峰、
// 限量): the unit's policy holds it under [checks.appointment], and the
// centre reads the same table from the policy it pushes to the site, so
// the page that books and the gate that admits count the same slots.
type Appointments struct {
	// Mode: "off" (no appointments), "hard" (the gate refuses who has
	// none) or "soft" (admitted, and the missing booking is logged).
	Mode string `toml:"mode" json:"mode"`
	// AppliesTo: "visitors" (people without a pass) or "all".
	AppliesTo   string   `toml:"applies_to" json:"applies_to,omitempty"`
	SlotMinutes int      `toml:"slot_minutes" json:"slot_minutes,omitempty"`   // 5-240
	Capacity    int      `toml:"capacity" json:"capacity,omitempty"`           // people per slot, 1-10000
	Hours       []string `toml:"hours" json:"hours,omitempty"`                 // opening hours, local: "08:00-12:00"
	Early       int      `toml:"early_minutes" json:"early_minutes,omitempty"` // how early before its slot a booking admits
	Late        int      `toml:"late_minutes" json:"late_minutes,omitempty"`   // how late after its slot ends
	DaysAhead   int      `toml:"days_ahead" json:"days_ahead,omitempty"`       // how far ahead a slot can be booked, 0-7
	// UTCOffset is the site's local time, "+08:00" when empty (China has
	// one zone); a unit's clock keeps UTC.
	UTCOffset string `toml:"utc_offset" json:"utc_offset,omitempty"`
}

// Validate reports every field that is wrong, each with its key.
func (a *Appointments) Validate() error {
	if a.Mode == "" || a.Mode == "off" {
		return nil
	}
	var errs []error
	bad := func(key, why string) { errs = append(errs, fmt.Errorf("checks.appointment.%s: %s", key, why)) }
	if a.Mode != "hard" && a.Mode != "soft" {
		bad("mode", fmt.Sprintf("%q: want off, hard or soft", a.Mode))
	}
	if a.AppliesTo != "visitors" && a.AppliesTo != "all" {
		bad("applies_to", fmt.Sprintf("%q: want visitors or all", a.AppliesTo))
	}
	if a.SlotMinutes < 5 || a.SlotMinutes > 240 {
		bad("slot_minutes", fmt.Sprintf("%d: want 5-240", a.SlotMinutes))
	}
	if a.Capacity < 1 || a.Capacity > 10000 {
		bad("capacity", fmt.Sprintf("%d: want 1-10000 people per slot", a.Capacity))
	}
	if a.Early < 0 || a.Early > 240 || a.Late < 0 || a.Late > 240 {
		bad("early_minutes/late_minutes", "want 0-240 each")
	}
	if a.DaysAhead < 0 || a.DaysAhead > 7 {
		bad("days_ahead", fmt.Sprintf("%d: want 0-7", a.DaysAhead))
	}
	if _, err := a.zone(); err != nil {
		bad("utc_offset", err.Error())
	}
	if _, err := a.periods(); err != nil {
		bad("hours", err.Error())
	} else if len(a.Hours) == 0 {
		bad("hours", "want at least one period, like \"08:00-12:00\"")
	}
	return errors.Join(errs...)
}

// On reports whether appointments are taken at all.
func (a *Appointments) On() bool { return a.Mode == "hard" || a.Mode == "soft" }

// Zone is the site's local time.
func (a *Appointments) Zone() *time.Location {
	z, err := a.zone()
	if err != nil {
		return time.FixedZone("+08:00", 8*3600)
	}
	return z
}

func (a *Appointments) zone() (*time.Location, error) {
	off := a.UTCOffset
	if off == "" {
		off = "+08:00"
	}
	t, err := time.Parse("-07:00", off)
	if err != nil {
		return nil, fmt.Errorf("%q: want a UTC offset like +08:00", off)
	}
	_, secs := t.Zone()
	return time.FixedZone(off, secs), nil
}

// period is an opening period in minutes after local midnight.
type period struct{ from, to int }

func (a *Appointments) periods() ([]period, error) {
	var ps []period
	for _, h := range a.Hours {
		f, t, ok := strings.Cut(h, "-")
		from, err1 := clockMinutes(f)
		to, err2 := clockMinutes(t)
		if !ok || err1 != nil || err2 != nil || to <= from {
			return nil, fmt.Errorf("%q: want a period like \"08:00-12:00\" that ends after it begins", h)
		}
		if a.SlotMinutes > 0 && (to-from)%a.SlotMinutes != 0 {
			return nil, fmt.Errorf("%q: %d minutes is not a whole number of %d-minute slots", h, to-from, a.SlotMinutes)
		}
		ps = append(ps, period{from, to})
	}
	slices.SortFunc(ps, func(x, y period) int { return x.from - y.from })
	for i := 1; i < len(ps); i++ {
		if ps[i].from < ps[i-1].to {
			return nil, errors.New("periods overlap")
		}
	}
	return ps, nil
}

func clockMinutes(s string) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || len(m) != 2 || hh < 0 || mm < 0 || mm > 59 || hh*60+mm > 24*60 {
		return 0, fmt.Errorf("%q is not a time of day", s)
	}
	return hh*60 + mm, nil
}

// SlotsOn lists the slots of the local day that holds t, in order.
func (a *Appointments) SlotsOn(t time.Time) []VenueSlot {
	ps, err := a.periods()
	if err != nil || a.SlotMinutes <= 0 {
		return nil
	}
	local := t.In(a.Zone())
	midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, local.Location())
	var slots []VenueSlot
	for _, p := range ps {
		for m := p.from; m+a.SlotMinutes <= p.to; m += a.SlotMinutes {
			start := midnight.Add(time.Duration(m) * time.Minute)
			slots = append(slots, VenueSlot{Start: start.Unix(), End: start.Add(time.Duration(a.SlotMinutes) * time.Minute).Unix()})
		}
	}
	return slots
}

// Has reports whether s is one of the schedule's slots: a booking for any
// other (a forged or stale one after the hours changed) admits no one.
func (a *Appointments) Has(s VenueSlot) bool {
	return slices.Contains(a.SlotsOn(time.Unix(s.Start, 0)), s)
}

// Window is when a booking for s admits: from Early minutes before the
// slot begins to Late minutes after it ends.
func (a *Appointments) Window(s VenueSlot) (from, to time.Time) {
	return time.Unix(s.Start, 0).Add(-time.Duration(a.Early) * time.Minute),
		time.Unix(s.End, 0).Add(time.Duration(a.Late) * time.Minute)
}

// Admits reports whether a booking for s admits at now.
func (a *Appointments) Admits(s VenueSlot, now time.Time) bool {
	from, to := a.Window(s)
	return !now.Before(from) && now.Before(to)
}

// Next lists the slots that begin after now, over today and the days a
// booking may be made ahead, in order: what a page offers, and where a
// gate looks for the next free one.
func (a *Appointments) Next(now time.Time) []VenueSlot {
	var out []VenueSlot
	for d := 0; d <= a.DaysAhead; d++ {
		for _, s := range a.SlotsOn(now.AddDate(0, 0, d)) {
			if s.Start > now.Unix() {
				out = append(out, s)
			}
		}
	}
	return out
}

// Label is a slot as a guard and a visitor read it: "12月8日 14:00–14:30".
func (a *Appointments) Label(s VenueSlot) string {
	z := a.Zone()
	from, to := time.Unix(s.Start, 0).In(z), time.Unix(s.End, 0).In(z)
	return fmt.Sprintf("%d月%d日 %s–%s", from.Month(), from.Day(), from.Format("15:04"), to.Format("15:04"))
}
