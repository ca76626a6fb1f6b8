package api

import (
	"context"
	"crypto/ed25519"
	"errors"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// VenueOptions turns on the venue code's mobile page, its registration
// API and the staff's bookings (cloud/README.md "Venue codes and
// appointments"). Nil in Options: those routes answer 404.
type VenueOptions struct {
	// Store keeps the registrations (never what the visitor typed).
	Store store.VenueStore
	// Key is the policy signing key: units verify registration codes with
	// the keys they verify policies with. Nil: registration answers 503.
	Key ed25519.PrivateKey
	// Sites tells what a site's page asks for and its schedule.
	Sites VenueSites
	// HashSecret keys the phone hash (HMAC-SHA256) and the proof-of-work
	// challenges; at least 32 bytes.
	HashSecret []byte
	// PublicURL is where visitors reach the collector, for the poster's
	// QR code ("https://kakou.example.cn").
	PublicURL string
	// Limits; zero takes the defaults (venue_limit.go).
	PerAddressPerHour int // registrations per client address per hour
	PerPhonePerDay    int // registrations per phone per site per day
	NetworkSharePct   int // a network's share of one slot, percent (at least 2 people)
	PowBits           int // proof-of-work leading zero bits
}

// VenueSite is what one site's page asks for, from the policy assigned to
// it.
type VenueSite struct {
	Name     string   // the site's name, shown on the page
	Fields   []string // the visitor fields asked for (json names of wire.VenueVisitor); name always
	Required []string // of Fields, those that must be filled; name always
	Consent  string   // the notice the visitor agrees to
	// Appointments is the site's [checks.appointment] table; nil or off:
	// the page registers without a booking.
	Appointments *wire.Appointments
}

// VenueSites finds a site's venue settings; ErrVenueSiteUnknown when the
// centre knows no such site or it does not register visitors.
type VenueSites interface {
	VenueSite(ctx context.Context, site string) (VenueSite, error)
}

// ErrVenueSiteUnknown: no page for this site.
var ErrVenueSiteUnknown = errors.New("api: no venue page for this site")
