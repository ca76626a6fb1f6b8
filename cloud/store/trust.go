package store

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// The centre's trust list: the pass issuers' and the health authority's
// keys, the pass ids revoked (with who, when and why) and the EU DCC
// signer certificates, the same for the whole fleet (wire.TrustPush).
// Every change that changes something takes the list's next version, one
// at a time across collectors, so two officials revoking at once make two
// versions and both revocations are kept; a change that changes nothing
// (revoking a pass already revoked) keeps the version.

// TrustKind says which issuer table a key is in.
type TrustKind string

const (
	TrustPass   TrustKind = "pass"   // signs passes (出入证)
	TrustHealth TrustKind = "health" // signs health codes
)

// TrustIssuer is one issuer's key (kakou-ed25519-pub:…).
type TrustIssuer struct {
	Kind    TrustKind
	ID, Key string
	AddedAt time.Time
	AddedBy string
}

// TrustRevocation is a revoked pass and the record of revoking it.
type TrustRevocation struct {
	Pass      string
	Reason    string
	RevokedAt time.Time
	RevokedBy string
	Version   uint64 // the list version that revoked it
}

// DCCSigner is an EU DCC signer certificate and what the API lists of it.
type DCCSigner struct {
	KID      string // base64 of 8 bytes
	Country  string
	DER      []byte
	Subject  string
	NotAfter time.Time
	AddedAt  time.Time
	AddedBy  string
}

// SHA256 names a certificate in the store: the EU list has kid
// collisions, so the kid alone does not.
func (d DCCSigner) SHA256() string {
	s := sha256.Sum256(d.DER)
	return hex.EncodeToString(s[:])
}

// TrustState is the whole list as the centre keeps it.
type TrustState struct {
	Version   uint64
	UpdatedAt time.Time
	UpdatedBy string
	Issuers   []TrustIssuer     // by kind, then id
	Revoked   []TrustRevocation // by pass id
	DCC       []DCCSigner       // by country, kid, certificate
}

// TrustChange is one change by one official: exactly one of Revoke,
// PutIssuer, RemoveIssuer, or DCC (ReplaceDCC: the imported list replaces
// the signers held; otherwise it is merged in).
type TrustChange struct {
	By           string
	At           time.Time
	Revoke       *TrustRevocation
	PutIssuer    *TrustIssuer
	RemoveIssuer *TrustIssuer // Kind and ID
	DCC          []DCCSigner
	ReplaceDCC   bool
}

// MaxTrustReason bounds a revocation's reason, in bytes.
const MaxTrustReason = 500

// ErrTrustShape is returned for a change the list cannot hold.
var ErrTrustShape = errors.New("store: trust change")

// Check refuses a change no unit could use, saying why.
func (c TrustChange) Check() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrTrustShape, fmt.Sprintf(format, a...))
	}
	n := 0
	for _, set := range []bool{c.Revoke != nil, c.PutIssuer != nil, c.RemoveIssuer != nil, c.DCC != nil || c.ReplaceDCC} {
		if set {
			n++
		}
	}
	switch {
	case n != 1:
		return bad("exactly one of revoke, put issuer, remove issuer or DCC signers")
	case c.By == "" || c.At.IsZero():
		return bad("who made it and when are required")
	case c.Revoke != nil && !wire.ValidTrustRef(c.Revoke.Pass):
		return bad("pass id %q: 1-32 of A-Z a-z 0-9 -", c.Revoke.Pass)
	case c.Revoke != nil && len(c.Revoke.Reason) > MaxTrustReason:
		return bad("reason: at most %d bytes", MaxTrustReason)
	case len(c.DCC) > wire.MaxDCCSigners:
		return bad("%d DCC signers, at most %d", len(c.DCC), wire.MaxDCCSigners)
	}
	for _, is := range []*TrustIssuer{c.PutIssuer, c.RemoveIssuer} {
		if is == nil {
			continue
		}
		if is.Kind != TrustPass && is.Kind != TrustHealth {
			return bad("issuer kind %q: pass or health", is.Kind)
		}
		if !wire.ValidTrustRef(is.ID) {
			return bad("issuer id %q: 1-32 of A-Z a-z 0-9 -", is.ID)
		}
	}
	if c.PutIssuer != nil {
		if err := wire.ValidIssuerKey(c.PutIssuer.Key); err != nil {
			return bad("issuer %s: %v", c.PutIssuer.ID, err)
		}
	}
	for i, d := range c.DCC {
		w := wire.DCCSigner{KID: d.KID, Country: d.Country}
		if len(d.DER) == 0 || len(d.DER) > wire.MaxDCCCert {
			return bad("DCC signer %d: certificate of 1 to %d bytes", i, wire.MaxDCCCert)
		}
		w.Cert = "AA=="
		if err := w.Validate(); err != nil {
			return bad("DCC signer %d: %v", i, err)
		}
	}
	return nil
}

// TrustCounts is how many of each the list holds.
func (s TrustState) TrustCounts() (pass, health, revoked, dcc int) {
	for _, is := range s.Issuers {
		if is.Kind == TrustPass {
			pass++
		} else {
			health++
		}
	}
	return pass, health, len(s.Revoked), len(s.DCC)
}
