package console

import "time"

// Wrong PINs lock out. A PIN of 4-6 digits is guessed in at most a million
// tries, so the console, not the hash, is what stops guessing: after
// guardFreeTries wrong PINs for one guard, or addrFreeTries from one
// client address, each further try waits, twice as long each time, from
// firstLockout up to maxLockout. Someone on the LAN can thereby lock a
// guard out for a while; the lane keeps screening (无人值守) and the guard
// signs in again once it passes, which is the better failure.
const (
	guardFreeTries = 5
	addrFreeTries  = 10
	firstLockout   = 30 * time.Second
	maxLockout     = 30 * time.Minute
	// strikesForget clears a key's count after this long without a
	// wrong PIN: a fat-fingered PIN a week ago is no strike today.
	strikesForget = time.Hour
	// maxStrikeKeys bounds the map against a spray of addresses.
	maxStrikeKeys = 10_000
)

// strikeRecord is one key's run of wrong PINs.
type strikeRecord struct {
	n     int
	last  time.Time
	until time.Time // no try before this
}

// waitLocked is how long key must wait before its next try. The caller
// holds the desk's mutex.
func (d *guardDesk) waitLocked(key string, now time.Time) time.Duration {
	s := d.strikes[key]
	if s == nil {
		return 0
	}
	if now.Sub(s.last) > strikesForget && !now.Before(s.until) {
		delete(d.strikes, key)
		return 0
	}
	return max(0, s.until.Sub(now))
}

// failLocked records a wrong PIN by key; free is how many pass unpunished.
func (d *guardDesk) failLocked(key string, free int, now time.Time) {
	if len(d.strikes) >= maxStrikeKeys {
		for k := range d.strikes {
			d.waitLocked(k, now) // drops the forgotten ones
		}
	}
	s := d.strikes[key]
	if s == nil {
		s = &strikeRecord{}
		d.strikes[key] = s
	}
	s.n++
	s.last = now
	if s.n >= free {
		lock := firstLockout << min(s.n-free, 10)
		s.until = now.Add(min(lock, maxLockout))
	}
}
