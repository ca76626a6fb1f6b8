package api

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// Staff bookings: a person without a smartphone (an elderly resident, a
// patient's family) calls the site and its manager, or central monitoring,
// books the slot for them. The booking counts against the slot's capacity
// like any other, names who booked it (BookedBy, signed into the code, so
// the gate shows "电话预约 · 张三"), and is audited. No proof of work and no
// network share: the caller is a logged-in member of staff.

// venueSiteAllowed refuses c unless it is the manager of site or central
// monitoring whose region holds it.
func venueSiteAllowed(c Caller, site, what string) error {
	if err := wire.ValidateID(site); err != nil {
		return fmt.Errorf("site %q: use a-z, 0-9, '-' and '_'", site)
	}
	if err := c.require(what, RoleMonitor, RoleSiteManager); err != nil {
		return err
	}
	if !c.seesSite(site) {
		if c.Role == RoleSiteManager {
			return errForbidden("you manage site " + c.Site + " only, not " + site)
		}
		return errForbidden("site " + site + " is outside your region " + c.Region)
	}
	return nil
}

// venuePageURL is the site's mobile page under the collector's public address.
func venuePageURL(base, site string) string {
	return strings.TrimRight(base, "/") + "/v/" + site
}

// venuePosterSettings are the poster's [venue] settings: the public
// address and the font ("" tries PosterFonts).
func (s *server) venuePosterSettings() (publicURL, font string) {
	if s.opts.Venue == nil {
		return "", ""
	}
	return s.opts.Venue.PublicURL, s.opts.Venue.PosterFont
}

// staffBooking is the body of POST /api/v1/sites/{site}/bookings: the
// public registration's, less the proof of work and the consent (the
// member of staff asks the person on the phone).
type staffBooking struct {
	Visitor wire.VenueVisitor `json:"visitor"`
	Slot    *wire.VenueSlot   `json:"slot"`
	Party   int               `json:"party"`
}

// venueIssued is the 201 answer: what the visitor is sent or told.
type venueIssued struct {
	ID        string    `json:"id"`
	Number    string    `json:"number"`
	Code      string    `json:"code"`
	QR        string    `json:"qr"`
	SlotLabel string    `json:"slot_label,omitempty"`
	ValidFrom time.Time `json:"valid_from"`
	ValidTo   time.Time `json:"valid_to"`
}

// bookForVisitor answers POST /api/v1/sites/{site}/bookings.
func (s *server) bookForVisitor(w http.ResponseWriter, r *http.Request) {
	c, site := s.caller(r), r.PathValue("site")
	if s.opts.Venue == nil {
		writeError(w, http.StatusNotFound, "场所码未启用 (venue codes are off in this collector: set [venue])")
		return
	}
	if err := venueSiteAllowed(c, site, "booking for a visitor"); err != nil {
		refuse(w, err)
		return
	}
	var req staffBooking
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, `请求格式不对 (send JSON like {"visitor":{"name":"张三","phone":"13800000000"},"slot":{"s":…,"e":…},"party":1}): `+err.Error())
		return
	}
	vs, ok := s.venueSite(w, r, site)
	if !ok {
		return
	}
	if err := checkStaffBooking(&req, vs, s.opts.Now()); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	out, err := s.issueStaffBooking(r.Context(), c, site, vs, req)
	if errors.Is(err, errNoVenueKey) {
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	s.answerIssued(w, r, vs, store.Booking{Site: site, Party: req.Party}, out, err) // venue_register.go: 201, or 409 with the next free slot
}

var errNoVenueKey = errors.New("中心没有签名密钥，登记码无法签发 (the centre has no policy signing key, so units could not verify a registration code: configure the policy signing key)")

// checkStaffBooking reports, in Chinese then English, the first thing in
// req the site does not take: a field it does not ask for, a missing
// required one, a slot not in its schedule or already over.
func checkStaffBooking(req *staffBooking, vs VenueSite, now time.Time) error {
	if err := req.Visitor.Validate(); err != nil {
		return fmt.Errorf("登记信息有误 (%w)", err)
	}
	given := visitorFields(req.Visitor)
	for _, f := range given {
		if f != "name" && !slices.Contains(vs.Fields, f) {
			return fmt.Errorf("本场所不登记 %s (site does not ask for field %q: leave it out)", f, f)
		}
	}
	for _, f := range vs.Required {
		if !slices.Contains(given, f) && f != "name" {
			return fmt.Errorf("缺少必填项 %s (field %q is required at this site)", f, f)
		}
	}
	ap := vs.Appointments
	if req.Slot == nil {
		if req.Party != 0 && req.Party != 1 {
			return errors.New("未选时段时人数只能为1 (party: only a booking with a slot admits more than one)")
		}
		req.Party = 0
		return nil
	}
	switch {
	case ap == nil || !ap.On():
		return errors.New("本场所不预约 (slot: this site takes no appointments; leave the slot out)")
	case !ap.Has(*req.Slot):
		return errors.New("时段不在本场所的时间表内 (slot: not one of the site's slots)")
	case !time.Unix(req.Slot.End, 0).After(now):
		return errors.New("该时段已结束 (slot: it is over; choose a later one)")
	case time.Unix(req.Slot.Start, 0).After(now.AddDate(0, 0, ap.DaysAhead+1)):
		return fmt.Errorf("只能预约%d天内的时段 (slot: at most %d days ahead)", ap.DaysAhead, ap.DaysAhead)
	}
	if req.Party == 0 {
		req.Party = 1
	}
	if req.Party < 1 || req.Party > wire.MaxParty {
		return fmt.Errorf("人数为1-%d (party: want 1-%d)", wire.MaxParty, wire.MaxParty)
	}
	return nil
}

// visitorFields names the fields v fills, by their json names.
func visitorFields(v wire.VenueVisitor) []string {
	var out []string
	for _, f := range []struct {
		name string
		set  bool
	}{{"name", v.Name != ""}, {"phone", v.Phone != ""}, {"id", v.IDNumber != ""}, {"origin", v.Origin != ""},
		{"dest", v.Dest != ""}, {"reason", v.Reason != ""}, {"transport", v.Transport != ""},
		{"trip", v.Trip != ""}, {"arr", v.Arrival != 0}} {
		if f.set {
			out = append(out, f.name)
		}
	}
	return out
}

// issueStaffBooking books for the visitor under the caller's name, with no
// network share (the caller is staff, not a script), and audits it: the
// registration's own issueVenue signs and draws it.
func (s *server) issueStaffBooking(ctx context.Context, c Caller, site string, vs VenueSite, req staffBooking) (venueIssued, error) {
	if len(s.opts.Venue.Key) == 0 {
		return venueIssued{}, errNoVenueKey
	}
	b := store.Booking{ID: newBookingID(), Site: site, Party: 1, BookedBy: c.User, Created: s.opts.Now()}
	out, err := s.issueVenue(ctx, vs, &b, req)
	if err != nil {
		return venueIssued{}, err
	}
	if err := s.audit(context.WithoutCancel(ctx), c, "venue.book", map[string]any{"site": site, "id": b.ID,
		"number": b.Number, "day": b.Day, "slot": b.Slot, "party": b.Party}); err != nil {
		s.log.Error("staff booking not audited", "site", site, "id", b.ID, "err", err)
	}
	return out, nil
}

// newBookingID is 16 random bytes, base64url: a reference, not a secret.
func newBookingID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// signedRef makes a user name a code's "by": A-Z a-z 0-9 - _, at most 64.
func signedRef(user string) string {
	b := []byte(user)
	for i, ch := range b {
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-') {
			b[i] = '_'
		}
	}
	if len(b) > 64 {
		b = b[:64]
	}
	if len(b) == 0 {
		return "staff"
	}
	return string(b)
}

// slotJSON is a slot as the pages show it.
type slotJSON struct {
	S     int64  `json:"s"`
	E     int64  `json:"e"`
	Label string `json:"label"`
}

// nextFree is the first later slot with room for the party, for a 409's
// "next_free": a family of three is not sent to a slot with one place.
func (s *server) nextFree(ctx context.Context, site string, ap *wire.Appointments, party int) *slotJSON {
	if ap == nil {
		return nil
	}
	next := ap.Next(s.opts.Now())
	if len(next) == 0 {
		return nil
	}
	counts, err := s.opts.Venue.Store.SlotCounts(ctx, site, time.Unix(next[0].Start, 0), time.Unix(next[len(next)-1].End, 0))
	if err != nil {
		return nil
	}
	booked := map[wire.VenueSlot]int{}
	for _, c := range counts {
		booked[c.Slot] = c.Booked
	}
	for _, sl := range next {
		if booked[sl]+max(party, 1) <= ap.Capacity {
			return &slotJSON{S: sl.Start, E: sl.End, Label: ap.Label(sl)}
		}
	}
	return nil
}
