package wire

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// KindGuards is the topic kind of the guard roster the centre pushes.
const KindGuards = "guards"

// QoSGuards: like a policy, the roster must arrive and is retained, so a
// unit that was offline when a PIN was reset learns it on its next connect.
const QoSGuards = 1

// GuardsTopic is where the centre publishes, retained, the roster of the
// guards who may sign in at a unit's console. Every unit of a site gets
// the site's roster on its own topic, as with policies.
func GuardsTopic(site, unit string) string { return topic(site, unit, KindGuards) }

// MaxGuards bounds a site's roster, and MaxRosterPayload the message that
// carries it: a roster of MaxGuards guards does not fit MaxPayload.
const (
	MaxGuards        = 200
	MaxRosterPayload = 64 << 10
)

// GuardRoster is the list of guards who may sign in at one unit's console,
// signed by the centre (SignRoster) like a policy push. Version grows with
// every change the centre makes to the site's guards; a unit never goes
// back to a lower one, so a recorded roster cannot be replayed to revive
// a disabled guard or an old PIN.
type GuardRoster struct {
	Schema   int           `json:"schema"`
	Site     string        `json:"site"`
	Unit     string        `json:"unit"`
	Version  uint64        `json:"version"`
	IssuedAt time.Time     `json:"issued_at"`
	IssuedBy string        `json:"issued_by"`
	Guards   []RosterGuard `json:"guards"`
	// Signature is the centre's Ed25519 signature (SignRoster).
	Signature string `json:"signature,omitempty"`
}

// RosterGuard is one guard. PINHash is HashPIN's string: a 4-6 digit PIN
// is guessable offline from a stolen roster whatever the hash (a million
// guesses at most), so the hash only slows that down; what protects a
// PIN is that the console locks a guard out after a few wrong ones.
type RosterGuard struct {
	ID       string `json:"id"`   // a-z 0-9 - _, as site and unit ids
	Name     string `json:"name"` // as shown on the console: 王师傅
	PINHash  string `json:"pin_hash"`
	Disabled bool   `json:"disabled,omitempty"`
}

// DecodeGuardRoster parses and validates a roster.
func DecodeGuardRoster(b []byte) (GuardRoster, error) {
	var r GuardRoster
	if err := decodeMax(b, &r, MaxRosterPayload); err != nil {
		return GuardRoster{}, fmt.Errorf("wire: guard roster: %w", err)
	}
	if err := r.Validate(); err != nil {
		return GuardRoster{}, err
	}
	return r, nil
}

// Validate reports the first field that makes r unusable.
func (r *GuardRoster) Validate() error {
	if r.Schema != SchemaVersion {
		return fmt.Errorf("wire: guard roster schema: %d is not %d", r.Schema, SchemaVersion)
	}
	if err := ValidateID(r.Site); err != nil {
		return fmt.Errorf("wire: guard roster site: %w", err)
	}
	if err := ValidateID(r.Unit); err != nil {
		return fmt.Errorf("wire: guard roster unit: %w", err)
	}
	if r.Version == 0 {
		return errors.New("wire: guard roster version: 0; the centre numbers rosters from 1")
	}
	if len(r.IssuedBy) > 256 || !utf8.ValidString(r.IssuedBy) {
		return errors.New("wire: guard roster issued_by: UTF-8 of at most 256 bytes")
	}
	if len(r.Guards) > MaxGuards {
		return fmt.Errorf("wire: guard roster: %d guards, at most %d", len(r.Guards), MaxGuards)
	}
	seen := map[string]bool{}
	for i, g := range r.Guards {
		if err := g.Validate(); err != nil {
			return fmt.Errorf("wire: guard roster guards[%d]: %w", i, err)
		}
		if seen[g.ID] {
			return fmt.Errorf("wire: guard roster guards[%d]: id %q listed twice", i, g.ID)
		}
		seen[g.ID] = true
	}
	return nil
}

// Validate checks one guard: an id, a name of 1-32 characters without
// control characters, and a PIN hash HashPIN could have made.
func (g RosterGuard) Validate() error {
	if err := ValidateID(g.ID); err != nil {
		return fmt.Errorf("id: %w", err)
	}
	n := utf8.RuneCountInString(g.Name)
	if n < 1 || n > 32 || !utf8.ValidString(g.Name) || hasControl(g.Name) {
		return fmt.Errorf("name %q: 1 to 32 characters of plain text", g.Name)
	}
	if _, err := parsePINHash(g.PINHash); err != nil {
		return fmt.Errorf("pin_hash of %s: %w", g.ID, err)
	}
	return nil
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return true
		}
	}
	return false
}

// Find returns the guard with id, and whether the roster lists it.
func (r *GuardRoster) Find(id string) (RosterGuard, bool) {
	for _, g := range r.Guards {
		if g.ID == id {
			return g, true
		}
	}
	return RosterGuard{}, false
}

// rosterSigned is the byte string a roster's signature covers: every
// field but the signature, length-prefixed as policySigned's are, under a
// label of its own so a policy signature can never pass for a roster's.
func rosterSigned(r *GuardRoster) []byte {
	fields := []string{"kakou-guards-v1", strconv.Itoa(r.Schema), r.Site, r.Unit,
		strconv.FormatUint(r.Version, 10), r.IssuedAt.UTC().Format(time.RFC3339Nano), r.IssuedBy,
		strconv.Itoa(len(r.Guards))}
	for _, g := range r.Guards {
		fields = append(fields, g.ID, g.Name, g.PINHash, strconv.FormatBool(g.Disabled))
	}
	h := sha256.New()
	for _, f := range fields {
		h.Write(strconv.AppendInt(nil, int64(len(f)), 10))
		h.Write([]byte{':'})
		h.Write([]byte(f))
	}
	return h.Sum([]byte("kakou-guards-v1:"))
}

// SignRoster sets r.Signature with the centre's private key.
func SignRoster(r *GuardRoster, key ed25519.PrivateKey) {
	r.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(key, rosterSigned(r)))
}

// ErrRosterUnsigned and ErrRosterBadSignature are what VerifyRoster refuses.
var (
	ErrRosterUnsigned     = errors.New("wire: guard roster is not signed")
	ErrRosterBadSignature = errors.New("wire: guard roster signature does not verify")
)

// VerifyRoster checks r's signature against any of the centre's keys.
func VerifyRoster(r *GuardRoster, keys ...ed25519.PublicKey) error {
	return verifySigned(r.Signature, rosterSigned(r), ErrRosterUnsigned, ErrRosterBadSignature, keys)
}

func (r *GuardRoster) schema() int { return r.Schema }
