package wire

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Visitor is a visitor's registration (登记) as it leaves the unit: the
// phone and ID number only in masked form, so the wire and every store
// downstream never hold them in full (docs/product.md "Visitor registration": PII minimised).
type Visitor struct {
	Name        string     `json:"name"`
	Phone       string     `json:"phone,omitempty"` // masked: 138****5678
	ID          string     `json:"id,omitempty"`    // masked: 110***********1234
	Origin      string     `json:"origin,omitempty"`
	Destination string     `json:"destination,omitempty"` // building/unit visited
	Reason      string     `json:"reason,omitempty"`
	Transport   string     `json:"transport,omitempty"`
	Trip        string     `json:"trip,omitempty"` // train or flight number
	ArrivedAt   *time.Time `json:"arrived_at,omitempty"`
	// IDKind is the document ID was read from (IDResident, IDPassport,
	// …); empty is a resident ID card, as before kinds were recorded.
	// IDNone: the visitor had no document, and NoIDReason says why.
	IDKind     string `json:"id_kind,omitempty"`
	NoIDReason string `json:"no_id_reason,omitempty"`
	// IDHash and PhoneHash are PersonHash of the full values, so a tracer
	// can find a person's visits by ID number or phone without any store
	// holding the numbers themselves.
	IDHash    string `json:"id_hash,omitempty"`
	PhoneHash string `json:"phone_hash,omitempty"`
	// Sealed carries the full ID number and phone, encrypted for the
	// centre, only where the site's policy demands them (e.g. a nursing
	// home in an outbreak): base64 of an AES-GCM sealed box.
	Sealed string `json:"sealed,omitempty"`
}

// Override records a guard overruling the policy: who, why, and which
// entry's decision it replaces. The earlier entry stays as it was.
type Override struct {
	By       string `json:"by"`
	Reason   string `json:"reason"`
	Replaces string `json:"replaces,omitempty"` // entry id
}

// MaskPhone keeps the first 3 and last 4 digits: 138****5678.
func MaskPhone(p string) string { return mask(p, 3, 4) }

// MaskID keeps the first 3 and last 4 characters of an ID number:
// 110***********1234.
func MaskID(id string) string { return mask(id, 3, 4) }

func mask(s string, head, tail int) string {
	r := []rune(s)
	if len(r) <= head+tail {
		return strings.Repeat("*", len(r))
	}
	// A short number (a permit, an international phone) keeps fewer ends,
	// so at least 4 characters stay hidden: what masked requires.
	for len(r)-head-tail < 4 {
		if head >= tail {
			head--
		} else {
			tail--
		}
	}
	return string(r[:head]) + strings.Repeat("*", len(r)-head-tail) + string(r[len(r)-tail:])
}

// masked reports whether s has been through mask: digits alone never leave
// the unit.
func masked(s string) bool { return s == "" || strings.Count(s, "*") >= 4 }

func (v *Visitor) validate() error {
	if v.Name == "" || utf8.RuneCountInString(v.Name) > 32 {
		return fmt.Errorf("visitor.name: 1-32 characters")
	}
	if !masked(v.Phone) || !masked(v.ID) {
		return fmt.Errorf("visitor: phone and ID must be masked before they leave the unit")
	}
	for _, h := range []string{v.IDHash, v.PhoneHash} {
		if h != "" && !isPersonHash(h) {
			return fmt.Errorf("visitor: id_hash and phone_hash must be 64 lower-case hex digits")
		}
	}
	if len(v.Sealed) > 1024 {
		return fmt.Errorf("visitor.sealed: at most 1024 characters")
	}
	return nil
}

func (v *Visitor) texts() []string {
	return []string{v.Name, v.Phone, v.ID, v.Origin, v.Destination, v.Reason, v.Transport, v.Trip,
		v.IDKind, v.NoIDReason}
}

func (o *Override) validate() error {
	if o.By == "" || o.Reason == "" {
		return fmt.Errorf("override: who overrode and why are both required")
	}
	return nil
}
