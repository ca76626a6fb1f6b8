package wire

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// WatchHead is the roster's signed root (watch.go): which version it is,
// the snapshot its data parts start from, and the index parts that list
// them. Version grows with every change at the centre; a unit never goes
// back to a lower one, so a recorded head cannot be replayed to take a
// quarantined person off the gates.
type WatchHead struct {
	Schema   int       `json:"schema"`
	Version  uint64    `json:"version"`
	Base     uint64    `json:"base"` // the snapshot's version; the deltas after it are in the index
	IssuedAt time.Time `json:"issued_at"`
	IssuedBy string    `json:"issued_by"`
	// Count is how many people the assembled roster lists.
	Count int        `json:"count"`
	Index []WatchRef `json:"index"`
	// Signature is the centre's Ed25519 signature (SignWatch).
	Signature string `json:"signature,omitempty"`
}

// WatchRef names a part and the sha256 of its payload, hex.
type WatchRef struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
}

// WatchPart is one retained part: an index part's Refs (the data parts,
// snapshot first then deltas, in the order they apply) or a data part's
// Entries. A delta's entries replace the entries of the same id, or, Ended,
// remove them.
type WatchPart struct {
	Schema  int          `json:"schema"`
	Name    string       `json:"name"`
	Refs    []WatchRef   `json:"refs,omitempty"`
	Entries []WatchEntry `json:"entries,omitempty"`
}

func (h *WatchHead) schema() int { return h.Schema }
func (p *WatchPart) schema() int { return p.Schema }

// PartHash is the hex sha256 a ref carries for payload.
func PartHash(payload []byte) string {
	s := sha256.Sum256(payload)
	return hex.EncodeToString(s[:])
}

// DecodeWatchHead parses and validates a head; it does not verify it.
func DecodeWatchHead(b []byte) (WatchHead, error) {
	var h WatchHead
	if err := decode(b, &h); err != nil {
		return WatchHead{}, fmt.Errorf("wire: watch head: %w", err)
	}
	return h, h.Validate()
}

// Validate reports the first field that makes h unusable.
func (h *WatchHead) Validate() error {
	switch {
	case h.Schema != SchemaVersion:
		return fmt.Errorf("wire: watch head schema: %d is not %d", h.Schema, SchemaVersion)
	case h.Version == 0:
		return errors.New("wire: watch head version: 0; the centre numbers rosters from 1")
	case h.Base > h.Version:
		return fmt.Errorf("wire: watch head base %d is after its version %d", h.Base, h.Version)
	case len(h.IssuedBy) > 256 || !utf8.ValidString(h.IssuedBy):
		return errors.New("wire: watch head issued_by: UTF-8 of at most 256 bytes")
	case h.Count < 0 || h.Count > MaxWatchEntries:
		return fmt.Errorf("wire: watch head count %d: 0 to %d", h.Count, MaxWatchEntries)
	case len(h.Index) > MaxWatchIndex:
		return fmt.Errorf("wire: watch head: %d index parts, at most %d", len(h.Index), MaxWatchIndex)
	}
	for i, r := range h.Index {
		if err := r.validate('i'); err != nil {
			return fmt.Errorf("wire: watch head index[%d]: %w", i, err)
		}
	}
	return nil
}

func (r WatchRef) validate(kinds ...byte) error {
	if err := validPartName(r.Name); err != nil {
		return err
	}
	ok := false
	for _, k := range kinds {
		ok = ok || r.Name[0] == k
	}
	if !ok {
		return fmt.Errorf("part %q is not of the kind listed here", r.Name)
	}
	if !isHexHash(r.SHA256) {
		return fmt.Errorf("part %q sha256: want 64 hex digits", r.Name)
	}
	return nil
}

// DecodeWatchPart parses and validates a part. It does not check the
// part's hash: the caller compares PartHash(b) with the ref naming it.
func DecodeWatchPart(b []byte) (WatchPart, error) {
	var p WatchPart
	if err := decode(b, &p); err != nil {
		return WatchPart{}, fmt.Errorf("wire: watch part: %w", err)
	}
	return p, p.Validate()
}

// Validate reports the first field that makes p unusable.
func (p *WatchPart) Validate() error {
	if p.Schema != SchemaVersion {
		return fmt.Errorf("wire: watch part schema: %d is not %d", p.Schema, SchemaVersion)
	}
	if err := validPartName(p.Name); err != nil {
		return fmt.Errorf("wire: watch part: %w", err)
	}
	if p.Name[0] == 'i' {
		if len(p.Entries) > 0 || len(p.Refs) > MaxWatchRefs {
			return fmt.Errorf("wire: watch part %s: an index lists at most %d refs and no entries", p.Name, MaxWatchRefs)
		}
		for i, r := range p.Refs {
			if err := r.validate('s', 'd'); err != nil {
				return fmt.Errorf("wire: watch part %s refs[%d]: %w", p.Name, i, err)
			}
		}
		return nil
	}
	if len(p.Refs) > 0 {
		return fmt.Errorf("wire: watch part %s: a data part lists entries, not refs", p.Name)
	}
	for i := range p.Entries {
		e := &p.Entries[i]
		if e.Ended && p.Name[0] == 's' {
			return fmt.Errorf("wire: watch part %s entries[%d]: a snapshot lists no ended entries", p.Name, i)
		}
		if err := e.Validate(); err != nil {
			return fmt.Errorf("wire: watch part %s entries[%d]: %w", p.Name, i, err)
		}
	}
	return nil
}

// watchSigned is the byte string a head's signature covers: every field
// but the signature, length-prefixed under a label of its own, so neither
// a policy's nor a guard roster's signature can pass for a head's.
func watchSigned(h *WatchHead) []byte {
	fields := []string{"kakou-watch-v1", strconv.Itoa(h.Schema), strconv.FormatUint(h.Version, 10),
		strconv.FormatUint(h.Base, 10), h.IssuedAt.UTC().Format(time.RFC3339Nano), h.IssuedBy,
		strconv.Itoa(h.Count), strconv.Itoa(len(h.Index))}
	for _, r := range h.Index {
		fields = append(fields, r.Name, r.SHA256)
	}
	s := sha256.New()
	for _, f := range fields {
		s.Write(strconv.AppendInt(nil, int64(len(f)), 10))
		s.Write([]byte{':'})
		s.Write([]byte(f))
	}
	return s.Sum([]byte("kakou-watch-v1:"))
}

// SignWatch sets h.Signature with the centre's private key.
func SignWatch(h *WatchHead, key ed25519.PrivateKey) {
	h.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(key, watchSigned(h)))
}

// ErrWatchUnsigned and ErrWatchBadSignature are what VerifyWatch refuses.
var (
	ErrWatchUnsigned     = errors.New("wire: watch roster head is not signed")
	ErrWatchBadSignature = errors.New("wire: watch roster head signature does not verify")
)

// VerifyWatch checks h's signature against any of the centre's keys.
func VerifyWatch(h *WatchHead, keys ...ed25519.PublicKey) error {
	return verifySigned(h.Signature, watchSigned(h), ErrWatchUnsigned, ErrWatchBadSignature, keys)
}

// WatchMatch is an Entry's record of a roster match: which roster entry,
// what it was at the time, and what the person was found by.
type WatchMatch struct {
	Entry string    `json:"entry"` // the roster entry's id
	Kind  WatchKind `json:"kind"`
	By    string    `json:"by"` // one of the WatchBy constants
}

// What a roster match was found by.
const (
	WatchByPass        = "pass"
	WatchByIDHash      = "id_hash"
	WatchByPhoneHash   = "phone_hash"
	WatchByHousehold   = "household"   // the pass's household is on the roster
	WatchByDestination = "destination" // a visitor to a household on the roster
)

func (m *WatchMatch) validate() error {
	if err := ValidateID(m.Entry); err != nil {
		return fmt.Errorf("entry: %w", err)
	}
	switch m.Kind {
	case WatchHomeQuarantine, WatchHealthMonitoring, WatchReturnee:
	default:
		return fmt.Errorf("kind %q is not a roster kind", m.Kind)
	}
	switch m.By {
	case WatchByPass, WatchByIDHash, WatchByPhoneHash, WatchByHousehold, WatchByDestination:
	default:
		return fmt.Errorf("by %q is not a way the gate matches", m.By)
	}
	return nil
}
