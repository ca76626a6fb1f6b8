package api

import (
	"sync"
	"time"
)

// limiter counts failed logins per key (a user name or a client address)
// in a sliding window. It lives in each collector's memory: behind several
// replicas an attacker gets MaxFailures guesses per replica per window,
// still far too few for a password (SECURITY.md
// "Known limits").
type limiter struct {
	max    int
	window time.Duration
	mu     sync.Mutex
	fails  map[string][]time.Time // oldest first, at most max; guarded by mu
}

// maxLimiterKeys bounds the map; past it, keys whose failures have all
// left the window are swept, so a spray of names cannot grow it for ever.
const maxLimiterKeys = 100_000

func newLimiter(max int, window time.Duration) *limiter {
	return &limiter{max: max, window: window, fails: map[string][]time.Time{}}
}

// wait is how long key must wait before it may try again; 0 if it may now.
func (l *limiter) wait(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.recent(key, now)
	if len(f) < l.max {
		return 0
	}
	return f[0].Add(l.window).Sub(now)
}

// fail records a failed login by key at now.
func (l *limiter) fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.fails) >= maxLimiterKeys {
		l.sweep(now)
	}
	f := append(l.recent(key, now), now)
	if len(f) > l.max {
		f = f[len(f)-l.max:]
	}
	l.fails[key] = f
}

// forget clears key's failures (a user who got the password right).
func (l *limiter) forget(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, key)
}

// recent drops key's failures that left the window; l.mu is held.
func (l *limiter) recent(key string, now time.Time) []time.Time {
	f := l.fails[key]
	for len(f) > 0 && !f[0].Add(l.window).After(now) {
		f = f[1:]
	}
	if len(f) == 0 {
		delete(l.fails, key)
		return nil
	}
	l.fails[key] = f
	return f
}

func (l *limiter) sweep(now time.Time) {
	for key := range l.fails {
		l.recent(key, now)
	}
}
