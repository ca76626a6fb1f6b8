package screening

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/kakou/kakou/drivers/idcard"
	"github.com/kakou/kakou/drivers/sim"
	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/ledger"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/sensors"
	"github.com/kakou/kakou/firmware/wire"
)

// greenLookup is a health-code service that answers green at once.
type greenLookup struct{}

func (greenLookup) Verify(context.Context, []byte) (credential.Presented, error) {
	return credential.Presented{Status: credential.StatusGreen}, nil
}
func (greenLookup) LookupID(context.Context, string) (credential.Presented, error) {
	return credential.Presented{Status: credential.StatusGreen, Issuer: "sim-health"}, nil
}

// BenchmarkIDCardToDecision measures an ID card handed over by the reader
// to the decision: the card checked (check digit, masking, keyed hash,
// roster), the health code asked by ID number (a service answering at
// once), the simulated thermometer, the policy, the entry durable in the
// real SQLite ledger. Reports p50 and p99 per card.
func BenchmarkIDCardToDecision(b *testing.B) {
	led, err := ledger.Open(filepath.Join(b.TempDir(), "ledger.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer led.Close()
	priv, _ := credential.NewPrivacy([]byte("0123456789abcdef0123456789abcdef"), nil)
	pol := policy.Default()
	pol.Checks.Visitor.Mode = policy.Off // a clinic's entrance: the health answer decides
	pol.Checks.IDCard = policy.IDCardCheck{Mode: policy.Hard, WithoutHealth: wire.Register, OnExpired: wire.Register}
	var decided []wire.Entry
	o := options(&decided)
	o.Decided = func(wire.Entry) {}
	o.Policy = func() policy.Policy { return pol }
	o.Credentials = &credential.Verifier{Hashes: priv, Health: greenLookup{}}
	thermo := sensors.SimThermometer{Crowd: sim.Must(&sim.Opts{Seed: 1}), Offset: policy.Delta(0.5)}
	p, _ := New(thermo, sim.Must(nil), led, o)
	cards := idNumbers(1000) // distinct cards: a repeat within CardRepeat is no screening
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c := idcard.Card{Name: "王小明", Sex: "男", Address: "北京市东城区景山前街4号", Number: cards[i%len(cards)], ValidUntil: "长期"}
		if i >= len(cards) {
			p.forgetCard()
		}
		start := time.Now()
		e, err := p.ScreenCard(context.Background(), c)
		if err != nil || e.Credential.Kind != wire.CredentialIDCard {
			b.Fatalf("%v %+v", err, e.Credential)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
