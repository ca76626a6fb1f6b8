// Package serialline is what the drivers on a serial line share (the QR
// scanner, the ID card reader): the line's framing and the pace of their
// attempts to reopen a device that was unplugged.
package serialline

import "time"

// Backoff is the wait before reopen attempt number attempt (from 0): a step
// doubling from lo up to hi, jittered to between half and all of it by
// jitter in [0, 1), so a replugged hub's devices are not retried in
// lockstep.
func Backoff(lo, hi time.Duration, attempt int, jitter float64) time.Duration {
	step := lo
	for i := 0; i < attempt && step < hi; i++ {
		step *= 2
	}
	step = min(step, hi)
	return step/2 + time.Duration(jitter*float64(step/2))
}
