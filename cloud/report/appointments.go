package report

// Registrations and appointments made on the venue code's page (场所码):
// how many registered for the report's day at the site, how many of them
// booked a slot, how many came (a unit admitted their code) and how many
// booked and did not come once their slot's window had passed (爽约). The
// centre keeps no visitor's name or number, so these are counts only.

// Column keys of the appointment counts; named reports pick them. They
// are not the daily report's: its CSV is locked byte for byte.
const (
	ColVenueRegistrations = "venue_registrations"
	ColVenueBookings      = "venue_bookings"
	ColVenueArrivals      = "venue_arrivals"
	ColVenueNoShows       = "venue_no_shows"
)

// VenueColumns are the appointment columns, in the order a report lists them.
var VenueColumns = []string{ColVenueRegistrations, ColVenueBookings, ColVenueArrivals, ColVenueNoShows}

// VenueCounts are one site's registrations over the period, as the
// centre's registrations and the units' entries tell them.
type VenueCounts struct {
	Registrations int // every registration, with a slot or without
	Bookings      int // those holding a slot
	Arrivals      int // registrations a unit admitted
	NoShows       int // bookings not admitted by the end of their window
}

func init() {
	for _, c := range []column{
		count(ColVenueRegistrations, "场所码登记", "Venue registrations", func(r Row) int { return r.VenueRegistrations }),
		count(ColVenueBookings, "预约", "Appointments", func(r Row) int { return r.VenueBookings }),
		count(ColVenueArrivals, "登记到场", "Registered arrivals", func(r Row) int { return r.VenueArrivals }),
		count(ColVenueNoShows, "预约未到", "Appointment no-shows", func(r Row) int { return r.VenueNoShows }),
	} {
		allColumns[c.key] = c
	}
}

// venue fills r's appointment counts from s's.
func venue(r *Row, s SiteInput) {
	r.VenueRegistrations, r.VenueBookings = s.Venue.Registrations, s.Venue.Bookings
	r.VenueArrivals, r.VenueNoShows = s.Venue.Arrivals, s.Venue.NoShows
}

// addVenue sums o's appointment counts into r.
func (r *Row) addVenue(o Row) {
	r.VenueRegistrations += o.VenueRegistrations
	r.VenueBookings += o.VenueBookings
	r.VenueArrivals += o.VenueArrivals
	r.VenueNoShows += o.VenueNoShows
}
