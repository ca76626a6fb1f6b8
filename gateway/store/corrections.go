package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"time"
)

// Correction is a staff member's setting of the occupancy count, at
// opening or closing time or after a miscount (corrected by
// staff with an audited reason). Rows are never updated or deleted.
type Correction struct {
	ID       int64     `json:"id"`
	Count    int       `json:"count"`
	Previous int       `json:"previous"` // the count the gateway showed before
	Reason   string    `json:"reason"`
	By       string    `json:"by"`              // the name of who made it
	ByID     string    `json:"by_id,omitempty"` // the signed-in manager's id
	At       time.Time `json:"at"`
	// Entry is the id of the record that carries the correction to the
	// centre (CorrectAndRecord); empty for a retention baseline.
	Entry string `json:"entry,omitempty"`
}

// Correct appends a correction. Reason and By are required: a count that
// changes without a name and a why cannot be audited.
func (s *Store) Correct(ctx context.Context, c Correction) (Correction, error) {
	if err := checkCorrection(c); err != nil {
		return Correction{}, err
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO corrections (count, previous, reason, by, at)
			VALUES (?, ?, ?, ?, ?)`, c.Count, c.Previous, c.Reason, c.By, c.At.UnixNano())
		if err == nil {
			c.ID, err = res.LastInsertId()
		}
		return err
	})
	if err != nil {
		return Correction{}, fmt.Errorf("store: correction: %w", err)
	}
	return c, nil
}

// Corrections lists the audit trail, newest first, at most limit rows.
func (s *Store) Corrections(ctx context.Context, limit int) ([]Correction, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, count, previous, reason, by, by_id, entry, at FROM corrections
		ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: corrections: %w", err)
	}
	defer rows.Close()
	var out []Correction
	for rows.Next() {
		var c Correction
		var at int64
		if err := rows.Scan(&c.ID, &c.Count, &c.Previous, &c.Reason, &c.By, &c.ByID, &c.Entry, &at); err != nil {
			return nil, fmt.Errorf("store: corrections: %w", err)
		}
		c.At = time.Unix(0, at).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// LastCorrection returns the newest correction, ok false when there is
// none (the count then starts at 0 from the first entry).
func (s *Store) LastCorrection(ctx context.Context) (Correction, bool, error) {
	c, err := s.Corrections(ctx, 1)
	if err != nil || len(c) == 0 {
		return Correction{}, false, err
	}
	return c[0], true, nil
}

// Movement sums the admissions (+1, lane in) and exits (−1, lane out) with
// decision allow whose time is after since: the count's change since the
// last correction. The time is the unit's own when its clock was synced,
// so entries a cut-off unit buffered before the correction are not
// counted twice (they are in the count staff set).
func (s *Store) Movement(ctx context.Context, since time.Time) (int, error) {
	var n sql.NullInt64
	from := int64(math.MinInt64) // no correction yet: every entry counts
	if !since.IsZero() {
		from = since.UnixNano()
	}
	err := s.db.QueryRowContext(ctx, `SELECT sum(CASE lane WHEN 'in' THEN 1 ELSE -1 END) FROM entries
		WHERE decision = 'allow' AND ts > ?`, from).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: movement since %s: %w", since, err)
	}
	return int(n.Int64), nil
}
