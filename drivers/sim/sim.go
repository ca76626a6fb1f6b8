// Package sim is a simulated checkpoint lane: a stream of people who each
// present a QR code and have their forehead measured. It stands in for the
// QR scanner and IR thermometer on machines without them (the demo, tests,
// a unit whose installer has not wired the sensors yet) and satisfies the
// same consumer interfaces the real drivers do.
//
// The stream is realistic enough to exercise every path: forehead readings
// around a normal body temperature with sensor noise, a few fevers, residents
// with passes, visitors, people with no code and unreadable codes.
package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"periph.io/x/conn/v3/physic"
)

// Opts shape the simulated crowd. Ratios are probabilities per person.
type Opts struct {
	Seed uint64
	// MeanInterval is the average time between people (exponentially
	// distributed arrivals). Zero means back to back, for tests.
	MeanInterval time.Duration
	FeverRatio   float64
	VisitorRatio float64
	NoCodeRatio  float64
	// UnreadableRatio is the share of codes that arrive damaged or foreign.
	UnreadableRatio float64
	// ForeheadDrop is how much cooler a forehead reads than the body core;
	// the unit's configured offset is meant to undo it.
	ForeheadDrop physic.Temperature
	// MaxPeople stops the stream after that many people (0: never), after
	// which Scan returns io.EOF.
	MaxPeople int
	// PassPrefix and VisitorPrefix build the codes residents and visitors show.
	PassPrefix, VisitorPrefix string
}

// DefaultOpts is a normal weekday at a community gate.
var DefaultOpts = Opts{
	Seed: 1, MeanInterval: 2 * time.Second, FeverRatio: 0.03, VisitorRatio: 0.15,
	NoCodeRatio: 0.03, UnreadableRatio: 0.05, ForeheadDrop: 500 * physic.MilliKelvin,
	PassPrefix: "KAKOU1:PASS:", VisitorPrefix: "KAKOU1:VISIT:",
}

// Crowd is one lane's simulated stream of people. Scan brings the next
// person to the gate; Measure reads that person's forehead.
type Crowd struct {
	opts  Opts
	sleep func(context.Context, time.Duration) error

	mu      sync.Mutex
	rng     *rand.Rand
	people  int
	current physic.Temperature
}

// New validates opts and returns a crowd.
func New(opts *Opts) (*Crowd, error) {
	if opts == nil {
		opts = &DefaultOpts
	}
	o := *opts
	if err := o.Validate(); err != nil {
		return nil, err
	}
	c := &Crowd{opts: o, sleep: sleepCtx, rng: rand.New(rand.NewPCG(o.Seed, o.Seed^0x6b616b6f75))}
	c.current = c.bodyTemperature() // someone may be measured before the first scan
	return c, nil
}

// Validate reports the first option that cannot describe a crowd.
func (o *Opts) Validate() error {
	for _, r := range []struct {
		name  string
		ratio float64
	}{{"fever", o.FeverRatio}, {"visitor", o.VisitorRatio}, {"no code", o.NoCodeRatio}, {"unreadable", o.UnreadableRatio}} {
		if r.ratio < 0 || r.ratio > 1 {
			return fmt.Errorf("sim: %s ratio %g is outside 0-1", r.name, r.ratio)
		}
	}
	if o.VisitorRatio+o.NoCodeRatio+o.UnreadableRatio > 1 {
		return errors.New("sim: visitor, no-code and unreadable ratios add up to more than 1")
	}
	if o.MeanInterval < 0 || o.MaxPeople < 0 {
		return errors.New("sim: mean interval and max people must not be negative")
	}
	return nil
}

func (c *Crowd) String() string { return "sim.Crowd" }

// Halt does nothing: there is no hardware to stop.
func (c *Crowd) Halt() error { return nil }

// Scan waits for the next person and returns the code they show; an empty
// code means they showed none. After MaxPeople it returns io.EOF.
func (c *Crowd) Scan(ctx context.Context) ([]byte, error) {
	if err := c.sleep(ctx, c.nextGap()); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.opts.MaxPeople > 0 && c.people >= c.opts.MaxPeople {
		return nil, io.EOF
	}
	c.people++
	c.current = c.bodyTemperature()
	return c.code(), nil
}

// Measure returns the current person's forehead reading: the body
// temperature minus the forehead drop, plus the sensor's noise.
func (c *Crowd) Measure(ctx context.Context) (physic.Temperature, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	noise := physic.Temperature(c.rng.NormFloat64() * 0.1 * float64(physic.Kelvin))
	return c.current - c.opts.ForeheadDrop + noise, nil
}

func (c *Crowd) nextGap() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Duration(c.rng.ExpFloat64() * float64(c.opts.MeanInterval))
}

// bodyTemperature draws a core temperature: normal people around 36.6 °C
// (sd 0.25, capped below the fever line so fevers come only from
// FeverRatio), fevers spread over 37.4-39.0 °C. Callers hold mu.
func (c *Crowd) bodyTemperature() physic.Temperature {
	celsius := math.Min(36.6+c.rng.NormFloat64()*0.25, 37.1)
	if c.rng.Float64() < c.opts.FeverRatio {
		celsius = 37.4 + c.rng.Float64()*1.6
	}
	return physic.ZeroCelsius + physic.Temperature(celsius*float64(physic.Kelvin))
}

// code draws what this person shows. Callers hold mu.
func (c *Crowd) code() []byte {
	r := c.rng.Float64()
	switch o := c.opts; {
	case r < o.VisitorRatio:
		return fmt.Appendf(nil, "%sV%05d", o.VisitorPrefix, c.rng.IntN(100000))
	case r < o.VisitorRatio+o.NoCodeRatio:
		return []byte{}
	case r < o.VisitorRatio+o.NoCodeRatio+o.UnreadableRatio:
		return c.unreadable()
	default:
		return fmt.Appendf(nil, "%sR-%04d", o.PassPrefix, c.rng.IntN(2000))
	}
}

// unreadable returns the kinds of junk real scanners deliver: a foreign URL,
// a code cut off mid-read, or line noise.
func (c *Crowd) unreadable() []byte {
	switch c.rng.IntN(3) {
	case 0:
		return []byte("https://weixin.qq.com/r/abc123")
	case 1:
		return []byte(c.opts.PassPrefix[:len(c.opts.PassPrefix)/2])
	default:
		return []byte{0xff, 0x00, 0x1b, 'x'}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Must is New for tests and examples with known-good options.
func Must(opts *Opts) *Crowd {
	c, err := New(opts)
	if err != nil {
		panic(err)
	}
	return c
}
