package wire

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
)

// The venue code (场所码) is posted at a gate; a visitor scans it with
// their own phone, registers on the collector's mobile page, and gets back
// a registration code, with their booking where the site takes
// appointments. The centre signs it, so a unit verifies it offline with
// the keys it verifies policies with, as it verifies a pass.
//
//	KK1.R.<claims>.<sig>
//
// <claims> is base64url (no padding) of the JSON VenueRegistration and
// <sig> base64url of an Ed25519 signature over venueLabel followed by the
// code up to and including the claims, so no other signature of the
// centre's can pass for one.
const VenueCodePrefix = "KK1.R."

const venueLabel = "kakou-venue-v1:"

// MaxVenueCode bounds a registration code: every field at its longest in
// Chinese is about 1.6 KiB, still a QR code a phone's screen shows.
const MaxVenueCode = 2 << 10

// VenueRegistration is what a registration code says. Times are Unix
// seconds so the signed bytes do not depend on a time zone.
type VenueRegistration struct {
	ID        string       `json:"id"`   // the centre's reference: 1-64 of A-Z a-z 0-9 - _
	Number    string       `json:"no"`   // the short number under the QR code: 6 digits, unique per site and day
	Site      string       `json:"site"` // the code admits at this site only
	Issued    int64        `json:"iat"`
	NotBefore int64        `json:"nbf"`
	Expires   int64        `json:"exp"`
	Visitor   VenueVisitor `json:"v"`
	Slot      *VenueSlot   `json:"slot,omitempty"`  // the booking, where the site takes appointments
	Party     int          `json:"party,omitempty"` // people the booking admits; 0 reads as 1
	BookedBy  string       `json:"by,omitempty"`    // the site staff who booked by phone; "" when the visitor did
}

// VenueVisitor holds the registration fields the site's policy asks for
// (docs/product.md "Visitor registration"), as the visitor typed them; the
// unit minimises them as it does the guard's form.
type VenueVisitor struct {
	Name      string `json:"name"`
	Phone     string `json:"phone,omitempty"`
	IDNumber  string `json:"id,omitempty"` // 居民身份证号
	Origin    string `json:"origin,omitempty"`
	Dest      string `json:"dest,omitempty"` // host building/unit
	Reason    string `json:"reason,omitempty"`
	Transport string `json:"transport,omitempty"`
	Trip      string `json:"trip,omitempty"` // train or flight number
	Arrival   int64  `json:"arr,omitempty"`  // Unix seconds
}

// VisitorFields are VenueVisitor's fields by their JSON names, the name
// first: what a site's policy may ask a visitor for.
var VisitorFields = []string{"name", "phone", "id", "origin", "dest", "reason", "transport", "trip", "arr"}

// VenueSlot is one appointment slot, [Start, End) in Unix seconds.
type VenueSlot struct {
	Start int64 `json:"s"`
	End   int64 `json:"e"`
}

// MaxParty bounds one booking: a patient with one companion, a family.
const MaxParty = 6

// Field bounds: a name fits the console's form, free text a short line.
const (
	maxVenueName = 32
	maxVenueText = 64
)

// Errors OpenVenueCode answers with (wrapped, with the detail).
var (
	ErrVenueMalformed    = errors.New("wire: venue code malformed")
	ErrVenueBadSignature = errors.New("wire: venue code signature does not verify")
)

var venueB64 = base64.RawURLEncoding.Strict()

// SignVenueCode validates r and signs it with the centre's key.
func SignVenueCode(r VenueRegistration, key ed25519.PrivateKey) (string, error) {
	if err := r.Validate(); err != nil {
		return "", err
	}
	if len(key) != ed25519.PrivateKeySize {
		return "", errors.New("wire: venue code: private key of wrong size")
	}
	js, err := json.Marshal(r)
	if err != nil {
		return "", fmt.Errorf("wire: venue code: %w", err)
	}
	signed := VenueCodePrefix + venueB64.EncodeToString(js)
	code := signed + "." + venueB64.EncodeToString(ed25519.Sign(key, []byte(venueLabel+signed)))
	if len(code) > MaxVenueCode {
		return "", fmt.Errorf("wire: venue code of %d bytes exceeds %d", len(code), MaxVenueCode)
	}
	return code, nil
}

// OpenVenueCode checks code's signature against any of the centre's keys
// and returns its claims once they validate. It does not judge the site
// or the time: that is the gate's, which knows both.
func OpenVenueCode(code string, keys ...ed25519.PublicKey) (VenueRegistration, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrVenueMalformed, fmt.Sprintf(format, a...))
	}
	if len(code) > MaxVenueCode {
		return VenueRegistration{}, bad("%d bytes, at most %d", len(code), MaxVenueCode)
	}
	rest, ok := strings.CutPrefix(code, VenueCodePrefix)
	if !ok {
		return VenueRegistration{}, bad("does not start with %s", VenueCodePrefix)
	}
	claims, sigPart, ok := strings.Cut(rest, ".")
	if !ok || strings.Contains(sigPart, ".") {
		return VenueRegistration{}, bad("want <claims>.<signature>")
	}
	js, err := venueB64.DecodeString(claims)
	if err != nil {
		return VenueRegistration{}, bad("claims: %v", err)
	}
	sig, err := venueB64.DecodeString(sigPart)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return VenueRegistration{}, bad("signature: not a base64url Ed25519 signature")
	}
	msg := []byte(venueLabel + VenueCodePrefix + claims)
	verified := false
	for _, k := range keys {
		if len(k) == ed25519.PublicKeySize && ed25519.Verify(k, msg, sig) {
			verified = true
			break
		}
	}
	if !verified {
		return VenueRegistration{}, ErrVenueBadSignature
	}
	var r VenueRegistration
	if err := json.Unmarshal(js, &r, json.RejectUnknownMembers(true)); err != nil {
		return VenueRegistration{}, bad("claims: %v", err)
	}
	if err := r.Validate(); err != nil {
		return VenueRegistration{}, fmt.Errorf("%w: %w", ErrVenueMalformed, err)
	}
	return r, nil
}

// IsVenueCode reports whether s claims to be a registration code.
func IsVenueCode(s string) bool { return strings.HasPrefix(s, VenueCodePrefix) }

// Validate reports the first claim the centre must not sign.
func (r *VenueRegistration) Validate() error {
	bad := func(field, why string) error { return fmt.Errorf("wire: venue code %s: %s", field, why) }
	switch {
	case !validRef(r.ID):
		return bad("id", "want 1-64 of A-Z a-z 0-9 - _")
	case len(r.Number) != 6 || strings.Trim(r.Number, "0123456789") != "":
		return bad("no", "want 6 digits")
	case ValidateID(r.Site) != nil:
		return bad("site", ValidateID(r.Site).Error())
	case r.Issued <= 0 || r.NotBefore <= 0 || r.Expires <= r.NotBefore:
		return bad("iat/nbf/exp", "want an issue time and a window that ends after it begins")
	case r.Expires-r.NotBefore > maxVenueWindow:
		return bad("exp", "a code is valid for at most 8 days")
	case r.Party < 0 || r.Party > MaxParty:
		return bad("party", fmt.Sprintf("want 1-%d", MaxParty))
	case r.BookedBy != "" && !validRef(r.BookedBy):
		return bad("by", "want 1-64 of A-Z a-z 0-9 - _")
	}
	if r.Slot != nil && (r.Slot.Start <= 0 || r.Slot.End <= r.Slot.Start || r.Slot.End-r.Slot.Start > 24*3600) {
		return bad("slot", "want a start and an end after it, within a day")
	}
	if r.Slot == nil && (r.Party != 0 || r.BookedBy != "") {
		return bad("party", "only a booking admits a party or names who booked it")
	}
	return r.Visitor.Validate()
}

// maxVenueWindow: a booking may be made a week ahead, and the code lives
// to the end of that day.
const maxVenueWindow = 8 * 24 * 3600

// Validate reports the first field that is not what the form allows.
func (v *VenueVisitor) Validate() error {
	bad := func(field, why string) error { return fmt.Errorf("wire: venue visitor %s: %s", field, why) }
	if v.Name == "" {
		return bad("name", "required")
	}
	if why := venueText(v.Name, maxVenueName); why != "" {
		return bad("name", why)
	}
	if v.Phone != "" && !venueDigits(v.Phone, 5, 15) {
		return bad("phone", "want 5-15 digits")
	}
	if v.IDNumber != "" && !ValidIDNumber(v.IDNumber) {
		return bad("id", "want 15 digits, or 17 digits and a digit or X")
	}
	for _, t := range []struct{ name, v string }{{"origin", v.Origin}, {"dest", v.Dest},
		{"reason", v.Reason}, {"transport", v.Transport}, {"trip", v.Trip}} {
		if why := venueText(t.v, maxVenueText); why != "" {
			return bad(t.name, why)
		}
	}
	if v.Arrival < 0 {
		return bad("arr", "must not be negative")
	}
	return nil
}

// venueText allows what displays as one line: letters, marks, numbers,
// punctuation, symbols and spaces — no control or invisible characters,
// which could hide one name inside another on the guard's screen.
func venueText(s string, maxRunes int) string {
	switch {
	case !utf8.ValidString(s):
		return "not UTF-8"
	case utf8.RuneCountInString(s) > maxRunes:
		return fmt.Sprintf("%d characters, at most %d", utf8.RuneCountInString(s), maxRunes)
	case strings.IndexFunc(s, func(r rune) bool { return !unicode.IsGraphic(r) }) >= 0:
		return "control or invisible characters"
	}
	return ""
}

func venueDigits(s string, minLen, maxLen int) bool {
	return len(s) >= minLen && len(s) <= maxLen && strings.Trim(s, "0123456789") == ""
}

// ValidIDNumber accepts the two shapes of 居民身份证号: 15 digits, or 17
// digits and a check character (a digit or X). The check digit itself is
// not verified: a typo should not lose the rest of a registration.
func ValidIDNumber(s string) bool {
	switch len(s) {
	case 15:
		return venueDigits(s, 15, 15)
	case 18:
		return venueDigits(s[:17], 17, 17) && (s[17] == 'X' || s[17] >= '0' && s[17] <= '9')
	}
	return false
}
