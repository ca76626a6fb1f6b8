package screening

import (
	"context"
	"crypto/ed25519"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/kakou/kakou/drivers/sim"
	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/ledger"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
)

// BenchmarkScreen measures one person from the scanner's line (temperature
// already sampled) through the signed-pass check and the policy to a
// decision durable in the real SQLite ledger and reported, and gives the
// latency percentiles a gate guard would feel.
func BenchmarkScreen(b *testing.B) {
	led, err := ledger.Open(filepath.Join(b.TempDir(), "ledger.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer led.Close()
	pub, priv := credential.GenerateIssuer()
	pass, err := credential.IssuePass(priv, credential.PassClaims{Issuer: "site-office", ID: "R-0001",
		Role: credential.RoleResident, Expires: time.Now().Add(time.Hour).Unix()})
	if err != nil {
		b.Fatal(err)
	}
	var decided []wire.Entry
	o := options(&decided)
	o.Decided = func(wire.Entry) {} // keep memory flat over 10,000 entries
	o.Credentials = &credential.Verifier{Issuers: map[string]ed25519.PublicKey{"site-office": pub}}
	p, _ := New(fixedThermo{t: policy.Celsius(36.2)}, sim.Must(nil), led, o)
	code := []byte(pass) // a signed pass: the Ed25519 check is part of the path
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		e, err := p.Screen(context.Background(), code)
		if err != nil || e.Credential.Result != "valid" {
			b.Fatalf("%v %+v", err, e.Credential)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkDecide measures the policy evaluation alone.
func BenchmarkDecide(b *testing.B) {
	pol := policy.Default()
	in := policy.Input{Lane: wire.LaneIn, Reading: &policy.Reading{Body: policy.Celsius(36.6)},
		Credential: credential.Presented{Wire: wire.Credential{Kind: wire.CredentialResidentPass, Result: "unverified"},
			Status: credential.StatusUnverified}}
	for i := 0; i < b.N; i++ {
		pol.Decide(in)
	}
}
