package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// VenueStore is a backend's registrations, and the entries its arrivals
// are read from.
type VenueStore interface {
	store.VenueStore
	PutEntries(context.Context, []wire.Entry, time.Time) (store.PutResult, error)
}

// venueSlot is 14:00-14:30 on 8 December 2026, Beijing time.
var venueSlot = wire.VenueSlot{Start: time.Date(2026, 12, 8, 6, 0, 0, 0, time.UTC).Unix(),
	End: time.Date(2026, 12, 8, 6, 30, 0, 0, time.UTC).Unix()}

var venueAt = time.Date(2026, 12, 7, 20, 0, 0, 0, time.UTC)

// Booking is a booking of party people into venueSlot at site-a; n makes
// its id and number.
func booking(n, party int, phone, network string) store.Booking {
	return store.Booking{ID: fmt.Sprintf("r-%d", n), Site: "site-a", Number: fmt.Sprintf("%06d", n),
		Day: "2026-12-08", Slot: venueSlot, Party: party, PhoneHash: phone, Network: network,
		Created: venueAt.Add(time.Duration(n) * time.Second)}
}

// Venue holds a backend to the registrations' contract.
func Venue(t *testing.T, open func(*testing.T) VenueStore) {
	for _, c := range []struct {
		name string
		run  func(*testing.T, VenueStore)
	}{
		{"a slot takes parties up to its capacity and no more", behaveSlotCapacity},
		{"a network holds at most its share of a slot", behaveNetworkShare},
		{"a phone holds a slot once", behaveSamePhone},
		{"a number is unique per site and day", behaveNumberTaken},
		{"a malformed booking is refused", behaveBookingShape},
		{"bookings, counts and a phone's registrations read back", behaveBookingsRead},
		{"arrivals come from the entries of venue codes allowed in", behaveArrivals},
		{"old registrations are purged", behavePurgeBookings},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, open(t))
		})
	}
}

func book(t *testing.T, s store.VenueStore, b store.Booking, capacity, share int, want error) {
	t.Helper()
	if err := s.Book(ctx, b, capacity, share); !errors.Is(err, want) {
		t.Fatalf("book %s party %d: %v, want %v", b.ID, b.Party, err, want)
	}
}

func behaveSlotCapacity(t *testing.T, s VenueStore) {
	book(t, s, booking(1, 3, "", "n1"), 5, 0, nil)
	book(t, s, booking(2, 3, "", "n2"), 5, 0, store.ErrSlotFull) // a party of 3 into 2 left
	book(t, s, booking(3, 2, "", "n3"), 5, 0, nil)
	book(t, s, booking(4, 1, "", "n4"), 5, 0, store.ErrSlotFull)
	// A registration without a slot is not counted against any.
	reg := booking(5, 1, "", "n4")
	reg.Slot = wire.VenueSlot{}
	book(t, s, reg, 5, 0, nil)
	counts, err := s.SlotCounts(ctx, "site-a", venueAt, venueAt.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if want := []store.SlotCount{{Slot: venueSlot, Booked: 5}}; !reflect.DeepEqual(counts, want) {
		t.Fatalf("counts %+v, want %+v", counts, want)
	}
}

func behaveNetworkShare(t *testing.T, s VenueStore) {
	book(t, s, booking(1, 2, "", "10.0.0.0/24"), 20, 4, nil)
	book(t, s, booking(2, 3, "", "10.0.0.0/24"), 20, 4, store.ErrNetworkShare)
	book(t, s, booking(3, 2, "", "10.0.0.0/24"), 20, 4, nil)
	book(t, s, booking(4, 3, "", "10.0.1.0/24"), 20, 4, nil)
	staff := booking(5, 3, "", "") // staff bookings name no network
	staff.BookedBy = "mgr"
	book(t, s, staff, 20, 4, nil)
}

func behaveSamePhone(t *testing.T, s VenueStore) {
	book(t, s, booking(1, 1, "h1", "n1"), 20, 0, nil)
	book(t, s, booking(2, 1, "h1", "n2"), 20, 0, store.ErrAlreadyBooked)
	other := booking(3, 1, "h1", "n1")
	other.Slot = wire.VenueSlot{Start: venueSlot.End, End: venueSlot.End + 1800}
	book(t, s, other, 20, 0, nil) // another slot
}

func behaveNumberTaken(t *testing.T, s VenueStore) {
	book(t, s, booking(1, 1, "", ""), 20, 0, nil)
	again := booking(2, 1, "", "")
	again.Number = "000001"
	book(t, s, again, 20, 0, store.ErrNumberTaken)
	again.Day = "2026-12-09" // another day
	book(t, s, again, 20, 0, nil)
	elsewhere := booking(3, 1, "", "")
	elsewhere.Site, elsewhere.Number = "site-b", "000001"
	book(t, s, elsewhere, 20, 0, nil)
}

func behaveBookingShape(t *testing.T, s VenueStore) {
	for _, bad := range []func(*store.Booking){
		func(b *store.Booking) { b.ID = "" },
		func(b *store.Booking) { b.Number = "12345" },
		func(b *store.Booking) { b.Number = "12345a" },
		func(b *store.Booking) { b.Day = "8 Dec" },
		func(b *store.Booking) { b.Party = 0 },
		func(b *store.Booking) { b.Party = wire.MaxParty + 1 },
		func(b *store.Booking) { b.Slot = wire.VenueSlot{}; b.Party = 2 },
		func(b *store.Booking) { b.Created = time.Time{} },
	} {
		b := booking(1, 1, "", "")
		bad(&b)
		book(t, s, b, 20, 0, store.ErrBookingShape)
	}
}

func behaveBookingsRead(t *testing.T, s VenueStore) {
	a, b := booking(2, 2, "h1", "n1"), booking(1, 1, "h2", "n1")
	b.BookedBy = "mgr"
	reg := booking(3, 1, "h1", "n1")
	reg.Slot = wire.VenueSlot{}
	for _, x := range []store.Booking{a, b, reg} {
		book(t, s, x, 20, 0, nil)
	}
	got, err := s.Bookings(ctx, "site-a", venueAt, venueAt.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	// reg was created before the slot starts; then the slot's by number.
	if want := []store.Booking{reg, b, a}; !reflect.DeepEqual(got, want) {
		t.Fatalf("bookings\n%+v\nwant\n%+v", got, want)
	}
	if got, err := s.Bookings(ctx, "site-a", venueAt.Add(time.Hour), venueAt.Add(2*time.Hour)); err != nil || len(got) != 0 {
		t.Fatalf("bookings of an empty hour: %+v %v", got, err)
	}
	for _, c := range []struct {
		phone string
		since time.Time
		want  int
	}{{"h1", venueAt, 2}, {"h1", reg.Created, 1}, {"h1", reg.Created.Add(time.Nanosecond), 0}, {"h3", venueAt, 0}, {"", venueAt, 0}} {
		if n, err := s.PhoneRegistrations(ctx, "site-a", c.phone, c.since); err != nil || n != c.want {
			t.Errorf("registrations of %q since %v: %d %v, want %d", c.phone, c.since, n, err, c.want)
		}
	}
}

func behaveArrivals(t *testing.T, s VenueStore) {
	venue := func(unit string, seq uint64, subject string, d wire.Decision) wire.Entry {
		e := Entry("site-a", unit, seq)
		e.Credential = wire.Credential{Kind: wire.CredentialVenue, Result: "valid", Subject: subject}
		e.Decision = d
		if d != wire.Allow {
			e.Reasons = []wire.Reason{{Code: "x", ZH: "拒绝", EN: "denied"}}
		}
		return e
	}
	pass := Entry("site-a", "u1", 9)
	pass.Credential.Subject = "r-1" // a pass of the same subject is no arrival
	entries := []wire.Entry{venue("u2", 1, "r-1", wire.Allow), venue("u1", 2, "r-1", wire.Allow),
		venue("u1", 3, "r-2", wire.Deny), venue("u1", 4, "r-3", wire.Allow), pass}
	if _, err := s.PutEntries(ctx, entries, T0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Arrivals(ctx, "site-a", []string{"r-1", "r-2", "r-4"})
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Arrival{{ID: "r-1", First: T0.Add(time.Minute), Uses: 2, Units: []string{"u1", "u2"}}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("arrivals %+v, want %+v", got, want)
	}
	if got, err := s.Arrivals(ctx, "site-b", []string{"r-1"}); err != nil || len(got) != 0 {
		t.Fatalf("arrivals at another site: %+v %v", got, err)
	}
}

// VenueConcurrent books a capacity-20 slot from 50 goroutines, spread over
// the handles given (on PostgreSQL two stores, as two collectors on one
// database): exactly 20 must be stored.
func VenueConcurrent(t *testing.T, handles ...store.VenueStore) {
	const tries, capacity = 50, 20
	var wg sync.WaitGroup
	errs := make([]error, tries)
	for i := range tries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = handles[i%len(handles)].Book(ctx, booking(i+1, 1, "", ""), capacity, 0)
		}()
	}
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, store.ErrSlotFull):
			t.Errorf("booking %d: %v", i+1, err)
		}
	}
	counts, err := handles[0].SlotCounts(ctx, "site-a", venueAt, venueAt.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if ok != capacity || len(counts) != 1 || counts[0].Booked != capacity {
		t.Fatalf("%d bookings accepted, counts %+v; want exactly %d", ok, counts, capacity)
	}
}

func behavePurgeBookings(t *testing.T, s VenueStore) {
	for i := 1; i <= 3; i++ {
		book(t, s, booking(i, 1, "", ""), 20, 0, nil) // created venueAt + i s
	}
	n, err := s.PurgeBookings(ctx, venueAt.Add(3*time.Second))
	if err != nil || n != 2 {
		t.Fatalf("purged %d %v, want 2", n, err)
	}
	got, err := s.Bookings(ctx, "site-a", venueAt, venueAt.Add(48*time.Hour))
	if err != nil || len(got) != 1 || got[0].ID != "r-3" {
		t.Fatalf("left %+v %v", got, err)
	}
}
