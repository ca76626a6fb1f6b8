package update

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
)

// LoadKeys reads the centre's public keys ([policy] verify_keys), which a
// unit and a gateway are given alike: they verify updates, and the unit
// every other signed push too. A key that cannot be read is an error, not
// a smaller key set: running on with fewer keys would refuse the centre's
// pushes with a reason nobody sees.
func LoadKeys(paths []string) ([]ed25519.PublicKey, error) {
	keys := make([]ed25519.PublicKey, 0, len(paths))
	for i, path := range paths {
		k, err := loadKey(path)
		if err != nil {
			return nil, fmt.Errorf("policy.verify_keys[%d]: %s: %w", i, path, err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// loadKey reads a PKIX "PUBLIC KEY" PEM (kakou-cloud policy-key, or
// openssl pkey -pubout) or a base64 32-byte Ed25519 key on one line.
func loadKey(path string) (ed25519.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if blk, _ := pem.Decode(b); blk != nil {
		if blk.Type != "PUBLIC KEY" {
			return nil, fmt.Errorf("PEM block %q: want PUBLIC KEY; give the device the centre's public key, never its private one", blk.Type)
		}
		k, err := x509.ParsePKIXPublicKey(blk.Bytes)
		if err != nil {
			return nil, err
		}
		if ek, ok := k.(ed25519.PublicKey); ok {
			return ek, nil
		}
		return nil, fmt.Errorf("a %T key; the centre signs with Ed25519", k)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return nil, errors.New("neither a PUBLIC KEY PEM nor a base64 Ed25519 public key")
	}
	return ed25519.PublicKey(raw), nil
}
