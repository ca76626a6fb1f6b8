package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/kakou/kakou/cloud/store"
)

// householdRows picks the entries of a household pass and the household
// records by their detail's text (store.Detail writes "household":{ only
// for them, and a household record's own part); the partial index
// entries_households has the same predicate word for word.
const householdRows = `instr(detail, '"household":{') > 0`

// migrateHouseholds indexes the few household entries among many.
const migrateHouseholds = `CREATE INDEX entries_households ON entries (site, ts) WHERE ` + householdRows + `;`

// HouseholdEntries returns the site's household entries at or after
// since, oldest first (store.Households).
func (s *Store) HouseholdEntries(ctx context.Context, site string, since time.Time) ([]store.Record, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+store.RecordColumns+` FROM entries
		WHERE site = ? AND ts >= ? AND `+householdRows+` ORDER BY ts, seq`, site, since.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("store: households at %s: %w", site, err)
	}
	defer rows.Close()
	out := []store.Record{}
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("store: households at %s: %w", site, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
