package policy

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/wire"
)

// booked is a genuine registration code for this site with a booking for
// the slot starting at hh:mm on now's day, as credential.Verifier reports
// it.
func booked(hhmm string) person {
	p := venueCode(credential.StatusValid)
	start, err := time.ParseInLocation("2006-01-02 15:04", now.Format("2006-01-02 ")+hhmm, now.Location())
	if err != nil {
		panic(err)
	}
	p.Venue.Slot = &wire.VenueSlot{Start: start.Unix(), End: start.Add(30 * time.Minute).Unix()}
	return p
}

// venueCode is a registration code without a booking.
func venueCode(s credential.Status) person {
	return person{Wire: wire.Credential{Kind: wire.CredentialVenue, Result: string(s), Subject: "R_20220210_0001"},
		Status: s, Visitor: &credential.Visitor{Name: "张三", Phone: "13800138000"},
		Venue: &credential.Venue{ID: "R_20220210_0001", Number: "123456", Party: 1}}
}

func usedAt(t time.Time) func(*Input) { return func(in *Input) { in.AppointmentUsedAt = t } }

// The shipped profile: 30-minute slots 08:00-12:00 and 14:00-17:30,
// admitted 15 minutes either side; now is 09:00.
func init() {
	profileCases["clinic-appointments"] = []decisionCase{
		{"booking in its slot", at(booked("09:00")), wire.Allow, "temp_normal venue_registered appointment_ok mask_worn", ""},
		{"booking at the early edge", at(booked("09:00"), func(in *Input) { in.Now = now.Add(-15 * time.Minute) }), wire.Allow, "temp_normal venue_registered appointment_ok mask_worn", ""},
		{"booking a second before the early edge", at(booked("09:00"), func(in *Input) { in.Now = now.Add(-15*time.Minute - time.Second) }), wire.PersuadeReturn, "temp_normal venue_registered appointment_early", ""},
		{"booking at the late edge", at(booked("08:30"), func(in *Input) { in.Now = now.Add(15*time.Minute - time.Second) }), wire.Allow, "temp_normal venue_registered appointment_ok mask_worn", ""},
		{"booking just past the late edge", at(booked("08:30"), func(in *Input) { in.Now = now.Add(15 * time.Minute) }), wire.PersuadeReturn, "temp_normal venue_registered appointment_late", ""},
		{"early booking", at(booked("10:00")), wire.PersuadeReturn, "temp_normal venue_registered appointment_early", ""},
		{"late booking", at(booked("08:00")), wire.PersuadeReturn, "temp_normal venue_registered appointment_late", ""},
		{"slot not on the schedule", at(booked("09:10")), wire.PersuadeReturn, "temp_normal venue_registered appointment_unknown_slot", ""},
		{"slot in the lunch break", at(booked("12:30")), wire.PersuadeReturn, "temp_normal venue_registered appointment_unknown_slot", ""},
		{"used twice at this lane", at(booked("09:00"), usedAt(now.Add(-10*time.Minute))), wire.Deny, "temp_normal venue_registered appointment_used", ""},
		{"window not judged without clock", at(booked("08:00"), unsynced), wire.Allow, "temp_normal venue_registered appointment_window_unchecked mask_worn", ""},
		{"registered without a booking", at(venueCode(credential.StatusValid)), wire.PersuadeReturn, "temp_normal venue_registered appointment_missing", ""},
		{"another site's code", at(func() person { p := booked("09:00"); p.Status = credential.StatusWrongSite; return p }()), wire.PersuadeReturn, "temp_normal venue_code_invalid appointment_missing", ""},
		{"forged code", at(func() person { p := booked("09:00"); p.Status = credential.StatusVerifyFailed; return p }()), wire.PersuadeReturn, "temp_normal venue_code_invalid appointment_missing", ""},
		{"expired code", at(func() person { p := booked("09:00"); p.Status = credential.StatusExpired; return p }()), wire.PersuadeReturn, "temp_normal venue_code_invalid appointment_missing", ""},
		{"visitor with a health code only", at(code(green)), wire.PersuadeReturn, "temp_normal visitor_register appointment_missing", ""},
		{"staff badge needs no booking", at(pass(credential.StatusValid, credential.RoleStaff)), wire.Allow, "temp_normal pass_valid mask_worn", ""},
		{"fever outranks a booking", at(booked("09:00"), fever), wire.Refer, "fever_refer", AlertFever},
	}
}

func TestAppointmentRefusalSaysTheWindow(t *testing.T) {
	p := profile(t, "clinic-appointments")
	for _, c := range []struct {
		name, slot, want string
		at               time.Time
	}{
		{"early", "14:00", "未到预约时段：您预约的是 2月10日 14:00–14:30，请于 13:45–14:45 入场", now},
		{"late", "08:00", "已过预约时段：您预约的是 2月10日 08:00–08:30，请于 07:45–08:45 入场", now},
		{"from UTC", "14:00", "请于 13:45–14:45 入场", now.UTC()},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := p.Evaluate(at(booked(c.slot), func(in *Input) { in.Now = c.at }))
			last := d.Reasons[len(d.Reasons)-1]
			if !strings.Contains(last.ZH, c.want) {
				t.Fatalf("reason %q, want it to hold %q", last.ZH, c.want)
			}
			checkTexts(t, d.Reasons)
		})
	}
	d := p.Evaluate(at(booked("09:00"), usedAt(now.Add(-10*time.Minute))))
	if zh := d.Reasons[len(d.Reasons)-1].ZH; !strings.Contains(zh, "2月10日 08:50 已入场") {
		t.Fatalf("used reason %q does not say when", zh)
	}
}

func TestAppointmentSoftAdmitsAndLogs(t *testing.T) {
	p := profile(t, "clinic-appointments")
	p.Checks.Appointment.Mode = "soft"
	for _, c := range []struct {
		name    string
		in      Input
		reasons string
	}{
		{"early", at(booked("10:00")), "temp_normal venue_registered appointment_early mask_worn"},
		{"used", at(booked("09:00"), usedAt(now)), "temp_normal venue_registered appointment_used mask_worn"},
		{"none, registered by the guard", at(code(green), registered), "temp_normal visitor_register appointment_missing health_code_green mask_worn registered"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := p.Evaluate(c.in)
			if got := codes(d.Reasons); d.Outcome != wire.Allow || got != c.reasons {
				t.Fatalf("got %s [%s], want allow [%s]", d.Outcome, got, c.reasons)
			}
		})
	}
}

func TestAppointmentAppliesTo(t *testing.T) {
	p := profile(t, "clinic-appointments")
	staff := at(pass(credential.StatusValid, credential.RoleStaff))
	if d := p.Evaluate(staff); d.Outcome != wire.Allow {
		t.Fatalf("applies_to visitors: staff %s %s, want allow", d.Outcome, codes(d.Reasons))
	}
	p.Checks.Appointment.AppliesTo = "all"
	if d := p.Evaluate(staff); d.Outcome != wire.PersuadeReturn || codes(d.Reasons) != "temp_normal pass_valid appointment_missing" {
		t.Fatalf("applies_to all: staff %s [%s], want persuade_return for want of a booking", d.Outcome, codes(d.Reasons))
	}
	p.Checks.Appointment.Mode = "off"
	if d := p.Evaluate(at(code(green), registered)); d.Outcome != wire.Allow {
		t.Fatalf("appointments off: %s %s, want allow", d.Outcome, codes(d.Reasons))
	}
}

func TestAppointmentValidationNamesEveryKey(t *testing.T) {
	p := profile(t, "clinic-appointments")
	p.Checks.Appointment.SlotMinutes = 1
	p.Checks.Appointment.DaysAhead = 9
	p.Checks.Appointment.UTCOffset = "Asia/Shanghai"
	err := p.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Validate = %v, want a ValidationError", err)
	}
	keys := map[string]bool{}
	for _, pr := range ve.Problems {
		keys[pr.Key] = true
	}
	for _, k := range []string{"checks.appointment.slot_minutes", "checks.appointment.days_ahead", "checks.appointment.utc_offset"} {
		if !keys[k] {
			t.Errorf("no problem under %s in %v", k, ve.Problems)
		}
	}
	q := profile(t, "clinic-appointments")
	q.Checks.Visitor.Action = wire.PersuadeReturn
	if err := q.Validate(); err == nil || !strings.Contains(err.Error(), "checks.appointment.mode") {
		t.Fatalf("appointments where visitors are turned away: %v, want a problem under checks.appointment.mode", err)
	}
}

func TestParseReadsTheAppointmentTable(t *testing.T) {
	p := profile(t, "clinic-appointments")
	a := p.Checks.Appointment
	if !a.On() || a.SlotMinutes != 30 || len(a.Hours) != 2 || a.Early != 15 || a.Late != 15 {
		t.Fatalf("read %+v", a)
	}
	if got := NextSlotText(&a, now); got != "下一时段 2月10日 09:30–10:00，是否有名额请扫门口场所码查看" {
		t.Fatalf("NextSlotText = %q", got)
	}
}
