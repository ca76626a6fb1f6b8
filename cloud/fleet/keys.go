package fleet

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The centre signs every push with one Ed25519 key (wire.SignPolicy); the
// units hold its public half (`[policy] verify_keys`), so a broker that was
// broken into, or a client that may publish on a policy topic, still cannot
// change what a gate decides (SECURITY.md "Signed policies").

// Key file names `kakou-cloud policy-key` writes.
const (
	SigningKeyFile = "policy-signing.pem" // private: the collector's [policy] signing_key_file
	VerifyKeyFile  = "policy-verify.pem"  // public: each unit's [policy] verify_keys
)

// LoadSigningKey reads the centre's private key: a PKCS#8 PEM
// ("PRIVATE KEY", as openssl genpkey -algorithm ed25519 writes it) or the
// 32-byte seed in base64 on one line.
func LoadSigningKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("fleet: signing key: %w", err)
	}
	key, err := parseSigningKey(b)
	if err != nil {
		return nil, fmt.Errorf("fleet: signing key %s: %w", path, err)
	}
	return key, nil
}

func parseSigningKey(b []byte) (ed25519.PrivateKey, error) {
	if blk, _ := pem.Decode(b); blk != nil {
		if blk.Type != "PRIVATE KEY" {
			return nil, fmt.Errorf("PEM block %q: want PRIVATE KEY (PKCS#8)", blk.Type)
		}
		k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
		if err != nil {
			return nil, err
		}
		ek, ok := k.(ed25519.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("a %T key; policies are signed with Ed25519", k)
		}
		return ek, nil
	}
	seed, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, errors.New("neither a PKCS#8 PEM nor a base64 32-byte Ed25519 seed; make one with kakou-cloud policy-key")
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// WriteKeyPair makes a new signing key in dir: SigningKeyFile (mode 0600)
// and VerifyKeyFile (PKIX "PUBLIC KEY" PEM). It never overwrites a key:
// replacing the centre's key by mistake would lock every unit out of new
// policies until each is given the new public key.
func WriteKeyPair(dir string) (signing, verify string, err error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", "", err
	}
	privDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", "", err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", "", err
	}
	signing, verify = filepath.Join(dir, SigningKeyFile), filepath.Join(dir, VerifyKeyFile)
	if err := writeNew(signing, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER}), 0o600); err != nil {
		return "", "", err
	}
	if err := writeNew(verify, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644); err != nil {
		return "", "", err
	}
	return signing, verify, nil
}

// writeNew writes b to a file that must not exist yet.
func writeNew(path string, b []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("fleet: %w (move the old key away first if you mean to replace it)", err)
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
