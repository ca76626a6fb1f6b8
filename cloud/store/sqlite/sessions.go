package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kakou/kakou/cloud/store"
)

// PutSession stores a new login (see Session).
func (s *Store) PutSession(ctx context.Context, se store.Session) error {
	if err := se.Check(); err != nil {
		return err
	}
	_, err := s.w.ExecContext(ctx, `INSERT INTO sessions (id, user_name, csrf, created_at, seen_at)
		VALUES (?, ?, ?, ?, ?)`, se.ID, se.User, se.CSRF, nanos(se.CreatedAt), nanos(se.SeenAt))
	if err != nil {
		return fmt.Errorf("store: put session: %w", err)
	}
	return nil
}

// Session returns the login with the given id, ErrNotFound if there is
// none (never opened, logged out or purged).
func (s *Store) Session(ctx context.Context, id string) (store.Session, error) {
	se := store.Session{ID: id}
	var created, seen sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT user_name, csrf, created_at, seen_at FROM sessions
		WHERE id = ?`, id).Scan(&se.User, &se.CSRF, &created, &seen)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return store.Session{}, store.ErrNotFound
	case err != nil:
		return store.Session{}, fmt.Errorf("store: read session: %w", err)
	}
	se.CreatedAt, se.SeenAt = fromNanos(created), fromNanos(seen)
	return se, nil
}

// TouchSession records a request at at. It never moves SeenAt back, so
// two replicas touching at once cannot shorten a session.
func (s *Store) TouchSession(ctx context.Context, id string, at time.Time) error {
	_, err := s.w.ExecContext(ctx, `UPDATE sessions SET seen_at = max(seen_at, ?) WHERE id = ?`,
		nanos(at), id)
	if err != nil {
		return fmt.Errorf("store: touch session: %w", err)
	}
	return nil
}

// DeleteSession ends a login; ending one that is gone is not an error.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, id); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// PurgeSessions deletes the logins idle since before idleBefore or opened
// before openedBefore, and says how many went.
func (s *Store) PurgeSessions(ctx context.Context, idleBefore, openedBefore time.Time) (int, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE seen_at < ? OR created_at < ?`,
		nanos(idleBefore), nanos(openedBefore))
	if err != nil {
		return 0, fmt.Errorf("store: purge sessions: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
