package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Retention (SECURITY.md "PII minimisation": a retention purge, default 28
// days, on unit, gateway and cloud). The gateway keeps an entry — and the visitor's registration
// inside its body — only as long as it is useful: once the cloud has
// acknowledged it and it is older than the retention period, the cloud is
// its keeper and the copy here goes.
//
// What Purge never deletes, so nothing else the store answers changes:
//   - entries the cloud has not acknowledged (the bridge's backlog);
//   - entries above the unit's local watermark (the walk in units.go must
//     find every seq above it);
//   - each unit's latest entry (LatestEntry: is someone held at that lane);
//   - admissions above a lane's grant (AdmitsAbove: what the grant used).
//
// The occupancy count is the last correction plus the movement of every
// entry after it (Movement), so deleting entries would change the count. A
// purge that deletes entries after the last correction first writes a
// baseline correction at the cut-off, with the count as it stood then: the
// count is the same before and after, and a restart rebuilds it the same.

// retentionBy names the baseline corrections in the audit trail.
const retentionBy = "kakou-retention"

// purgeChunk bounds one delete transaction, so the LAN's writes (the gate
// waits for its ack) are never held up for long.
const purgeChunk = 1000

// purgeable selects the rows Purge may delete: see the comment above.
const purgeable = `SELECT row FROM entries e
	WHERE cloud_acked = 1 AND ts <= ?1 AND stored_at <= ?1
	AND seq <= (SELECT local_seq FROM units u WHERE u.unit = e.unit)
	AND seq < (SELECT max(seq) FROM entries x WHERE x.unit = e.unit)
	AND seq <= coalesce((SELECT after_seq FROM grants g WHERE g.unit = e.unit), 9223372036854775807)`

// Purge deletes the cloud-acknowledged entries whose time and arrival are
// both at or before before, and returns how many it deleted.
func (s *Store) Purge(ctx context.Context, before time.Time) (int, error) {
	cut := before.UnixNano()
	var found int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM (`+purgeable+` LIMIT 1)`, cut).Scan(&found)
	if err != nil || found == 0 {
		return 0, wrapPurge(err)
	}
	if err := s.baseline(ctx, before); err != nil {
		return 0, wrapPurge(err)
	}
	total := 0
	for {
		n, err := s.purgeChunk(ctx, cut)
		total += n
		if err != nil || n < purgeChunk {
			return total, wrapPurge(err)
		}
	}
}

func wrapPurge(err error) error {
	if err != nil {
		return fmt.Errorf("store: retention purge: %w", err)
	}
	return nil
}

func (s *Store) purgeChunk(ctx context.Context, cut int64) (int, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM entries WHERE row IN (`+purgeable+` LIMIT ?2)`, cut, purgeChunk)
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	return int(n), err
}

// baseline writes a correction at before holding the count as it stood
// then, unless the last correction is already at or after before (then
// no entry Purge deletes counts any more).
func (s *Store) baseline(ctx context.Context, before time.Time) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		var last Correction
		var at int64
		err := tx.QueryRowContext(ctx, `SELECT count, at FROM corrections ORDER BY id DESC LIMIT 1`).Scan(&last.Count, &at)
		switch {
		case err == sql.ErrNoRows:
			at = -1 << 63 // no correction: every entry counts
		case err != nil:
			return err
		case at >= before.UnixNano():
			return nil
		}
		var moved sql.NullInt64
		err = tx.QueryRowContext(ctx, `SELECT sum(CASE lane WHEN 'in' THEN 1 ELSE -1 END) FROM entries
			WHERE decision = 'allow' AND ts > ? AND ts <= ?`, at, before.UnixNano()).Scan(&moved)
		if err != nil {
			return err
		}
		count := last.Count + int(moved.Int64)
		_, err = tx.ExecContext(ctx, `INSERT INTO corrections (count, previous, reason, by, at)
			VALUES (?, ?, ?, ?, ?)`, count, count,
			"retention: entries before this time were purged; their movement is in this count",
			retentionBy, before.UnixNano())
		return err
	})
}
