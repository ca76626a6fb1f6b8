package store

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Device enrollment (cloud/README.md "Device identity"): the centre issues a
// one-time token for one site and unit; the device trades it for its own
// MQTT credential. Only hashes are kept: a copy of the database gives no
// usable token and no usable password.

// Why an enrollment was refused. The API turns ErrTokenUsed into 409 and
// the others into 401; every one is logged and audited.
var (
	ErrTokenUnknown  = errors.New("store: enrollment token unknown")
	ErrTokenUsed     = errors.New("store: enrollment token already used")
	ErrTokenExpired  = errors.New("store: enrollment token expired")
	ErrTokenMismatch = errors.New("store: enrollment token is for another site or unit")
	ErrTokenRole     = errors.New("store: enrollment token is for the other role (unit or gateway)")
)

// Device roles: a unit speaks only for itself, a gateway for every unit of
// its site (wire.RoleGateway).
const (
	RoleUnit    = "unit"
	RoleGateway = "gateway"
)

// EnrollmentToken is a one-time token the centre hands to an installer.
// Token is the secret itself; only its SHA-256 is stored (see TokenHash).
type EnrollmentToken struct {
	Token      string
	Site, Unit string
	Role       string // RoleUnit or RoleGateway
	CreatedAt  time.Time
	ExpiresAt  time.Time
}

// Enrollment is a device presenting its token, and the hash of the
// password it will be given if the token holds.
type Enrollment struct {
	Token, Site, Unit string
	PasswordHash      string // mosquitto $7$ form (cloud/devicepass)
	At                time.Time
	// Role is what the device is installed as; "" (a device from before
	// roles were asked) takes the token's.
	Role string
}

// DeviceCredential is one enrolled device's MQTT identity: its user name
// is its site and unit, "site/unit" (Username), so that gate-1 of one site
// can neither use nor replace gate-1 of another.
type DeviceCredential struct {
	Unit, Site, Role string
	PasswordHash     string
	EnrolledAt       time.Time
}

// Username is the device's MQTT user name.
func (c DeviceCredential) Username() string { return UnitID{c.Site, c.Unit}.String() }

// ErrAmbiguousDevice refuses a user name without a site (ParseUsername)
// once two sites have a device of that id: only the site can tell them
// apart, so the device must enroll again and use its new user name.
var ErrAmbiguousDevice = errors.New("store: a device of that id is enrolled at several sites")

// ParseUsername splits "site/unit". A bare unit id, as devices enrolled
// before credentials named the site still use, is a unit with no site:
// taken to mean the one device of that id, while there is one.
func ParseUsername(user string) UnitID {
	site, unit, ok := strings.Cut(user, "/")
	if !ok {
		return UnitID{Unit: user}
	}
	return UnitID{Site: site, Unit: unit}
}

// OneCredential is the single credential a look-up of id found.
func OneCredential(id UnitID, found []DeviceCredential) (DeviceCredential, error) {
	switch {
	case len(found) == 0:
		return DeviceCredential{}, ErrNotFound
	case len(found) > 1:
		return DeviceCredential{}, fmt.Errorf("%w: %s", ErrAmbiguousDevice, id.Unit)
	}
	return found[0], nil
}

// TokenHash is how a token is stored and looked up. Tokens are 256 random
// bits, so a plain SHA-256 suffices: there is no dictionary to stretch
// against, and a lookup by hash must be exact.
func TokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// TokenRow is a stored token as both backends read it back.
type TokenRow struct {
	Site, Unit, Role string
	Expires          int64 // unix nanoseconds
	Used             bool
}

// check says whether the stored token admits e. A token for another site
// or unit is refused without being spent, so a typo does not cost the
// installer the token.
func (r TokenRow) Check(e Enrollment) error {
	switch {
	case r.Used:
		return ErrTokenUsed
	case e.At.UnixNano() >= r.Expires:
		return ErrTokenExpired
	case r.Site != e.Site || r.Unit != e.Unit:
		return ErrTokenMismatch
	case e.Role != "" && e.Role != r.Role:
		return ErrTokenRole
	}
	return nil
}

// Check says what is wrong with t, if anything, before it is stored.
func (t EnrollmentToken) Check() error {
	switch {
	case len(t.Token) < 16:
		return errors.New("store: enrollment token too short (want at least 16 characters)")
	case t.Site == "" || t.Unit == "":
		return errors.New("store: enrollment token needs a site and a unit")
	case t.Role != RoleUnit && t.Role != RoleGateway:
		return fmt.Errorf("store: enrollment role %q: want %q or %q", t.Role, RoleUnit, RoleGateway)
	case !t.ExpiresAt.After(t.CreatedAt):
		return errors.New("store: enrollment token expires before it is created")
	}
	return nil
}

// EnrollError keeps the refusals as they are, for errors.Is, and wraps
// the rest.
func EnrollError(e Enrollment, err error) error {
	for _, refusal := range []error{ErrTokenUnknown, ErrTokenUsed, ErrTokenExpired, ErrTokenMismatch, ErrTokenRole} {
		if errors.Is(err, refusal) {
			return refusal
		}
	}
	return fmt.Errorf("store: enroll %s/%s: %w", e.Site, e.Unit, err)
}
