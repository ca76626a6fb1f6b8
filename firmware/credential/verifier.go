package credential

import (
	"context"
	"crypto/ed25519"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kakou/kakou/firmware/wire"
)

// Verifier checks every kind of code a unit's scanner can read. Build one
// from config, then treat it as read-only (see the package documentation
// on updates).
type Verifier struct {
	Issuers map[string]ed25519.PublicKey // pass issuers by id ([LoadIssuers])
	Revoked map[string]bool              // revoked pass ids
	// VenueKeys are the centre's policy keys ([policy] verify_keys): they
	// sign registration codes (venue.go). None: every one is verify_failed.
	VenueKeys []ed25519.PublicKey
	Site      string         // this unit's site, for site-bound passes
	Health    HealthVerifier // nil: health codes are verify_failed "no verifier"
	DCC       HealthVerifier // HC1: EU certificates (firmware/credential/dcc); nil: verify_failed "no verifier"
	// Watch returns the centre's roster in use (roster.go); nil, or a nil
	// result: nobody is watched. A func, because the roster changes while
	// the Verifier is in use.
	Watch func() *Roster
	// Hashes hashes a scanned pre-registration's ID and phone under the
	// fleet's tracing key, to match them against the roster; nil: they are
	// matched once the guard registers the visitor.
	Hashes *Privacy
	Now    func() time.Time // nil: time.Now
	// ClockSynced reports whether Now can be believed (clock.Clock). nil
	// means synced, so a forgotten wiring shows up as passes "not yet
	// valid" on a Pi in 1970 rather than as expiry silently never checked.
	ClockSynced func() bool
	Log         *slog.Logger // nil: discard
}

// maxDetail bounds Presented.Detail, which may quote a scanned code.
const maxDetail = 120

// Check says what code is and what checking it found. It never fails and
// never panics: the result always has a known kind, Wire.Result equal to
// string(Status) and a Subject safe to store.
func (v *Verifier) Check(ctx context.Context, code []byte) (p Presented) {
	defer func() {
		if r := recover(); r != nil {
			v.log().Error("credential: check panicked; code treated as unreadable", "panic", r)
			p = Presented{Wire: wire.Credential{Kind: wire.CredentialUnknown},
				Status: StatusUnreadable, Detail: "internal error"}
		}
		p.settle()
	}()
	if len(code) > MaxCode {
		return Presented{Wire: wire.Credential{Kind: wire.CredentialUnknown},
			Status: StatusUnreadable, Detail: "longer than 2 KiB"}
	}
	s := string(code)
	switch {
	case !readable(code):
		// binary or control characters: Decode calls it unreadable
	case strings.HasPrefix(s, SignedPassPrefix):
		return v.checkPass(s)
	case strings.HasPrefix(s, HealthCodePrefix), strings.HasPrefix(s, HealthQueryPrefix):
		return v.checkHealth(ctx, code)
	case strings.HasPrefix(s, DCCPrefix):
		return v.checkWith(ctx, v.DCC, code)
	case wire.IsVenueCode(s):
		return v.checkVenue(s)
	case strings.HasPrefix(s, VisitorFormPrefix):
		return v.matchVisitor(checkVisitor(s))
	}
	c := Decode(code)
	if m, ok := v.Health.(interface{ Matches([]byte) bool }); ok && c.Kind == wire.CredentialUnknown && readable(code) && m.Matches(code) {
		// a provincial code (a URL or a bare token) a route claims
		return v.checkHealth(ctx, code)
	}
	return Presented{Wire: c, Status: Status(c.Result)}
}

// checkHealth asks the pluggable verifier and holds its answer to the
// contract, since a plug-in is outside code.
func (v *Verifier) checkHealth(ctx context.Context, code []byte) Presented {
	return v.checkWith(ctx, v.Health, code)
}

func (v *Verifier) checkWith(ctx context.Context, hv HealthVerifier, code []byte) Presented {
	if hv == nil {
		return healthResult(StatusVerifyFailed, "no verifier")
	}
	p, err := hv.Verify(ctx, code)
	if err != nil {
		v.log().Warn("credential: health code not verified", "status", p.Status, "err", err)
	}
	p.Wire.Kind = wire.CredentialHealthCode
	if !healthStatuses[p.Status] {
		p.Status, p.Detail = StatusVerifyFailed, "verifier gave no usable status"
	}
	return p
}

var healthStatuses = map[Status]bool{StatusGreen: true, StatusYellow: true, StatusRed: true,
	StatusExpired: true, StatusNotFound: true, StatusVerifyFailed: true, StatusTimeout: true,
	StatusMalformed: true, StatusNotYetValid: true}

// settle enforces the invariants every caller relies on.
func (p *Presented) settle() {
	p.Wire.Result = string(p.Status)
	if !validRef(p.Wire.Subject) && !(p.Status == ResultVisitCode && isVisitCode(p.Wire.Subject)) &&
		!(p.Wire.Kind == wire.CredentialVenue && ValidVenueID(p.Wire.Subject)) {
		p.Wire.Subject = ""
	}
	p.Detail = truncate(p.Detail, maxDetail)
	if !ValidVerifierName(p.Verifier) {
		p.Verifier = ""
	}
	p.Wire.Verifier = p.Verifier
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// roster is the roster in use, or nil.
func (v *Verifier) roster() *Roster {
	if v.Watch == nil {
		return nil
	}
	return v.Watch()
}

// matchVisitor looks for a pre-registered visitor on the roster by the
// hashes of the ID and phone the form carries, and by their destination.
// The form proves nothing, so a hit only ever makes the gate stricter.
func (v *Verifier) matchVisitor(p Presented) Presented {
	r := v.roster()
	if p.Visitor == nil || r == nil {
		return p
	}
	q := RosterQuery{Destination: p.Visitor.Destination}
	if v.Hashes.Hashes() {
		q.IDHash = v.Hashes.hash(wire.IDHashKind(""), strings.ToUpper(p.Visitor.ID))
		q.PhoneHash = v.Hashes.hash("phone", p.Visitor.Phone)
	}
	now, synced := v.clock()
	p.Watch = r.Match(q, now, synced)
	return p
}

// clock reads the time and whether to believe it.
func (v *Verifier) clock() (time.Time, bool) {
	return clockOf(v.Now, v.ClockSynced)
}

func clockOf(now func() time.Time, synced func() bool) (time.Time, bool) {
	t := time.Now()
	if now != nil {
		t = now()
	}
	return t, synced == nil || synced()
}

func (v *Verifier) log() *slog.Logger {
	if v.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return v.Log
}
