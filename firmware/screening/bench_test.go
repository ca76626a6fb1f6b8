package screening

import (
	"context"
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
// already sampled) to a decision durable in the real SQLite ledger and
// reported, and gives the latency percentiles a gate guard would feel.
func BenchmarkScreen(b *testing.B) {
	led, err := ledger.Open(filepath.Join(b.TempDir(), "ledger.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer led.Close()
	var decided []wire.Entry
	p, _ := New(fixedThermo{t: policy.Celsius(36.2)}, sim.Must(nil), led, options(&decided))
	code := []byte("KAKOU1:PASS:R-0001")
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := p.Screen(context.Background(), code); err != nil {
			b.Fatal(err)
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
