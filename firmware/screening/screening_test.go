package screening

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kakou/kakou/drivers/sim"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/sensors"
	"github.com/kakou/kakou/firmware/wire"
	"periph.io/x/conn/v3/physic"
)

// memLedger is a fake at the storage edge so a test can make it fail like a
// full disk; the real SQLite ledger is exercised by the unit's tests.
type memLedger struct {
	entries []wire.Entry
	fail    error
}

func (m *memLedger) Append(_ context.Context, e *wire.Entry) error {
	if m.fail != nil {
		return m.fail
	}
	e.Seq = uint64(len(m.entries) + 1)
	m.entries = append(m.entries, *e)
	return nil
}

func (m *memLedger) Admissions(_ context.Context, after uint64) ([]uint64, error) {
	var out []uint64
	for _, e := range m.entries {
		if e.Seq > after && e.Lane == wire.LaneIn && e.Decision == wire.Allow {
			out = append(out, e.Seq)
		}
	}
	return out, nil
}

// fixedThermo is a thermometer whose forehead reading the test chooses; it
// corrects by the same 0.5 K a configured installation would.
type fixedThermo struct {
	t   physic.Temperature
	err error
}

func (f fixedThermo) Measure(context.Context) (policy.Reading, error) {
	return policy.Reading{Raw: f.t, Body: f.t + 500*physic.MilliKelvin}, f.err
}

func options(decided *[]wire.Entry) Options {
	n := 0
	return Options{
		Site: "sunshine-garden", Unit: "north-gate", Lane: wire.LaneIn, Policy: policy.Default,
		BootID:  "boot-1",
		Now:     func() (time.Time, bool) { return time.Unix(0, 0), false },
		NewID:   func() string { n++; return fmt.Sprintf("id-%d", n) },
		Decided: func(e wire.Entry) { *decided = append(*decided, e) },
	}
}

func TestScreenRecordsWhatWasMeasuredAndDecided(t *testing.T) {
	cases := []struct {
		name     string
		forehead float64
		code     string
		decision wire.Decision
		raw, cor float64
	}{
		{"resident", 36.2, "KAKOU1:PASS:R-0001", wire.Allow, 36.2, 36.7},
		{"fever after offset", 36.8, "KAKOU1:PASS:R-0001", wire.Recheck, 36.8, 37.3},
		{"visitor", 36.0, "KAKOU1:VISIT:V1", wire.Register, 36.0, 36.5},
		{"garbage", 36.0, "\x00\xff", wire.Register, 36.0, 36.5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var decided []wire.Entry
			led := &memLedger{}
			p, err := New(fixedThermo{t: policy.Celsius(c.forehead)}, sim.Must(nil), led, options(&decided))
			if err != nil {
				t.Fatal(err)
			}
			e, err := p.Screen(context.Background(), []byte(c.code))
			if err != nil {
				t.Fatal(err)
			}
			if e.Decision != c.decision || e.Temperature == nil ||
				e.Temperature.RawC != c.raw || e.Temperature.CorrectedC != c.cor {
				t.Fatalf("got %s %+v, want %s raw %.2f corrected %.2f", e.Decision, e.Temperature, c.decision, c.raw, c.cor)
			}
			if e.Seq != 1 || e.PolicyVersion != "default-1" || e.ClockSynced || e.BootID != "boot-1" {
				t.Fatalf("entry lacks its bookkeeping: %+v", e)
			}
			if err := e.Validate(); err != nil {
				t.Fatal(err)
			}
			if len(decided) != 1 || decided[0].ID != e.ID {
				t.Fatalf("decision reported %d times", len(decided))
			}
		})
	}
}

func TestNewRequiresItsParts(t *testing.T) {
	var decided []wire.Entry
	if _, err := New(fixedThermo{}, nil, &memLedger{}, options(&decided)); err == nil {
		t.Fatal("New accepted a nil scanner")
	}
	o := options(&decided)
	o.Policy = func() policy.Policy { p := policy.Default(); p.Version = ""; return p }
	if _, err := New(fixedThermo{}, sim.Must(nil), &memLedger{}, o); err == nil {
		t.Fatal("New accepted a policy without a version")
	}
}

func TestScreenWithBrokenThermometerAsksForRecheck(t *testing.T) {
	var decided []wire.Entry
	p, _ := New(fixedThermo{err: errors.New("i2c: nack")}, sim.Must(nil), &memLedger{}, options(&decided))
	e, err := p.Screen(context.Background(), []byte("KAKOU1:PASS:R-1"))
	if err != nil {
		t.Fatal(err)
	}
	if e.Decision != wire.Recheck || e.Temperature != nil || e.Reasons[0].Code != "no_temperature" {
		t.Fatalf("got %+v", e)
	}
}

func TestDecisionIsNotReportedUntilLogged(t *testing.T) {
	var decided []wire.Entry
	led := &memLedger{fail: errors.New("database or disk is full")}
	p, _ := New(fixedThermo{t: policy.Celsius(36)}, sim.Must(nil), led, options(&decided))
	if _, err := p.Screen(context.Background(), nil); err == nil {
		t.Fatal("Screen succeeded with a full disk")
	}
	if len(decided) != 0 {
		t.Fatal("gate told to act on an entry that was never logged")
	}
}

func TestRunScreensTheWholeCrowd(t *testing.T) {
	o := sim.DefaultOpts
	o.MeanInterval, o.MaxPeople = 0, 300
	crowd := sim.Must(&o)
	var decided []wire.Entry
	led := &memLedger{}
	th := sensors.SimThermometer{Crowd: crowd, Offset: o.ForeheadDrop}
	p, _ := New(th, crowd, led, options(&decided))
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	counts := map[wire.Decision]int{}
	for i, e := range led.entries {
		if e.Seq != uint64(i+1) {
			t.Fatalf("entry %d has seq %d", i, e.Seq)
		}
		counts[e.Decision]++
	}
	if len(led.entries) != 300 || len(decided) != 300 {
		t.Fatalf("logged %d, decided %d, want 300 each", len(led.entries), len(decided))
	}
	if counts[wire.Allow] == 0 || counts[wire.Register] == 0 || counts[wire.Recheck] == 0 {
		t.Fatalf("a realistic crowd should produce every outcome, got %v", counts)
	}
}

func TestAHandTakenTemperatureRescreensThePersonTheThermometerMissed(t *testing.T) {
	var decided []wire.Entry
	led := &memLedger{}
	p, _ := New(fixedThermo{err: errors.New("thermometer fault")}, sim.Must(nil), led, options(&decided))
	first, err := p.Screen(context.Background(), []byte("KAKOU1:PASS:R-9"))
	if err != nil || first.Decision != wire.Recheck {
		t.Fatalf("faulty thermometer: %+v %v", first, err)
	}
	manual := func(c float64) (wire.Entry, error) {
		t := policy.Celsius(c)
		return p.Amend(context.Background(), first.ID, Amend{Temperature: &t})
	}
	if _, err := manual(3.66); err == nil {
		t.Fatal("3.66 °C accepted as a body temperature")
	}
	e, err := manual(36.6)
	if err != nil {
		t.Fatal(err)
	}
	if e.Decision != wire.Allow || e.Credential.Subject != "R-9" || e.Seq != 2 ||
		e.Temperature == nil || e.Temperature.Source != wire.SourceManual || e.Temperature.CorrectedC != 36.6 {
		t.Fatalf("manual re-screen: %+v %+v", e, e.Temperature)
	}
	if len(led.entries) != 2 || led.entries[0].Decision != wire.Recheck {
		t.Fatal("the first entry must stay in the ledger as it was")
	}
}
