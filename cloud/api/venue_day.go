package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// The manager's day view (预约日视图): for one local day at one site, each
// slot's capacity, how many people are booked, how many came and how many
// did not; each booking with its arrival as the units' entries tell it.
// A booking admitted more than once (uses > 1) is flagged: one code shown
// at two lanes is only visible here, where every unit's entries meet.

// maxDayViewReach bounds the day asked for: bookings are purged after
// days_ahead+2 days, and a year's scan is a query that costs a minute.
const maxDayViewReach = 31

// daySlotJSON is one slot of the day. Booked, Arrived and NoShow count
// people (the bookings' parties), as Capacity does.
type daySlotJSON struct {
	S        int64  `json:"s"`
	E        int64  `json:"e"`
	Label    string `json:"label"`
	Capacity int    `json:"capacity"`
	Booked   int    `json:"booked"`
	Arrived  int    `json:"arrived"`
	NoShow   int    `json:"no_show"`
}

// dayBookingJSON is one registration of the day. Nothing the visitor
// typed: the centre never has it.
type dayBookingJSON struct {
	ID        string     `json:"id"`
	Number    string     `json:"number"`
	SlotLabel string     `json:"slot_label"` // "" for a registration without a booking
	Party     int        `json:"party"`
	BookedBy  string     `json:"booked_by"`
	ArrivedAt *time.Time `json:"arrived_at"`
	Uses      int        `json:"uses"`
	Units     []string   `json:"units"`
	NoShow    bool       `json:"no_show"`
	Reused    bool       `json:"reused"` // admitted more than once: look at the units
}

// dayView is the answer of GET /api/v1/sites/{site}/appointments.
type dayView struct {
	Day           string           `json:"day"`
	Fields        []string         `json:"fields"`   // what the phone-booking form asks, as the page does
	Required      []string         `json:"required"` // of Fields
	Slots         []daySlotJSON    `json:"slots"`
	Bookings      []dayBookingJSON `json:"bookings"`
	Registrations int              `json:"registrations"`
	Arrivals      int              `json:"arrivals"`
	NoShows       int              `json:"no_shows"`
}

func (s *server) appointmentsDay(w http.ResponseWriter, r *http.Request) {
	c, site := s.caller(r), r.PathValue("site")
	if s.opts.Venue == nil {
		writeError(w, http.StatusNotFound, "场所码未启用 (venue codes are off in this collector: set [venue])")
		return
	}
	if err := venueSiteAllowed(c, site, "the appointments day view"); err != nil {
		refuse(w, err)
		return
	}
	vs, ok := s.venueSite(w, r, site)
	if !ok {
		return
	}
	day, err := parseViewDay(r.URL.Query().Get("day"), s.opts.Now(), venueZone(vs, s.opts.Location))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	view, err := s.buildDayView(r.Context(), site, vs.Appointments, day)
	if err != nil {
		s.internal(w, "read the day's appointments", err)
		return
	}
	view.Fields, view.Required = withName(vs.Fields), withName(vs.Required)
	writeJSON(w, http.StatusOK, view)
}

// parseViewDay reads ?day= (today when empty) as local midnight in zone,
// refusing a day more than maxDayViewReach days from today.
func parseViewDay(v string, now time.Time, zone *time.Location) (time.Time, error) {
	today := startOfDay(now, zone)
	if v == "" {
		return today, nil
	}
	d, err := time.ParseInLocation(time.DateOnly, v, zone)
	if err != nil {
		return time.Time{}, fmt.Errorf("日期格式不对 (day %q: want YYYY-MM-DD, like %s)", v, today.Format(time.DateOnly))
	}
	if d.Before(today.AddDate(0, 0, -maxDayViewReach)) || d.After(today.AddDate(0, 0, maxDayViewReach)) {
		return time.Time{}, fmt.Errorf("只能查看前后%d天 (day %s: at most %d days from today; older bookings are purged)",
			maxDayViewReach, v, maxDayViewReach)
	}
	return d, nil
}

func (s *server) buildDayView(ctx context.Context, site string, ap *wire.Appointments, day time.Time) (dayView, error) {
	bookings, err := s.opts.Venue.Store.Bookings(ctx, site, day, day.AddDate(0, 0, 1))
	if err != nil {
		return dayView{}, err
	}
	arrivals, err := s.arrivalsOf(ctx, site, bookings)
	if err != nil {
		return dayView{}, err
	}
	return assembleDayView(day, ap, bookings, arrivals, s.opts.Now()), nil
}

// arrivalsOf reads the units' admissions of bookings, by registration id.
func (s *server) arrivalsOf(ctx context.Context, site string, bookings []store.Booking) (map[string]store.Arrival, error) {
	arrivals := map[string]store.Arrival{}
	if len(bookings) == 0 {
		return arrivals, nil
	}
	ids := make([]string, len(bookings))
	for i, b := range bookings {
		ids[i] = b.ID
	}
	as, err := s.opts.Venue.Store.Arrivals(ctx, site, ids)
	for _, a := range as {
		arrivals[a.ID] = a
	}
	return arrivals, err
}

// assembleDayView joins the day's schedule, bookings and arrivals. A
// booking is a no-show once its admission window (the slot plus the late
// minutes) has passed without an arrival.
func assembleDayView(day time.Time, ap *wire.Appointments, bookings []store.Booking,
	arrivals map[string]store.Arrival, now time.Time) dayView {
	v := dayView{Day: day.Format(time.DateOnly), Slots: []daySlotJSON{}, Bookings: make([]dayBookingJSON, 0, len(bookings))}
	slotAt := map[wire.VenueSlot]int{}
	if ap != nil && ap.On() {
		for _, sl := range ap.SlotsOn(day) {
			slotAt[sl] = len(v.Slots)
			v.Slots = append(v.Slots, daySlotJSON{S: sl.Start, E: sl.End, Label: ap.Label(sl), Capacity: ap.Capacity})
		}
	}
	for _, b := range bookings {
		a, came := arrivals[b.ID]
		j := dayBookingJSON{ID: b.ID, Number: b.Number, Party: b.Party, BookedBy: b.BookedBy,
			Uses: a.Uses, Units: a.Units, Reused: a.Uses > 1}
		if j.Units == nil {
			j.Units = []string{}
		}
		if came {
			j.ArrivedAt = timeOrNull(a.First)
			v.Arrivals++
		}
		if b.Booked() {
			if ap != nil {
				j.SlotLabel = ap.Label(b.Slot)
				_, to := ap.Window(b.Slot)
				j.NoShow = !came && !now.Before(to)
			}
			if k, ok := slotAt[b.Slot]; ok {
				v.Slots[k].Booked += b.Party
				if came {
					v.Slots[k].Arrived += b.Party
				}
				if j.NoShow {
					v.Slots[k].NoShow += b.Party
				}
			}
		}
		if j.NoShow {
			v.NoShows++
		}
		v.Registrations++
		v.Bookings = append(v.Bookings, j)
	}
	return v
}
