package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kakou/kakou/cloud/store"
)

// Person returns the entries whose visitor has q's ID hash or phone hash,
// oldest first, as sqlite.Store.Person does.
func (p *Store) Person(ctx context.Context, q store.PersonQuery) ([]store.Record, error) {
	if q.IDHash == "" && q.PhoneHash == "" {
		return nil, fmt.Errorf("store: person: give an ID hash or a phone hash")
	}
	rows, err := p.pool.Query(ctx, `SELECT `+store.RecordColumns+` FROM entries
		WHERE id_hash = $1 OR phone_hash = $2 ORDER BY ts, seq LIMIT $3`,
		textOrNull(q.IDHash), textOrNull(q.PhoneHash), q.RowLimit())
	return collectRecords(rows, err, "person")
}

// textOrNull keeps an absent hash from matching entries without one.
func textOrNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// PurgeEntries deletes the entries whose ts is before before, as
// sqlite.Store.PurgeEntries does: rollups stay, entries above their unit's
// watermark stay, in chunks per site on the (site, ts) index. Deleted
// rows leave the table at once; PostgreSQL reclaims their space at the
// next (auto)vacuum.
func (p *Store) PurgeEntries(ctx context.Context, before time.Time) (int, error) {
	rows, err := p.pool.Query(ctx, `SELECT DISTINCT site FROM units`)
	if err != nil {
		return 0, fmt.Errorf("store: purge: %w", err)
	}
	sites, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, fmt.Errorf("store: purge: %w", err)
	}
	total := 0
	for _, site := range sites {
		for {
			tag, err := p.pool.Exec(ctx, `DELETE FROM entries WHERE id IN (
				SELECT e.id FROM entries e WHERE e.site = $1 AND e.ts < $2
				AND e.seq <= coalesce((SELECT u.acked_seq FROM units u WHERE u.site = e.site AND u.unit = e.unit), 0)
				LIMIT $3)`, site, before.UnixNano(), store.PurgeChunk)
			total += int(tag.RowsAffected())
			if err != nil {
				return total, fmt.Errorf("store: purge %s: %w", site, err)
			}
			if tag.RowsAffected() < store.PurgeChunk {
				break
			}
		}
	}
	return total, nil
}
