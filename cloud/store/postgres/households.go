package postgres

import (
	"context"
	"time"

	"github.com/kakou/kakou/cloud/store"
)

// pgHouseholdRows is SQLite's householdRows in PostgreSQL's words; the
// partial index entries_households has the same predicate.
const pgHouseholdRows = `strpos(detail, '"household":{') > 0`

// pgMigrateHouseholds is SQLite's migrateHouseholds.
const pgMigrateHouseholds = `CREATE INDEX entries_households ON entries (site, ts) WHERE ` + pgHouseholdRows + `;`

// HouseholdEntries returns the site's household entries at or after
// since, oldest first (store.Households).
func (p *Store) HouseholdEntries(ctx context.Context, site string, since time.Time) ([]store.Record, error) {
	rows, err := p.pool.Query(ctx, `SELECT `+store.RecordColumns+` FROM entries
		WHERE site = $1 AND ts >= $2 AND `+pgHouseholdRows+` ORDER BY ts, seq`, site, since.UnixNano())
	return collectRecords(rows, err, "households at "+site)
}
