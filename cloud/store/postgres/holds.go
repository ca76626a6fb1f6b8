package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kakou/kakou/cloud/store"
)

// pgHoldRows is SQLite's holdRows in PostgreSQL's words; the partial
// index entries_holds has the same predicate.
const pgHoldRows = `(decision = 'hold' OR strpos(reasons, '"released_after_negative_result"') > 0 OR strpos(detail, '"returnee":{') > 0)`

// pgMigrateHolds is SQLite's migrateHolds.
const pgMigrateHolds = `CREATE INDEX entries_holds ON entries (site, ts) WHERE ` + pgHoldRows + `;
	CREATE TABLE test_results (
		seq         BIGSERIAL PRIMARY KEY,
		id          TEXT COLLATE "C" NOT NULL UNIQUE,
		pass        TEXT COLLATE "C" NOT NULL,
		id_hash     TEXT COLLATE "C" NOT NULL,
		phone_hash  TEXT COLLATE "C" NOT NULL,
		result      TEXT NOT NULL,
		sampled_at  TEXT NOT NULL,
		scope       TEXT NOT NULL,
		recorded_by TEXT NOT NULL,
		recorded_at BIGINT NOT NULL
	);
	CREATE INDEX test_results_recorded ON test_results (recorded_at);`

// HoldEntries returns the entries of site ("" every site) at or after
// since that hold, release or register a returnee, oldest first.
func (p *Store) HoldEntries(ctx context.Context, site string, since time.Time) ([]store.Record, error) {
	q := `SELECT ` + store.RecordColumns + ` FROM entries WHERE ts >= $1 AND ` + pgHoldRows
	args := []any{since.UnixNano()}
	if site != "" {
		q += ` AND site = $2`
		args = append(args, site)
	}
	rows, err := p.pool.Query(ctx, q+` ORDER BY ts, seq`, args...)
	return collectRecords(rows, err, "holds")
}

const pgResultColumns = `seq, id, pass, id_hash, phone_hash, result, sampled_at, scope, recorded_by, recorded_at`

// PutResult stores r unless its id is stored, and returns the stored one.
func (p *Store) PutResult(ctx context.Context, r store.TestResult) (store.TestResult, bool, error) {
	if err := r.Check(); err != nil {
		return store.TestResult{}, false, err
	}
	t := r.Result
	tag, err := p.pool.Exec(ctx, `INSERT INTO test_results (id, pass, id_hash, phone_hash, result, sampled_at,
		scope, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
		t.ID, t.Pass, t.IDHash, t.PhoneHash, t.Result, t.SampledAt.UTC().Format(time.RFC3339Nano),
		r.Scope, r.By, r.RecordedAt.UnixNano())
	if err != nil {
		return store.TestResult{}, false, fmt.Errorf("store: put result %s: %w", t.ID, err)
	}
	got, err := pgScanResult(p.pool.QueryRow(ctx, `SELECT `+pgResultColumns+` FROM test_results WHERE id = $1`, t.ID))
	if err != nil {
		return store.TestResult{}, false, fmt.Errorf("store: put result %s: %w", t.ID, err)
	}
	return got, tag.RowsAffected() == 1, nil
}

// Results returns the results recorded at or after since, oldest first.
func (p *Store) Results(ctx context.Context, since time.Time) ([]store.TestResult, error) {
	rows, err := p.pool.Query(ctx, `SELECT `+pgResultColumns+` FROM test_results
		WHERE recorded_at >= $1 ORDER BY seq`, since.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("store: results: %w", err)
	}
	defer rows.Close()
	out := []store.TestResult{}
	for rows.Next() {
		r, err := pgScanResult(rows)
		if err != nil {
			return nil, fmt.Errorf("store: results: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func pgScanResult(row pgx.Row) (store.TestResult, error) {
	var r store.TestResult
	var seq, recorded int64
	var sampled string
	err := row.Scan(&seq, &r.Result.ID, &r.Result.Pass, &r.Result.IDHash, &r.Result.PhoneHash, &r.Result.Result,
		&sampled, &r.Scope, &r.By, &recorded)
	if err != nil {
		return r, err
	}
	r.Seq = uint64(seq)
	if r.Result.SampledAt, err = time.Parse(time.RFC3339Nano, sampled); err != nil {
		return r, fmt.Errorf("sampled_at %q: %w", sampled, err)
	}
	r.RecordedAt = time.Unix(0, recorded).UTC()
	return r, nil
}
