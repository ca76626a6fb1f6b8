package unit

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// What the program tells systemd about the unit (firmware/sdnotify,
// firmware/README.md "Under systemd").

// Started is closed once Run serves: the ledger is open (New), the console
// listens and the screening loop is about to take its first scan. The
// program says READY=1 then.
func (u *Unit) Started() <-chan struct{} { return u.started }

// Beats counts the screening loop's progress; it stops growing when the
// loop hangs (screening.Pipeline.Beats).
func (u *Unit) Beats() uint64 { return u.pipeline.Beats() }

// StatusLine is what `systemctl status` shows for the unit, e.g.
// "screening; uplink connected; 1,234 entries today". Today is the local
// day of the wall clock, which reads 1970 until NTP syncs: then the count
// is of every entry the ledger holds since, and the line says so.
func (u *Unit) StatusLine(ctx context.Context) string {
	parts := []string{"screening"}
	if u.UplinkConnected() {
		parts = append(parts, "uplink connected")
	} else {
		parts = append(parts, "uplink not connected")
	}
	now, synced := u.clock.Now()
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	counts, err := u.Counts(ctx, midnight)
	if err != nil {
		parts = append(parts, "ledger unreadable: "+err.Error())
	} else {
		n := 0
		for _, c := range counts {
			n += c
		}
		today := "today"
		if !synced {
			today = "today (clock not synced)"
		}
		parts = append(parts, thousands(n)+" entries "+today)
	}
	if u.DiskAlarm() {
		parts = append(parts, "ledger full of unsent entries")
	}
	return strings.Join(parts, "; ")
}

// thousands writes n as 1,234,567.
func thousands(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}
