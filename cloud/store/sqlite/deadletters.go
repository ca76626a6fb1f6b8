package sqlite

import (
	"context"
	"fmt"

	"github.com/kakou/kakou/cloud/store"
)

const insertDeadLetter = `INSERT INTO dead_letters (topic, payload, size, error, received_at)
	VALUES (?, ?, ?, ?, ?)`

// PutDeadLetter stores a refused message, clipped as DeadLetter says.
func (s *Store) PutDeadLetter(ctx context.Context, d store.DeadLetter) error {
	d = d.Clip()
	_, err := s.w.ExecContext(ctx, insertDeadLetter, d.Topic, d.Payload, d.Size, d.Error, d.ReceivedAt.UnixNano())
	if err != nil {
		return fmt.Errorf("store: dead letter from %.80q: %w", d.Topic, err)
	}
	return nil
}

// DeadLetters returns the newest limit dead letters, newest first.
func (s *Store) DeadLetters(ctx context.Context, limit int) ([]store.DeadLetter, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, topic, payload, size, error, received_at
		FROM dead_letters ORDER BY id DESC LIMIT ?`, store.Query{Limit: limit}.RowLimit())
	if err != nil {
		return nil, fmt.Errorf("store: query dead letters: %w", err)
	}
	defer rows.Close()
	out := []store.DeadLetter{}
	for rows.Next() {
		var d store.DeadLetter
		var at int64
		if err := rows.Scan(&d.ID, &d.Topic, &d.Payload, &d.Size, &d.Error, &at); err != nil {
			return nil, fmt.Errorf("store: read dead letter: %w", err)
		}
		d.Finish(at)
		out = append(out, d)
	}
	return out, rows.Err()
}

// CountDeadLetters is how many dead letters are stored, for the metric.
func (s *Store) CountDeadLetters(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM dead_letters`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count dead letters: %w", err)
	}
	return n, nil
}
