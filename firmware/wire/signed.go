package wire

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Policies pushed from the centre are signed with the centre's Ed25519
// key and verified by the unit before it runs them, so neither a broker
// that was broken into nor a forged retained message can change what a
// gate decides.

// ErrUnsigned and ErrBadSignature are what VerifyPolicy refuses.
var (
	ErrUnsigned     = errors.New("wire: policy push is not signed")
	ErrBadSignature = errors.New("wire: policy push signature does not verify")
)

// policySigned is the byte string a push's signature covers: every field
// but the signature, each length-prefixed so no two pushes share it.
func policySigned(p *PolicyPush) []byte {
	doc := sha256.Sum256([]byte(p.Document))
	var b []byte
	for _, f := range []string{"kakou-policy-v1", strconv.Itoa(p.Schema), p.Site, p.Unit, p.Profile,
		p.Version, p.IssuedAt.UTC().Format(time.RFC3339Nano), p.IssuedBy, string(doc[:])} {
		b = strconv.AppendInt(b, int64(len(f)), 10)
		b = append(b, ':')
		b = append(b, f...)
	}
	return b
}

// SignPolicy sets p.Signature with the centre's private key.
func SignPolicy(p *PolicyPush, key ed25519.PrivateKey) {
	p.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(key, policySigned(p)))
}

// VerifyPolicy checks p's signature against any of the centre's public
// keys (more than one while a key is being rotated).
func VerifyPolicy(p *PolicyPush, keys ...ed25519.PublicKey) error {
	return verifySigned(p.Signature, policySigned(p), ErrUnsigned, ErrBadSignature, keys)
}

// verifySigned checks a base64 Ed25519 signature over msg against any of
// keys, answering unsigned or bad as the document's own errors.
func verifySigned(signature string, msg []byte, unsigned, bad error, keys []ed25519.PublicKey) error {
	if signature == "" {
		return unsigned
	}
	sig, err := base64.StdEncoding.DecodeString(signature)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return fmt.Errorf("%w: not a base64 Ed25519 signature", bad)
	}
	for _, k := range keys {
		if len(k) == ed25519.PublicKeySize && ed25519.Verify(k, msg, sig) {
			return nil
		}
	}
	return bad
}
