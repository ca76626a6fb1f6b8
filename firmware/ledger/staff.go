package ledger

import (
	"context"
	"fmt"
	"time"
)

// MaxStaffChecks bounds StaffChecks: a school of wire.MaxStaff people
// checked in three rounds over two days.
const MaxStaffChecks = 6 * 4000

// StaffChecks returns, in seq order, the entries made at or after since
// that checked a staff roster member (wire.StaffCheck): what a restarted
// unit's roll call starts from, so a reboot does not list the morning's
// checked pupils as unchecked.
func (l *Ledger) StaffChecks(ctx context.Context, since time.Time) ([]Checked, error) {
	const q = `SELECT json_extract(body, '$.staff_check.id'), json_extract(body, '$.staff_check.day'),
		json_extract(body, '$.staff_check.round'), time, COALESCE(json_extract(body, '$.temperature.corrected_c'), 0),
		alert FROM entries WHERE time >= ? AND json_extract(body, '$.staff_check') IS NOT NULL ORDER BY seq LIMIT ?`
	rows, err := l.db.QueryContext(ctx, q, since.UnixMicro(), MaxStaffChecks)
	if err != nil {
		return nil, fmt.Errorf("ledger: staff checks since %s: %w", since.Format(time.RFC3339), err)
	}
	defer rows.Close()
	var out []Checked
	for rows.Next() {
		var c Checked
		var micros int64
		if err := rows.Scan(&c.ID, &c.Day, &c.Round, &micros, &c.TempC, &c.Alert); err != nil {
			return nil, fmt.Errorf("ledger: read staff check: %w", err)
		}
		c.At = time.UnixMicro(micros)
		out = append(out, c)
	}
	return out, rows.Err()
}

// Checked is one staff check as the ledger holds it.
type Checked struct {
	ID, Day, Round string
	At             time.Time
	TempC          float64
	Alert          bool
}
