package fleet

import (
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kakou/kakou/firmware/wire"
)

// verifyKey reads the public PEM WriteKeyPair wrote, as a unit would.
func verifyKey(t *testing.T, path string) ed25519.PublicKey {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PUBLIC KEY" {
		t.Fatalf("%s is not a PUBLIC KEY PEM", path)
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k.(ed25519.PublicKey)
}

func TestFleetSignsEveryPushWithTheCentresKey(t *testing.T) {
	dir := t.TempDir()
	signing, verify, err := WriteKeyPair(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(signing); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("signing key mode %v (%v), want 0600", fi.Mode(), err)
	}
	key, err := LoadSigningKey(signing)
	if err != nil {
		t.Fatal(err)
	}
	f, _, rec := setup(t)
	f.SignWith(key)
	if _, err := f.Assign(context.Background(), "site", "estate", "community-closed", "指挥部"); err != nil {
		t.Fatal(err)
	}
	p := rec.retained[wire.PolicyTopic("estate", "gate-1")]
	if err := wire.VerifyPolicy(&p, verifyKey(t, verify)); err != nil {
		t.Fatalf("the push does not verify with the written public key: %v", err)
	}
	p.Document += "\n# tampered"
	if err := wire.VerifyPolicy(&p, verifyKey(t, verify)); !errors.Is(err, wire.ErrBadSignature) {
		t.Fatalf("a tampered push verified: %v", err)
	}
}

func TestWriteKeyPairNeverOverwritesAKey(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := WriteKeyPair(dir); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(dir, SigningKeyFile))
	if _, _, err := WriteKeyPair(dir); err == nil || !strings.Contains(err.Error(), "move the old key away") {
		t.Fatalf("second WriteKeyPair: %v, want a refusal", err)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, SigningKeyFile)); string(after) != string(before) {
		t.Fatal("the signing key was replaced")
	}
}

func TestLoadSigningKeyFormats(t *testing.T) {
	seed := make([]byte, ed25519.SeedSize)
	seed[0] = 7
	want := ed25519.NewKeyFromSeed(seed)
	der, _ := x509.MarshalPKCS8PrivateKey(want)
	pub, _ := x509.MarshalPKIXPublicKey(want.Public())
	for _, c := range []struct {
		name, body, err string
	}{
		{"PKCS#8 PEM", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), ""},
		{"base64 seed", base64.StdEncoding.EncodeToString(seed) + "\n", ""},
		{"public key given", string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})), "want PRIVATE KEY"},
		{"short seed", base64.StdEncoding.EncodeToString(seed[:16]), "policy-key"},
		{"garbage", "<script>alert(1)</script>", "policy-key"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "k")
			os.WriteFile(path, []byte(c.body), 0o600)
			got, err := LoadSigningKey(path)
			if c.err == "" {
				if err != nil || !got.Equal(want) {
					t.Fatalf("got %v, %v", got, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.err) || !strings.Contains(err.Error(), path) {
				t.Fatalf("err %v, want one naming %s and saying %q", err, path, c.err)
			}
		})
	}
}
