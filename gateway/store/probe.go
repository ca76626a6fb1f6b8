package store

import (
	"context"
	"fmt"
)

// Writable checks the database takes a write (a row inserted and rolled
// back): a new program version is kept only if the outbox still stores
// what the units hand over (gateway/gateway/update.go).
func (s *Store) Writable(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO units (unit, site) VALUES ('.update-probe', '')`); err != nil {
		return fmt.Errorf("store: write: %w", err)
	}
	return nil
}
