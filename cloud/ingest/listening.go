package ingest

import "time"

// ListeningSince is when the collector's current broker session began,
// and false while it has none. What units said before then, or while it
// is false, the collector could not hear: the unit-state alerts
// (cloud/collector unitalerts.go) count silence only from here.
func (in *Ingest) ListeningSince() (time.Time, bool) {
	ns := in.connectedAt.Load()
	if ns == 0 {
		return time.Time{}, false
	}
	return time.Unix(0, ns), true
}
