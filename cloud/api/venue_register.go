package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// POST /api/v1/venue/{site}/register: a visitor's own registration, from
// the venue code's page. Public: no login, no CSRF token; instead only
// application/json is taken (a form on another page cannot send it without
// a CORS preflight the collector never answers), and the limits of
// venue_limit.go and the proof of work of venue_pow.go apply.

// venueRegisterReq is the request body.
type venueRegisterReq struct {
	Challenge string            `json:"challenge"`
	Nonce     string            `json:"nonce"`
	Consent   bool              `json:"consent"`
	Visitor   wire.VenueVisitor `json:"visitor"`
	Slot      *wire.VenueSlot   `json:"slot"`
	Party     int               `json:"party"`
}

// maxVenueBody bounds a request: every field at its longest is under 2 KiB.
const maxVenueBody = 4 << 10

// decodeVenueRegister reads a request body: one JSON object of the known
// members, nothing after it.
func decodeVenueRegister(body []byte) (venueRegisterReq, error) {
	var req venueRegisterReq
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return req, fmt.Errorf(`请求格式不对 (send one JSON object {"challenge","nonce","consent","visitor","slot","party"}): %v`, err)
	}
	if dec.More() {
		return req, errors.New("请求格式不对 (send one JSON object and nothing after it)")
	}
	return req, nil
}

// isJSON reports whether r says its body is JSON.
func isJSON(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

// readVenueBody reads a public JSON body, answering itself when it cannot.
func readVenueBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if !isJSON(r) {
		writeError(w, http.StatusUnsupportedMediaType, "只接受 JSON (send Content-Type: application/json)")
		return nil, false
	}
	body, err := readAllLimited(w, r, maxVenueBody)
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("请求过大 (the body is over %d bytes)", maxVenueBody))
		return nil, false
	}
	return body, true
}

func readAllLimited(w http.ResponseWriter, r *http.Request, n int64) ([]byte, error) {
	var buf bytes.Buffer
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, n))
	return buf.Bytes(), err
}

// tooMany answers 429 with when to try again.
func tooMany(w http.ResponseWriter, wait time.Duration, msg string) {
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(wait.Round(time.Second)/time.Second))))
	writeError(w, http.StatusTooManyRequests, msg)
}

func (s *server) venueRegister(w http.ResponseWriter, r *http.Request) {
	v, site, now := s.opts.Venue, r.PathValue("site"), s.opts.Now()
	vs, ok := s.venueSite(w, r, site)
	if !ok {
		return
	}
	if len(v.Key) == 0 {
		writeError(w, http.StatusServiceUnavailable, errNoVenueKey.Error())
		return
	}
	body, ok := readVenueBody(w, r)
	if !ok {
		return
	}
	client := venueClient(r, v.TrustedProxies)
	if ok, wait := s.venue.limits.take(client, now); !ok {
		tooMany(w, wait, "登记过于频繁，请稍后再试 (too many registrations from this address; try again later)")
		return
	}
	req, err := decodeVenueRegister(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	network := networkOf(client)
	if err := s.venue.pow.verify(req.Challenge, req.Nonce, site, network, now); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if !req.Consent {
		writeError(w, http.StatusBadRequest, "请先阅读并同意登记须知 (consent: read the notice and agree to it first)")
		return
	}
	sb := staffBooking{Visitor: req.Visitor, Slot: req.Slot, Party: req.Party}
	if err := checkStaffBooking(&sb, vs, now); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if sb.Slot != nil && sb.Slot.Start <= now.Unix() {
		writeError(w, http.StatusBadRequest, "该时段已开始 (slot: it has begun; choose a later one)")
		return
	}
	hash := phoneHash(v.HashSecret, req.Visitor.Phone)
	if hash != "" {
		zone := venueZone(vs, s.opts.Location)
		n, err := v.Store.PhoneRegistrations(r.Context(), site, hash, startOfDay(now, zone))
		if err != nil {
			s.internal(w, "count a phone's registrations", err)
			return
		}
		if n >= v.PerPhonePerDay {
			tooMany(w, startOfDay(now, zone).AddDate(0, 0, 1).Sub(now),
				fmt.Sprintf("此手机号今天已登记%d次 (this phone registered %d times today at this site; try tomorrow)", n, n))
			return
		}
	}
	b := store.Booking{ID: newBookingID(), Site: site, Party: 1, PhoneHash: hash, Network: network, Created: now}
	out, err := s.issueVenue(r.Context(), vs, &b, sb)
	s.answerIssued(w, r, vs, b, out, err)
}

// answerIssued maps what booking and signing said to the visitor's answer.
func (s *server) answerIssued(w http.ResponseWriter, r *http.Request, vs VenueSite, b store.Booking, out venueIssued, err error) {
	switch {
	case err == nil:
		s.venue.limits.count(b.Site, s.opts.Now())
		writeJSON(w, http.StatusCreated, out)
	case errors.Is(err, store.ErrSlotFull):
		body := map[string]any{"error": "该时段已约满，请选择其他时段 (the slot is full; choose another)"}
		if next := s.nextFree(r.Context(), b.Site, vs.Appointments, b.Party); next != nil {
			body["next_free"] = next
		}
		writeJSON(w, http.StatusConflict, body)
	case errors.Is(err, store.ErrAlreadyBooked):
		writeError(w, http.StatusConflict, "此手机号已预约该时段 (this phone holds a booking for this slot already)")
	case errors.Is(err, store.ErrNetworkShare):
		tooMany(w, time.Hour, "您所在网络已约满该时段的份额，请选择其他时段 (your network holds its share of this slot; choose another)")
	default:
		s.internal(w, "register a visitor", err)
	}
}

// venueZone is the site's local time: its schedule's, else the collector's.
func venueZone(vs VenueSite, loc *time.Location) *time.Location {
	if vs.Appointments != nil && vs.Appointments.UTCOffset != "" {
		return vs.Appointments.Zone()
	}
	return loc
}

// issueVenue books b (with req's slot and party, a fresh number) and signs
// its code: valid from now to the end of the slot's day (today's without one).
// A staff booking sets b.BookedBy (signed into a booking's code) and
// leaves b.Network empty: no network share applies to it.
func (s *server) issueVenue(ctx context.Context, vs VenueSite, b *store.Booking, req staffBooking) (venueIssued, error) {
	v, now := s.opts.Venue, s.opts.Now()
	zone := venueZone(vs, s.opts.Location)
	day := now.In(zone)
	capacity, share := 0, 0
	if req.Slot != nil {
		b.Slot, b.Party = *req.Slot, req.Party
		day = time.Unix(req.Slot.Start, 0).In(zone)
		capacity = vs.Appointments.Capacity
		if b.Network != "" {
			share = networkShare(capacity, v.NetworkSharePct)
		}
	}
	b.Day = day.Format(time.DateOnly)
	if err := bookNumber(ctx, v.Store, b, capacity, share); err != nil {
		return venueIssued{}, err
	}
	// Valid from now, not from the slot's day: a visitor a day early is
	// told their booking's window at the gate, not that the code is void.
	from, to := now, startOfDay(day, zone).AddDate(0, 0, 1)
	reg := wire.VenueRegistration{ID: b.ID, Number: b.Number, Site: b.Site, Issued: now.Unix(),
		NotBefore: from.Unix(), Expires: to.Unix(), Visitor: req.Visitor}
	out := venueIssued{ID: b.ID, Number: b.Number, ValidFrom: from, ValidTo: to}
	if req.Slot != nil {
		reg.Slot, reg.Party = req.Slot, req.Party
		if b.BookedBy != "" {
			reg.BookedBy = signedRef(b.BookedBy)
		}
		out.SlotLabel = vs.Appointments.Label(*req.Slot)
	}
	code, err := wire.SignVenueCode(reg, v.Key)
	if err != nil {
		return venueIssued{}, err
	}
	if out.QR, err = venueQRPNG(code); err != nil {
		return venueIssued{}, err
	}
	out.Code = code
	return out, nil
}

// bookNumber draws 6-digit numbers until one is free that day.
func bookNumber(ctx context.Context, st store.VenueStore, b *store.Booking, capacity, share int) error {
	for range 8 {
		n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
		if err != nil {
			return err
		}
		b.Number = fmt.Sprintf("%06d", n.Int64())
		if err = st.Book(ctx, *b, capacity, share); !errors.Is(err, store.ErrNumberTaken) {
			return err
		}
	}
	return errors.New("no free registration number after 8 draws: the day holds too many registrations")
}
