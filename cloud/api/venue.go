package api

import (
	"context"
	"crypto/ed25519"
	_ "embed"
	"encoding/json"
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"time"

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
	// TrustedProxies are the reverse proxies in front of the collector:
	// only a request from one of them has its X-Forwarded-For believed.
	TrustedProxies []netip.Prefix
	// PosterFont is a TrueType/OpenType file with Chinese for the poster
	// (venue_poster.go); "" tries PosterFonts.
	PosterFont string
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

// venueState is what the public routes keep between requests.
type venueState struct {
	pow    *powDesk
	limits *venueLimits
}

// venueRoutes registers the public routes: the page, its data, the
// registration and the QR redraw. They answer 404 when Venue is nil.
func (s *server) venueRoutes(mux *http.ServeMux) {
	if v := s.opts.Venue; v != nil {
		v.withDefaults()
		s.venue = &venueState{pow: newPowDesk(v.HashSecret), limits: newVenueLimits(v.PerAddressPerHour)}
	}
	mux.HandleFunc("GET /v/{site}", s.venuePage)
	mux.HandleFunc("GET /api/v1/venue/{site}", s.venueInfo)
	mux.HandleFunc("POST /api/v1/venue/{site}/register", s.venueRegister) // venue_register.go
	mux.HandleFunc("POST /api/v1/venue/qr", s.venueQR)
}

// isPublicVenue reports whether r is one of the venue's public routes,
// answered without a caller (auth_guard.go).
func isPublicVenue(r *http.Request) bool {
	p := r.URL.Path
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		return strings.HasPrefix(p, "/v/") || strings.HasPrefix(p, "/api/v1/venue/")
	case http.MethodPost:
		return p == "/api/v1/venue/qr" || strings.HasPrefix(p, "/api/v1/venue/") && strings.HasSuffix(p, "/register")
	}
	return false
}

// venueSite finds site's settings, answering itself when there are none.
func (s *server) venueSite(w http.ResponseWriter, r *http.Request, site string) (VenueSite, bool) {
	if s.opts.Venue == nil || s.opts.Venue.Sites == nil || s.opts.Venue.Store == nil {
		writeError(w, http.StatusNotFound, "场所码未启用 (venue codes are off in this collector: set [venue])")
		return VenueSite{}, false
	}
	if wire.ValidateID(site) != nil {
		writeError(w, http.StatusNotFound, "没有这个场所 (no such site)")
		return VenueSite{}, false
	}
	vs, err := s.opts.Venue.Sites.VenueSite(r.Context(), site)
	switch {
	case errors.Is(err, ErrVenueSiteUnknown):
		writeError(w, http.StatusNotFound, "场所 "+site+" 未开放登记 (site "+site+" takes no registrations)")
		return VenueSite{}, false
	case err != nil:
		s.internal(w, "read the site's venue settings", err)
		return VenueSite{}, false
	}
	return vs, true
}

// venueAppointmentsJSON is the schedule as the page reads it.
type venueAppointmentsJSON struct {
	Mode        string `json:"mode"`
	AppliesTo   string `json:"applies_to"`
	SlotMinutes int    `json:"slot_minutes"`
	Capacity    int    `json:"capacity"`
	Early       int    `json:"early_minutes"`
	Late        int    `json:"late_minutes"`
	DaysAhead   int    `json:"days_ahead"`
}

type venueSlotJSON struct {
	S        int64  `json:"s"`
	E        int64  `json:"e"`
	Label    string `json:"label"`
	Capacity int    `json:"capacity"`
	Booked   int    `json:"booked"`
	Free     int    `json:"free"`
}

type venueInfoJSON struct {
	Site         string                 `json:"site"`
	Name         string                 `json:"name"`
	Fields       []string               `json:"fields"`
	Required     []string               `json:"required"`
	Consent      string                 `json:"consent"`
	Appointments *venueAppointmentsJSON `json:"appointments"`
	Slots        []venueSlotJSON        `json:"slots"`
	Pow          struct {
		Challenge string `json:"challenge"`
		Bits      int    `json:"bits"`
	} `json:"pow"`
}

// venueInfo answers GET /api/v1/venue/{site}: what the page asks, the
// slots it offers, and a fresh proof-of-work challenge.
func (s *server) venueInfo(w http.ResponseWriter, r *http.Request) {
	site, now := r.PathValue("site"), s.opts.Now()
	vs, ok := s.venueSite(w, r, site)
	if !ok {
		return
	}
	out := venueInfoJSON{Site: site, Name: vs.Name, Fields: withName(vs.Fields), Required: withName(vs.Required),
		Consent: vs.Consent, Slots: []venueSlotJSON{}}
	if ap := vs.Appointments; ap != nil && ap.On() {
		out.Appointments = &venueAppointmentsJSON{Mode: ap.Mode, AppliesTo: ap.AppliesTo, SlotMinutes: ap.SlotMinutes,
			Capacity: ap.Capacity, Early: ap.Early, Late: ap.Late, DaysAhead: ap.DaysAhead}
		slots, err := s.venueSlots(r.Context(), site, ap, now)
		if err != nil {
			s.internal(w, "count the site's bookings", err)
			return
		}
		out.Slots = slots
	}
	client := venueClient(r, s.opts.Venue.TrustedProxies)
	out.Pow.Bits = s.venue.limits.powBits(s.opts.Venue.PowBits, site, vs.Appointments, now)
	out.Pow.Challenge = s.venue.pow.challenge(site, networkOf(client), out.Pow.Bits, now)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
}

// withName puts name first in fields: every registration asks for it.
func withName(fields []string) []string {
	out := []string{"name"}
	for _, f := range fields {
		if f != "name" {
			out = append(out, f)
		}
	}
	return out
}

// venueSlots lists the bookable slots with their counts.
func (s *server) venueSlots(ctx context.Context, site string, ap *wire.Appointments, now time.Time) ([]venueSlotJSON, error) {
	next := ap.Next(now)
	out := []venueSlotJSON{}
	if len(next) == 0 {
		return out, nil
	}
	counts, err := s.opts.Venue.Store.SlotCounts(ctx, site, time.Unix(next[0].Start, 0), time.Unix(next[len(next)-1].End, 0))
	if err != nil {
		return nil, err
	}
	booked := map[wire.VenueSlot]int{}
	for _, c := range counts {
		booked[c.Slot] = c.Booked
	}
	for _, sl := range next {
		n := booked[sl]
		out = append(out, venueSlotJSON{S: sl.Start, E: sl.End, Label: ap.Label(sl), Capacity: ap.Capacity,
			Booked: n, Free: max(0, ap.Capacity-n)})
	}
	return out, nil
}

// venueQR answers POST /api/v1/venue/qr: the QR code of a genuine code of
// this centre, so the page can redraw one sent as a link. Nothing is
// stored or logged.
func (s *server) venueQR(w http.ResponseWriter, r *http.Request) {
	v := s.opts.Venue
	if v == nil || len(v.Key) == 0 {
		writeError(w, http.StatusNotFound, "场所码未启用 (venue codes are off in this collector)")
		return
	}
	body, ok := readVenueBody(w, r)
	if !ok {
		return
	}
	var req struct {
		Code string `json:"code"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, `请求格式不对 (send {"code":"KK1.R.…"})`)
		return
	}
	if _, err := wire.OpenVenueCode(req.Code, v.Key.Public().(ed25519.PublicKey)); err != nil {
		writeError(w, http.StatusBadRequest, "不是本中心签发的登记码 (not a registration code this centre signed)")
		return
	}
	qr, err := venueQRPNG(req.Code)
	if err != nil {
		s.internal(w, "draw a QR code", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"qr": qr})
}

// The mobile page: web/venue.html with its style and script inline, as
// the dashboard (dashboard.go), so a phone needs nothing from elsewhere.
var (
	//go:embed web/venue.html
	venueHTMLSrc string
	//go:embed web/venue.css
	venueCSS string
	//go:embed web/venue.js
	venueJS string

	venueHTML, venueCSP = assembleVenue()
)

func assembleVenue() ([]byte, string) {
	const link, tag = `<link rel="stylesheet" href="venue.css">`, `<script src="venue.js"></script>`
	if strings.Count(venueHTMLSrc, link) != 1 || strings.Count(venueHTMLSrc, tag) != 1 {
		panic("api: web/venue.html must link venue.css and venue.js exactly once each")
	}
	if strings.Contains(strings.ToLower(venueCSS), "</style") || strings.Contains(strings.ToLower(venueJS), "</script") {
		panic("api: web/venue.css or venue.js holds text that would end its inline element")
	}
	page := strings.Replace(venueHTMLSrc, link, "<style>"+venueCSS+"</style>", 1)
	page = strings.Replace(page, tag, "<script>"+venueJS+"</script>", 1)
	csp := "default-src 'none'; script-src " + hash(venueJS) + "; style-src " + hash(venueCSS) +
		"; img-src data:; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
	return []byte(page), csp
}

// venuePage answers GET /v/{site}; the page reads the site from its path.
func (s *server) venuePage(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.venueSite(w, r, r.PathValue("site")); !ok {
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Security-Policy", venueCSP)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Write(venueHTML)
}
