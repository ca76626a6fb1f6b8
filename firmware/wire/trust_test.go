package wire

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

var trustKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))

func issuerKeyText(b byte) string {
	pub := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, 32)).Public().(ed25519.PublicKey)
	return IssuerKeyPrefix + base64.StdEncoding.EncodeToString(pub)
}

// sampleTrust is a valid, unsigned trust push.
func sampleTrust() TrustPush {
	return TrustPush{Schema: SchemaVersion, Version: 3, IssuedAt: time.Date(2022, 4, 2, 8, 0, 0, 0, time.UTC),
		IssuedBy: "官员", Issuers: map[string]string{"site-office": issuerKeyText(1)},
		HealthIssuers: map[string]string{"health-bureau": issuerKeyText(2)},
		Revoked:       []string{"P-0001", "P-0002"},
		DCCSigners: []DCCSigner{{KID: base64.StdEncoding.EncodeToString([]byte("12345678")), Country: "DE",
			Cert: base64.StdEncoding.EncodeToString([]byte("0\x82 not really DER"))}}}
}

func signedTrust() TrustPush {
	p := sampleTrust()
	SignTrust(&p, trustKey)
	return p
}

func TestTrustSignatureCoversEveryField(t *testing.T) {
	pub := trustKey.Public().(ed25519.PublicKey)
	good := signedTrust()
	if err := VerifyTrust(&good, pub); err != nil {
		t.Fatal(err)
	}
	for name, alter := range map[string]func(*TrustPush){
		"version":        func(p *TrustPush) { p.Version++ },
		"issued_at":      func(p *TrustPush) { p.IssuedAt = p.IssuedAt.Add(time.Nanosecond) },
		"issued_by":      func(p *TrustPush) { p.IssuedBy = "mallory" },
		"issuer key":     func(p *TrustPush) { p.Issuers["site-office"] = issuerKeyText(9) },
		"issuer added":   func(p *TrustPush) { p.Issuers["rogue"] = issuerKeyText(9) },
		"issuer moved":   func(p *TrustPush) { p.HealthIssuers["site-office"] = p.Issuers["site-office"] },
		"health key":     func(p *TrustPush) { p.HealthIssuers["health-bureau"] = issuerKeyText(9) },
		"unrevoked":      func(p *TrustPush) { p.Revoked = p.Revoked[:1] },
		"revoked other":  func(p *TrustPush) { p.Revoked[1] = "P-0003" },
		"dcc dropped":    func(p *TrustPush) { p.DCCSigners = nil },
		"dcc country":    func(p *TrustPush) { p.DCCSigners[0].Country = "FR" },
		"dcc cert":       func(p *TrustPush) { p.DCCSigners[0].Cert = base64.StdEncoding.EncodeToString([]byte("other")) },
		"unsigned":       func(p *TrustPush) { p.Signature = "" },
		"not base64 sig": func(p *TrustPush) { p.Signature = "!!" },
	} {
		p := signedTrust()
		alter(&p)
		if err := VerifyTrust(&p, pub); err == nil {
			t.Errorf("%s: an altered trust list verified", name)
		}
	}
	other := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{8}, 32)).Public().(ed25519.PublicKey)
	if err := VerifyTrust(&good, other); !errors.Is(err, ErrTrustBadSignature) {
		t.Errorf("another centre's key: %v", err)
	}
	if err := VerifyTrust(&good, other, pub); err != nil {
		t.Errorf("during a key rotation either key verifies: %v", err)
	}
}

// A signature the centre made for another document never passes for a
// trust list, even over the same version and author.
func TestTrustRefusesAPolicySignaturePresentedAsATrustSignature(t *testing.T) {
	pub := trustKey.Public().(ed25519.PublicKey)
	pol := PolicyPush{Schema: SchemaVersion, Version: "3", IssuedAt: sampleTrust().IssuedAt, IssuedBy: "官员"}
	SignPolicy(&pol, trustKey)
	head := WatchHead{Schema: SchemaVersion, Version: 3, IssuedAt: sampleTrust().IssuedAt, IssuedBy: "官员"}
	SignWatch(&head, trustKey)
	for name, sig := range map[string]string{"policy": pol.Signature, "watch head": head.Signature} {
		p := sampleTrust()
		p.Signature = sig
		if err := VerifyTrust(&p, pub); !errors.Is(err, ErrTrustBadSignature) {
			t.Errorf("a %s signature as a trust signature: %v", name, err)
		}
	}
	if err := VerifyTrust(&TrustPush{}, pub); !errors.Is(err, ErrTrustUnsigned) {
		t.Errorf("unsigned: %v", err)
	}
}

func TestDecodeTrustNamesTheBadField(t *testing.T) {
	for want, alter := range map[string]func(*TrustPush){
		"schema":        func(p *TrustPush) { p.Schema = 9 },
		"version":       func(p *TrustPush) { p.Version = 0 },
		"issued_by":     func(p *TrustPush) { p.IssuedBy = strings.Repeat("x", 257) },
		"issuers \"a b": func(p *TrustPush) { p.Issuers["a b"] = issuerKeyText(1) },
		"must start":    func(p *TrustPush) { p.Issuers["x"] = "ed25519:abc" },
		"32-byte":       func(p *TrustPush) { p.HealthIssuers["x"] = IssuerKeyPrefix + "AAAA" },
		"sorted":        func(p *TrustPush) { p.Revoked = []string{"P-2", "P-1"} },
		"each id once":  func(p *TrustPush) { p.Revoked = []string{"P-1", "P-1"} },
		"revoked[0]":    func(p *TrustPush) { p.Revoked = []string{"P/1"} },
		"kid":           func(p *TrustPush) { p.DCCSigners[0].KID = "AAAA" },
		"country":       func(p *TrustPush) { p.DCCSigners[0].Country = "de" },
		"bytes of DER": func(p *TrustPush) {
			p.DCCSigners[0].Cert = base64.StdEncoding.EncodeToString(make([]byte, MaxDCCCert+1))
		},
		"cert: want":       func(p *TrustPush) { p.DCCSigners[0].Cert = "" },
		"100000":           func(p *TrustPush) { p.Revoked = make([]string, MaxTrustRevoked+1) },
		"at most 2000":     func(p *TrustPush) { p.DCCSigners = make([]DCCSigner, MaxDCCSigners+1) },
		"keys, at most":    func(p *TrustPush) { p.Issuers = manyIssuers(MaxTrustIssuers + 1) },
		"schema version 0": func(p *TrustPush) { p.Schema = 0 },
	} {
		p := sampleTrust()
		alter(&p)
		b, _ := json.Marshal(p)
		_, err := DecodeTrust(b)
		if err == nil || !strings.Contains(err.Error(), strings.TrimSuffix(want, " ")) {
			t.Errorf("%s: got %v", want, err)
		}
	}
	if _, err := DecodeTrust(make([]byte, MaxTrustPayload+1)); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("an oversize payload: %v", err)
	}
}

func manyIssuers(n int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m[fmt.Sprintf("i-%d", i)] = issuerKeyText(1)
	}
	return m
}

// The largest list the bounds allow fits the payload cap, so a list the
// centre may build is never one a unit refuses for its size.
func TestTrustAtItsBoundsFitsThePayloadCap(t *testing.T) {
	p := TrustPush{Schema: SchemaVersion, Version: 1, IssuedBy: strings.Repeat("x", 256),
		Issuers: manyIssuers(MaxTrustIssuers), HealthIssuers: manyIssuers(MaxTrustIssuers)}
	for i := range MaxTrustRevoked {
		p.Revoked = append(p.Revoked, fmt.Sprintf("%032d", i))
	}
	cert := base64.StdEncoding.EncodeToString(make([]byte, MaxDCCCert))
	for range MaxDCCSigners {
		p.DCCSigners = append(p.DCCSigners, DCCSigner{KID: "AAAAAAAAAAA=", Country: "DE", Cert: cert})
	}
	SignTrust(&p, trustKey)
	b, _ := json.Marshal(p)
	if len(b) > MaxTrustPayload {
		t.Fatalf("%d bytes at the bounds, cap %d", len(b), MaxTrustPayload)
	}
	if _, err := DecodeTrust(b); err != nil {
		t.Fatal(err)
	}
}

func TestGrantLetsEveryDeviceReadTheTrustListAndNoneWriteIt(t *testing.T) {
	for _, g := range []Grant{{Site: "s1", Unit: "u1"}, {Site: "s1", Unit: AnyUnit}} {
		if !g.Allows(TrustTopic, false) {
			t.Errorf("%+v may not read the trust list", g)
		}
		for _, topic := range []string{TrustTopic, TrustTopic + "/x", Root + "/#", Root + "/+"} {
			if g.Allows(topic, true) {
				t.Errorf("%+v may publish on %s", g, topic)
			}
		}
		if g.Allows(TrustTopic+"/x", false) || g.Allows(Root+"/#", false) {
			t.Errorf("%+v reads more than the trust list", g)
		}
		found := false
		for _, f := range g.Filters(false) {
			found = found || f == TrustTopic
		}
		if !found {
			t.Errorf("%+v: an ACL file would not list %s", g, TrustTopic)
		}
	}
}

func FuzzDecodeTrust(f *testing.F) {
	good, _ := json.Marshal(signedTrust())
	f.Add(good)
	for _, s := range []string{``, `{}`, `{"schema":1,"version":1}`, `{"schema":1,"version":1,"revoked":["b","a"]}`,
		`{"schema":1,"version":1,"issuers":{"x":"kakou-ed25519-pub:"}}`, `{"schema":1,"version":1,"dcc_signers":[{}]}`,
		`{"schema":2}`, `[1]`, `{"schema":1,"version":18446744073709551615,"issued_at":"9999-12-31T23:59:59Z"}`} {
		f.Add([]byte(s))
	}
	pub := trustKey.Public().(ed25519.PublicKey)
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodeTrust(b)
		if err != nil {
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("decoded but invalid: %v", err)
		}
		// Re-encoding what was accepted keeps it acceptable, and a
		// signature over it still verifies: the signed bytes are canonical.
		SignTrust(&p, trustKey)
		again, _ := json.Marshal(p)
		q, err := DecodeTrust(again)
		if err != nil {
			t.Fatalf("re-encoded: %v", err)
		}
		if err := VerifyTrust(&q, pub); err != nil {
			t.Fatalf("re-encoded signature: %v", err)
		}
	})
}
