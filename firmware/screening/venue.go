package screening

import (
	"context"
	"slices"
	"time"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
)

// One booking admits once per lane (policy appointment.go): before the
// policy judges a registration code, the pipeline asks the lane's ledger
// whether it already let someone in by it. The ledger keeps that across a
// restart; other lanes are the centre's to compare (it flags a booking
// used twice).

// VenueLedger is the ledger's memory of admitted registration codes
// (*ledger.Ledger), given as Options.Venue; without one a booking is not
// held to a single use.
type VenueLedger interface {
	VenueAdmitted(ctx context.Context, id string) (time.Time, bool, error)
}

// venueUsedLocked is when this lane first admitted in's registration code,
// or zero: never, not a booking the appointment rule judges, or not
// readable (logged: the person is screened as a first use rather than held
// at the gate by a disk error). Callers hold mu.
func (p *Pipeline) venueUsedLocked(in policy.Input) time.Time {
	c := in.Credential
	a := p.opts.Policy().Checks.Appointment
	if p.opts.Venue == nil || p.opts.Lane != wire.LaneIn || c.Wire.Kind != wire.CredentialVenue ||
		c.Wire.Subject == "" || !a.On() {
		return time.Time{}
	}
	first, ok, err := p.opts.Venue.VenueAdmitted(context.Background(), c.Wire.Subject)
	if err != nil {
		p.opts.Logger.Error("registration admissions not read; booking screened as unused", "registration", c.Wire.Subject, "err", err)
		return time.Time{}
	}
	if !ok {
		return time.Time{}
	}
	return first
}

// venueVisitorLocked records the person a genuine registration code
// carries as the entry's visitor, minimised exactly as the guard's form
// is (masked numbers, keyed hashes, sealed where the policy demands), so
// nobody types it and the visit book opens their visit. Callers hold mu.
func (p *Pipeline) venueVisitorLocked(pr *person) {
	c := pr.in.Credential
	if c.Wire.Kind != wire.CredentialVenue || c.Status != credential.StatusValid || c.Visitor == nil || pr.visitor != nil {
		return
	}
	reg := p.opts.Policy().Checks.Registration
	v := asked(*c.Visitor, reg.Fields)
	w := wire.Visitor{Name: v.Name, Origin: v.Origin, Destination: v.Destination, Reason: v.Reason,
		Transport: v.Transport, Trip: v.TrainOrFlight}
	if !v.ArrivedAt.IsZero() {
		at := v.ArrivedAt
		w.ArrivedAt = &at
	}
	m, err := p.opts.Privacy.Minimise(w, v.Phone, v.ID, reg.FullNumbers)
	if err != nil {
		// as the console: minimised rather than numbers in the clear
		p.opts.Logger.Error("registration code's visitor recorded without full numbers", "err", err)
	}
	pr.visitor = &m
}

// asked keeps of v only the fields the policy asks a visitor for (its
// [checks.registration] fields; all of them when it names none): a code
// made while the site asked for more keeps nothing more here.
func asked(v credential.Visitor, fields []string) credential.Visitor {
	if len(fields) == 0 {
		return v
	}
	keep := func(f, val string) string {
		if slices.Contains(fields, f) {
			return val
		}
		return ""
	}
	out := credential.Visitor{Name: v.Name, Phone: keep("phone", v.Phone), ID: keep("id", v.ID),
		Origin: keep("origin", v.Origin), Destination: keep("dest", v.Destination), Reason: keep("reason", v.Reason),
		Transport: keep("transport", v.Transport), TrainOrFlight: keep("trip", v.TrainOrFlight)}
	if slices.Contains(fields, "arr") {
		out.ArrivedAt = v.ArrivedAt
	}
	return out
}

// nextSlotLocked adds, to a refusal for want of a fitting booking, when the
// visitor can come: the centre's answer of which slots have room where the
// unit can ask it (Options.NextSlot), else the schedule's next slot.
// Callers hold mu.
func (p *Pipeline) nextSlotLocked(pol policy.Policy, d policy.Decision, now time.Time) policy.Decision {
	if !policy.AppointmentRefused(d) {
		return d
	}
	a := &pol.Checks.Appointment
	text := ""
	if p.opts.NextSlot != nil {
		text = p.opts.NextSlot(a, now)
	}
	if text == "" {
		text = policy.NextSlotText(a, now)
	}
	d.Reasons = append(d.Reasons, policy.ReasonNextSlot(text))
	return d
}

// VenueShown is a registration code on the guard's screen: its number,
// the party, the booked slot as the guard reads it, and Booked — "ok"
// (已预约 ✓), "outside" (不在预约时段 ✗), "unchecked" (clock not synced), or
// "" where the site takes no appointments. The person is the entry's
// visitor, masked as a typed form.
type VenueShown struct {
	Number string `json:"number"`
	Party  int    `json:"party"`
	Slot   string `json:"slot,omitempty"`
	Booked string `json:"booked,omitempty"`
}

// venueShown is pr's registration code for the screen, or nil.
func venueShown(pr *person, a *wire.Appointments) *VenueShown {
	c := pr.in.Credential
	if c.Wire.Kind != wire.CredentialVenue || c.Venue == nil {
		return nil
	}
	s := &VenueShown{Number: c.Venue.Number, Party: c.Venue.Party}
	if c.Venue.Slot != nil {
		s.Slot = a.Label(*c.Venue.Slot)
	}
	for _, r := range pr.entry.Reasons {
		switch r.Code {
		case policy.ReasonAppointmentOK.Code:
			s.Booked = "ok"
		case policy.ReasonAppointmentUnchecked.Code:
			s.Booked = "unchecked"
		case policy.ReasonAppointmentMissing.Code, policy.ReasonAppointmentEarly.Code, policy.ReasonAppointmentLate.Code,
			policy.ReasonAppointmentNoSlot.Code, policy.ReasonAppointmentUsed.Code:
			s.Booked = "outside"
		}
	}
	return s
}
