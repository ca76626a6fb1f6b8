package roster

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kakou/kakou/firmware/wire"
)

// Input is one entry as an official sends it (the API's JSON, one entry
// or an import of many). Who the person is may be given in full (ID
// number, phone) and is then hashed at once with the fleet's tracing key
// (wire.PersonHash, as units hash a visitor's registration) and never
// stored; or as the hashes themselves. Household is written any way
// people write a flat ("3号楼2单元501") and kept in the pass form
// ("3-2-501", wire.NormaliseHousehold).
type Input struct {
	ID        string         `json:"id,omitempty"`
	Site      string         `json:"site"`
	Pass      string         `json:"pass,omitempty"`
	IDNumber  string         `json:"id_number,omitempty"`
	IDKind    string         `json:"id_kind,omitempty"` // wire.IDResident (default), wire.IDPassport, …
	Phone     string         `json:"phone,omitempty"`
	IDHash    string         `json:"id_hash,omitempty"`
	PhoneHash string         `json:"phone_hash,omitempty"`
	Household string         `json:"household,omitempty"`
	Kind      wire.WatchKind `json:"kind"`
	Start     string         `json:"start"` // 2026-03-01 (midnight, China time) or RFC 3339
	Plan      string         `json:"plan"`
	Tests     []string       `json:"tests,omitempty"`
	Outcome   wire.Decision  `json:"outcome,omitempty"`
	Note      string         `json:"note,omitempty"`
}

// MaxInputBytes bounds one request's body: an import of store.MaxWatchBatch
// entries fits.
const MaxInputBytes = 8 << 20

// maxInputErrors is how many bad entries an answer lists before "and N more".
const maxInputErrors = 20

// china is the plans' time zone: a day written without a time starts at
// midnight there.
var china = time.FixedZone("CST", 8*3600)

// DecodeInputs reads one Input or a list of them, strictly (an unknown
// field is refused: it may be a restriction the centre would ignore), and
// turns them into entries by by, hashing full numbers with key. Every bad
// entry is reported with its index and field, so an import is fixed in
// one pass; nothing is returned unless all are good.
func DecodeInputs(b []byte, key []byte, by string, now time.Time) ([]Entry, error) {
	if len(b) > MaxInputBytes {
		return nil, fmt.Errorf("roster: %d bytes, at most %d: split the import", len(b), MaxInputBytes)
	}
	b = bytes.TrimSpace(b)
	var ins []Input
	var err error
	if len(b) > 0 && b[0] == '[' {
		err = decodeStrict(b, &ins)
	} else {
		ins = make([]Input, 1)
		err = decodeStrict(b, &ins[0])
	}
	if err != nil {
		return nil, fmt.Errorf("roster: send a JSON entry or a list of them: %w", err)
	}
	if len(ins) == 0 {
		return nil, errors.New("roster: the list is empty")
	}
	var errs []error
	out := make([]Entry, 0, len(ins))
	seen := map[string]int{}
	for i, in := range ins {
		e, err := in.entry(key, by, now)
		if err == nil && e.ID != "" {
			if j, dup := seen[e.ID]; dup {
				err = fmt.Errorf("id %q: listed already at [%d]", e.ID, j)
			}
			seen[e.ID] = i
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("[%d]: %w", i, err))
			continue
		}
		out = append(out, e)
	}
	if len(errs) > maxInputErrors {
		more := len(errs) - maxInputErrors
		errs = append(errs[:maxInputErrors:maxInputErrors], fmt.Errorf("and %d more", more))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("roster: %w", errors.Join(errs...))
	}
	return out, nil
}

func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("more than one JSON value")
	}
	return nil
}

// entry checks in and makes the entry, its errors starting with the field.
func (in Input) entry(key []byte, by string, now time.Time) (Entry, error) {
	if err := wire.ValidateID(in.Site); err != nil {
		return Entry{}, fmt.Errorf("site %q: %w", in.Site, err)
	}
	e := Entry{Site: in.Site, UpdatedBy: by, UpdatedAt: now.UTC(), WatchEntry: wire.WatchEntry{
		ID: in.ID, Pass: in.Pass, IDHash: in.IDHash, PhoneHash: in.PhoneHash,
		Household: wire.NormaliseHousehold(in.Household), Kind: in.Kind, Plan: in.Plan, Tests: in.Tests,
		Outcome: in.Outcome, Note: in.Note}}
	if in.Household != "" && e.Household == "" {
		return Entry{}, fmt.Errorf("household %q: write the building, entrance and flat, like 3号楼2单元501", in.Household)
	}
	if in.IDNumber != "" || in.Phone != "" {
		if len(key) == 0 {
			return Entry{}, errors.New("id_number/phone: this collector has no [privacy] tracing key to hash them with; send id_hash/phone_hash")
		}
		if in.IDNumber != "" && in.IDHash != "" || in.Phone != "" && in.PhoneHash != "" {
			return Entry{}, errors.New("id_number/phone: give a number or its hash, not both")
		}
		if n := in.IDNumber; n != "" {
			if !utf8.ValidString(n) || len(n) < 5 || len(n) > 32 {
				return Entry{}, errors.New("id_number: 5-32 characters")
			}
			e.IDHash = wire.PersonHash(key, wire.IDHashKind(in.IDKind), strings.ToUpper(n))
		}
		if p := in.Phone; p != "" {
			if !digits(p, 5, 15) {
				return Entry{}, errors.New("phone: 5-15 digits")
			}
			e.PhoneHash = wire.PersonHash(key, "phone", p)
		}
	}
	start, err := parseStart(in.Start)
	if err != nil {
		return Entry{}, err
	}
	e.Start = start
	if e.ID == "" {
		e.ID = NewID()
	}
	if err := e.WatchEntry.Validate(); err != nil {
		return Entry{}, err
	}
	return e, nil
}

func parseStart(s string) (time.Time, error) {
	if t, err := time.ParseInLocation(time.DateOnly, s, china); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("start %q: a day like 2026-03-01 or a time like 2026-03-01T08:00:00+08:00", s)
}

func digits(s string, lo, hi int) bool {
	if len(s) < lo || len(s) > hi {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// NewID makes an id for an entry that came without one.
func NewID() string {
	var b [8]byte
	rand.Read(b[:])
	return "w-" + hex.EncodeToString(b[:])
}
