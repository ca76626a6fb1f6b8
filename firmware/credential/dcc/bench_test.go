package dcc

import (
	"context"
	"crypto/ed25519"
	"slices"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/credential"
)

// BenchmarkVerify measures one scanned code checked to its status, per
// code kind, in one run so the figures compare: Kakou's own signed pass
// (KK1, Ed25519) and HC1 codes of the conformance suite signed ES256 (P-256)
// and PS256 (RSA 2048), each through credential.Verifier.Check as at the
// gate. p99-ns is over the per-operation durations.
func BenchmarkVerify(b *testing.B) {
	pub, priv := credential.GenerateIssuer()
	pass, err := credential.IssuePass(priv, credential.PassClaims{Issuer: "site", ID: "P-1",
		Role: credential.RoleResident, Expires: now.Add(24 * time.Hour).Unix()})
	if err != nil {
		b.Fatal(err)
	}
	kk1 := &credential.Verifier{Issuers: map[string]ed25519.PublicKey{"site": pub}, Now: func() time.Time { return now }}
	bench(b, "KK1-pass", kk1, pass, credential.StatusValid)
	for _, c := range []struct{ name, file string }{
		{"HC1-ES256", "common/2DCode/raw/CO3.json"},
		{"HC1-PS256", "common/2DCode/raw/CO1.json"},
	} {
		sc := suiteCaseNamed(b, c.file)
		trust, err := caseTrust(sc)
		if err != nil {
			b.Fatal(err)
		}
		clock, err := parseDateTime(sc.TESTCTX.VALIDATIONCLOCK)
		if err != nil {
			b.Fatal(err)
		}
		v := &credential.Verifier{DCC: New(func() *Trust { return trust }, DefaultRules, func() time.Time { return clock }, nil)}
		bench(b, c.name, v, sc.PREFIX, "")
	}
}

func bench(b *testing.B, name string, v *credential.Verifier, code string, want credential.Status) {
	b.Run(name, func(b *testing.B) {
		ctx, in := context.Background(), []byte(code)
		var took []time.Duration
		for b.Loop() {
			start := time.Now()
			p := v.Check(ctx, in)
			took = append(took, time.Since(start))
			if want != "" && p.Status != want || p.Status == credential.StatusVerifyFailed || p.Status == credential.StatusMalformed {
				b.Fatalf("%s: %s (%s)", name, p.Status, p.Detail)
			}
		}
		slices.Sort(took)
		b.ReportMetric(float64(took[len(took)*99/100].Nanoseconds()), "p99-ns")
	})
}

func suiteCaseNamed(b *testing.B, name string) *suiteCase {
	for _, c := range loadSuite(b) {
		if c.name == name {
			return c
		}
	}
	b.Fatalf("no suite case %s", name)
	return nil
}
