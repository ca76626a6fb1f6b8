package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
)

// Grant is the flow last published to one entrance lane. It is saved
// before it is published, so a restarted gateway knows every slot it may
// have handed out and keeps the cap (gateway/occupancy).
type Grant struct {
	Unit      string
	AfterSeq  uint64
	Allowance int
	FlowSeq   uint64 // wire.Flow.Seq: strictly increases per lane across restarts
}

// SaveGrants stores grants in one transaction.
func (s *Store) SaveGrants(ctx context.Context, grants []Grant) error {
	if len(grants) == 0 {
		return nil
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		for _, g := range grants {
			if g.AfterSeq > math.MaxInt64 || g.FlowSeq > math.MaxInt64 {
				return fmt.Errorf("grant of %s: seq out of range", g.Unit)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO grants (unit, after_seq, allowance, flow_seq)
				VALUES (?, ?, ?, ?) ON CONFLICT (unit) DO UPDATE SET after_seq = excluded.after_seq,
				allowance = excluded.allowance, flow_seq = excluded.flow_seq`,
				g.Unit, int64(g.AfterSeq), g.Allowance, int64(g.FlowSeq))
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: save grants: %w", err)
	}
	return nil
}

// Grants returns every saved grant by unit.
func (s *Store) Grants(ctx context.Context) (map[string]Grant, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT unit, after_seq, allowance, flow_seq FROM grants`)
	if err != nil {
		return nil, fmt.Errorf("store: grants: %w", err)
	}
	defer rows.Close()
	out := map[string]Grant{}
	for rows.Next() {
		var g Grant
		var after, seq int64
		if err := rows.Scan(&g.Unit, &after, &g.Allowance, &seq); err != nil {
			return nil, fmt.Errorf("store: grants: %w", err)
		}
		g.AfterSeq, g.FlowSeq = uint64(after), uint64(seq)
		out[g.Unit] = g
	}
	return out, rows.Err()
}

// AdmitsAbove lists the seqs of unit's stored admissions (lane in,
// decision allow) above seq: what a lane has used of its grant.
func (s *Store) AdmitsAbove(ctx context.Context, unit string, seq uint64) ([]uint64, error) {
	if seq > math.MaxInt64 {
		seq = math.MaxInt64
	}
	rows, err := s.db.QueryContext(ctx, `SELECT seq FROM entries WHERE unit = ? AND seq > ?
		AND lane = 'in' AND decision = 'allow' ORDER BY seq`, unit, int64(seq))
	if err != nil {
		return nil, fmt.Errorf("store: admissions of %s: %w", unit, err)
	}
	defer rows.Close()
	var out []uint64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("store: admissions of %s: %w", unit, err)
		}
		out = append(out, uint64(v))
	}
	return out, rows.Err()
}

// Latest is a unit's entry with the highest seq: whether someone is held
// at that lane now (decision wait) and since when (Row, arrival order).
type Latest struct {
	Seq      uint64
	Decision string
	Row      int64
}

// LatestEntry returns unit's latest entry of a person at the gate, or a
// zero Latest if none.
func (s *Store) LatestEntry(ctx context.Context, unit string) (Latest, error) {
	var l Latest
	var seq int64
	// A guard's record (decision '') says nothing of who waits.
	err := s.db.QueryRowContext(ctx, `SELECT seq, decision, row FROM entries WHERE unit = ?
		AND decision <> '' ORDER BY seq DESC LIMIT 1`, unit).Scan(&seq, &l.Decision, &l.Row)
	if err == sql.ErrNoRows {
		return Latest{}, nil
	}
	if err != nil {
		return Latest{}, fmt.Errorf("store: latest entry of %s: %w", unit, err)
	}
	l.Seq = uint64(seq)
	return l, nil
}
