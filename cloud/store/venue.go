package store

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// Registrations and bookings made on the venue code's mobile page
// (cloud/README.md "Venue codes and appointments").
//
// The centre never stores a visitor's name, phone, ID number or any other
// field they typed: those travel only inside the signed registration code
// on the visitor's own phone, and the unit minimises them on arrival as it
// does a form the guard typed. Per registration the centre keeps only what
// it needs to hand out slots fairly: the id, the site, the short number,
// the local day, the slot and party, who booked it by phone, a keyed hash
// of the phone (for the per-phone limit; not reversible without the
// centre's secret) and the requester's network prefix (for the
// per-network share). Rows older than days_ahead+2 days may be purged.

// Booking is one registration, with a slot where the site takes
// appointments.
type Booking struct {
	ID, Site, Number string         // Number: 6 digits, unique per site and Day
	Day              string         // the site's local date, "2026-12-08"
	Slot             wire.VenueSlot // zero for a registration without a booking
	Party            int            // people the booking admits (1 when not a booking)
	BookedBy         string         // staff user who booked by phone; "" when the visitor did
	PhoneHash        string         // keyed hash, "" without a phone
	Network          string         // requester's prefix (/24 IPv4, /48 IPv6); "" for staff bookings
	Created          time.Time
}

// Booked reports whether b holds a slot.
func (b Booking) Booked() bool { return b.Slot != (wire.VenueSlot{}) }

// SlotCount is how many people a slot's bookings admit.
type SlotCount struct {
	Slot   wire.VenueSlot
	Booked int // sum of the bookings' parties
}

// Arrival is what the units' entries say of one registration: the first
// admission, how many admissions, at which units.
type Arrival struct {
	ID    string
	First time.Time
	Uses  int
	Units []string
}

// Errors Book refuses with; the caller answers the visitor with them.
var (
	ErrSlotFull      = errors.New("store: the slot is full")
	ErrNetworkShare  = errors.New("store: this network holds its share of the slot already")
	ErrAlreadyBooked = errors.New("store: this phone holds the slot already")
	ErrNumberTaken   = errors.New("store: the number is taken that day at the site; draw another")
	ErrBookingShape  = errors.New("store: a booking needs an id, a site, a 6-digit number, a day (YYYY-MM-DD), a creation time, and a slot with a party of 1-6 or no slot and a party of 1")
)

// VenueStore is implemented by both backends.
type VenueStore interface {
	// Book stores b atomically across collectors: refused with
	// ErrSlotFull when the slot's parties would exceed capacity,
	// ErrNetworkShare when b.Network would hold more than maxPerNetwork
	// people of the slot (0: no limit), ErrAlreadyBooked when b.PhoneHash
	// already holds the slot, ErrNumberTaken when Number is taken that
	// Day at the site (the caller draws another). A b with a zero Slot is
	// a registration only: no capacity check.
	Book(ctx context.Context, b Booking, capacity, maxPerNetwork int) error
	// SlotCounts sums the parties of the site's slots starting in [from, to).
	SlotCounts(ctx context.Context, site string, from, to time.Time) ([]SlotCount, error)
	// Bookings lists the site's registrations whose slot starts in
	// [from, to), or, for a registration without a slot, created in it;
	// ordered by slot start (created time without one), then number.
	Bookings(ctx context.Context, site string, from, to time.Time) ([]Booking, error)
	// PhoneRegistrations counts the site's registrations by phoneHash
	// created at or after since.
	PhoneRegistrations(ctx context.Context, site, phoneHash string, since time.Time) (int, error)
	// Arrivals reads the site's entries whose credential kind is
	// venue_code, subject one of ids, decision allow; ordered by id.
	Arrivals(ctx context.Context, site string, ids []string) ([]Arrival, error)
	// PurgeBookings deletes the registrations created before before, and
	// says how many.
	PurgeBookings(ctx context.Context, before time.Time) (int, error)
}

// VenueKeep is how long a registration is kept: a week ahead at most
// (days_ahead ≤ 7), and two days after, for the manager's view of
// arrivals and no-shows.
const VenueKeep = (7 + 2) * 24 * time.Hour

// CheckBooking reports whether b is a shape both backends store.
func CheckBooking(b Booking) error {
	okNum := len(b.Number) == 6
	for i := 0; okNum && i < 6; i++ {
		okNum = b.Number[i] >= '0' && b.Number[i] <= '9'
	}
	_, dayErr := time.Parse(time.DateOnly, b.Day)
	okSlot := !b.Booked() && b.Party == 1 ||
		b.Booked() && b.Slot.Start > 0 && b.Slot.End > b.Slot.Start && b.Party >= 1 && b.Party <= wire.MaxParty
	if b.ID == "" || b.Site == "" || !okNum || dayErr != nil || b.Created.IsZero() || !okSlot {
		return ErrBookingShape
	}
	return nil
}

// JudgeRoom decides, from a slot's bookings so far — total people,
// people of b's network, bookings of b's phone — whether b fits; both
// backends call it inside the transaction that counted them.
func JudgeRoom(b Booking, capacity, maxPerNetwork, total, network, phone int) error {
	switch {
	case b.PhoneHash != "" && phone > 0:
		return ErrAlreadyBooked
	case total+b.Party > capacity:
		return ErrSlotFull
	case maxPerNetwork > 0 && b.Network != "" && network+b.Party > maxPerNetwork:
		return ErrNetworkShare
	}
	return nil
}

// SortBookings orders bookings by slot start (created time without a
// slot), then number.
func SortBookings(bs []Booking) {
	key := func(b Booking) int64 {
		if b.Booked() {
			return b.Slot.Start * int64(time.Second)
		}
		return b.Created.UnixNano()
	}
	slices.SortFunc(bs, func(a, b Booking) int {
		if c := cmp.Compare(key(a), key(b)); c != 0 {
			return c
		}
		return strings.Compare(a.Number, b.Number)
	})
}
