package unit

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/kakou/kakou/drivers/gate"
	"github.com/kakou/kakou/firmware/wire"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
)

func TestOnlyAllowOpensTheGate(t *testing.T) {
	for d := range headlines {
		if got := signalFor(d); (got == gate.Allow) != (d == wire.Allow) {
			t.Errorf("%s maps to %v", d, got)
		}
		if headlines[d] == "" {
			t.Errorf("%s has no headline", d)
		}
	}
	if s := screenFor(wire.Entry{Decision: wire.Recheck, Temperature: &wire.Temperature{CorrectedC: 37.46}}); s.Headline != "RECHECK" || s.Detail != "37.5°C" {
		t.Errorf("screen %+v", s)
	}
}

func TestOutputsShowDecisionsOnTheGate(t *testing.T) {
	relay, red := &gpiotest.Pin{N: "relay"}, &gpiotest.Pin{N: "red"}
	g, err := gate.New(gate.Pins{Relay: relay, Red: red}, &gate.DefaultOpts)
	if err != nil {
		t.Fatal(err)
	}
	o := &outputs{gate: g, latest: make(chan wire.Entry, 1), log: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go o.run(ctx)
	waitLevel := func(p *gpiotest.Pin, want gpio.Level) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); p.Read() != want; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s never went %v", p.N, want)
			}
		}
	}
	o.show(wire.Entry{Decision: wire.Allow})
	waitLevel(relay, gpio.High)
	o.show(wire.Entry{Decision: wire.Deny})
	waitLevel(red, gpio.High)
	waitLevel(relay, gpio.Low) // a denial cuts the previous person's open gate
	if err := o.halt(); err != nil || red.Read() != gpio.Low {
		t.Fatalf("halt: %v, red %v", err, red.Read())
	}
}
