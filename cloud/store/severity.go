package store

// Severities say how loudly an alert calls for people (cloud/README.md
// "Alerts and notifications"). High: a person at the gate who must be
// reported within the hour (docs/product.md "Numbers worth knowing": fever
// patients to a higher office within 30–60 minutes; red codes reported at
// once), or a gate on 24-hour duty that the centre can no longer see.
// Medium: a checkpoint that needs a technician soon — silent, offline, a
// backlog that does not drain, a full disk, a faulty sensor, a forged or
// conflicting entry — and yellow codes. Low: what the site office handles
// in its own time, such as a visitor not closed out.
const (
	SeverityHigh   = "high"
	SeverityMedium = "medium"
	SeverityLow    = "low"
)

// The kinds of alert the collector raises itself from the units' state
// (cloud/collector unitalerts.go); the entries' own kinds are the unit
// policy's (firmware/policy "Alerts"), plus "device", "conflict" and
// "overstay".
const (
	KindOffline = "offline" // the unit's retained status says offline
	KindSilent  = "silent"  // "online", but no status heartbeat for too long
	KindBacklog = "backlog" // its oldest unacknowledged entry does not move
	KindDisk    = "disk"    // its ledger's disk is full (wire.Status.DiskAlarm)
)

// kindSeverity is each known kind's severity; a kind not here is medium.
var kindSeverity = map[string]string{
	"fever":                SeverityHigh,
	"health_code_red":      SeverityHigh,
	"watch_quarantine":     SeverityHigh,
	"health_code_yellow":   SeverityMedium,
	"device":               SeverityMedium,
	"conflict":             SeverityMedium,
	"overstay":             SeverityLow,
	KindTestPositive:       SeverityHigh,
	KindHouseholdOverQuota: SeverityMedium,
	KindOffline:            SeverityMedium,
	KindSilent:             SeverityMedium,
	KindBacklog:            SeverityMedium,
	KindDisk:               SeverityMedium,
}

// SeverityOf is the severity of an alert of kind.
func SeverityOf(kind string) string {
	if s, ok := kindSeverity[kind]; ok {
		return s
	}
	return SeverityMedium
}

// SeverityRank orders severities, low 1 to high 3; 0 for anything else.
func SeverityRank(s string) int {
	switch s {
	case SeverityHigh:
		return 3
	case SeverityMedium:
		return 2
	case SeverityLow:
		return 1
	}
	return 0
}

// SeveritySQL is SeverityOf as a SQL expression over the column kind, for
// the migration that gives alerts stored before it their severity; both
// backends' steps use it, so keep it beside kindSeverity.
const SeveritySQL = `CASE kind WHEN 'fever' THEN 'high' WHEN 'health_code_red' THEN 'high'
	WHEN 'watch_quarantine' THEN 'high' WHEN 'overstay' THEN 'low' ELSE 'medium' END`
