package wire

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Visit is the visit a registered visitor's admission opens (及时销号: a
// visitor is closed out when they leave). The entry that carries it is the
// visit: its id, site, unit and seq name it, its time is when it began.
type Visit struct {
	// Prefix is the lane's visit prefix ([visits] prefix, 1-9): the first
	// digit of every code the lane issues, so two entrances of one site
	// never issue the same code (configs/README.md).
	Prefix int `json:"prefix"`
	// Code is the six-digit short code on the guard's screen and the
	// receipt: Prefix, then the entry's seq modulo 100,000. The unit's
	// ledger sets it (Number) in the transaction that assigns the seq, so a
	// code repeats on a lane only after 100,000 more entries there — weeks
	// at the busiest gate — and never between two lanes of distinct
	// prefixes.
	Code string `json:"code,omitempty"`
	// MaxStaySeconds is how long the policy in force let the visitor stay
	// ([checks.visitor] max_stay); 0: no limit. It travels with the visit
	// so the centre raises an overstay alert without a copy of each
	// unit's policy.
	MaxStaySeconds int64 `json:"max_stay_seconds,omitempty"`
}

// Number sets v's code from the seq the ledger assigned to its entry.
func (v *Visit) Number(seq uint64) {
	if v != nil && v.Code == "" {
		v.Code = fmt.Sprintf("%d%05d", v.Prefix, seq%100_000)
	}
}

func (v *Visit) validate() error {
	if v.Prefix < 1 || v.Prefix > 9 {
		return fmt.Errorf("prefix %d is not 1-9", v.Prefix)
	}
	if v.Code != "" && (!ShortCode(v.Code) || int(v.Code[0]-'0') != v.Prefix) {
		return fmt.Errorf("code %q is not six digits starting with the prefix %d", v.Code, v.Prefix)
	}
	if v.MaxStaySeconds < 0 || v.MaxStaySeconds > 30*24*3600 {
		return fmt.Errorf("max_stay_seconds %d is not 0-30 days", v.MaxStaySeconds)
	}
	return nil
}

// ShortCode reports whether s is a visit's six-digit code as a guard types
// it.
func ShortCode(s string) bool {
	if len(s) != 6 || s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// How an exit found the visit it closes.
const (
	MatchedByCode  = "code"  // the visit's QR scanned, or its short code typed
	MatchedByPass  = "pass"  // the pass or pre-registration code it was registered with
	MatchedByPhone = "phone" // the phone number's PersonHash
	MatchedByID    = "id"    // the ID number's PersonHash
)

// CloseOut is an exit closing a visit: an entry at an exit lane that
// found (or names, for the centre to find) the visit the person leaving
// was on. A unit fills what it knows: a visit registered on itself it
// names exactly (Visit, Unit, Seq, EnteredAt, StaySeconds); one from
// another lane it names by what the exit saw (the QR's unit and seq, a
// short code, a pass, a hash), and the centre, which holds every lane's
// visits, finds it there.
type CloseOut struct {
	Visit     string `json:"visit,omitempty"` // the visit entry's id, when the unit knows it
	Unit      string `json:"unit,omitempty"`  // the lane that issued it and the visit entry's seq
	Seq       uint64 `json:"seq,omitempty"`
	Code      string `json:"code,omitempty"` // the six-digit code
	MatchedBy string `json:"matched_by"`
	// Key is what was matched on besides the code: the pass's subject, or
	// the PersonHash of the phone or ID number the guard typed.
	Key         string     `json:"key,omitempty"`
	EnteredAt   *time.Time `json:"entered_at,omitempty"`
	StaySeconds int64      `json:"stay_seconds,omitempty"`
}

func (c *CloseOut) validate() error {
	switch c.MatchedBy {
	case MatchedByCode:
		if c.Code == "" && c.Visit == "" {
			return errors.New("matched by code, but names neither a code nor a visit")
		}
	case MatchedByPass:
		if c.Key == "" || len(c.Key) > 64 {
			return errors.New("matched by pass: key must be the pass's subject, 1-64 characters")
		}
	case MatchedByPhone, MatchedByID:
		if !isPersonHash(c.Key) {
			return fmt.Errorf("matched by %s: key must be a PersonHash (64 lower-case hex digits)", c.MatchedBy)
		}
	default:
		return fmt.Errorf("matched_by %q is not code, pass, phone or id", c.MatchedBy)
	}
	if c.Code != "" && !ShortCode(c.Code) {
		return fmt.Errorf("code %q is not six digits", c.Code)
	}
	if c.Unit != "" {
		if err := ValidateID(c.Unit); err != nil {
			return fmt.Errorf("unit: %w", err)
		}
	}
	if c.StaySeconds < 0 {
		return errors.New("stay_seconds is negative")
	}
	return nil
}

// VisitCodePrefix starts the QR code printed for a visit.
const VisitCodePrefix = "KKV1:"

// VisitCode is what a visit's QR code says: which lane issued it, the
// visit entry's seq there, its short code, when it began (Unix seconds by
// the issuing unit's clock; 0 when that clock was not synced) and a tag.
// It describes itself, so an exit lane that never saw the visit can still
// name it exactly for the centre and show how long the visitor stayed.
//
// "KKV1:<site>:<unit>:<seq>:<code>:<entered>:<tag>"
//
// The tag is an HMAC under a key every unit of the fleet shares
// (VisitKey of the tracing key). Without it anyone could print a code that
// closes someone else's visit — a stranger would vanish from the list of
// visitors still inside, which is what the hand-over and the overstay
// alert rely on. A forged or altered code fails the tag and closes
// nothing. A unit without the tracing key writes tag "-" and, having no
// key, cannot check one either; that is the demo, and its log says so.
type VisitCode struct {
	Site, Unit string
	Seq        uint64
	Code       string
	Entered    int64
	Tag        string
}

// Unsigned is the tag of a code issued without a key.
const Unsigned = "-"

// VisitKey derives the key visit codes are tagged with from the fleet's
// tracing key, so the tag and PersonHash never share a key.
func VisitKey(tracingKey []byte) []byte {
	if len(tracingKey) == 0 {
		return nil
	}
	m := hmac.New(sha256.New, tracingKey)
	m.Write([]byte("kakou visit code key v1"))
	return m.Sum(nil)
}

// Sign sets c's tag under key (VisitKey); a nil key leaves it Unsigned.
func (c *VisitCode) Sign(key []byte) {
	c.Tag = Unsigned
	if key != nil {
		c.Tag = c.tag(key)
	}
}

// Verify reports whether c's tag is right under key.
func (c VisitCode) Verify(key []byte) bool {
	return key != nil && hmac.Equal([]byte(c.Tag), []byte(c.tag(key)))
}

// tag is the first 64 bits of the HMAC in hex: a forger gets one guess per
// scan at the gate, so 2^64 is far beyond reach, and the QR stays small.
func (c VisitCode) tag(key []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(c.body()))
	return hex.EncodeToString(m.Sum(nil)[:8])
}

func (c VisitCode) body() string {
	return VisitCodePrefix + c.Site + ":" + c.Unit + ":" + strconv.FormatUint(c.Seq, 10) + ":" +
		c.Code + ":" + strconv.FormatInt(c.Entered, 10)
}

// String is the QR's text.
func (c VisitCode) String() string { return c.body() + ":" + c.Tag }

// ParseVisitCode reads a scanned visit QR. It checks the form only;
// Verify checks the tag.
func ParseVisitCode(s string) (VisitCode, error) {
	rest, ok := strings.CutPrefix(s, VisitCodePrefix)
	if !ok {
		return VisitCode{}, errors.New("wire: visit code: does not start with " + VisitCodePrefix)
	}
	if len(rest) > 200 {
		return VisitCode{}, errors.New("wire: visit code: longer than 200 characters")
	}
	f := strings.Split(rest, ":")
	if len(f) != 6 {
		return VisitCode{}, fmt.Errorf("wire: visit code: %d fields, want site:unit:seq:code:entered:tag", len(f))
	}
	var c VisitCode
	var err error
	c.Site, c.Unit, c.Code, c.Tag = f[0], f[1], f[3], f[5]
	if err = ValidateID(c.Site); err != nil {
		return VisitCode{}, fmt.Errorf("wire: visit code: site: %w", err)
	}
	if err = ValidateID(c.Unit); err != nil {
		return VisitCode{}, fmt.Errorf("wire: visit code: unit: %w", err)
	}
	if c.Seq, err = strconv.ParseUint(f[2], 10, 63); err != nil || c.Seq == 0 || f[2][0] == '0' {
		return VisitCode{}, fmt.Errorf("wire: visit code: seq %q is not a positive number", f[2])
	}
	if !ShortCode(c.Code) {
		return VisitCode{}, fmt.Errorf("wire: visit code: code %q is not six digits", c.Code)
	}
	if c.Entered, err = strconv.ParseInt(f[4], 10, 64); err != nil || c.Entered < 0 || strconv.FormatInt(c.Entered, 10) != f[4] {
		return VisitCode{}, fmt.Errorf("wire: visit code: entered %q is not Unix seconds", f[4])
	}
	if c.Tag != Unsigned && (len(c.Tag) != 16 || strings.Trim(c.Tag, "0123456789abcdef") != "") {
		return VisitCode{}, fmt.Errorf("wire: visit code: tag %q is neither %q nor 16 hex digits", c.Tag, Unsigned)
	}
	return c, nil
}

// validateVisit holds a visit to a visitor admitted at an entrance, and a
// close-out to an exit.
func (e *Entry) validateVisit() error {
	if v := e.Visit; v != nil {
		if e.Lane != LaneIn || e.Visitor == nil {
			return errors.New("wire: entry visit: only a visitor's entry at an entrance opens a visit")
		}
		if err := v.validate(); err != nil {
			return fmt.Errorf("wire: entry visit: %w", err)
		}
	}
	if c := e.CloseOut; c != nil {
		if e.Lane != LaneOut {
			return errors.New("wire: entry close_out: only an exit closes a visit")
		}
		if err := c.validate(); err != nil {
			return fmt.Errorf("wire: entry close_out: %w", err)
		}
	}
	return nil
}
