package wire

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Staff, workers, teachers and pupils of a site are checked at set rounds
// of the day (docs/product.md "People treated differently": staff,
// temperature twice a day; 晨午晚检 in schools). The centre pushes the
// site's staff roster to each unit, signed like the guard roster; a unit
// matches a scanned staff pass, or a tick on its console's roll-call
// panel, to a roster id and records a StaffCheck on the entry.

// KindStaff is the topic kind of the staff roster the centre pushes.
const KindStaff = "staff"

// QoSStaff: like the guard roster, retained and at least once, so a unit
// offline when a class changed learns it on its next connect.
const QoSStaff = 1

// StaffTopic is where the centre publishes, retained, the staff roster of
// a unit's site, on each unit's own topic.
func StaffTopic(site, unit string) string { return topic(site, unit, KindStaff) }

// A school has up to about 3,000 pupils, so the staff roster travels in
// one message larger than MaxPayload: MaxStaff members and at most
// MaxStaffRosterPayload bytes, checked before decoding. A typical member
// ({"id":"P2026000123","name":"张**","group":"pupil","class":"三年级2班"})
// takes about 75 bytes, so 3,000 pupils need about 225 KiB; a site whose
// roster is larger is refused at the centre before it is published.
const (
	MaxStaff              = 4000
	MaxStaffRosterPayload = 512 << 10
)

// StaffGroup is who a roster member is.
type StaffGroup string

const (
	GroupStaff   StaffGroup = "staff"
	GroupWorker  StaffGroup = "worker"
	GroupPupil   StaffGroup = "pupil"
	GroupTeacher StaffGroup = "teacher"
)

var staffGroups = map[StaffGroup]bool{GroupStaff: true, GroupWorker: true, GroupPupil: true, GroupTeacher: true}

// StaffRoster is the people to be checked at one unit's site, signed by the
// centre (SignStaffRoster). Version grows with every change at the centre;
// a unit never goes back to a lower one.
type StaffRoster struct {
	Schema   int           `json:"schema"`
	Site     string        `json:"site"`
	Unit     string        `json:"unit"`
	Version  uint64        `json:"version"`
	IssuedAt time.Time     `json:"issued_at"`
	IssuedBy string        `json:"issued_by"`
	Members  []StaffMember `json:"members"`
	// Signature is the centre's Ed25519 signature (SignStaffRoster).
	Signature string `json:"signature,omitempty"`
}

// StaffMember is one person to be checked. ID is the id of their staff
// pass (the scanned pass's subject), so a scan finds them without a name.
// Name is masked (张**, MaskName): the roster is on every unit's card.
type StaffMember struct {
	ID    string     `json:"id"`
	Name  string     `json:"name"`
	Group StaffGroup `json:"group"`
	Class string     `json:"class,omitempty"` // class or department: 三年级2班, 后勤
}

// DecodeStaffRoster parses and validates a staff roster, refusing one
// over MaxStaffRosterPayload before decoding it.
func DecodeStaffRoster(b []byte) (StaffRoster, error) {
	var r StaffRoster
	if err := decodeMax(b, &r, MaxStaffRosterPayload); err != nil {
		return StaffRoster{}, fmt.Errorf("wire: staff roster: %w", err)
	}
	if err := r.Validate(); err != nil {
		return StaffRoster{}, err
	}
	return r, nil
}

func (r *StaffRoster) schema() int { return r.Schema }

// Validate reports the first field that makes r unusable.
func (r *StaffRoster) Validate() error {
	if r.Schema != SchemaVersion {
		return fmt.Errorf("wire: staff roster schema: %d is not %d", r.Schema, SchemaVersion)
	}
	if err := ValidateID(r.Site); err != nil {
		return fmt.Errorf("wire: staff roster site: %w", err)
	}
	if err := ValidateID(r.Unit); err != nil {
		return fmt.Errorf("wire: staff roster unit: %w", err)
	}
	if r.Version == 0 {
		return errors.New("wire: staff roster version: 0; the centre numbers rosters from 1")
	}
	if len(r.IssuedBy) > 256 || !utf8.ValidString(r.IssuedBy) {
		return errors.New("wire: staff roster issued_by: UTF-8 of at most 256 bytes")
	}
	if len(r.Members) > MaxStaff {
		return fmt.Errorf("wire: staff roster: %d members, at most %d", len(r.Members), MaxStaff)
	}
	seen := make(map[string]bool, len(r.Members))
	for i, m := range r.Members {
		if err := m.Validate(); err != nil {
			return fmt.Errorf("wire: staff roster members[%d]: %w", i, err)
		}
		if seen[m.ID] {
			return fmt.Errorf("wire: staff roster members[%d]: id %q listed twice", i, m.ID)
		}
		seen[m.ID] = true
	}
	return nil
}

// Validate checks one member: a pass id, a masked name, a known group and
// a class of at most 16 characters.
func (m StaffMember) Validate() error {
	if err := ValidateStaffID(m.ID); err != nil {
		return err
	}
	if !IsMaskedName(m.Name) {
		return fmt.Errorf("name %q: a masked name like 张** (first character, the rest *)", m.Name)
	}
	if !staffGroups[m.Group] {
		return fmt.Errorf("group %q of %s: want staff, worker, pupil or teacher", m.Group, m.ID)
	}
	if n := utf8.RuneCountInString(m.Class); n > 16 || !utf8.ValidString(m.Class) || hasControl(m.Class) {
		return fmt.Errorf("class of %s: at most 16 characters of plain text", m.ID)
	}
	return nil
}

// ValidateStaffID checks a roster id: a pass id, 1-32 of A-Z a-z 0-9 -,
// as credential pass ids are.
func ValidateStaffID(id string) error {
	if id == "" || len(id) > 32 {
		return fmt.Errorf("id %q: 1-32 of A-Z a-z 0-9 -, the staff pass's id", id)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return fmt.Errorf("id %q: 1-32 of A-Z a-z 0-9 -, the staff pass's id", id)
		}
	}
	return nil
}

// IsMaskedName reports whether s is a name as MaskName leaves it: one
// visible character, then 1-7 '*'.
func IsMaskedName(s string) bool {
	r, size := utf8.DecodeRuneInString(s)
	rest := s[size:]
	return r != utf8.RuneError && r > 0x20 && r != '*' && r != 0x7f &&
		len(rest) >= 1 && len(rest) <= 7 && strings.Trim(rest, "*") == ""
}

// Find returns the member with id, and whether the roster lists them.
func (r *StaffRoster) Find(id string) (StaffMember, bool) {
	for _, m := range r.Members {
		if m.ID == id {
			return m, true
		}
	}
	return StaffMember{}, false
}

// staffSigned is the byte string a staff roster's signature covers: every
// field but the signature, length-prefixed, under a label of its own so
// neither a policy's nor a guard roster's signature passes for it.
func staffSigned(r *StaffRoster) []byte {
	h := sha256.New()
	field := func(f string) {
		h.Write(strconv.AppendInt(nil, int64(len(f)), 10))
		h.Write([]byte{':'})
		h.Write([]byte(f))
	}
	for _, f := range []string{"kakou-staff-v1", strconv.Itoa(r.Schema), r.Site, r.Unit,
		strconv.FormatUint(r.Version, 10), r.IssuedAt.UTC().Format(time.RFC3339Nano), r.IssuedBy,
		strconv.Itoa(len(r.Members))} {
		field(f)
	}
	for _, m := range r.Members {
		field(m.ID)
		field(m.Name)
		field(string(m.Group))
		field(m.Class)
	}
	return h.Sum([]byte("kakou-staff-v1:"))
}

// SignStaffRoster sets r.Signature with the centre's private key.
func SignStaffRoster(r *StaffRoster, key ed25519.PrivateKey) {
	r.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(key, staffSigned(r)))
}

// ErrStaffUnsigned and ErrStaffBadSignature are what VerifyStaffRoster refuses.
var (
	ErrStaffUnsigned     = errors.New("wire: staff roster is not signed")
	ErrStaffBadSignature = errors.New("wire: staff roster signature does not verify")
)

// VerifyStaffRoster checks r's signature against any of the centre's keys.
func VerifyStaffRoster(r *StaffRoster, keys ...ed25519.PublicKey) error {
	return verifySigned(r.Signature, staffSigned(r), ErrStaffUnsigned, ErrStaffBadSignature, keys)
}
