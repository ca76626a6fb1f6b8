package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// The local watermark. units.local_seq is how far a unit's entries are
// stored here without a gap; it is what the gateway acknowledges to the
// unit (wire.Ack on the LAN), which then may forget them, so it must never
// run ahead of what is committed. It moves only forward: it holds at a gap
// and jumps once the gap fills.
//
// Where it starts (units.started): a unit's ledger purges acknowledged
// entries, so the gateway may first hear of a unit at seq 500 with nothing
// below ever to come. It starts
//   - at 0 when the unit's seq 1 is stored: a unit's first entry;
//   - at the acked_seq of the unit's online status: every seq up to it was
//     acknowledged by someone (this gateway before its disk was replaced,
//     or the cloud while the unit was connected straight to it). A unit
//     publishes its birth before its entries on each connection;
//   - otherwise not yet: no ack, and the unit keeps re-sending.
// A later status with a higher acked_seq moves it up too (same reason).

// advance walks the unit's watermark over what is now stored and saves it.
// It reports the watermark, whether it has started and whether it moved.
func advance(ctx context.Context, tx *sql.Tx, unit string) (uint64, bool, bool, error) {
	var started bool
	var w int64
	err := tx.QueryRowContext(ctx, `SELECT started, local_seq FROM units WHERE unit = ?`, unit).Scan(&started, &w)
	if err != nil {
		return 0, false, false, err
	}
	if !started {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT count(*) FROM entries WHERE unit = ? AND seq = 1`, unit).Scan(&one)
		if err != nil || one == 0 {
			return 0, false, false, err
		}
		started, w = true, 0
		if _, err := tx.ExecContext(ctx, `UPDATE units SET started = 1 WHERE unit = ?`, unit); err != nil {
			return 0, false, false, err
		}
	}
	from := w
	w, err = walk(ctx, tx, unit, w)
	if err != nil || w == from {
		return uint64(w), true, false, err
	}
	_, err = tx.ExecContext(ctx, `UPDATE units SET local_seq = ? WHERE unit = ?`, w, unit)
	return uint64(w), true, true, err
}

// walk follows the UNIQUE (unit, seq) index up from w and stops at the
// first gap, so a watermark held at a gap costs one step however much is
// stored above it.
func walk(ctx context.Context, tx *sql.Tx, unit string, w int64) (int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT seq FROM entries WHERE unit = ? AND seq > ? ORDER BY seq`, unit, w)
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

// StatusSeen records a unit's status: its lane (the role the gateway
// gives it when the config names none) and, when online, the acked_seq
// its watermark may start or move up to. It returns the watermark, whether
// it has started and whether this status moved it.
func (s *Store) StatusSeen(ctx context.Context, st wire.Status, now time.Time) (w uint64, started, moved bool, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		if err := touchUnit(ctx, tx, st.Site, st.Unit, "", now); err != nil {
			return err
		}
		if st.Lane != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE units SET lane = ? WHERE unit = ?`, string(st.Lane), st.Unit); err != nil {
				return err
			}
		}
		before, _, err := localSeq(ctx, tx, st.Unit)
		if err != nil {
			return err
		}
		if st.State == wire.Online && st.AckedSeq <= 1<<62 {
			_, err := tx.ExecContext(ctx, `UPDATE units SET started = 1, local_seq = max(local_seq, ?)
				WHERE unit = ?`, int64(st.AckedSeq), st.Unit)
			if err != nil {
				return err
			}
		}
		w, started, _, err = advance(ctx, tx, st.Unit)
		moved = started && w != before
		return err
	})
	if err != nil {
		return 0, false, false, fmt.Errorf("store: status of %s/%s: %w", st.Site, st.Unit, err)
	}
	return w, started, moved, nil
}

func localSeq(ctx context.Context, tx *sql.Tx, unit string) (uint64, bool, error) {
	var w int64
	var started bool
	err := tx.QueryRowContext(ctx, `SELECT local_seq, started FROM units WHERE unit = ?`, unit).Scan(&w, &started)
	return uint64(w), started, err
}

// Unit is what the gateway knows of one unit.
type Unit struct {
	Unit, Site string
	Lane       wire.Lane // from its status or first entry; "" if not said
	Started    bool      // its local watermark has started
	Watermark  uint64    // local: stored here without a gap
	CloudSeq   uint64    // acknowledged by the cloud
}

// Units lists every unit the gateway has heard of, by id.
func (s *Store) Units(ctx context.Context) ([]Unit, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT unit, site, lane, started, local_seq, cloud_seq
		FROM units ORDER BY unit`)
	if err != nil {
		return nil, fmt.Errorf("store: units: %w", err)
	}
	defer rows.Close()
	var out []Unit
	for rows.Next() {
		var u Unit
		var lane string
		var w, c int64
		if err := rows.Scan(&u.Unit, &u.Site, &lane, &u.Started, &w, &c); err != nil {
			return nil, fmt.Errorf("store: units: %w", err)
		}
		u.Lane, u.Watermark, u.CloudSeq = wire.Lane(lane), uint64(w), uint64(c)
		out = append(out, u)
	}
	return out, rows.Err()
}
