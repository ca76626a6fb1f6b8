package wire

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The centre's trust list is what every unit checks credentials against
// beyond its own config: pass issuers' keys, the health authority's keys,
// the pass ids revoked (a lost or withdrawn 出入证) and the EU DCC signer
// certificates. It is one document for the whole fleet, signed with the
// fleet's policy key under a label of its own ("kakou-trust-v1"), retained
// on TrustTopic so a unit that was offline learns it when it connects, and
// versioned: the centre numbers every change and a unit never takes a
// lower version, nor the same version with other contents.
//
// Unlike the watch roster it is one message, not a tree: the EU's DCC
// trust list is about 1,000 certificates of 1-1.5 KiB DER (about 1.8 MiB
// in base64), and a 100,000-id revocation list about 3.5 MiB, so the
// largest push the bounds below allow fits MaxTrustPayload, which both
// brokers in front of units (mochi-mqtt, no packet limit set; Mosquitto's
// message_size_limit of 0, up to MQTT's 256 MiB) carry.

// TrustTopic is the trust list's fleet-wide retained topic. It has one
// level under Root where a site's topics have three, so no site id can
// name it; every device reads it and none publishes (Grant).
const (
	TrustTopic = Root + "/trust"
	QoSTrust   = 1 // like a policy: must arrive, retained
)

// Bounds of a trust push, checked before and after decoding.
const (
	MaxTrustPayload = 16 << 20
	MaxTrustIssuers = 100     // pass issuers, and health issuers, each
	MaxTrustRevoked = 100_000 // revoked pass ids
	MaxDCCSigners   = 2_000   // the EU list holds about 1,000
	MaxDCCCert      = 4 << 10 // DER bytes of one signer certificate
	maxTrustRef     = 32      // an issuer or pass id, as credential's refs
)

// TrustPush is the signed trust list. Revoked is sorted and holds each id
// once, so one list has one signature; a DCC signer's kid may repeat (the
// EU list has kid collisions) and its certificate decides.
type TrustPush struct {
	Schema        int               `json:"schema"`
	Version       uint64            `json:"version"`
	IssuedAt      time.Time         `json:"issued_at"`
	IssuedBy      string            `json:"issued_by"`
	Issuers       map[string]string `json:"issuers,omitempty"`        // pass issuer id → kakou-ed25519-pub:…
	HealthIssuers map[string]string `json:"health_issuers,omitempty"` // health issuer id → key
	Revoked       []string          `json:"revoked,omitempty"`        // pass ids, sorted
	DCCSigners    []DCCSigner       `json:"dcc_signers,omitempty"`
	// Signature is the centre's Ed25519 signature (SignTrust).
	Signature string `json:"signature,omitempty"`
}

// DCCSigner is one EU Digital COVID Certificate signer: its key id (the
// first 8 bytes of the certificate's sha256, base64), country and the
// certificate, base64 DER.
type DCCSigner struct {
	KID     string `json:"kid"`
	Country string `json:"country"`
	Cert    string `json:"cert"`
}

func (p *TrustPush) schema() int { return p.Schema }

// DecodeTrust parses and validates a trust push; it does not verify it.
// The size is checked before a byte is parsed.
func DecodeTrust(b []byte) (TrustPush, error) {
	var p TrustPush
	if err := decodeMax(b, &p, MaxTrustPayload); err != nil {
		return TrustPush{}, fmt.Errorf("wire: trust: %w", err)
	}
	return p, p.Validate()
}

// Validate reports the first field that makes p unusable.
func (p *TrustPush) Validate() error {
	switch {
	case p.Schema != SchemaVersion:
		return fmt.Errorf("wire: trust schema: %d is not %d", p.Schema, SchemaVersion)
	case p.Version == 0:
		return errors.New("wire: trust version: 0; the centre numbers trust lists from 1")
	case len(p.IssuedBy) > 256 || !utf8.ValidString(p.IssuedBy):
		return errors.New("wire: trust issued_by: UTF-8 of at most 256 bytes")
	case len(p.Revoked) > MaxTrustRevoked:
		return fmt.Errorf("wire: trust revoked: %d ids, at most %d", len(p.Revoked), MaxTrustRevoked)
	case len(p.DCCSigners) > MaxDCCSigners:
		return fmt.Errorf("wire: trust dcc_signers: %d, at most %d", len(p.DCCSigners), MaxDCCSigners)
	}
	if err := validIssuers("issuers", p.Issuers); err != nil {
		return err
	}
	if err := validIssuers("health_issuers", p.HealthIssuers); err != nil {
		return err
	}
	for i, id := range p.Revoked {
		if !ValidTrustRef(id) {
			return fmt.Errorf("wire: trust revoked[%d] %q: want 1-%d of A-Z a-z 0-9 -", i, clip(id), maxTrustRef)
		}
		if i > 0 && p.Revoked[i-1] >= id {
			return fmt.Errorf("wire: trust revoked[%d] %q: the list must be sorted, each id once", i, id)
		}
	}
	for i := range p.DCCSigners {
		if err := p.DCCSigners[i].Validate(); err != nil {
			return fmt.Errorf("wire: trust dcc_signers[%d]: %w", i, err)
		}
	}
	return nil
}

func validIssuers(field string, m map[string]string) error {
	if len(m) > MaxTrustIssuers {
		return fmt.Errorf("wire: trust %s: %d keys, at most %d", field, len(m), MaxTrustIssuers)
	}
	for _, id := range slices.Sorted(maps.Keys(m)) {
		if !ValidTrustRef(id) {
			return fmt.Errorf("wire: trust %s %q: id must be 1-%d of A-Z a-z 0-9 -", field, clip(id), maxTrustRef)
		}
		if err := ValidIssuerKey(m[id]); err != nil {
			return fmt.Errorf("wire: trust %s %q: %w", field, id, err)
		}
	}
	return nil
}

// IssuerKeyPrefix is how an issuer's public key is written
// (credential.PublicKeyPrefix).
const IssuerKeyPrefix = "kakou-ed25519-pub:"

// ValidIssuerKey checks the text form of an issuer's Ed25519 public key.
func ValidIssuerKey(s string) error {
	enc, ok := strings.CutPrefix(s, IssuerKeyPrefix)
	if !ok {
		return fmt.Errorf("key must start with %q", IssuerKeyPrefix)
	}
	b, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return fmt.Errorf("key: want base64 of a %d-byte Ed25519 public key", ed25519.PublicKeySize)
	}
	return nil
}

// ValidTrustRef reports whether s can be an issuer or pass id: 1-32 of
// A-Z a-z 0-9 and '-', as a signed pass names them.
func ValidTrustRef(s string) bool {
	if s == "" || len(s) > maxTrustRef {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// Validate checks a signer's shape; parsing the certificate is the DCC
// verifier's work, on the unit.
func (d *DCCSigner) Validate() error {
	kid, err := base64.StdEncoding.DecodeString(d.KID)
	if err != nil || len(kid) != 8 {
		return fmt.Errorf("kid %q: want base64 of 8 bytes", clip(d.KID))
	}
	if len(d.Country) != 2 || d.Country[0] < 'A' || d.Country[0] > 'Z' || d.Country[1] < 'A' || d.Country[1] > 'Z' {
		return fmt.Errorf("country %q: want a two-letter ISO 3166 code in capitals", clip(d.Country))
	}
	if base64.StdEncoding.DecodedLen(len(d.Cert)) > MaxDCCCert+3 {
		return fmt.Errorf("cert: longer than %d bytes of DER", MaxDCCCert)
	}
	der, err := base64.StdEncoding.DecodeString(d.Cert)
	if err != nil || len(der) == 0 || len(der) > MaxDCCCert {
		return fmt.Errorf("cert: want base64 of 1 to %d bytes of DER", MaxDCCCert)
	}
	return nil
}

// clip shortens what an error quotes from outside input.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// trustSigned is the byte string a push's signature covers: every field
// but the signature, length-prefixed, issuers in id order, under a label
// of its own, so no policy's, roster's or watch head's signature can pass
// for a trust list's. It is a sha256, so a 3 MiB list signs in one pass.
func trustSigned(p *TrustPush) []byte {
	s := sha256.New()
	field := func(f string) {
		s.Write(strconv.AppendInt(nil, int64(len(f)), 10))
		s.Write([]byte{':'})
		s.Write([]byte(f))
	}
	for _, f := range []string{"kakou-trust-v1", strconv.Itoa(p.Schema), strconv.FormatUint(p.Version, 10),
		p.IssuedAt.UTC().Format(time.RFC3339Nano), p.IssuedBy} {
		field(f)
	}
	for _, m := range []map[string]string{p.Issuers, p.HealthIssuers} {
		field(strconv.Itoa(len(m)))
		for _, id := range slices.Sorted(maps.Keys(m)) {
			field(id)
			field(m[id])
		}
	}
	field(strconv.Itoa(len(p.Revoked)))
	for _, id := range p.Revoked {
		field(id)
	}
	field(strconv.Itoa(len(p.DCCSigners)))
	for _, d := range p.DCCSigners {
		field(d.KID)
		field(d.Country)
		field(d.Cert)
	}
	return s.Sum([]byte("kakou-trust-v1:"))
}

// SignTrust sets p.Signature with the centre's private key.
func SignTrust(p *TrustPush, key ed25519.PrivateKey) {
	p.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(key, trustSigned(p)))
}

// ErrTrustUnsigned and ErrTrustBadSignature are what VerifyTrust refuses.
var (
	ErrTrustUnsigned     = errors.New("wire: trust list is not signed")
	ErrTrustBadSignature = errors.New("wire: trust list signature does not verify")
)

// VerifyTrust checks p's signature against any of the centre's keys.
func VerifyTrust(p *TrustPush, keys ...ed25519.PublicKey) error {
	return verifySigned(p.Signature, trustSigned(p), ErrTrustUnsigned, ErrTrustBadSignature, keys)
}

// TrustDigest identifies a push's contents (not its signature): two pushes
// of one version with different digests are a centre contradicting itself,
// or a forgery.
func TrustDigest(p *TrustPush) string {
	return base64.RawURLEncoding.EncodeToString(trustSigned(p))
}
