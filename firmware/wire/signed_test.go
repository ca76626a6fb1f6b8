package wire

import (
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"
	"time"
)

func samplePush() PolicyPush {
	return PolicyPush{Schema: SchemaVersion, Site: "sunshine-garden", Unit: "north-gate",
		Profile: "community-closed", Version: "closed-3", Document: "version = \"closed-3\"\n",
		IssuedAt: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), IssuedBy: "王主任"}
}

func TestSignedPolicyVerifiesAndTamperingIsRefused(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	other, _, _ := ed25519.GenerateKey(nil)
	p := samplePush()
	if err := VerifyPolicy(&p, pub); !errors.Is(err, ErrUnsigned) {
		t.Fatalf("unsigned: %v, want ErrUnsigned", err)
	}
	SignPolicy(&p, priv)
	if err := VerifyPolicy(&p, other, pub); err != nil {
		t.Fatalf("signed push refused: %v", err)
	}
	if err := VerifyPolicy(&p, other); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("another key: %v, want ErrBadSignature", err)
	}
	tamper := []func(*PolicyPush){
		func(p *PolicyPush) { p.Document += "[checks.temperature]\n" },
		func(p *PolicyPush) { p.Unit = "south-gate" },
		func(p *PolicyPush) { p.Version = "closed-4" },
		func(p *PolicyPush) { p.IssuedAt = p.IssuedAt.Add(time.Second) },
		func(p *PolicyPush) { p.Signature = "AAAA" },
	}
	for i, f := range tamper {
		q := p
		f(&q)
		if err := VerifyPolicy(&q, pub); !errors.Is(err, ErrBadSignature) {
			t.Errorf("tampering %d: %v, want ErrBadSignature", i, err)
		}
	}
	// Decoding keeps the signature.
	got, err := DecodePolicyPush(mustJSON(t, p))
	if err != nil || VerifyPolicy(&got, pub) != nil {
		t.Fatalf("decoded push: %v / %v", err, VerifyPolicy(&got, pub))
	}
}

func TestPersonHash(t *testing.T) {
	key := []byte("fleet tracing key")
	a := PersonHash(key, "id", "11010519491231002x")
	if a != PersonHash(key, "id", "110105 1949 1231 002X") {
		t.Fatal("spaces and case must not change the hash")
	}
	if a == PersonHash(key, "phone", "11010519491231002X") || a == PersonHash([]byte("other"), "id", "11010519491231002X") {
		t.Fatal("kind and key must change the hash")
	}
	if !isPersonHash(a) || strings.ContainsAny(a, "ABCDEF") {
		t.Fatalf("hash %q is not 64 lower-case hex digits", a)
	}
	v := Visitor{Name: "张*", ID: MaskID("11010519491231002X"), IDHash: a}
	if err := v.validate(); err != nil {
		t.Fatalf("visitor with a hash: %v", err)
	}
	v.IDHash = "11010519491231002X"
	if err := v.validate(); err == nil {
		t.Fatal("a raw ID number in id_hash must be refused")
	}
}
