package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kakou/kakou/cloud/store"
)

// PutSession stores a new login, as sqlite.Store.PutSession does.
func (p *Store) PutSession(ctx context.Context, se store.Session) error {
	if err := se.Check(); err != nil {
		return err
	}
	_, err := p.pool.Exec(ctx, `INSERT INTO sessions (id, user_name, csrf, created_at, seen_at)
		VALUES ($1, $2, $3, $4, $5)`, se.ID, se.User, se.CSRF, se.CreatedAt.UnixNano(), se.SeenAt.UnixNano())
	if err != nil {
		return fmt.Errorf("store: put session: %w", err)
	}
	return nil
}

// Session returns the login with the given id, ErrNotFound if there is none.
func (p *Store) Session(ctx context.Context, id string) (store.Session, error) {
	se := store.Session{ID: id}
	var created, seen int64
	err := p.pool.QueryRow(ctx, `SELECT user_name, csrf, created_at, seen_at FROM sessions
		WHERE id = $1`, id).Scan(&se.User, &se.CSRF, &created, &seen)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return store.Session{}, store.ErrNotFound
	case err != nil:
		return store.Session{}, fmt.Errorf("store: read session: %w", err)
	}
	se.CreatedAt, se.SeenAt = time.Unix(0, created).UTC(), time.Unix(0, seen).UTC()
	return se, nil
}

// TouchSession records a request at at, never moving SeenAt back.
func (p *Store) TouchSession(ctx context.Context, id string, at time.Time) error {
	_, err := p.pool.Exec(ctx, `UPDATE sessions SET seen_at = GREATEST(seen_at, $1) WHERE id = $2`,
		at.UnixNano(), id)
	if err != nil {
		return fmt.Errorf("store: touch session: %w", err)
	}
	return nil
}

// DeleteSession ends a login; ending one that is gone is not an error.
func (p *Store) DeleteSession(ctx context.Context, id string) error {
	if _, err := p.pool.Exec(ctx, `DELETE FROM sessions WHERE id = $1`, id); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// PurgeSessions deletes the logins idle since before idleBefore or opened
// before openedBefore, and says how many went.
func (p *Store) PurgeSessions(ctx context.Context, idleBefore, openedBefore time.Time) (int, error) {
	tag, err := p.pool.Exec(ctx, `DELETE FROM sessions WHERE seen_at < $1 OR created_at < $2`,
		idleBefore.UnixNano(), openedBefore.UnixNano())
	if err != nil {
		return 0, fmt.Errorf("store: purge sessions: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
