package credential

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kakou/kakou/firmware/wire"
)

// HealthVerifier checks a health code (健康码). Implementations return a
// Presented of kind health_code with a Status from the docs/product.md model
// (green, yellow, red, expired, not found, verify failed, timeout) or
// malformed; err, when not nil, explains a verify_failed or timeout for the
// log. Verify must return within its own bound whatever ctx says: the lane
// waits for it.
type HealthVerifier interface {
	Verify(ctx context.Context, code []byte) (Presented, error)
}

// HealthClaims is what a signed health code says. Subject is the
// authority's opaque holder reference; the unit keeps only a hash of it.
type HealthClaims struct {
	Issuer        string `json:"iss"`
	Colour        string `json:"colour"` // green, yellow, red
	IssuedAt      int64  `json:"iat"`
	NucleicAcidAt int64  `json:"nat,omitempty"` // last negative sampling; 0: none
	TravelCardOK  *bool  `json:"trv,omitempty"` // 行程卡; nil: not carried
	Subject       string `json:"sub"`
}

var colours = map[string]Status{"green": StatusGreen, "yellow": StatusYellow, "red": StatusRed}

// maxHealthSubject bounds the opaque holder reference.
const maxHealthSubject = 128

// Validate reports the first claim a health authority must not sign.
func (c HealthClaims) Validate() error {
	switch {
	case !validRef(c.Issuer):
		return fmt.Errorf("iss %q: want 1-%d of A-Z a-z 0-9 -", c.Issuer, maxRef)
	case colours[c.Colour] == "":
		return fmt.Errorf("colour %q: want green, yellow or red", c.Colour)
	case c.IssuedAt <= 0:
		return errors.New("iat: must be set")
	case c.NucleicAcidAt < 0:
		return errors.New("nat: must not be negative")
	case c.Subject == "" || len(c.Subject) > maxHealthSubject || !utf8.ValidString(c.Subject):
		return fmt.Errorf("sub: want 1-%d bytes of UTF-8", maxHealthSubject)
	}
	return nil
}

// IssueHealth signs a health code the way a health authority would; Kakou
// uses it for the demo and tests, not at the gate.
func IssueHealth(priv ed25519.PrivateKey, c HealthClaims) (string, error) {
	if err := c.Validate(); err != nil {
		return "", fmt.Errorf("credential: health claims: %w", err)
	}
	code, err := seal(HealthCodePrefix, priv, c)
	if err != nil {
		return "", fmt.Errorf("credential: health code: %w", err)
	}
	return code, nil
}

// DefaultHealthMaxAge is how old a signed health code may be: codes are
// refreshed on the phone daily at least.
const DefaultHealthMaxAge = 24 * time.Hour

// OfflineHealth verifies signed health codes (KK1.H.) against the health
// authority's keys, with no network.
type OfflineHealth struct {
	Issuers     map[string]ed25519.PublicKey
	MaxAge      time.Duration    // 0: DefaultHealthMaxAge
	Now         func() time.Time // nil: time.Now
	ClockSynced func() bool      // nil: synced; age is checked only when synced
}

// Verify implements HealthVerifier; it never returns an error.
func (o *OfflineHealth) Verify(_ context.Context, code []byte) (Presented, error) {
	if o == nil {
		return healthResult(StatusVerifyFailed, "no verifier"), nil
	}
	if strings.HasPrefix(string(code), HealthQueryPrefix) {
		return healthResult(StatusVerifyFailed, "query token needs the online verifier"), nil
	}
	sc, err := openSigned(string(code), HealthCodePrefix)
	if err != nil {
		return healthResult(StatusMalformed, err.Error()), nil
	}
	var c HealthClaims
	if err := decodeStrict(sc.claims, &c); err != nil {
		return healthResult(StatusMalformed, "claims: "+err.Error()), nil
	}
	pub, ok := o.Issuers[c.Issuer]
	if !ok {
		return healthResult(StatusVerifyFailed, "unknown issuer"), nil
	}
	if !sc.verify(pub) {
		return healthResult(StatusVerifyFailed, "bad signature"), nil
	}
	if err := c.Validate(); err != nil {
		return healthResult(StatusMalformed, err.Error()), nil
	}
	p := healthFacts(c)
	p.Status, p.Detail = o.status(c)
	return p, nil
}

// status is the colour, unless the code is too old or from the future.
func (o *OfflineHealth) status(c HealthClaims) (Status, string) {
	now, synced := clockOf(o.Now, o.ClockSynced)
	if !synced {
		return colours[c.Colour], "clock not synced: code age not checked"
	}
	maxAge := o.MaxAge
	if maxAge <= 0 {
		maxAge = DefaultHealthMaxAge
	}
	issued := time.Unix(c.IssuedAt, 0)
	switch {
	case now.Add(ClockSkew).Before(issued):
		return StatusNotYetValid, "issued in the future"
	case now.Sub(issued) > maxAge+ClockSkew:
		return StatusExpired, "code older than " + maxAge.String()
	}
	return colours[c.Colour], ""
}

func healthFacts(c HealthClaims) Presented {
	p := Presented{
		Wire:         wire.Credential{Kind: wire.CredentialHealthCode, Subject: shortRef(c.Issuer + "\x00" + c.Subject)},
		Issuer:       c.Issuer,
		IssuedAt:     time.Unix(c.IssuedAt, 0).UTC(),
		TravelCardOK: c.TravelCardOK,
	}
	if c.NucleicAcidAt > 0 {
		p.NucleicAcidAt = time.Unix(c.NucleicAcidAt, 0).UTC()
	}
	return p
}

func healthResult(s Status, detail string) Presented {
	return Presented{Wire: wire.Credential{Kind: wire.CredentialHealthCode}, Status: s, Detail: detail}
}

// shortRef is a stable, non-identifying reference for what must not be
// stored: 8 hex characters of SHA-256, enough to tell entries apart in a
// day's ledger, too few to name anyone.
func shortRef(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:4])
}

// IDLookup asks a health-code service about a person by the ID number read
// from their ID card: the path for someone without a phone. A verifier that
// can answer by ID number implements it beside HealthVerifier; the same
// bounds hold (return within its own timeout, never store the raw answer).
type IDLookup interface {
	LookupID(ctx context.Context, idNumber string) (Presented, error)
}
