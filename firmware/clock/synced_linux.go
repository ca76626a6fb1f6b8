package clock

import (
	"time"

	"golang.org/x/sys/unix"
)

// kernelSynced asks the kernel whether an NTP daemon (systemd-timesyncd,
// chrony) has disciplined the clock: adjtimex clears STA_UNSYNC once it has.
func kernelSynced(now time.Time) bool {
	var tx unix.Timex
	state, err := unix.Adjtimex(&tx)
	if err != nil {
		return now.After(plausibleSince)
	}
	return state != unix.TIME_ERROR && tx.Status&unix.STA_UNSYNC == 0
}
