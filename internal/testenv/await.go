package testenv

import (
	"testing"
	"time"
)

// Await polls cond until it holds, and fails the test naming what it
// waited for once within has passed. It waits for progress and asserts
// nothing about speed: within is a ceiling against a hang, generous for a
// loaded two-core CI machine, not a performance bound.
//
// The pause between polls is a tenth of the time waited so far, from 1 ms
// up to 200 ms: a condition that holds soon is seen soon, and a long wait
// (a backlog draining, a broker coming back) does not load the very
// programs it waits on by reading their databases hundreds of times.
func Await(t testing.TB, what string, within time.Duration, cond func() bool) {
	t.Helper()
	start := time.Now()
	for !cond() {
		waited := time.Since(start)
		if waited > within {
			t.Fatalf("gave up waiting after %v: %s", within, what)
		}
		time.Sleep(min(max(waited/10, minPause), maxPause))
	}
}

const (
	minPause = time.Millisecond
	maxPause = 200 * time.Millisecond
)
