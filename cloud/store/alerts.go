package store

import (
	"strconv"
	"time"
)

// DeviceAlertID names a device alert; shared with the PostgreSQL backend.
func DeviceAlertID(site, unit, device string, at time.Time) string {
	return "dev-" + site + "/" + unit + "-" + device + "-" + strconv.FormatInt(at.UnixNano(), 10)
}

// LikePrefix escapes s for a LIKE pattern matching what starts with it.
func LikePrefix(s string) string {
	out := make([]byte, 0, len(s)+1)
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '%' || c == '_' || c == '\\' {
			out = append(out, '\\')
		}
		out = append(out, s[i])
	}
	return string(out) + "%"
}

// AlertColumns are the alerts table's columns, in the order both
// backends scan an Alert.
const AlertColumns = `id, site, unit, kind, raised_at, entry_id, detail, historical,
	acked_by, action, acked_at, resolved_at, severity, level`

// ReportAlertsWhere selects the alerts a report over [since, until)
// counts, in both backends' placeholders: raised in the period (its
// device faults and fevers), or raised before its end and still
// unacknowledged (its open alerts).
func ReportAlertsWhere(since, until, until2 string) string {
	return `((raised_at >= ` + since + ` AND raised_at < ` + until + `) OR (acked_at IS NULL AND raised_at < ` + until2 + `))`
}
