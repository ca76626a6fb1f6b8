package store

import (
	"errors"
	"time"
)

// Sessions are the dashboard's logins (SECURITY.md "Logins with roles"). They live in the
// store, not in a collector's memory, so any replica behind a load
// balancer accepts a session another one opened, and a restart does not
// log the control room out.
//
// The store never holds what the browser holds: ID is the hex SHA-256 of
// the random cookie value, so a copy of the table (a backup, a read-only
// SQL injection) cannot be replayed as logins. The user's role and scope
// are not kept here either: the API reads them from the collector's
// config at every request, so removing a user or changing a role takes
// effect at once on every open session.

// Session is one login.
type Session struct {
	ID        string // hex SHA-256 of the cookie value
	User      string // a [[users]] name from the collector's config
	CSRF      string // the token the dashboard sends with each change
	CreatedAt time.Time
	SeenAt    time.Time // the last request, at most a minute stale (see TouchSession)
}

// ErrSessionShape is returned for a session the store would not be able to
// find again, so the API's bug shows at login rather than as a logout.
var ErrSessionShape = errors.New("store: a session needs an id of 64 hex digits, a user, a csrf token and both times")

// Check refuses a session the store could not find again.
func (s Session) Check() error {
	if len(s.ID) != 64 || s.User == "" || s.CSRF == "" || s.CreatedAt.IsZero() || s.SeenAt.IsZero() {
		return ErrSessionShape
	}
	return nil
}
