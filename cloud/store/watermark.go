package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// Watermark is how far the collector has stored a unit's entries without a
// gap: every entry of Unit from its start (below) up to and including Seq
// is in the store. It is what the collector acknowledges to the unit
// (wire.Ack), so it must never run ahead of what is committed; PutEntries
// moves it in the same transaction as the entries, and from then on only
// forward, one stored seq at a time: it holds at a gap and jumps once the
// gap is filled.
//
// Where a unit starts. units.acked_seq is 0 until the watermark has
// started. A unit's ledger purges acknowledged entries, so the collector
// may first hear of a unit at seq 500 with nothing below ever to come; but
// the unit's uplink sends live entries ahead of its backlog, and the
// backlog's alerts ahead of the rest, so the first seq heard of is not
// where the unit's unacknowledged entries begin when it has a backlog. The
// watermark therefore starts, after the transaction's inserts:
//   - at 0 when the unit's seq 1 is stored: a unit's first entry;
//   - just below the lowest seq stored when the unit's last online status
//     said nothing waits (backlog 0): then everything it sends is live, in
//     order, from just after its last acknowledgement. Its birth status is
//     published before its entries on the same connection, and ingest
//     stores messages in the order they came;
//   - otherwise not yet: no ack, and the unit keeps sending.
//
// So a unit that meets a database that does not know it (a new or
// restored collector) while it holds a backlog above entries acknowledged
// before gets no ack: its backlog and disk alarm show on the dashboard, and
// an operator starts it by setting units.acked_seq to the unit's last
// acknowledged seq ("uplink: sending backlog" after_seq in the unit's log).
// Guessing instead would acknowledge entries never stored, and the unit
// would drop them.
type Watermark struct {
	Site, Unit string
	Seq        uint64
	Moved      bool // this PutEntries advanced it
}

// upsertUnit creates the unit's row or moves its last_seen forward, and
// reads its watermark. A unit's clock may be in 1970, so last_seen is the
// cloud's receive time, never the unit's.
const upsertUnit = `INSERT INTO units (unit, site, last_seen) VALUES (?, ?, ?)
	ON CONFLICT (unit) DO UPDATE SET site = excluded.site,
	last_seen = max(coalesce(last_seen, 0), excluded.last_seen)
	RETURNING acked_seq`

// touchUnits makes sure every unit that sent entries has a row, moves its
// last_seen forward and advances its watermark over what is now stored.
func (s *SQLite) touchUnits(ctx context.Context, tx *sql.Tx, entries []wire.Entry, receivedAt time.Time) ([]Watermark, error) {
	var out []Watermark
	seen := map[string]bool{}
	for _, e := range entries {
		if seen[e.Unit] {
			continue
		}
		seen[e.Unit] = true
		var acked int64
		err := s.stmt(ctx, tx, upsertUnit).QueryRowContext(ctx, e.Unit, e.Site, receivedAt.UnixNano()).Scan(&acked)
		if err != nil {
			return nil, fmt.Errorf("unit %s: %w", e.Unit, err)
		}
		w, err := s.advance(ctx, tx, e.Unit, acked)
		if err != nil {
			return nil, fmt.Errorf("unit %s watermark: %w", e.Unit, err)
		}
		if w != acked {
			if _, err := s.stmt(ctx, tx, setAcked).ExecContext(ctx, w, e.Unit); err != nil {
				return nil, fmt.Errorf("unit %s watermark: %w", e.Unit, err)
			}
		}
		out = append(out, Watermark{Site: e.Site, Unit: e.Unit, Seq: uint64(w), Moved: w != acked})
	}
	return out, nil
}

const setAcked = `UPDATE units SET acked_seq = ? WHERE unit = ?`

// startQuery reads what startAt decides on.
const startQuery = `SELECT (SELECT min(seq) FROM entries WHERE unit = ?1),
	(SELECT backlog = 0 FROM units WHERE unit = ?1)`

// nextSeqs walks the UNIQUE (unit, seq) index upwards from a watermark.
// The walk stops at the first gap, so it reads only the entries it
// advances over plus one: a batch of 100 in order costs 101 index steps, a
// watermark held at a gap costs one however much is stored above it, and a
// backlog arriving in order is walked once in total.
const nextSeqs = `SELECT seq FROM entries WHERE unit = ? AND seq > ? ORDER BY seq`

// advance returns the unit's watermark after this transaction's inserts,
// starting from acked (0: not started, see Watermark).
func (s *SQLite) advance(ctx context.Context, tx *sql.Tx, unit string, acked int64) (int64, error) {
	w := acked
	if w == 0 {
		start, ok, err := s.startAt(ctx, tx, unit)
		if err != nil || !ok {
			return 0, err
		}
		w = start
	}
	rows, err := s.stmt(ctx, tx, nextSeqs).QueryContext(ctx, unit, w)
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
func (s *SQLite) startAt(ctx context.Context, tx *sql.Tx, unit string) (int64, bool, error) {
	var lowest sql.NullInt64
	var idle sql.NullBool
	err := s.stmt(ctx, tx, startQuery).QueryRowContext(ctx, unit).Scan(&lowest, &idle)
	switch {
	case err != nil || !lowest.Valid:
		return 0, false, err // nothing stored: every entry of the batch had another's id
	case lowest.Int64 == 1 || idle.Valid && idle.Bool:
		return lowest.Int64 - 1, true, nil
	}
	return 0, false, nil
}

// AckedSeq is unit's watermark as stored: 0 for a unit not heard of or
// not started.
func (s *SQLite) AckedSeq(ctx context.Context, unit string) (uint64, error) {
	var seq int64
	err := s.db.QueryRowContext(ctx, `SELECT acked_seq FROM units WHERE unit = ?`, unit).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: watermark of %s: %w", unit, err)
	}
	return uint64(seq), nil
}
