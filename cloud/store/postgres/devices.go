package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kakou/kakou/cloud/store"
)

// PutEnrollmentToken stores a new one-time token, hashed.
func (p *Store) PutEnrollmentToken(ctx context.Context, t store.EnrollmentToken) error {
	if err := t.Check(); err != nil {
		return err
	}
	_, err := p.pool.Exec(ctx, `INSERT INTO enrollment_tokens (hash, site, unit, role,
		created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		store.TokenHash(t.Token), t.Site, t.Unit, t.Role, t.CreatedAt.UnixNano(), t.ExpiresAt.UnixNano())
	if err != nil {
		return fmt.Errorf("store: put enrollment token for %s/%s: %w", t.Site, t.Unit, err)
	}
	return nil
}

// Enroll spends e's token and stores the device's credential in one
// transaction, as sqlite.Store.Enroll does. SELECT … FOR UPDATE holds the
// token's row, so of two collectors redeeming one token at once the
// second waits and then finds it used.
func (p *Store) Enroll(ctx context.Context, e store.Enrollment) (store.DeviceCredential, error) {
	var cred store.DeviceCredential
	err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		var r store.TokenRow
		var used pgtype.Int8
		err := tx.QueryRow(ctx, `SELECT site, unit, role, expires_at, used_at
			FROM enrollment_tokens WHERE hash = $1 FOR UPDATE`, store.TokenHash(e.Token)).
			Scan(&r.Site, &r.Unit, &r.Role, &r.Expires, &used)
		if errors.Is(err, pgx.ErrNoRows) {
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
		if _, err := tx.Exec(ctx, `UPDATE enrollment_tokens SET used_at = $1 WHERE hash = $2`,
			e.At.UnixNano(), store.TokenHash(e.Token)); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO device_credentials (unit, site, role,
			password_hash, enrolled_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (site, unit) DO UPDATE SET
			role = excluded.role, password_hash = excluded.password_hash,
			enrolled_at = excluded.enrolled_at`,
			cred.Unit, cred.Site, cred.Role, cred.PasswordHash, e.At.UnixNano())
		return err
	})
	if err != nil {
		return store.DeviceCredential{}, store.EnrollError(e, err)
	}
	return cred, nil
}

// DeviceCredential is the credential of the device id names, or
// ErrNotFound, as sqlite.Store.DeviceCredential.
func (p *Store) DeviceCredential(ctx context.Context, id store.UnitID) (store.DeviceCredential, error) {
	rows, err := p.pool.Query(ctx, `SELECT unit, site, role, password_hash, enrolled_at
		FROM device_credentials WHERE unit = $1 AND (site = $2 OR $2 = '') LIMIT 2`, id.Unit, id.Site)
	if err != nil {
		return store.DeviceCredential{}, fmt.Errorf("store: device credential %s: %w", id, err)
	}
	var found []store.DeviceCredential
	var c store.DeviceCredential
	var at int64
	_, err = pgx.ForEachRow(rows, []any{&c.Unit, &c.Site, &c.Role, &c.PasswordHash, &at}, func() error {
		c.EnrolledAt = time.Unix(0, at).UTC()
		found = append(found, c)
		return nil
	})
	if err != nil {
		return store.DeviceCredential{}, fmt.Errorf("store: device credential %s: %w", id, err)
	}
	return store.OneCredential(id, found)
}

// DeviceCredentials lists every enrolled device by unit id.
func (p *Store) DeviceCredentials(ctx context.Context) ([]store.DeviceCredential, error) {
	rows, err := p.pool.Query(ctx, `SELECT unit, site, role, password_hash, enrolled_at
		FROM device_credentials ORDER BY site, unit`)
	if err != nil {
		return nil, fmt.Errorf("store: query device credentials: %w", err)
	}
	out := []store.DeviceCredential{}
	var c store.DeviceCredential
	var at int64
	_, err = pgx.ForEachRow(rows, []any{&c.Unit, &c.Site, &c.Role, &c.PasswordHash, &at}, func() error {
		c.EnrolledAt = time.Unix(0, at).UTC()
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: query device credentials: %w", err)
	}
	return out, nil
}
