package credential

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Prefixes of the KK1 scheme (see the package documentation).
const (
	SignedPassPrefix  = "KK1.P."
	HealthCodePrefix  = "KK1.H."
	HealthQueryPrefix = "KK1.HQ."
	VisitorFormPrefix = "KK1.V."
)

// MaxCode bounds a scanned code. A pass is about 300 bytes; anything much
// longer is not ours, and a bound keeps parsing cheap on a Pi Zero.
const MaxCode = 2 << 10

// ClockSkew is the slack on validity windows: unit clocks synchronised by
// NTP still drift by seconds, and issuers' clocks by more.
const ClockSkew = 5 * time.Minute

// b64 is strict so that each code has exactly one spelling.
var b64 = base64.RawURLEncoding.Strict()

// signedCode is a KK1 code split into its parts; nothing is verified yet.
type signedCode struct {
	signed []byte // prefix + claims part: what the signature covers
	claims []byte // decoded JSON
	sig    []byte
}

// openSigned splits "<prefix><claims>.<sig>" and decodes both parts.
func openSigned(code, prefix string) (signedCode, error) {
	rest, ok := strings.CutPrefix(code, prefix)
	if !ok {
		return signedCode{}, fmt.Errorf("does not start with %s", prefix)
	}
	claimsPart, sigPart, ok := strings.Cut(rest, ".")
	if !ok || strings.Contains(sigPart, ".") {
		return signedCode{}, errors.New("want <claims>.<signature>")
	}
	claims, err := b64.DecodeString(claimsPart)
	if err != nil {
		return signedCode{}, fmt.Errorf("claims: %w", err)
	}
	sig, err := b64.DecodeString(sigPart)
	if err != nil {
		return signedCode{}, fmt.Errorf("signature: %w", err)
	}
	if len(sig) != ed25519.SignatureSize {
		return signedCode{}, fmt.Errorf("signature of %d bytes, want %d", len(sig), ed25519.SignatureSize)
	}
	return signedCode{signed: []byte(prefix + claimsPart), claims: claims, sig: sig}, nil
}

// verify reports whether the issuer's key signed the code.
func (s signedCode) verify(pub ed25519.PublicKey) bool {
	return len(pub) == ed25519.PublicKeySize && ed25519.Verify(pub, s.signed, s.sig)
}

// seal encodes claims and signs them under prefix.
func seal(prefix string, priv ed25519.PrivateKey, claims any) (string, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return "", errors.New("private key of wrong size")
	}
	js, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	signed := prefix + b64.EncodeToString(js)
	code := signed + "." + b64.EncodeToString(ed25519.Sign(priv, []byte(signed)))
	if len(code) > MaxCode {
		return "", fmt.Errorf("code of %d bytes exceeds %d", len(code), MaxCode)
	}
	return code, nil
}

// decodeStrict parses exactly one JSON value, refusing unknown fields.
func decodeStrict(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if _, err := d.Token(); err != io.EOF {
		return errors.New("data after the JSON object")
	}
	return nil
}

// inWindow checks a validity window [nbf, exp] (zero: unbounded) with skew.
func inWindow(now time.Time, nbf, exp int64) Status {
	if nbf != 0 && now.Add(ClockSkew).Before(time.Unix(nbf, 0)) {
		return StatusNotYetValid
	}
	if exp != 0 && now.Add(-ClockSkew).After(time.Unix(exp, 0)) {
		return StatusExpired
	}
	return StatusValid
}
