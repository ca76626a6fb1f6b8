package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kakou/kakou/cloud/store"
)

// PutEnrollmentToken stores a new one-time token, hashed.
func (s *Store) PutEnrollmentToken(ctx context.Context, t store.EnrollmentToken) error {
	if err := t.Check(); err != nil {
		return err
	}
	_, err := s.w.ExecContext(ctx, `INSERT INTO enrollment_tokens (hash, site, unit, role,
		created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
		store.TokenHash(t.Token), t.Site, t.Unit, t.Role, t.CreatedAt.UnixNano(), t.ExpiresAt.UnixNano())
	if err != nil {
		return fmt.Errorf("store: put enrollment token for %s/%s: %w", t.Site, t.Unit, err)
	}
	return nil
}

// Enroll spends e's token and stores the device's credential, replacing an
// earlier one (a unit re-enrolled after its SD card was replaced), in one
// transaction: a token is spent exactly when a credential comes of it.
// The immediate transaction (dsnParams) makes two devices racing with one
// token queue, so the second finds it used.
func (s *Store) Enroll(ctx context.Context, e store.Enrollment) (store.DeviceCredential, error) {
	var cred store.DeviceCredential
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var r store.TokenRow
		var used sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT site, unit, role, expires_at, used_at
			FROM enrollment_tokens WHERE hash = ?`, store.TokenHash(e.Token)).
			Scan(&r.Site, &r.Unit, &r.Role, &r.Expires, &used)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrTokenUnknown
		} else if err != nil {
			return err
		}
		r.Used = used.Valid
		if err := r.Check(e); err != nil {
			return err
		}
		cred = store.DeviceCredential{Unit: r.Unit, Site: r.Site, Role: r.Role, PasswordHash: e.PasswordHash,
			EnrolledAt: e.At.UTC()}
		if _, err := tx.ExecContext(ctx, `UPDATE enrollment_tokens SET used_at = ? WHERE hash = ?`,
			e.At.UnixNano(), store.TokenHash(e.Token)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO device_credentials (site, unit, role,
			password_hash, enrolled_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (site, unit) DO UPDATE SET
			role = excluded.role, password_hash = excluded.password_hash,
			enrolled_at = excluded.enrolled_at`,
			cred.Site, cred.Unit, cred.Role, cred.PasswordHash, e.At.UnixNano())
		return err
	})
	if err != nil {
		return store.DeviceCredential{}, store.EnrollError(e, err)
	}
	return cred, nil
}

// DeviceCredential is the credential of the device id names, or
// ErrNotFound. An id without a site is a user name from before
// credentials named the site (see store.ParseUsername).
func (s *Store) DeviceCredential(ctx context.Context, id store.UnitID) (store.DeviceCredential, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT unit, site, role, password_hash, enrolled_at
		FROM device_credentials WHERE unit = ?1 AND (site = ?2 OR ?2 = '') LIMIT 2`, id.Unit, id.Site)
	if err != nil {
		return store.DeviceCredential{}, fmt.Errorf("store: device credential %s: %w", id, err)
	}
	defer rows.Close()
	var found []store.DeviceCredential
	for rows.Next() {
		var c store.DeviceCredential
		var at int64
		if err := rows.Scan(&c.Unit, &c.Site, &c.Role, &c.PasswordHash, &at); err != nil {
			return store.DeviceCredential{}, fmt.Errorf("store: device credential %s: %w", id, err)
		}
		c.EnrolledAt = time.Unix(0, at).UTC()
		found = append(found, c)
	}
	if err := rows.Err(); err != nil {
		return store.DeviceCredential{}, fmt.Errorf("store: device credential %s: %w", id, err)
	}
	return store.OneCredential(id, found)
}

// DeviceCredentials lists every enrolled device by site and unit, for the
// external broker's password and ACL files.
func (s *Store) DeviceCredentials(ctx context.Context) ([]store.DeviceCredential, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT unit, site, role, password_hash, enrolled_at
		FROM device_credentials ORDER BY site, unit`)
	if err != nil {
		return nil, fmt.Errorf("store: query device credentials: %w", err)
	}
	defer rows.Close()
	out := []store.DeviceCredential{}
	for rows.Next() {
		var c store.DeviceCredential
		var at int64
		if err := rows.Scan(&c.Unit, &c.Site, &c.Role, &c.PasswordHash, &at); err != nil {
			return nil, fmt.Errorf("store: read device credential: %w", err)
		}
		c.EnrolledAt = time.Unix(0, at).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}
