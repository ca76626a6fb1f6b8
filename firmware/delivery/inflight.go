package delivery

import (
	"context"
	"fmt"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

// MaxInflight is how many QoS 1 publishes a sender keeps outstanding on a
// connection before it waits for the oldest PUBACK. It is well below the
// brokers' own bounds (NATS pipelines 1,024 per MQTT connection; mosquitto
// and mochi accept 65,535 message ids), costs a Pi little (paho keeps each
// outstanding message in memory until its PUBACK: 256 entries of about a
// kilobyte), and above a publish round (uplink BatchSize 100, bridge 200),
// so the broker stalling its PUBACKs for a few seconds, as a NATS cluster
// does while it elects a new leader for the streams behind its MQTT
// sessions, still lets a couple of rounds of live entries through: a unit
// sends a few a second, so 256 covers a minute of them. The lanes' windows
// (delivery.Lanes) bound what the collector has not acknowledged; this
// bounds only what the broker has not.
const MaxInflight = 256

// Inflight is the FIFO of a connection's publishes whose PUBACK has not
// been seen yet. A sender adds each publish and goes on publishing;
// completed ones are harvested without blocking; it waits only when Max
// are outstanding, and the connection counts as broken once the oldest
// has waited Timeout. Only the sender's goroutine touches it.
type Inflight struct {
	Max     int           // outstanding publishes before Add's caller must wait (Room)
	Timeout time.Duration // how long the oldest may wait for its PUBACK
	// Prefix starts every error ("uplink", "bridge").
	Prefix string

	q    []pub
	head int
}

// pub is one publish waiting for its PUBACK: an entry's seq, or what
// else it was ("online status").
type pub struct {
	tok  mqtt.Token
	seq  uint64
	what string
	at   time.Time
}

func (p *pub) name() string {
	if p.what != "" {
		return p.what
	}
	return fmt.Sprintf("seq %d", p.seq)
}

// Reset forgets everything outstanding: a new connection's tokens are
// its own.
func (f *Inflight) Reset() {
	clear(f.q)
	f.q, f.head = f.q[:0], 0
}

// Len is how many publishes are outstanding.
func (f *Inflight) Len() int { return len(f.q) - f.head }

// Add records an entry's publish, sent at now.
func (f *Inflight) Add(tok mqtt.Token, seq uint64, now time.Time) {
	f.q = append(f.q, pub{tok: tok, seq: seq, at: now})
}

// AddOther records a publish that is not an entry, named for the error.
func (f *Inflight) AddOther(tok mqtt.Token, what string, now time.Time) {
	f.q = append(f.q, pub{tok: tok, what: what, at: now})
}

// Harvest drops the completed publishes at the head of the queue without
// waiting. A publish paho failed, or an oldest that has waited Timeout,
// is an error: the connection is broken.
func (f *Inflight) Harvest(now time.Time) error {
	for f.head < len(f.q) {
		p := &f.q[f.head]
		select {
		case <-p.tok.Done():
		default:
			if now.Sub(p.at) >= f.Timeout {
				return f.err(p, ErrNoPuback)
			}
			return nil
		}
		if err := p.tok.Error(); err != nil {
			return f.err(p, err)
		}
		f.pop()
	}
	return nil
}

// Room waits, while Max publishes are outstanding, for the oldest one's
// PUBACK, the connection's loss, ctx or the oldest's deadline.
func (f *Inflight) Room(ctx context.Context, c *Link) error {
	if err := f.Harvest(time.Now()); err != nil || f.Len() < max(f.Max, 1) {
		return err
	}
	for f.Len() >= max(f.Max, 1) {
		p := &f.q[f.head]
		deadline := time.NewTimer(time.Until(p.at.Add(f.Timeout)))
		err := c.Await(ctx, p.tok, deadline.C)
		deadline.Stop()
		if err != nil {
			return f.err(p, err)
		}
		if err := f.Harvest(time.Now()); err != nil {
			return err
		}
	}
	return nil
}

// Due says how long until the oldest outstanding publish runs out of
// time; false when none is outstanding.
func (f *Inflight) Due(now time.Time) (time.Duration, bool) {
	if f.Len() == 0 {
		return 0, false
	}
	return max(f.q[f.head].at.Add(f.Timeout).Sub(now), 0), true
}

func (f *Inflight) pop() {
	f.q[f.head] = pub{}
	f.head++
	if f.head == len(f.q) {
		f.q, f.head = f.q[:0], 0
	} else if f.head > 1024 && f.head*2 > len(f.q) {
		// Slide the live part down so the slice does not grow for ever
		// while the queue never quite empties.
		n := copy(f.q, f.q[f.head:])
		clear(f.q[n:])
		f.q, f.head = f.q[:n], 0
	}
}

func (f *Inflight) err(p *pub, err error) error {
	return fmt.Errorf("%s: publish %s: %w", f.Prefix, p.name(), err)
}
