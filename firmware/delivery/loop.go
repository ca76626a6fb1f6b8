package delivery

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"
)

// ErrRunning is a second Run of a client whose Run has not returned: two
// session loops would share one sender's cursors and windows.
var ErrRunning = errors.New("Run is already running")

// Loop runs a client's connections one at a time, waiting a jittered,
// doubling delay between attempts: after a power cut every device of a
// site would otherwise hammer the broker in step (paho's own retry
// intervals carry no jitter).
type Loop struct {
	Min, Max time.Duration // the first delay, and where doubling stops
	running  sync.Mutex
}

// Enter claims the loop for one Run, or says ErrRunning; leave releases it.
func (l *Loop) Enter() (leave func(), err error) {
	if !l.running.TryLock() {
		return nil, ErrRunning
	}
	return l.running.Unlock, nil
}

// Reconnect calls session until ctx ends. session runs one connection from
// dial to loss and says whether it was established; retrying is told why
// it ended and how long the loop waits before the next. A connection that
// was up resets the delay: a working link that was lost is tried again
// soon.
func (l *Loop) Reconnect(ctx context.Context, session func(context.Context) (wasUp bool, err error), retrying func(err error, delay time.Duration)) {
	b := Backoff{Min: l.Min, Max: l.Max}
	for {
		wasUp, err := session(ctx)
		if ctx.Err() != nil {
			return
		}
		if wasUp {
			b.Reset()
		}
		delay := b.Next()
		retrying(err, delay)
		if !Sleep(ctx, delay) {
			return
		}
	}
}

// Backoff yields doubling delays from Min to Max with "equal jitter": each
// delay is drawn from the upper half of its step, so devices that lost the
// broker together do not come back together.
type Backoff struct {
	Min, Max time.Duration
	step     time.Duration
}

// Next is the delay before the next attempt.
func (b *Backoff) Next() time.Duration {
	b.step = min(max(2*b.step, b.Min), b.Max)
	half := b.step / 2
	return half + rand.N(b.step-half+1)
}

// Reset starts the doubling again from Min.
func (b *Backoff) Reset() { b.step = 0 }

// Sleep waits for d and reports false if ctx ended first.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
