// Package clock tells the unit what its wall clock is worth. A Raspberry Pi
// has no real-time clock: it boots in 1970 (or at the last fake-hwclock save)
// and jumps when NTP syncs. Entries therefore carry a boot id and whether the
// clock was synchronised, and are ordered by sequence number, never by time.
package clock

import (
	"crypto/rand"
	"fmt"
	"os"
	"strings"
	"time"
)

// Clock reads the wall clock together with its trustworthiness.
type Clock struct {
	// Trusted skips the kernel's NTP status, for boards with a battery-backed
	// RTC and for development machines whose kernels never report sync.
	Trusted bool
}

// Now returns the current time and whether it can be believed.
func (c Clock) Now() (time.Time, bool) {
	now := time.Now()
	if c.Trusted {
		return now, true
	}
	return now, kernelSynced(now)
}

// plausibleSince rejects clocks that obviously never synced when the kernel
// cannot tell us: no Kakou unit was built before this date.
var plausibleSince = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// BootID identifies this boot of the machine, so times stamped by an
// unsynchronised clock can at least be compared within one boot. Linux
// provides one; elsewhere a random id per process start stands in.
func BootID() string {
	if b, err := os.ReadFile("/proc/sys/kernel/random/boot_id"); err == nil {
		if id := strings.TrimSpace(string(b)); id != "" {
			return id
		}
	}
	var r [16]byte
	_, _ = rand.Read(r[:]) // crypto/rand.Read never fails on supported platforms.
	return fmt.Sprintf("%x-%x-%x-%x-%x", r[0:4], r[4:6], r[6:8], r[8:10], r[10:16])
}
