package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/kakou/kakou/cloud/store"
)

// nullIfEmpty keeps an absent hash from matching every entry without one.
func nullIfEmpty(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// Person returns the entries whose visitor has q's ID hash or phone hash,
// at every site, oldest first: one person's record for a tracer's export.
func (s *Store) Person(ctx context.Context, q store.PersonQuery) ([]store.Record, error) {
	if q.IDHash == "" && q.PhoneHash == "" {
		return nil, fmt.Errorf("store: person: give an ID hash or a phone hash")
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+store.RecordColumns+` FROM entries
		WHERE id_hash = ? OR phone_hash = ? ORDER BY ts, seq LIMIT ?`,
		nullIfEmpty(q.IDHash), nullIfEmpty(q.PhoneHash), q.RowLimit())
	if err != nil {
		return nil, fmt.Errorf("store: person: %w", err)
	}
	defer rows.Close()
	out := []store.Record{}
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("store: person: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// PurgeEntries deletes the entries whose ts is before before, and returns
// how many it deleted (retention, default 28 days: SECURITY.md "PII minimisation"). Rollups,
// alerts and the audit trail stay: they hold counts, not people. An entry
// above its unit's watermark is kept, so the watermark's walk still finds
// it; site by site, so each delete reads the (site, ts) index.
func (s *Store) PurgeEntries(ctx context.Context, before time.Time) (int, error) {
	sites, err := s.entrySites(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: purge: %w", err)
	}
	total := 0
	for _, site := range sites {
		for {
			n, err := s.purgeChunk(ctx, site, before)
			total += n
			if err != nil {
				return total, fmt.Errorf("store: purge %s: %w", site, err)
			}
			if n < store.PurgeChunk {
				break
			}
		}
	}
	return total, nil
}

func (s *Store) entrySites(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT site FROM units`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var sites []string
	for rows.Next() {
		var site string
		if err := rows.Scan(&site); err != nil {
			return nil, err
		}
		sites = append(sites, site)
	}
	return sites, rows.Err()
}

func (s *Store) purgeChunk(ctx context.Context, site string, before time.Time) (int, error) {
	var n int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM entries WHERE id IN (
			SELECT e.id FROM entries e WHERE e.site = ? AND e.ts < ?
			AND e.seq <= coalesce((SELECT u.acked_seq FROM units u WHERE u.site = e.site AND u.unit = e.unit), 0)
			LIMIT ?)`, site, before.UnixNano(), store.PurgeChunk)
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	return int(n), err
}
