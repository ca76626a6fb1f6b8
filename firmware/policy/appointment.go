package policy

import (
	"fmt"
	"strings"
	"time"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/wire"
)

// The appointment rule ([checks.appointment], wire.Appointments): where a
// site takes bookings (预约、分时错峰), a visitor shows the registration code
// the centre's page gave them (KK1.R.), and the gate admits the booking
// inside its window — from early_minutes before its slot to late_minutes
// after — once per lane. The schedule is the same table the centre's page
// books from, so both count the same slots.
//
//   - hard: no booking, one for a slot the schedule does not have, one
//     outside its window → persuade_return (劝返, told when to come); a
//     booking this lane already admitted → deny (a copied code);
//   - soft: admitted, and the reason logged;
//   - applies_to "visitors" spares pass holders; "all" asks everyone.
//
// With the clock unsynced the window cannot be judged: the booking is
// admitted and appointment_window_unchecked logged, as passes are.

// Reasons of the appointment rule. The early and late reasons carry the
// booking's own window in their text (appointmentReason).
var (
	ReasonAppointmentOK        = wire.Reason{Code: "appointment_ok", ZH: "已预约 ✓", EN: "booked, within the window"}
	ReasonAppointmentMissing   = wire.Reason{Code: "appointment_missing", ZH: "未预约，请扫门口场所码预约", EN: "no booking; scan the venue code at the gate to book"}
	ReasonAppointmentEarly     = wire.Reason{Code: "appointment_early", ZH: "未到预约时段", EN: "too early for the booking"}
	ReasonAppointmentLate      = wire.Reason{Code: "appointment_late", ZH: "已过预约时段", EN: "too late for the booking"}
	ReasonAppointmentUsed      = wire.Reason{Code: "appointment_used", ZH: "该预约已在本通道使用", EN: "booking already used at this lane"}
	ReasonAppointmentNoSlot    = wire.Reason{Code: "appointment_unknown_slot", ZH: "预约时段不在本场所排班内", EN: "booked slot is not on the site's schedule"}
	ReasonAppointmentUnchecked = wire.Reason{Code: "appointment_window_unchecked", ZH: "时钟未同步，预约时段请人工查看", EN: "clock not synced, check the booking's time by eye"}
	ReasonVenueRegistered      = wire.Reason{Code: "venue_registered", ZH: "已扫码登记", EN: "registered on the venue code's page"}
	ReasonVenueInvalid         = wire.Reason{Code: "venue_code_invalid", ZH: "登记码无效，请登记", EN: "registration code not valid here, please register"}
)

// appointmentApplies reports whether the rule asks this person for a
// booking.
func (e *eval) appointmentApplies() bool {
	a := &e.p.Checks.Appointment
	return a.On() && (a.AppliesTo == "all" || e.group() == Visitors)
}

// appointment judges the booking a registration code carries.
func (e *eval) appointment() {
	if !e.appointmentApplies() {
		return
	}
	a := &e.p.Checks.Appointment
	m := Mode(a.Mode)
	c := &e.in.Credential
	if c.Wire.Kind != wire.CredentialVenue || c.Status != credential.StatusValid || c.Venue == nil || c.Venue.Slot == nil {
		e.fail(m, wire.PersuadeReturn, ReasonAppointmentMissing)
		return
	}
	slot := *c.Venue.Slot
	switch {
	case !a.Has(slot):
		e.fail(m, wire.PersuadeReturn, ReasonAppointmentNoSlot)
	case !e.in.AppointmentUsedAt.IsZero():
		e.fail(m, wire.Deny, usedReason(a, e.in.AppointmentUsedAt))
	case !e.in.ClockSynced:
		e.log(ReasonAppointmentUnchecked)
	case e.in.Now.Before(windowFrom(a, slot)):
		e.fail(m, wire.PersuadeReturn, windowReason(ReasonAppointmentEarly, a, slot))
	case !a.Admits(slot, e.in.Now):
		e.fail(m, wire.PersuadeReturn, windowReason(ReasonAppointmentLate, a, slot))
	default:
		e.log(ReasonAppointmentOK)
	}
}

func windowFrom(a *wire.Appointments, s wire.VenueSlot) time.Time {
	from, _ := a.Window(s)
	return from
}

// windowReason is r with the booking's own window, so the guard reads the
// visitor when to come: "您预约的是 12月8日 14:00–14:30，请于 13:45–14:45 入场".
func windowReason(r wire.Reason, a *wire.Appointments, s wire.VenueSlot) wire.Reason {
	from, to := a.Window(s)
	z := a.Zone()
	r.ZH = fmt.Sprintf("%s：您预约的是 %s，请于 %s–%s 入场", r.ZH, a.Label(s),
		from.In(z).Format("15:04"), to.In(z).Format("15:04"))
	r.EN = fmt.Sprintf("%s: booked %s, admitted %s-%s", r.EN, enLabel(a, s), from.In(z).Format("15:04"), to.In(z).Format("15:04"))
	return r
}

// enLabel is a slot for the English dashboard: "12-08 14:00-14:30".
func enLabel(a *wire.Appointments, s wire.VenueSlot) string {
	z := a.Zone()
	return time.Unix(s.Start, 0).In(z).Format("01-02 15:04") + "-" + time.Unix(s.End, 0).In(z).Format("15:04")
}

// usedReason says when this lane first admitted the booking.
func usedReason(a *wire.Appointments, first time.Time) wire.Reason {
	r := ReasonAppointmentUsed
	at := first.In(a.Zone())
	r.ZH = fmt.Sprintf("%s（%d月%d日 %s 已入场），不得重复使用", r.ZH, at.Month(), at.Day(), at.Format("15:04"))
	r.EN = fmt.Sprintf("%s (admitted %s); a booking admits once", r.EN, at.Format("01-02 15:04"))
	return r
}

// NextSlot is the first slot of a's schedule that begins after now, and
// whether there is one within days_ahead. Free places are known only at
// the centre; this is the schedule's answer for a unit offline.
func NextSlot(a *wire.Appointments, now time.Time) (wire.VenueSlot, bool) {
	next := a.Next(now)
	if len(next) == 0 {
		return wire.VenueSlot{}, false
	}
	return next[0], true
}

// NextSlotText is what the guard tells a visitor turned away when the
// unit cannot ask the centre which slots have room.
func NextSlotText(a *wire.Appointments, now time.Time) string {
	s, ok := NextSlot(a, now)
	if !ok {
		return "近期无可预约时段"
	}
	return "下一时段 " + a.Label(s) + "，是否有名额请扫门口场所码查看"
}

// checkAppointment files each problem wire.Appointments.Validate finds
// under its own key ("checks.appointment.hours: …").
func (ch Checks) checkAppointment(c *checker) {
	if ch.Appointment.On() && ch.Visitor.Mode != Off && ch.Visitor.Action != wire.Register {
		c.bad("checks.appointment.mode", "appointments are taken, but visitors are not admitted here (checks.visitor action %q): turn one off", ch.Visitor.Action)
	}
	err := ch.Appointment.Validate()
	if err == nil {
		return
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, e := range errs {
		key, why, ok := strings.Cut(e.Error(), ": ")
		if !ok {
			key, why = "checks.appointment", e.Error()
		}
		c.bad(key, "%s", why)
	}
}

// venue judges a registration code as the visitor rule: a genuine one is
// the visitor registering on the centre's page, so nobody types a form;
// one that does not verify here is no registration at all.
func (e *eval) venue() {
	if !e.venueRegistered() {
		e.visitor(ReasonVenueInvalid)
		return
	}
	v := e.p.Checks.Visitor
	switch {
	case v.Mode == Off:
	case v.Action != wire.Register:
		e.fail(v.Mode, v.Action, ReasonOutsider)
	default:
		e.log(ReasonVenueRegistered)
	}
}

// venueRegistered reports whether the person showed a genuine
// registration code for this site, valid now.
func (e *eval) venueRegistered() bool {
	c := &e.in.Credential
	return c.Wire.Kind == wire.CredentialVenue && c.Status == credential.StatusValid && c.Visitor != nil
}

// ReasonNextSlot tells a visitor turned away for their booking when they
// can come: text is NextSlotText, or the centre's answer of which slots
// have room (the unit asks it; Evaluate does no I/O).
func ReasonNextSlot(text string) wire.Reason {
	return wire.Reason{Code: "appointment_next", ZH: text, EN: "next slot named to the visitor"}
}

// AppointmentRefused reports whether d turned someone away for their
// booking (not for a booking used twice: that one needs no new slot).
func AppointmentRefused(d Decision) bool {
	if d.Outcome == wire.Allow {
		return false
	}
	for _, r := range d.Reasons {
		switch r.Code {
		case ReasonAppointmentMissing.Code, ReasonAppointmentEarly.Code, ReasonAppointmentLate.Code, ReasonAppointmentNoSlot.Code:
			return true
		}
	}
	return false
}
