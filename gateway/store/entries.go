package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// Added is what Add did with one entry.
type Added struct {
	Record Record
	// New is true when the entry was stored now; false for a re-send of
	// an entry already here (same id, or same unit and seq).
	New bool
	// Watermark is the unit's local watermark after the Add: every entry
	// of the unit up to it is stored. Only meaningful when Started.
	Watermark uint64
	Started   bool
}

const insertEntry = `INSERT OR IGNORE INTO entries
	(id, site, unit, seq, lane, decision, ts, stored_at, alert, body)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// Add stores one decoded entry and the bytes it came as, unless it is
// already stored, and advances the unit's watermark in the same
// transaction, so the watermark never runs ahead of what is committed.
// now is the gateway's receive time: it stands in for the entry's time
// when the unit's clock was not synced (a Pi boots in 1970).
func (s *Store) Add(ctx context.Context, e wire.Entry, body []byte, now time.Time) (Added, error) {
	if e.Seq == 0 || e.Seq > math.MaxInt64 {
		return Added{}, fmt.Errorf("store: entry %s: seq %d is outside 1..%d", e.ID, e.Seq, int64(math.MaxInt64))
	}
	ts := now
	if e.ClockSynced {
		ts = e.Time
	}
	out := Added{Record: Record{Site: e.Site, Unit: e.Unit, Seq: e.Seq, Alert: e.Alert, Body: body}}
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, insertEntry, e.ID, e.Site, e.Unit, int64(e.Seq), string(e.Lane),
			string(e.Decision), ts.UnixNano(), now.UnixNano(), e.Alert, body)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			out.New = true
			out.Record.Row, _ = res.LastInsertId()
		}
		if err := touchUnit(ctx, tx, e.Site, e.Unit, string(e.Lane), now); err != nil {
			return err
		}
		out.Watermark, out.Started, _, err = advance(ctx, tx, e.Unit)
		return err
	})
	if err != nil {
		return Added{}, fmt.Errorf("store: add %s/%s seq %d: %w", e.Site, e.Unit, e.Seq, err)
	}
	return out, nil
}

// touchUnit makes sure the unit has a row and remembers the first lane it
// was heard on, so a gateway without [[lanes]] in its config knows which
// units are entrances.
func touchUnit(ctx context.Context, tx *sql.Tx, site, unit, lane string, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO units (unit, site, lane, last_seen) VALUES (?, ?, ?, ?)
		ON CONFLICT (unit) DO UPDATE SET site = excluded.site,
		lane = CASE WHEN units.lane = '' THEN excluded.lane ELSE units.lane END,
		last_seen = max(units.last_seen, excluded.last_seen)`, unit, site, lane, now.UnixNano())
	return err
}

// Pending returns up to limit records the cloud has not acknowledged, with
// Row above after, in arrival order: the bridge's backlog cursor.
func (s *Store) Pending(ctx context.Context, after int64, limit int) ([]Record, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT row, site, unit, seq, alert, body FROM entries
		WHERE cloud_acked = 0 AND row > ? ORDER BY row LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: pending after %d: %w", after, err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		var r Record
		var seq int64
		if err := rows.Scan(&r.Row, &r.Site, &r.Unit, &seq, &r.Alert, &r.Body); err != nil {
			return nil, fmt.Errorf("store: pending: %w", err)
		}
		r.Seq = uint64(seq)
		out = append(out, r)
	}
	return out, rows.Err()
}

// CloudAcked marks every entry of unit with seq up to seq as stored by the
// cloud collector and returns how many were newly marked. Acks are
// retained and re-sent, so a repeated or older one changes nothing.
func (s *Store) CloudAcked(ctx context.Context, site, unit string, seq uint64) (int, error) {
	if seq > math.MaxInt64 {
		return 0, fmt.Errorf("store: cloud ack of %s/%s: seq %d out of range", site, unit, seq)
	}
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE entries SET cloud_acked = 1
			WHERE unit = ? AND seq <= ? AND cloud_acked = 0`, unit, int64(seq))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		_, err = tx.ExecContext(ctx, `INSERT INTO units (unit, site, cloud_seq) VALUES (?, ?, ?)
			ON CONFLICT (unit) DO UPDATE SET cloud_seq = max(units.cloud_seq, excluded.cloud_seq)`,
			unit, site, int64(seq))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: cloud ack of %s/%s at %d: %w", site, unit, seq, err)
	}
	return int(n), nil
}

// CloudAckedSeq is the highest seq of unit the cloud acknowledged (0 if
// none).
func (s *Store) CloudAckedSeq(ctx context.Context, unit string) (uint64, error) {
	var seq int64
	err := s.db.QueryRowContext(ctx, `SELECT cloud_seq FROM units WHERE unit = ?`, unit).Scan(&seq)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: cloud watermark of %s: %w", unit, err)
	}
	return uint64(seq), nil
}

// Backlog counts the entries of unit (every unit when unit is "") the
// cloud has not acknowledged, and when the oldest of them was stored here
// (zero when there are none).
func (s *Store) Backlog(ctx context.Context, unit string) (int, time.Time, error) {
	var n int
	var oldest sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT count(*), min(stored_at) FROM entries
		WHERE cloud_acked = 0 AND (?1 = '' OR unit = ?1)`, unit).Scan(&n, &oldest)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("store: backlog of %q: %w", unit, err)
	}
	if !oldest.Valid {
		return n, time.Time{}, nil
	}
	return n, time.Unix(0, oldest.Int64).UTC(), nil
}
