package sqlite

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/kakou/kakou/cloud/store"
)

// visitRows picks the entries that opened or closed a visit by their
// detail's text (store.Detail writes "visit":{ and "close_out":{ only
// for them). The partial index entries_visits has the same predicate
// word for word, which is what lets SQLite use it.
const visitRows = `(instr(detail, '"visit":{') > 0 OR instr(detail, '"close_out":{') > 0)`

// VisitEntries returns the site's entries at or after since that opened
// or closed a visit, oldest first (store.Visits).
func (s *Store) VisitEntries(ctx context.Context, site string, since time.Time) ([]store.Record, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+store.RecordColumns+` FROM entries
		WHERE site = ? AND ts >= ? AND `+visitRows+` ORDER BY ts, seq`, site, since.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("store: visits at %s: %w", site, err)
	}
	defer rows.Close()
	out := []store.Record{}
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("store: visits at %s: %w", site, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// RaiseAlert stores a and reports whether it is new: an alert id already
// stored is left as it is, so a sweep that runs again raises nothing twice.
func (s *Store) RaiseAlert(ctx context.Context, a store.Alert) (bool, error) {
	res, err := s.w.ExecContext(ctx, `INSERT INTO alerts (id, site, unit, kind, raised_at, entry_id, detail, severity)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		a.ID, a.Site, a.Unit, a.Kind, a.RaisedAt.UnixNano(), a.EntryID, a.Detail, cmp.Or(a.Severity, store.SeverityOf(a.Kind)))
	if err != nil {
		return false, fmt.Errorf("store: raise alert %s: %w", a.ID, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
