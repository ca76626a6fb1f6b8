package postgres

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/kakou/kakou/cloud/store"
)

// pgVisitRows is SQLite's visitRows in PostgreSQL's words; the partial
// index entries_visits has the same predicate.
const pgVisitRows = `(strpos(detail, '"visit":{') > 0 OR strpos(detail, '"close_out":{') > 0)`

// VisitEntries returns the site's entries at or after since that opened
// or closed a visit, oldest first (store.Visits).
func (p *Store) VisitEntries(ctx context.Context, site string, since time.Time) ([]store.Record, error) {
	rows, err := p.pool.Query(ctx, `SELECT `+store.RecordColumns+` FROM entries
		WHERE site = $1 AND ts >= $2 AND `+pgVisitRows+` ORDER BY ts, seq`, site, since.UnixNano())
	return collectRecords(rows, err, "visits at "+site)
}

// RaiseAlert stores a and reports whether it is new; see SQLite's.
func (p *Store) RaiseAlert(ctx context.Context, a store.Alert) (bool, error) {
	tag, err := p.pool.Exec(ctx, `INSERT INTO alerts (id, site, unit, kind, raised_at, entry_id, detail, severity)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
		a.ID, a.Site, a.Unit, a.Kind, a.RaisedAt.UnixNano(), a.EntryID, a.Detail, cmp.Or(a.Severity, store.SeverityOf(a.Kind)))
	if err != nil {
		return false, fmt.Errorf("store: raise alert %s: %w", a.ID, err)
	}
	return tag.RowsAffected() == 1, nil
}
