package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/kakou/kakou/cloud/store"
)

// PutDeadLetter stores a refused message, as sqlite.Store.PutDeadLetter does.
func (p *Store) PutDeadLetter(ctx context.Context, d store.DeadLetter) error {
	d = d.Clip()
	_, err := p.pool.Exec(ctx, `INSERT INTO dead_letters (topic, payload, size, error, received_at)
		VALUES ($1, $2, $3, $4, $5)`, d.Topic, d.Payload, d.Size, d.Error, d.ReceivedAt.UnixNano())
	if err != nil {
		return fmt.Errorf("store: dead letter from %.80q: %w", d.Topic, err)
	}
	return nil
}

// DeadLetters returns the newest limit dead letters, newest first: by id,
// the order they were written in, as SQLite's rowid.
func (p *Store) DeadLetters(ctx context.Context, limit int) ([]store.DeadLetter, error) {
	rows, err := p.pool.Query(ctx, `SELECT id, topic, payload, size, error, received_at
		FROM dead_letters ORDER BY id DESC LIMIT $1`, store.Query{Limit: limit}.RowLimit())
	if err != nil {
		return nil, fmt.Errorf("store: query dead letters: %w", err)
	}
	out := []store.DeadLetter{}
	var d store.DeadLetter
	var at int64
	_, err = pgx.ForEachRow(rows, []any{&d.ID, &d.Topic, &d.Payload, &d.Size, &d.Error, &at}, func() error {
		row := d
		row.Payload = append([]byte(nil), d.Payload...) // pgx reuses the buffer
		row.Finish(at)
		out = append(out, row)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: query dead letters: %w", err)
	}
	return out, nil
}

// CountDeadLetters is how many dead letters are stored, for the metric.
func (p *Store) CountDeadLetters(ctx context.Context) (int64, error) {
	var n int64
	if err := p.pool.QueryRow(ctx, `SELECT count(*) FROM dead_letters`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count dead letters: %w", err)
	}
	return n, nil
}
