package sim

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"periph.io/x/conn/v3/physic"
)

func celsius(t physic.Temperature) float64 {
	return float64(t-physic.ZeroCelsius) / float64(physic.Kelvin)
}

func TestCrowdProducesARealisticMix(t *testing.T) {
	o := DefaultOpts
	o.MeanInterval, o.MaxPeople = 0, 5000
	c, err := New(&o)
	if err != nil {
		t.Fatal(err)
	}
	var passes, visitors, none, other, fevers int
	ctx := context.Background()
	for {
		code, err := c.Scan(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := c.Measure(ctx)
		if body := celsius(raw + o.ForeheadDrop); body >= 37.3 {
			fevers++
		} else if body < 35.5 {
			t.Fatalf("implausible normal body temperature %.2f", body)
		}
		switch s := string(code); {
		case strings.HasPrefix(s, o.PassPrefix) && len(s) > len(o.PassPrefix):
			passes++
		case strings.HasPrefix(s, o.VisitorPrefix):
			visitors++
		case s == "":
			none++
		default:
			other++
		}
	}
	within := func(name string, got int, ratio float64) {
		want := ratio * 5000
		if float64(got) < want*0.6 || float64(got) > want*1.4+5 {
			t.Errorf("%s: %d of 5000, want about %.0f", name, got, want)
		}
	}
	within("fevers", fevers, o.FeverRatio)
	within("visitors", visitors, o.VisitorRatio)
	within("no code", none, o.NoCodeRatio)
	within("unreadable", other, o.UnreadableRatio)
	within("passes", passes, 1-o.VisitorRatio-o.NoCodeRatio-o.UnreadableRatio)
}

func TestCrowdIsReproducibleFromItsSeed(t *testing.T) {
	o := DefaultOpts
	o.MeanInterval = 0
	a, _ := New(&o)
	b, _ := New(&o)
	for i := 0; i < 50; i++ {
		ca, _ := a.Scan(context.Background())
		cb, _ := b.Scan(context.Background())
		if string(ca) != string(cb) {
			t.Fatalf("person %d: %q vs %q from the same seed", i, ca, cb)
		}
	}
}

func TestScanStopsWithItsContext(t *testing.T) {
	o := DefaultOpts
	o.MeanInterval = 1 << 40
	c, _ := New(&o)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Scan(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestNewRejectsImpossibleRatios(t *testing.T) {
	for _, mutate := range []func(*Opts){
		func(o *Opts) { o.FeverRatio = 1.5 },
		func(o *Opts) { o.VisitorRatio = -0.1 },
		func(o *Opts) { o.VisitorRatio, o.UnreadableRatio = 0.7, 0.7 },
		func(o *Opts) { o.MaxPeople = -1 },
	} {
		o := DefaultOpts
		mutate(&o)
		if _, err := New(&o); err == nil {
			t.Errorf("accepted %+v", o)
		}
	}
}

func TestMeasureBeforeTheFirstScanReadsAPerson(t *testing.T) {
	raw, err := Must(nil).Measure(context.Background())
	if c := celsius(raw); err != nil || c < 34 || c > 38 {
		t.Fatalf("first reading %.2f °C, %v", c, err)
	}
}
