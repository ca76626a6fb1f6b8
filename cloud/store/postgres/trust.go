package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kakou/kakou/cloud/store"
)

// pgMigrateTrust adds the centre's trust list, as SQLite's migrateTrust.
const pgMigrateTrust = `CREATE TABLE trust_meta (
		id         INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
		version    BIGINT NOT NULL,
		updated_at BIGINT,
		updated_by TEXT NOT NULL
	);
	INSERT INTO trust_meta (id, version, updated_by) VALUES (1, 0, '');
	CREATE TABLE trust_issuers (
		kind     TEXT COLLATE "C" NOT NULL,
		id       TEXT COLLATE "C" NOT NULL,
		key      TEXT NOT NULL,
		added_at BIGINT,
		added_by TEXT NOT NULL,
		PRIMARY KEY (kind, id)
	);
	CREATE TABLE trust_revoked (
		pass       TEXT COLLATE "C" NOT NULL PRIMARY KEY,
		reason     TEXT NOT NULL,
		revoked_at BIGINT,
		revoked_by TEXT NOT NULL,
		version    BIGINT NOT NULL
	);
	CREATE TABLE trust_dcc (
		sha256    TEXT COLLATE "C" NOT NULL PRIMARY KEY,
		kid       TEXT COLLATE "C" NOT NULL,
		country   TEXT COLLATE "C" NOT NULL,
		der       BYTEA NOT NULL,
		subject   TEXT NOT NULL,
		not_after BIGINT,
		added_at  BIGINT,
		added_by  TEXT NOT NULL
	);`

// ChangeTrust applies c in one transaction and, when it changed anything,
// gives the list its next version, as sqlite.Store.ChangeTrust. The
// version row is locked first, so concurrent changes, from one collector
// or several, take distinct versions in turn.
func (p *Store) ChangeTrust(ctx context.Context, c store.TrustChange) (version uint64, changed bool, err error) {
	if err := c.Check(); err != nil {
		return 0, false, err
	}
	err = pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		var v int64
		if err := tx.QueryRow(ctx, `SELECT version FROM trust_meta WHERE id = 1 FOR UPDATE`).Scan(&v); err != nil {
			return err
		}
		version, changed = uint64(v), false
		n, err := pgApplyTrust(ctx, tx, c, int64(v)+1)
		if err != nil || n == 0 {
			return err
		}
		version, changed = uint64(v)+1, true
		_, err = tx.Exec(ctx, `UPDATE trust_meta SET version = $1, updated_at = $2, updated_by = $3 WHERE id = 1`,
			v+1, pgNanos(c.At), c.By)
		return err
	})
	if err != nil {
		return 0, false, fmt.Errorf("store: change trust list: %w", err)
	}
	return version, changed, nil
}

// pgApplyTrust makes c's change and counts the rows it changed.
func pgApplyTrust(ctx context.Context, tx pgx.Tx, c store.TrustChange, next int64) (int64, error) {
	var total int64
	exec := func(q string, args ...any) error {
		tag, err := tx.Exec(ctx, q, args...)
		total += tag.RowsAffected()
		return err
	}
	var err error
	switch {
	case c.Revoke != nil:
		r := c.Revoke
		err = exec(`INSERT INTO trust_revoked (pass, reason, revoked_at, revoked_by, version) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (pass) DO NOTHING`, r.Pass, r.Reason, pgNanos(c.At), c.By, next)
	case c.PutIssuer != nil:
		is := c.PutIssuer
		err = exec(`INSERT INTO trust_issuers (kind, id, key, added_at, added_by) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (kind, id) DO UPDATE SET key = excluded.key, added_at = excluded.added_at,
			added_by = excluded.added_by WHERE trust_issuers.key <> excluded.key`,
			string(is.Kind), is.ID, is.Key, pgNanos(c.At), c.By)
	case c.RemoveIssuer != nil:
		err = exec(`DELETE FROM trust_issuers WHERE kind = $1 AND id = $2`, string(c.RemoveIssuer.Kind), c.RemoveIssuer.ID)
	default:
		if c.ReplaceDCC {
			err = exec(`DELETE FROM trust_dcc`)
		}
		for _, d := range c.DCC {
			if err != nil {
				break
			}
			err = exec(`INSERT INTO trust_dcc (sha256, kid, country, der, subject, not_after, added_at, added_by)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (sha256) DO NOTHING`,
				d.SHA256(), d.KID, d.Country, d.DER, d.Subject, pgNanos(d.NotAfter), pgNanos(c.At), c.By)
		}
	}
	return total, err
}

// TrustState reads the whole list in one snapshot.
func (p *Store) TrustState(ctx context.Context) (store.TrustState, error) {
	var st store.TrustState
	err := pgx.BeginTxFunc(ctx, p.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var v int64
		var at pgtype.Int8
		if err := tx.QueryRow(ctx, `SELECT version, updated_at, updated_by FROM trust_meta WHERE id = 1`).
			Scan(&v, &at, &st.UpdatedBy); err != nil {
			return err
		}
		st.Version, st.UpdatedAt = uint64(v), pgTime(at)
		if err := pgTrustRows(ctx, tx, `SELECT kind, id, key, added_at, added_by FROM trust_issuers ORDER BY kind, id`,
			func(r pgx.Rows) error {
				var is store.TrustIssuer
				var at pgtype.Int8
				err := r.Scan(&is.Kind, &is.ID, &is.Key, &at, &is.AddedBy)
				is.AddedAt = pgTime(at)
				st.Issuers = append(st.Issuers, is)
				return err
			}); err != nil {
			return err
		}
		if err := pgTrustRows(ctx, tx, `SELECT pass, reason, revoked_at, revoked_by, version FROM trust_revoked ORDER BY pass`,
			func(r pgx.Rows) error {
				var rv store.TrustRevocation
				var at pgtype.Int8
				var ver int64
				err := r.Scan(&rv.Pass, &rv.Reason, &at, &rv.RevokedBy, &ver)
				rv.RevokedAt, rv.Version = pgTime(at), uint64(ver)
				st.Revoked = append(st.Revoked, rv)
				return err
			}); err != nil {
			return err
		}
		return pgTrustRows(ctx, tx, `SELECT kid, country, der, subject, not_after, added_at, added_by FROM trust_dcc
			ORDER BY country, kid, sha256`, func(r pgx.Rows) error {
			var d store.DCCSigner
			var na, at pgtype.Int8
			err := r.Scan(&d.KID, &d.Country, &d.DER, &d.Subject, &na, &at, &d.AddedBy)
			d.NotAfter, d.AddedAt = pgTime(na), pgTime(at)
			st.DCC = append(st.DCC, d)
			return err
		})
	})
	if err != nil {
		return store.TrustState{}, fmt.Errorf("store: read trust list: %w", err)
	}
	return st, nil
}

// pgTrustRows runs q in tx and calls each for every row.
func pgTrustRows(ctx context.Context, tx pgx.Tx, q string, each func(pgx.Rows) error) error {
	rs, err := tx.Query(ctx, q)
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
