package credential

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Text forms of keys, for config files and the issuing tool.
const (
	PublicKeyPrefix  = "kakou-ed25519-pub:"
	PrivateKeyPrefix = "kakou-ed25519-priv:"
)

// GenerateIssuer makes a new issuer key pair.
func GenerateIssuer() (ed25519.PublicKey, ed25519.PrivateKey) {
	// With a nil reader GenerateKey uses crypto/rand, which never fails on
	// supported platforms (it aborts the program instead).
	pub, priv, _ := ed25519.GenerateKey(nil)
	return pub, priv
}

// FormatPublicKey renders pub as "kakou-ed25519-pub:<base64>".
func FormatPublicKey(pub ed25519.PublicKey) string {
	return PublicKeyPrefix + base64.StdEncoding.EncodeToString(pub)
}

// FormatPrivateKey renders the key's 32-byte seed as
// "kakou-ed25519-priv:<base64>". Keep it off the units: they only verify.
func FormatPrivateKey(priv ed25519.PrivateKey) string {
	return PrivateKeyPrefix + base64.StdEncoding.EncodeToString(priv.Seed())
}

// ParsePublicKey reads the text form of a public key.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	pub, err := parsePublic(s)
	if err != nil {
		return nil, fmt.Errorf("credential: public key: %w", err)
	}
	return pub, nil
}

func parsePublic(s string) (ed25519.PublicKey, error) {
	b, err := parseKey(s, PublicKeyPrefix)
	if err != nil {
		return nil, err
	}
	if len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%d bytes, want %d", len(b), ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(b), nil
}

// ParsePrivateKey reads the text form of a private key: a 32-byte seed, or
// a 64-byte seed+public key whose halves agree.
func ParsePrivateKey(s string) (ed25519.PrivateKey, error) {
	b, err := parseKey(s, PrivateKeyPrefix)
	if err != nil {
		return nil, fmt.Errorf("credential: private key: %w", err)
	}
	switch len(b) {
	case ed25519.SeedSize:
		return ed25519.NewKeyFromSeed(b), nil
	case ed25519.PrivateKeySize:
		priv := ed25519.NewKeyFromSeed(b[:ed25519.SeedSize])
		if !bytes.Equal(priv, b) {
			return nil, errors.New("credential: private key: seed and public halves do not match")
		}
		return priv, nil
	}
	return nil, fmt.Errorf("credential: private key: %d bytes, want %d", len(b), ed25519.SeedSize)
}

func parseKey(s, prefix string) ([]byte, error) {
	enc, ok := strings.CutPrefix(strings.TrimSpace(s), prefix)
	if !ok {
		return nil, fmt.Errorf("must start with %q", prefix)
	}
	b, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return nil, fmt.Errorf("base64: %w", err)
	}
	return b, nil
}

// LoadIssuers parses a config's issuer table (issuer id → public key text)
// and reports every bad entry, not just the first.
func LoadIssuers(text map[string]string) (map[string]ed25519.PublicKey, error) {
	keys := make(map[string]ed25519.PublicKey, len(text))
	var errs []error
	for _, id := range slices.Sorted(maps.Keys(text)) {
		if !validRef(id) {
			errs = append(errs, fmt.Errorf("credential: issuer %q: id must be 1-%d of A-Z a-z 0-9 -", id, maxRef))
			continue
		}
		pub, err := parsePublic(text[id])
		if err != nil {
			errs = append(errs, fmt.Errorf("credential: issuer %q: public key: %w", id, err))
			continue
		}
		keys[id] = pub
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return keys, nil
}
