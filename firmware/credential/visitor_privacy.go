package credential

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/kakou/kakou/firmware/wire"
)

// Privacy minimises a visitor's phone and ID number before the entry is
// written (docs/product.md "Visitor registration": PII masked on screen and
// minimised in storage): the ledger, the wire and every store downstream get the
// masked forms and the keyed hashes a tracer looks them up by, and the
// full numbers only sealed for the centre, only when the running policy
// demands them ([checks.registration] full_numbers, e.g. a nursing home in
// an outbreak).
//
// A zero Privacy (no keys) still masks; it neither hashes nor seals.
type Privacy struct {
	tracingKey []byte      // the fleet's tracing key; nil: no hashes
	seal       cipher.AEAD // AES-256-GCM with the fleet's seal key; nil: cannot seal
}

// SealKeySize is the length of a seal key file: AES-256.
const SealKeySize = 32

// minTracingKey is the shortest tracing key accepted: a short key would
// let a stolen database be searched by guessing the key and the numbers.
const minTracingKey = 16

// SealedNumbers is the plaintext inside wire.Visitor.Sealed, JSON. The
// centre's export opens it (cloud/api/sealed.go reads the same shape).
type SealedNumbers struct {
	ID    string `json:"id,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// sealAAD binds a sealed box to its purpose, so a box made for something
// else with the same key never opens as a visitor's numbers.
var sealAAD = []byte("kakou visitor sealed v1")

// NewPrivacy takes the tracing key (nil for none) and the seal key (nil
// for none, else exactly SealKeySize bytes).
func NewPrivacy(tracingKey, sealKey []byte) (*Privacy, error) {
	p := &Privacy{}
	if tracingKey != nil {
		if len(tracingKey) < minTracingKey {
			return nil, fmt.Errorf("credential: tracing key: %d bytes, want at least %d (make one with: head -c 32 /dev/urandom)", len(tracingKey), minTracingKey)
		}
		p.tracingKey = tracingKey
	}
	if sealKey != nil {
		aead, err := newSealAEAD(sealKey)
		if err != nil {
			return nil, err
		}
		p.seal = aead
	}
	return p, nil
}

// LoadPrivacy reads the key files the unit config names; "" is no key.
// Both files are raw bytes, the same on every unit and at the centre.
func LoadPrivacy(tracingKeyFile, sealKeyFile string) (*Privacy, error) {
	var tk, sk []byte
	var err error
	if tracingKeyFile != "" {
		if tk, err = os.ReadFile(tracingKeyFile); err != nil {
			return nil, fmt.Errorf("credential: privacy.tracing_key_file: %w", err)
		}
	}
	if sealKeyFile != "" {
		if sk, err = os.ReadFile(sealKeyFile); err != nil {
			return nil, fmt.Errorf("credential: privacy.seal_key_file: %w", err)
		}
	}
	return NewPrivacy(tk, sk)
}

func newSealAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != SealKeySize {
		return nil, fmt.Errorf("credential: seal key: %d bytes, want exactly %d (make one with: head -c 32 /dev/urandom)", len(key), SealKeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("credential: seal key: %w", err)
	}
	return cipher.NewGCM(block)
}

// Hashes reports whether visitors get tracing hashes.
func (p *Privacy) Hashes() bool { return p != nil && p.tracingKey != nil }

// Seals reports whether full numbers can be sealed.
func (p *Privacy) Seals() bool { return p != nil && p.seal != nil }

// ErrNoSealKey is returned by Minimise when the policy demands full
// numbers and the unit has no seal key: the numbers are then dropped, not
// stored in the clear.
var ErrNoSealKey = errors.New("credential: the policy demands full numbers but privacy.seal_key_file is not set; only masked forms and hashes were kept")

// Minimise fills v's Phone and ID with the masked forms of phone and id,
// IDHash and PhoneHash with their keyed hashes (with a tracing key; the
// ID under wire.IDHashKind of v.IDKind, so a resident ID card hashes as it
// always has and a passport never collides with a permit), and
// Sealed with both in full when sealFull (the running policy demands it).
// The full values go nowhere else. With sealFull and no seal key it still
// returns the minimised visitor, with ErrNoSealKey for the log.
func (p *Privacy) Minimise(v wire.Visitor, phone, id string, sealFull bool) (wire.Visitor, error) {
	id = strings.ToUpper(id) // the X check digit, as wire.PersonHash compares it
	v.Phone, v.ID = maskOrEmpty(phone, wire.MaskPhone), maskOrEmpty(id, wire.MaskID)
	v.IDHash, v.PhoneHash, v.Sealed = "", "", ""
	if p.Hashes() {
		v.IDHash, v.PhoneHash = p.hash(wire.IDHashKind(v.IDKind), id), p.hash("phone", phone)
	}
	if !sealFull || phone == "" && id == "" {
		return v, nil
	}
	if !p.Seals() {
		return v, ErrNoSealKey
	}
	sealed, err := p.sealNumbers(SealedNumbers{ID: id, Phone: phone})
	if err != nil {
		return v, err
	}
	v.Sealed = sealed
	return v, nil
}

func (p *Privacy) hash(kind, value string) string {
	if value == "" {
		return ""
	}
	return wire.PersonHash(p.tracingKey, kind, value)
}

func maskOrEmpty(s string, mask func(string) string) string {
	if s == "" {
		return ""
	}
	return mask(s)
}

// sealNumbers is AES-256-GCM with a random nonce: base64(nonce||ciphertext).
// A random 96-bit nonce is safe for far more registrations than a fleet
// makes with one key (NIST SP 800-38D §8.3: 2^32 per key).
func (p *Privacy) sealNumbers(n SealedNumbers) (string, error) {
	plain, err := json.Marshal(n)
	if err != nil {
		return "", fmt.Errorf("credential: seal: %w", err)
	}
	nonce := make([]byte, p.seal.NonceSize(), p.seal.NonceSize()+len(plain)+p.seal.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("credential: seal: %w", err)
	}
	return base64.StdEncoding.EncodeToString(p.seal.Seal(nonce, nonce, plain, sealAAD)), nil
}

// OpenSealed opens a wire.Visitor.Sealed made with the same seal key; the
// unit never needs it, but a test and a field tool do.
func (p *Privacy) OpenSealed(sealed string) (SealedNumbers, error) {
	var n SealedNumbers
	if !p.Seals() {
		return n, errors.New("credential: open sealed: no seal key")
	}
	box, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil || len(box) < p.seal.NonceSize()+p.seal.Overhead() {
		return n, errors.New("credential: open sealed: not base64 of nonce and ciphertext")
	}
	ns := p.seal.NonceSize()
	plain, err := p.seal.Open(nil, box[:ns], box[ns:], sealAAD)
	if err != nil {
		return n, errors.New("credential: open sealed: wrong key or tampered box")
	}
	if err := json.Unmarshal(plain, &n); err != nil {
		return n, fmt.Errorf("credential: open sealed: %w", err)
	}
	return n, nil
}
