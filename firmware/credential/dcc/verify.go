package dcc

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"math/big"
	"time"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/wire"
)

// COSE algorithm identifiers the specification allows.
const (
	AlgES256 = -7
	AlgPS256 = -37
)

// Decoded is a code taken apart, not yet verified.
type Decoded struct {
	Sign1  *Sign1
	Claims *Claims
}

// Decode runs the chain from the scanned text to the claims: prefix,
// Base45, zlib, COSE_Sign1, CWT. It checks no signature.
func Decode(code []byte) (*Decoded, error) {
	b45, err := Unprefix(code)
	if err != nil {
		return nil, err
	}
	z, err := DecodeBase45(b45)
	if err != nil {
		return nil, &Error{Step: StepBase45, Err: err}
	}
	cose, err := Inflate(z)
	if err != nil {
		return nil, err
	}
	s, err := ParseSign1(cose)
	if err != nil {
		return nil, err
	}
	c, err := ParseClaims(s.Payload)
	if err != nil {
		return nil, err
	}
	return &Decoded{Sign1: s, Claims: c}, nil
}

// Verify finds the signer of s on the trust list by kid and checks the
// signature with each certificate under that kid. It says nothing about
// key usage or dates.
func (t *Trust) Verify(s *Sign1) (*Signer, error) {
	signers := t.Lookup(s.KID)
	if len(signers) == 0 {
		return nil, fail(StepKey, "kid %x is not on the trust list", s.KID)
	}
	msg, err := s.sigStructure()
	if err != nil {
		return nil, fail(StepSignature, "Sig_structure: %v", err)
	}
	digest := sha256.Sum256(msg)
	for _, sg := range signers {
		if verifySig(sg.Cert.PublicKey, s.Alg, digest[:], s.Signature) {
			return sg, nil
		}
	}
	return nil, fail(StepSignature, "signature does not verify with the %d certificate(s) of kid %x", len(signers), s.KID)
}

func verifySig(pub crypto.PublicKey, alg int64, digest, sig []byte) bool {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		// COSE signs ECDSA as r||s, each the curve's size, not DER.
		if alg != AlgES256 || len(sig) != 64 {
			return false
		}
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		return ecdsa.Verify(k, digest, r, s)
	case *rsa.PublicKey:
		if alg != AlgPS256 {
			return false
		}
		opts := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}
		return rsa.VerifyPSS(k, crypto.SHA256, digest, sig, opts) == nil
	}
	return false
}

// Verifier checks HC1 codes offline. Trust and rules are funcs because
// both change while the unit runs (the centre pushes trust lists; the
// policy changes).
type Verifier struct {
	trust  func() *Trust
	rules  func() Rules
	now    func() time.Time
	synced func() bool
}

// New builds a Verifier. nil now is time.Now; nil synced means synced;
// nil rules, or rules returning a zero Rules, accept nothing.
func New(trust func() *Trust, rules func() Rules, now func() time.Time, synced func() bool) *Verifier {
	return &Verifier{trust: trust, rules: rules, now: now, synced: synced}
}

var _ credential.HealthVerifier = (*Verifier)(nil)

// Verify implements credential.HealthVerifier. It never returns an error:
// every outcome is a status with a few English words in Detail.
func (v *Verifier) Verify(_ context.Context, code []byte) (credential.Presented, error) {
	d, err := Decode(code)
	if err != nil {
		return result(statusOf(err), err), nil
	}
	var trust *Trust
	if v.trust != nil {
		trust = v.trust()
	}
	signer, err := trust.Verify(d.Sign1)
	if err != nil {
		return result(credential.StatusVerifyFailed, err), nil
	}
	cert := d.Claims.Cert
	if err := cert.Validate(); err != nil {
		return result(credential.StatusVerifyFailed, &Error{Step: StepPayload, Err: err}), nil
	}
	if !signer.Allows(cert.Type()) {
		return result(credential.StatusVerifyFailed, fail(StepKeyUsage, "signer may not sign a %s certificate", cert.Type())), nil
	}
	p := credential.Presented{
		Wire:     wire.Credential{Kind: wire.CredentialHealthCode, Subject: Ref(d.Claims.Issuer, cert.ID())},
		Issuer:   d.Claims.Issuer,
		IssuedAt: d.Claims.IssuedAt,
	}
	p.Status, p.Detail = v.judge(d, signer)
	return p, nil
}

// judge applies the dates (signer certificate, CWT) and then the rules.
func (v *Verifier) judge(d *Decoded, signer *Signer) (credential.Status, string) {
	now := time.Now()
	if v.now != nil {
		now = v.now()
	}
	synced := v.synced == nil || v.synced()
	if synced {
		if s, detail := validity(d.Claims, signer, now); s != "" {
			return s, detail
		}
	}
	var rules Rules
	if v.rules != nil {
		rules = v.rules()
	}
	return rules.judge(d.Claims.Cert, now, synced)
}

// validity checks the dates of the signer certificate and the CWT at a
// synced clock, with credential.ClockSkew of slack; "" when they hold.
func validity(c *Claims, s *Signer, now time.Time) (credential.Status, string) {
	skew := credential.ClockSkew
	switch {
	case now.Add(skew).Before(s.Cert.NotBefore):
		return credential.StatusVerifyFailed, "signer certificate not valid yet"
	case now.Add(-skew).After(s.Cert.NotAfter):
		return credential.StatusVerifyFailed, "signer certificate expired"
	case !c.IssuedAt.IsZero() && now.Add(skew).Before(c.IssuedAt):
		return credential.StatusNotYetValid, "issued in the future"
	case !c.Expires.IsZero() && now.Add(-skew).After(c.Expires):
		return credential.StatusExpired, "certificate expired"
	}
	return "", ""
}

// ExpirationCheck is the conformance suite's expiration step: the CWT is
// within iat..exp at the clock.
func ExpirationCheck(c *Claims, at time.Time) bool {
	return (c.IssuedAt.IsZero() || !at.Before(c.IssuedAt)) && (c.Expires.IsZero() || !at.After(c.Expires))
}

// statusOf maps a decoding failure: a code that is not HC1 text at all is
// malformed; one that unpacks but whose signed structure is wrong fails
// verification.
func statusOf(err error) credential.Status {
	switch StepOf(err) {
	case StepPrefix, StepBase45, StepInflate:
		return credential.StatusMalformed
	}
	return credential.StatusVerifyFailed
}

func result(s credential.Status, err error) credential.Presented {
	return credential.Presented{Wire: wire.Credential{Kind: wire.CredentialHealthCode}, Status: s, Detail: err.Error()}
}

// Ref is the hash reference kept of a certificate: 16 hex characters of
// SHA-256 over its country and identifier. The identifier itself is not
// kept: with the name it would trace a person across sites.
func Ref(country, ci string) string {
	h := sha256.Sum256([]byte("dcc\x00" + country + "\x00" + ci))
	return hex.EncodeToString(h[:8])
}
