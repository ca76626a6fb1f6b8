package api

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/report"
	"github.com/kakou/kakou/firmware/wire"
)

// venueEntry is the unit's entry admitting registration id at at.
func venueEntry(unit string, seq uint64, id string, at time.Time) wire.Entry {
	e := entry("site-a", unit, seq, at)
	e.Credential = wire.Credential{Kind: wire.CredentialVenue, Result: "valid", Subject: id}
	return e
}

func (f *venueFixture) dayView(t *testing.T, user, query string) (int, dayView, string) {
	t.Helper()
	cookie, _ := f.login(t, f.h, user, "192.0.2.7")
	rec := f.do(t, f.h, req{method: "GET", path: "/api/v1/sites/site-a/appointments" + query, cookie: cookie})
	var v dayView
	if rec.Code == http.StatusOK {
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			t.Fatal(err)
		}
	}
	return rec.Code, v, rec.Body.String()
}

// The day at 12:00: the 10:30 booking (party 2) came, through two lanes;
// the 11:00 one (party 1) did not and its window (11:30 + 15 min late)
// is over; the 11:30 one's window is still open, so it is not yet a no-show.
func TestDayViewCountsArrivalsNoShowsAndFlagsACodeUsedTwice(t *testing.T) {
	f := newVenueFixture(t)
	ids := map[string]string{}
	for _, b := range []struct {
		at    wire.VenueSlot
		party int
	}{{slotAt(10, 30), 2}, {slotAt(11, 0), 1}, {slotAt(11, 30), 1}} {
		code, out := f.book(t, "manager", bookingBody(b.at, b.party))
		if code != http.StatusCreated {
			t.Fatalf("booking: %d %v", code, out)
		}
		ids[time.Unix(b.at.Start, 0).In(cst).Format("15:04")] = out["id"].(string)
	}
	arrived := now.Add(35 * time.Minute)
	if _, err := f.store.PutEntries(context.Background(), []wire.Entry{
		venueEntry("gate-1", 1, ids["10:30"], arrived), venueEntry("gate-2", 1, ids["10:30"], arrived.Add(time.Minute))}, arrived); err != nil {
		t.Fatal(err)
	}
	f.clock.add(2 * time.Hour) // 12:00

	code, v, body := f.dayView(t, "manager", "?day=2022-04-02")
	if code != http.StatusOK {
		t.Fatalf("day view: %d %s", code, body)
	}
	if v.Day != "2022-04-02" || len(v.Slots) != 6 || v.Registrations != 3 || v.Arrivals != 1 || v.NoShows != 1 {
		t.Fatalf("day view totals: %+v", v)
	}
	want := map[string]daySlotJSON{"10:30": {Booked: 2, Arrived: 2}, "11:00": {Booked: 1, NoShow: 1}, "11:30": {Booked: 1}}
	for _, s := range v.Slots {
		at := time.Unix(s.S, 0).In(cst).Format("15:04")
		w := want[at]
		if s.Capacity != 3 || s.Booked != w.Booked || s.Arrived != w.Arrived || s.NoShow != w.NoShow {
			t.Errorf("slot %s: %+v, want %+v", at, s, w)
		}
	}
	for _, b := range v.Bookings {
		switch b.ID {
		case ids["10:30"]:
			if b.ArrivedAt == nil || !b.ArrivedAt.Equal(arrived) || b.Uses != 2 || !b.Reused || len(b.Units) != 2 || b.NoShow {
				t.Errorf("the booking that came twice: %+v", b)
			}
		case ids["11:00"]:
			if !b.NoShow || b.ArrivedAt != nil || b.BookedBy != "manager" || b.SlotLabel != "4月2日 11:00–11:30" {
				t.Errorf("the no-show: %+v", b)
			}
		case ids["11:30"]:
			if b.NoShow || b.Reused {
				t.Errorf("the booking still in its window: %+v", b)
			}
		default:
			t.Errorf("a booking not made: %+v", b)
		}
	}
}

func TestDayViewIsBoundedAndScoped(t *testing.T) {
	f := newVenueFixture(t)
	for _, c := range []struct {
		user, query string
		want        int
	}{
		{"manager", "", http.StatusOK},
		{"monitor", "?day=2022-04-30", http.StatusOK},
		{"manager", "?day=9999-12-31", http.StatusBadRequest},
		{"manager", "?day=2022-02-28", http.StatusBadRequest},
		{"manager", "?day=4月2日", http.StatusBadRequest},
		{"manager-b", "", http.StatusForbidden},
		{"monitor-east", "", http.StatusForbidden},
		{"monitor-west", "", http.StatusOK},
		{"guard", "", http.StatusForbidden},
	} {
		if code, _, body := f.dayView(t, c.user, c.query); code != c.want {
			t.Errorf("%s %s: %d %s, want %d", c.user, c.query, code, body, c.want)
		}
	}
}

// The appointments report of 04-02 (its period ends at 16:00) counts the
// day's registrations as the day view does, per site, and site-b, which
// takes none, files zeros.
func TestAppointmentsReportCountsRegistrationsArrivalsAndNoShows(t *testing.T) {
	f := newVenueFixture(t)
	ids := map[string]string{}
	for name, body := range map[string]string{"10:30": bookingBody(slotAt(10, 30), 2), "11:00": bookingBody(slotAt(11, 0), 1),
		"walk-in": `{"visitor":{"name":"王","phone":"13800000002"}}`} {
		code, out := f.book(t, "manager", body)
		if code != http.StatusCreated {
			t.Fatalf("booking %s: %d %v", name, code, out)
		}
		ids[name] = out["id"].(string)
	}
	arrived := now.Add(40 * time.Minute)
	if _, err := f.store.PutEntries(context.Background(), []wire.Entry{venueEntry("gate-1", 1, ids["10:30"], arrived)}, arrived); err != nil {
		t.Fatal(err)
	}
	f.clock.add(8 * time.Hour) // 18:00, past the cut
	cookie, _ := f.login(t, f.h, "monitor", "192.0.2.9")
	var rep report.Report
	if code := f.getAs(t, cookie, "/api/v1/reports/appointments?date=2022-04-02", &rep); code != http.StatusOK {
		t.Fatalf("report: %d %+v", code, rep)
	}
	got := map[string]report.Row{}
	for _, r := range rep.Sites {
		got[r.Site] = r
	}
	if a := got["site-a"]; a.VenueRegistrations != 3 || a.VenueBookings != 2 || a.VenueArrivals != 1 || a.VenueNoShows != 1 {
		t.Errorf("site-a %+v", a)
	}
	if b, ok := got["site-b"]; !ok || b.VenueRegistrations != 0 {
		t.Errorf("site-b %+v (present %v)", b, ok)
	}
	if rep.Total.VenueRegistrations != 3 || rep.Total.VenueNoShows != 1 {
		t.Errorf("total %+v", rep.Total)
	}
}
