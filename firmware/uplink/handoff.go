package uplink

import (
	"context"
	"sync/atomic"
)

// handoff passes the centre's retained pushes of one kind (the guard
// roster, the staff roster, test results) from paho's goroutine to one of
// their own, which hands them to the unit: a unit that verifies a
// signature or writes the card never holds up paho. Only the latest push
// waiting is kept, since a newer one says all an older one did.
type handoff[T any] struct {
	latest atomic.Pointer[T]
	wake   chan struct{} // size 1: a push waits in latest
}

func newHandoff[T any]() handoff[T] { return handoff[T]{wake: make(chan struct{}, 1)} }

// put leaves v for the hand-over, replacing one not yet handed over.
func (h *handoff[T]) put(v T) {
	h.latest.Store(&v)
	select {
	case h.wake <- struct{}{}:
	default: // a hand-over is already due; it will take v
	}
}

// run hands pushes to deliver, the latest first, until ctx ends; with a
// nil deliver nothing runs. The returned wait blocks until it has stopped.
func (h *handoff[T]) run(ctx context.Context, deliver func(T)) (wait func()) {
	if deliver == nil {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-h.wake:
			}
			if v := h.latest.Swap(nil); v != nil {
				deliver(*v)
			}
		}
	}()
	return func() { <-done }
}
