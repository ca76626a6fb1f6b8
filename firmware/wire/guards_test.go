package wire

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// cheapHash is a PIN hash at the lowest cost a roster may state, so the
// tests stay fast; CheckPIN reads the cost from the hash.
func cheapHash(t testing.TB, pin string) string {
	t.Helper()
	h, err := hashPIN(pin, []byte("0123456789abcdef"), minPINIterations)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func sampleRoster(t testing.TB) GuardRoster {
	return GuardRoster{Schema: SchemaVersion, Site: "sunshine-garden", Unit: "north-gate", Version: 7,
		IssuedAt: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), IssuedBy: "王主任",
		Guards: []RosterGuard{{ID: "wang", Name: "王师傅", PINHash: cheapHash(t, "2468")},
			{ID: "li", Name: "李师傅", PINHash: cheapHash(t, "1357"), Disabled: true}}}
}

func TestSignedRosterVerifiesAndTamperingIsRefused(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	other, otherPriv, _ := ed25519.GenerateKey(nil)
	r := sampleRoster(t)
	if err := VerifyRoster(&r, pub); !errors.Is(err, ErrRosterUnsigned) {
		t.Fatalf("unsigned: %v, want ErrRosterUnsigned", err)
	}
	SignRoster(&r, priv)
	if err := VerifyRoster(&r, other, pub); err != nil {
		t.Fatalf("signed roster refused: %v", err)
	}
	if err := VerifyRoster(&r, other); !errors.Is(err, ErrRosterBadSignature) {
		t.Fatalf("another key: %v, want ErrRosterBadSignature", err)
	}
	tamper := []func(*GuardRoster){
		func(r *GuardRoster) { r.Guards[1].Disabled = false },
		func(r *GuardRoster) { r.Guards[0].PINHash = cheapHash(t, "0000") },
		func(r *GuardRoster) { r.Guards[0].Name = "张师傅" },
		func(r *GuardRoster) { r.Guards = r.Guards[:1] },
		func(r *GuardRoster) { r.Unit = "south-gate" },
		func(r *GuardRoster) { r.Version++ },
		func(r *GuardRoster) { r.IssuedAt = r.IssuedAt.Add(time.Nanosecond) },
		func(r *GuardRoster) { r.Signature = "AAAA" },
	}
	for i, f := range tamper {
		q := r
		q.Guards = append([]RosterGuard(nil), r.Guards...)
		f(&q)
		if err := VerifyRoster(&q, pub); !errors.Is(err, ErrRosterBadSignature) {
			t.Errorf("tampering %d: %v, want ErrRosterBadSignature", i, err)
		}
	}
	// A policy signature by the same key is not a roster's.
	p := samplePush()
	SignPolicy(&p, otherPriv)
	q := r
	q.Signature = p.Signature
	if err := VerifyRoster(&q, other); err == nil {
		t.Fatal("a policy's signature passed as a roster's")
	}
	b, _ := json.Marshal(r)
	got, err := DecodeGuardRoster(b)
	if err != nil || VerifyRoster(&got, pub) != nil {
		t.Fatalf("decoded roster: %v / %v", err, VerifyRoster(&got, pub))
	}
}

func TestPINHashMatchesOnlyItsPINAndCarriesItsCost(t *testing.T) {
	h, err := HashPIN("2468")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "pbkdf2-sha256$20000$") {
		t.Fatalf("hash %q does not state its scheme and cost", h)
	}
	if !CheckPIN(h, "2468") || CheckPIN(h, "2469") || CheckPIN(h, "") {
		t.Fatal("CheckPIN accepts the wrong PIN or refuses the right one")
	}
	if h2, _ := HashPIN("2468"); h2 == h {
		t.Fatal("two hashes of one PIN are equal: the salt is not random")
	}
	for _, bad := range []string{"", "2468", "pbkdf2-sha256$20000$$", "pbkdf2-sha256$10$MDEyMzQ1Njc$" + strings.Repeat("A", 43),
		"pbkdf2-sha256$99999999$MDEyMzQ1Njc$" + strings.Repeat("A", 43), "md5$1$a$b"} {
		if CheckPIN(bad, "2468") {
			t.Errorf("malformed hash %q matched", bad)
		}
	}
	for _, pin := range []string{"123", " 1234", "12\n34", strings.Repeat("9", 33)} {
		if _, err := HashPIN(pin); err == nil {
			t.Errorf("HashPIN(%q) accepted", pin)
		}
	}
}

func TestRosterValidateRefusesWhatAUnitCannotUse(t *testing.T) {
	cases := map[string]func(*GuardRoster){
		"version 0":      func(r *GuardRoster) { r.Version = 0 },
		"bad site":       func(r *GuardRoster) { r.Site = "Site/A" },
		"guard twice":    func(r *GuardRoster) { r.Guards[1].ID = "wang" },
		"empty name":     func(r *GuardRoster) { r.Guards[0].Name = "" },
		"control name":   func(r *GuardRoster) { r.Guards[0].Name = "王\x1b[2J" },
		"plain PIN":      func(r *GuardRoster) { r.Guards[0].PINHash = "2468" },
		"too many":       func(r *GuardRoster) { r.Guards = make([]RosterGuard, MaxGuards+1) },
		"another schema": func(r *GuardRoster) { r.Schema = 2 },
	}
	for name, f := range cases {
		r := sampleRoster(t)
		f(&r)
		if err := r.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	r := sampleRoster(t)
	if err := r.Validate(); err != nil {
		t.Fatalf("a good roster: %v", err)
	}
	if g, ok := r.Find("li"); !ok || !g.Disabled {
		t.Fatalf("Find(li) = %+v %v", g, ok)
	}
}

func TestGuardsTopicIsTheUnitsOwn(t *testing.T) {
	if got := GuardsTopic("s1", "u1"); got != "kakou/v1/s1/u1/guards" {
		t.Fatal(got)
	}
}

func FuzzDecodeGuardRoster(f *testing.F) {
	r := sampleRoster(f)
	good, _ := json.Marshal(r)
	for _, seed := range []string{string(good), `{}`, `{"schema":1}`, `{"schema":1,"site":"a","unit":"b","version":1,"guards":null}`,
		`{"schema":1,"site":"a","unit":"b","version":1,"guards":[{"id":"x","name":"y","pin_hash":"pbkdf2-sha256$1000$MDEyMzQ1Njc$AAAA"}]}`,
		strings.Replace(string(good), `"version":7`, `"version":-1`, 1), `[`, ``} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeGuardRoster(b)
		if err != nil {
			return
		}
		if r.Validate() != nil {
			t.Fatal("decoded a roster that does not validate")
		}
		out, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := DecodeGuardRoster(out); err != nil {
			t.Fatalf("re-encoded roster refused: %v", err)
		}
	})
}

func BenchmarkCheckPIN(b *testing.B) {
	h, err := HashPIN("2468")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		CheckPIN(h, "1357")
	}
}
