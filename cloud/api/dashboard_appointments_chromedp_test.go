package api

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// TestDashboardIntegrationAppointmentsListsAndBooksByPhone: site-a's
// manager sees today's slots with their capacity and bookings, the
// booking a visitor made with its number, and books a caller by phone
// into a later slot: the form shows the number to read out, the booking
// is stored as the manager's, and its code opens with the centre's key.
func TestDashboardIntegrationAppointmentsListsAndBooksByPhone(t *testing.T) {
	ctx := browser(t, 1280, 800)
	f := newVenuePageFixture(t)
	next := f.ap.Next(f.clock.now())
	if len(next) < 2 {
		t.Fatalf("the schedule offers %d slots after 09:00", len(next))
	}
	day := f.clock.now().Format(time.DateOnly)
	err := store.VenueStore(f.store).Book(context.Background(), store.Booking{ID: "visitor-1", Site: "site-a",
		Number: "123456", Day: day, Slot: next[0], Party: 2, PhoneHash: "h1", Network: "192.0.2.0/24",
		Created: f.clock.now()}, f.ap.Capacity, 0)
	if err != nil {
		t.Fatal(err)
	}
	// The visitor's code admitted at two lanes: 重复使用 on the list.
	for i, unit := range []string{"gate-1", "gate-2"} {
		e := entry("site-a", unit, uint64(i+1), time.Unix(next[0].Start, 0))
		e.Credential = wire.Credential{Kind: wire.CredentialVenue, Result: "valid", Subject: "visitor-1"}
		f.put(t, e)
	}
	logIn(t, ctx, f.authFixture, "manager")
	row := `#appt-bookings tr[data-booking="visitor-1"]`
	do(t, ctx, "wait for the booking", chromedp.WaitVisible(chromedp.CSS(row)))
	if text := value(t, ctx, "read the booking", chromedp.Text(chromedp.CSS(row))); !strings.Contains(text, "123456") ||
		!strings.Contains(text, f.ap.Label(next[0])) || !strings.Contains(text, "重复使用 2 次") {
		t.Errorf("the booking reads %q, want its number, slot %q and 重复使用 2 次", text, f.ap.Label(next[0]))
	}
	slots := value(t, ctx, "read the slots", chromedp.Text(chromedp.CSS("#appt-slots")))
	if want := len(f.ap.SlotsOn(f.clock.now())); strings.Count(slots, "–") != want {
		t.Errorf("the slots table lists %q, want today's %d slots", slots, want)
	}
	if href := value(t, ctx, "read the poster link", chromedp.Evaluate[string](`document.getElementById("appt-poster").href`)); !strings.HasSuffix(href, "/api/v1/sites/site-a/venue-poster.png") {
		t.Errorf("the poster links to %q", href)
	}

	asked := value(t, ctx, "read the form's fields", chromedp.Evaluate[[]string](
		`[...document.querySelectorAll("#appt-book-fields input")].map(i => i.name + (i.required ? "*" : ""))`))
	if strings.Join(asked, ",") != "name*,phone*" {
		t.Errorf("the phone-booking form asks %v, want the name and phone the site requires, as its page does", asked)
	}
	later := next[1]
	do(t, ctx, "book a caller by phone",
		chromedp.SendKeys(chromedp.CSS(`#appt-book input[name="name"]`), "赵老伯"),
		chromedp.SendKeys(chromedp.CSS(`#appt-book input[name="phone"]`), "13700000000"),
		chromedp.SetValue(chromedp.CSS("#appt-book-slot"), itoa(later.Start)+"-"+itoa(later.End)),
		chromedp.Click(chromedp.CSS(`#appt-book button[type="submit"]`)),
		chromedp.Poll[chromedp.Void](`document.getElementById("appt-result").textContent !== ""`))
	if said := value(t, ctx, "read the answer", chromedp.Text(chromedp.CSS("#appt-result"))); !strings.Contains(said, "已预约") {
		t.Fatalf("booking by phone answered %q", said)
	}
	number := strings.TrimSpace(value(t, ctx, "read the number", chromedp.Text(chromedp.CSS("#appt-result .appt-number"))))
	bookings, err := store.VenueStore(f.store).Bookings(context.Background(), "site-a",
		time.Unix(next[0].Start, 0).Add(-24*time.Hour), time.Unix(later.End, 0).Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var byPhone *store.Booking
	for i := range bookings {
		if bookings[i].Number == number {
			byPhone = &bookings[i]
		}
	}
	if byPhone == nil || byPhone.BookedBy == "" || byPhone.Slot != later {
		t.Fatalf("booked by phone, number %q: stored %+v, want the manager's booking of %v", number, byPhone, later)
	}
	do(t, ctx, "wait for it in the list", chromedp.WaitVisible(chromedp.CSS(`#appt-bookings tr[data-booking="`+byPhone.ID+`"]`)))
	img := value(t, ctx, "read the code's image", chromedp.Evaluate[bool](
		`document.querySelector("#appt-result img").src.startsWith("data:image/png")`))
	if !img {
		t.Error("the booking's QR code is not shown to print")
	}
	code := value(t, ctx, "read the code", chromedp.Evaluate[string](`document.getElementById("appt-result").dataset.code`))
	if r, err := wire.OpenVenueCode(code, f.pub); err != nil || r.Number != number || r.Slot == nil || *r.Slot != later || r.BookedBy == "" {
		t.Errorf("the code booked by phone opens as %+v, %v: want number %s, slot %v, who booked it", r, err, number, later)
	}
}
