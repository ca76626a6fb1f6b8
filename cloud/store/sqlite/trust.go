package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/kakou/kakou/cloud/store"
)

// migrateTrust adds the centre's trust list (store.TrustState): its
// version, issuer keys, revoked passes and DCC signer certificates.
const migrateTrust = `CREATE TABLE trust_meta (
		id         INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
		version    INTEGER NOT NULL,
		updated_at INTEGER,
		updated_by TEXT NOT NULL
	);
	INSERT INTO trust_meta (id, version, updated_by) VALUES (1, 0, '');
	CREATE TABLE trust_issuers (
		kind     TEXT NOT NULL,
		id       TEXT NOT NULL,
		key      TEXT NOT NULL,
		added_at INTEGER,
		added_by TEXT NOT NULL,
		PRIMARY KEY (kind, id)
	);
	CREATE TABLE trust_revoked (
		pass       TEXT NOT NULL PRIMARY KEY,
		reason     TEXT NOT NULL,
		revoked_at INTEGER,
		revoked_by TEXT NOT NULL,
		version    INTEGER NOT NULL
	);
	CREATE TABLE trust_dcc (
		sha256    TEXT NOT NULL PRIMARY KEY,
		kid       TEXT NOT NULL,
		country   TEXT NOT NULL,
		der       BLOB NOT NULL,
		subject   TEXT NOT NULL,
		not_after INTEGER,
		added_at  INTEGER,
		added_by  TEXT NOT NULL
	);`

// ChangeTrust applies c in one transaction and, when it changed anything,
// gives the list its next version. The store's one writer connection
// orders concurrent changes.
func (s *Store) ChangeTrust(ctx context.Context, c store.TrustChange) (version uint64, changed bool, err error) {
	if err := c.Check(); err != nil {
		return 0, false, err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, false, fmt.Errorf("store: change trust list: %w", err)
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, `SELECT version FROM trust_meta WHERE id = 1`).Scan(&version); err != nil {
		return 0, false, fmt.Errorf("store: change trust list: %w", err)
	}
	next := version + 1
	n, err := applyTrust(ctx, tx, c, next)
	if err != nil {
		return 0, false, fmt.Errorf("store: change trust list: %w", err)
	}
	if n == 0 {
		return version, false, nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE trust_meta SET version = ?, updated_at = ?, updated_by = ? WHERE id = 1`,
		next, nanos(c.At), c.By); err != nil {
		return 0, false, fmt.Errorf("store: change trust list: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, false, fmt.Errorf("store: change trust list: %w", err)
	}
	return next, true, nil
}

// applyTrust makes c's change and counts the rows it changed.
func applyTrust(ctx context.Context, tx *sql.Tx, c store.TrustChange, next uint64) (int64, error) {
	var total int64
	exec := func(q string, args ...any) error {
		r, err := tx.ExecContext(ctx, q, args...)
		if err == nil {
			n, _ := r.RowsAffected()
			total += n
		}
		return err
	}
	var err error
	switch {
	case c.Revoke != nil:
		r := c.Revoke
		err = exec(`INSERT INTO trust_revoked (pass, reason, revoked_at, revoked_by, version) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (pass) DO NOTHING`, r.Pass, r.Reason, nanos(c.At), c.By, next)
	case c.PutIssuer != nil:
		is := c.PutIssuer
		err = exec(`INSERT INTO trust_issuers (kind, id, key, added_at, added_by) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (kind, id) DO UPDATE SET key = excluded.key, added_at = excluded.added_at,
			added_by = excluded.added_by WHERE trust_issuers.key <> excluded.key`,
			string(is.Kind), is.ID, is.Key, nanos(c.At), c.By)
	case c.RemoveIssuer != nil:
		err = exec(`DELETE FROM trust_issuers WHERE kind = ? AND id = ?`, string(c.RemoveIssuer.Kind), c.RemoveIssuer.ID)
	default:
		if c.ReplaceDCC {
			err = exec(`DELETE FROM trust_dcc`)
		}
		for _, d := range c.DCC {
			if err != nil {
				break
			}
			err = exec(`INSERT INTO trust_dcc (sha256, kid, country, der, subject, not_after, added_at, added_by)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING`,
				d.SHA256(), d.KID, d.Country, d.DER, d.Subject, nanos(d.NotAfter), nanos(c.At), c.By)
		}
	}
	return total, err
}

// TrustState reads the whole list.
func (s *Store) TrustState(ctx context.Context) (store.TrustState, error) {
	var st store.TrustState
	var at sql.NullInt64
	wrap := func(err error) (store.TrustState, error) {
		return store.TrustState{}, fmt.Errorf("store: read trust list: %w", err)
	}
	// One read transaction: a snapshot, so a version is never read with
	// another version's rows.
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return wrap(err)
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, `SELECT version, updated_at, updated_by FROM trust_meta WHERE id = 1`).
		Scan(&st.Version, &at, &st.UpdatedBy); err != nil {
		return wrap(err)
	}
	st.UpdatedAt = fromNanos(at)
	err = trustRows(ctx, tx, `SELECT kind, id, key, added_at, added_by FROM trust_issuers ORDER BY kind, id`, func(r *sql.Rows) error {
		var is store.TrustIssuer
		var at sql.NullInt64
		err := r.Scan(&is.Kind, &is.ID, &is.Key, &at, &is.AddedBy)
		is.AddedAt = fromNanos(at)
		st.Issuers = append(st.Issuers, is)
		return err
	})
	if err == nil {
		err = trustRows(ctx, tx, `SELECT pass, reason, revoked_at, revoked_by, version FROM trust_revoked ORDER BY pass`, func(r *sql.Rows) error {
			var rv store.TrustRevocation
			var at sql.NullInt64
			err := r.Scan(&rv.Pass, &rv.Reason, &at, &rv.RevokedBy, &rv.Version)
			rv.RevokedAt = fromNanos(at)
			st.Revoked = append(st.Revoked, rv)
			return err
		})
	}
	if err == nil {
		err = trustRows(ctx, tx, `SELECT kid, country, der, subject, not_after, added_at, added_by FROM trust_dcc
			ORDER BY country, kid, sha256`, func(r *sql.Rows) error {
			var d store.DCCSigner
			var na, at sql.NullInt64
			err := r.Scan(&d.KID, &d.Country, &d.DER, &d.Subject, &na, &at, &d.AddedBy)
			d.NotAfter, d.AddedAt = fromNanos(na), fromNanos(at)
			st.DCC = append(st.DCC, d)
			return err
		})
	}
	if err != nil {
		return wrap(err)
	}
	return st, nil
}

// trustRows runs q and calls each for every row.
func trustRows(ctx context.Context, tx *sql.Tx, q string, each func(*sql.Rows) error) error {
	rs, err := tx.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rs.Close()
	for rs.Next() {
		if err := each(rs); err != nil {
			return err
		}
	}
	return rs.Err()
}
