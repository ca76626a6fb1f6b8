package credential

import (
	"errors"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// Registration codes (KK1.R., firmware/wire/venue.go): a visitor scanned
// the site's venue code (场所码), registered on the collector's page and,
// where the site takes appointments, booked a slot. The centre signs the
// code with its policy key, so the unit verifies it offline with the keys
// of [policy] verify_keys, as it verifies a pushed policy.

// Venue is what a genuine registration code says beyond the person: the
// centre's reference and the booking, for the policy's appointment rule
// and the guard's screen.
type Venue struct {
	ID       string          // the centre's registration ID, the entry's Subject
	Number   string          // the 6-digit number under the QR code
	Slot     *wire.VenueSlot // the booking; nil when the site takes none
	Party    int             // people the booking admits, at least 1
	BookedBy string          // site staff who booked by phone; "" the visitor
}

// checkVenue verifies a KK1.R. code: signature, then site, then the
// validity window when the clock can be believed (as passes). The claims
// count for nothing until the signature holds.
func (v *Verifier) checkVenue(code string) Presented {
	fail := func(s Status, detail string) Presented {
		return Presented{Wire: wire.Credential{Kind: wire.CredentialVenue}, Status: s, Detail: detail}
	}
	r, err := wire.OpenVenueCode(code, v.VenueKeys...)
	switch {
	case len(v.VenueKeys) == 0:
		return fail(StatusVerifyFailed, "no centre key: set [policy] verify_keys")
	case errors.Is(err, wire.ErrVenueBadSignature):
		return fail(StatusVerifyFailed, "bad signature")
	case err != nil:
		return fail(StatusMalformed, err.Error())
	}
	now, synced := v.clock()
	p := venueFacts(r)
	switch {
	case r.Site != v.Site:
		p.Status, p.Detail = StatusWrongSite, "registration for site "+r.Site
	case !synced:
		p.Status, p.Detail = StatusValid, "clock not synced: validity dates not checked"
	default:
		p.Status = inWindow(now, r.NotBefore, r.Expires)
	}
	return v.matchVisitor(p)
}

// venueFacts fills the person as the guard's form would be filled, so the
// visitor privacy rules (masking, hashing, sealing) apply to it unchanged.
func venueFacts(r wire.VenueRegistration) Presented {
	rv := r.Visitor
	p := Presented{
		Wire:    wire.Credential{Kind: wire.CredentialVenue, Subject: r.ID},
		Expires: time.Unix(r.Expires, 0).UTC(),
		Visitor: &Visitor{Name: rv.Name, Phone: rv.Phone, ID: rv.IDNumber, Origin: rv.Origin,
			Destination: rv.Dest, Reason: rv.Reason, Transport: rv.Transport, TrainOrFlight: rv.Trip},
		Venue: &Venue{ID: r.ID, Number: r.Number, Party: max(r.Party, 1), BookedBy: r.BookedBy},
	}
	if rv.Arrival > 0 {
		p.Visitor.ArrivedAt = time.Unix(rv.Arrival, 0).UTC()
	}
	if r.Slot != nil {
		s := *r.Slot
		p.Venue.Slot = &s
	}
	return p
}

// ValidVenueID reports whether s is a registration ID as the centre
// issues them (wire.VenueRegistration.ID): 1-64 of A-Z a-z 0-9 - _.
func ValidVenueID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
