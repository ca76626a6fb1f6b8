package screening

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kakou/kakou/drivers/sim"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
)

// fullHolds are maxSamplingHolds pending holds of registered people, each
// known by a pass, an ID hash and a phone hash: the most a lane remembers.
func fullHolds() []wire.Entry {
	out := make([]wire.Entry, maxSamplingHolds)
	for i := range out {
		out[i] = wire.Entry{ID: fmt.Sprintf("h-%d", i), Lane: wire.LaneIn, Decision: wire.Hold,
			Credential: wire.Credential{Kind: wire.CredentialResidentPass, Subject: fmt.Sprintf("R-%05d", i)},
			Visitor: &wire.Visitor{IDHash: wire.PersonHash([]byte("k"), "id", fmt.Sprint(i)),
				PhoneHash: wire.PersonHash([]byte("k"), "phone", fmt.Sprint(i))}}
	}
	return out
}

// BenchmarkScreenBesideAFullListOfHolds is one scan of someone not held
// while the lane holds the most people it remembers: every decision looks
// the person up among the holds (recallHoldLocked, note, releasing).
func BenchmarkScreenBesideAFullListOfHolds(b *testing.B) {
	var decided []wire.Entry
	o := options(&decided)
	o.Decided = func(wire.Entry) {}
	p, _ := New(fixedThermo{t: policy.Celsius(36.2)}, sim.Must(nil), &nullLedger{}, o)
	p.RestoreHolds(fullHolds(), nil)
	code := []byte("KAKOU1:PASS:R-99999")
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
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

// BenchmarkApplyAFullResultPush is a push of wire.MaxResults results, none
// of them releasing anyone, against a full list of holds: what a unit
// does with each push while people wait at the gate.
func BenchmarkApplyAFullResultPush(b *testing.B) {
	var decided []wire.Entry
	p, _ := New(fixedThermo{t: policy.Celsius(36.2)}, sim.Must(nil), &nullLedger{}, options(&decided))
	p.RestoreHolds(fullHolds(), nil)
	rs := make([]wire.TestResult, wire.MaxResults)
	for i := range rs {
		rs[i] = wire.TestResult{ID: fmt.Sprint(i), PhoneHash: wire.PersonHash([]byte("k"), "phone", fmt.Sprint("x", i)),
			Result: wire.ResultNegative, SampledAt: time.Now()}
	}
	b.ResetTimer()
	for range b.N {
		if out, err := p.ApplyResults(context.Background(), rs); err != nil || len(out) != 0 {
			b.Fatal(err, len(out))
		}
	}
}

// nullLedger numbers entries and keeps none, so a benchmark measures the
// lane, not the memory of its entries.
type nullLedger struct{ seq uint64 }

func (n *nullLedger) Append(_ context.Context, e *wire.Entry) error {
	n.seq++
	e.Seq = n.seq
	return nil
}

func (*nullLedger) Admissions(context.Context, uint64) ([]uint64, error) { return nil, nil }
