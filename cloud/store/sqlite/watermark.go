package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// upsertUnit creates the unit's row or moves its last_seen forward, and
// reads its watermark. A unit's clock may be in 1970, so last_seen is the
// cloud's receive time, never the unit's.
const upsertUnit = `INSERT INTO units (site, unit, last_seen) VALUES (?, ?, ?)
	ON CONFLICT (site, unit) DO UPDATE SET
	last_seen = max(coalesce(last_seen, 0), excluded.last_seen)
	RETURNING acked_seq`

// touchUnits makes sure every unit that sent entries has a row, moves its
// last_seen forward and advances its watermark over what is now stored.
func (s *Store) touchUnits(ctx context.Context, tx *sql.Tx, entries []wire.Entry, receivedAt time.Time) ([]store.Watermark, error) {
	var out []store.Watermark
	seen := map[store.UnitID]bool{}
	for _, e := range entries {
		id := store.UnitID{Site: e.Site, Unit: e.Unit}
		if seen[id] {
			continue
		}
		seen[id] = true
		var acked int64
		err := s.stmt(ctx, tx, upsertUnit).QueryRowContext(ctx, e.Site, e.Unit, receivedAt.UnixNano()).Scan(&acked)
		if err != nil {
			return nil, fmt.Errorf("unit %s: %w", id, err)
		}
		w, err := s.advance(ctx, tx, id, acked)
		if err != nil {
			return nil, fmt.Errorf("unit %s watermark: %w", id, err)
		}
		if w != acked {
			if _, err := s.stmt(ctx, tx, setAcked).ExecContext(ctx, w, e.Site, e.Unit); err != nil {
				return nil, fmt.Errorf("unit %s watermark: %w", id, err)
			}
		}
		out = append(out, store.Watermark{Site: e.Site, Unit: e.Unit, Seq: uint64(w), Moved: w != acked})
	}
	return out, nil
}

const setAcked = `UPDATE units SET acked_seq = ? WHERE site = ? AND unit = ?`

// startQuery reads what startAt decides on.
const startQuery = `SELECT (SELECT min(seq) FROM entries WHERE site = ?1 AND unit = ?2),
	(SELECT CASE WHEN backlog = 0 THEN reported_acked END FROM units WHERE site = ?1 AND unit = ?2)`

// nextSeqs walks the UNIQUE (site, unit, seq) index upwards from a watermark.
// The walk stops at the first gap, so it reads only the entries it
// advances over plus one: a batch of 100 in order costs 101 index steps, a
// watermark held at a gap costs one however much is stored above it, and a
// backlog arriving in order is walked once in total.
const nextSeqs = `SELECT seq FROM entries WHERE site = ? AND unit = ? AND seq > ? ORDER BY seq`

// advance returns the unit's watermark after this transaction's inserts,
// starting from acked (0: not started, see Watermark).
func (s *Store) advance(ctx context.Context, tx *sql.Tx, unit store.UnitID, acked int64) (int64, error) {
	w := acked
	if w == 0 {
		start, ok, err := s.startAt(ctx, tx, unit)
		if err != nil || !ok {
			return 0, err
		}
		w = start
	}
	rows, err := s.stmt(ctx, tx, nextSeqs).QueryContext(ctx, unit.Site, unit.Unit, w)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		if err := rows.Scan(&seq); err != nil {
			return 0, err
		}
		if seq != w+1 {
			break
		}
		w = seq
	}
	return w, rows.Err()
}

// startAt says where a unit's watermark starts, if it can start yet (see
// Watermark). A NULL backlog means no online status has said.
func (s *Store) startAt(ctx context.Context, tx *sql.Tx, unit store.UnitID) (int64, bool, error) {
	var lowest, idleAcked sql.NullInt64
	err := s.stmt(ctx, tx, startQuery).QueryRowContext(ctx, unit.Site, unit.Unit).Scan(&lowest, &idleAcked)
	switch {
	case err != nil || !lowest.Valid:
		return 0, false, err // nothing stored: every entry of the batch had another's id
	case lowest.Int64 == 1:
		return 0, true, nil
	case idleAcked.Valid:
		return min(lowest.Int64-1, idleAcked.Int64), true, nil
	}
	return 0, false, nil
}

// AckedSeq is unit's watermark as stored: 0 for a unit not heard of or
// not started.
func (s *Store) AckedSeq(ctx context.Context, unit store.UnitID) (uint64, error) {
	var seq int64
	err := s.db.QueryRowContext(ctx, `SELECT acked_seq FROM units WHERE site = ? AND unit = ?`,
		unit.Site, unit.Unit).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: watermark of %s: %w", unit, err)
	}
	return uint64(seq), nil
}

// SetWatermark is the operator's way to say where a unit's watermark
// starts when the collector cannot know it: a restored database, or a
// unit that meets a new collector with a backlog above entries acknowledged
// before (see Watermark). Entries up to seq are taken as accounted for;
// the watermark then walks on over whatever is stored above. Nothing a
// unit or gateway says moves a watermark (a forged status would
// acknowledge entries never stored), so this is the only way besides
// storing entries, and the API audits every use. The unit learns the new
// ack when it next re-sends.
func (s *Store) SetWatermark(ctx context.Context, id store.UnitID, seq uint64) (store.Watermark, error) {
	if seq > math.MaxInt64 {
		return store.Watermark{}, fmt.Errorf("store: watermark %d is beyond %d", seq, int64(math.MaxInt64))
	}
	var w int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO units (site, unit, acked_seq) VALUES (?, ?, ?)
			ON CONFLICT (site, unit) DO UPDATE SET acked_seq = excluded.acked_seq`, id.Site, id.Unit, int64(seq))
		if err != nil {
			return err
		}
		if w, err = s.advance(ctx, tx, id, int64(seq)); err != nil || w == int64(seq) {
			return err
		}
		_, err = s.stmt(ctx, tx, setAcked).ExecContext(ctx, w, id.Site, id.Unit)
		return err
	})
	if err != nil {
		return store.Watermark{}, fmt.Errorf("store: set watermark of %s: %w", id, err)
	}
	return store.Watermark{Site: id.Site, Unit: id.Unit, Seq: uint64(w), Moved: true}, nil
}
