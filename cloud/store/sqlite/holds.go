package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kakou/kakou/cloud/store"
)

// holdRows picks the entries that hold someone for sampling, release
// someone, or register a returnee (store.HoldEntries). The partial index
// entries_holds has the same predicate word for word, which is what lets
// SQLite use it.
const holdRows = `(decision = 'hold' OR instr(reasons, '"released_after_negative_result"') > 0 OR instr(detail, '"returnee":{') > 0)`

// migrateHolds adds the holds' index and the results operators record
// (store.TestResult). sampled_at is RFC 3339 text: a result may say any
// year before 9999, past what nanoseconds in an INTEGER hold.
const migrateHolds = `CREATE INDEX entries_holds ON entries (site, ts) WHERE ` + holdRows + `;
	CREATE TABLE test_results (
		seq         INTEGER PRIMARY KEY AUTOINCREMENT,
		id          TEXT NOT NULL UNIQUE,
		pass        TEXT NOT NULL,
		id_hash     TEXT NOT NULL,
		phone_hash  TEXT NOT NULL,
		result      TEXT NOT NULL,
		sampled_at  TEXT NOT NULL,
		scope       TEXT NOT NULL,
		recorded_by TEXT NOT NULL,
		recorded_at INTEGER NOT NULL
	);
	CREATE INDEX test_results_recorded ON test_results (recorded_at);`

// HoldEntries returns the entries of site ("" every site) at or after
// since that hold, release or register a returnee, oldest first.
func (s *Store) HoldEntries(ctx context.Context, site string, since time.Time) ([]store.Record, error) {
	q := `SELECT ` + store.RecordColumns + ` FROM entries WHERE ts >= ? AND ` + holdRows
	args := []any{since.UnixNano()}
	if site != "" {
		q += ` AND site = ?`
		args = append(args, site)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY ts, seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: holds: %w", err)
	}
	defer rows.Close()
	out := []store.Record{}
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("store: holds: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

const resultColumns = `seq, id, pass, id_hash, phone_hash, result, sampled_at, scope, recorded_by, recorded_at`

// PutResult stores r unless its id is stored, and returns the stored one.
func (s *Store) PutResult(ctx context.Context, r store.TestResult) (store.TestResult, bool, error) {
	if err := r.Check(); err != nil {
		return store.TestResult{}, false, err
	}
	t := r.Result
	res, err := s.w.ExecContext(ctx, `INSERT INTO test_results (id, pass, id_hash, phone_hash, result, sampled_at,
		scope, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		t.ID, t.Pass, t.IDHash, t.PhoneHash, t.Result, t.SampledAt.UTC().Format(time.RFC3339Nano),
		r.Scope, r.By, r.RecordedAt.UnixNano())
	if err != nil {
		return store.TestResult{}, false, fmt.Errorf("store: put result %s: %w", t.ID, err)
	}
	n, _ := res.RowsAffected()
	got, err := scanResult(s.w.QueryRowContext(ctx, `SELECT `+resultColumns+` FROM test_results WHERE id = ?`, t.ID))
	if err != nil {
		return store.TestResult{}, false, fmt.Errorf("store: put result %s: %w", t.ID, err)
	}
	return got, n == 1, nil
}

// Results returns the results recorded at or after since, oldest first.
func (s *Store) Results(ctx context.Context, since time.Time) ([]store.TestResult, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+resultColumns+` FROM test_results
		WHERE recorded_at >= ? ORDER BY seq`, since.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("store: results: %w", err)
	}
	defer rows.Close()
	out := []store.TestResult{}
	for rows.Next() {
		r, err := scanResult(rows)
		if err != nil {
			return nil, fmt.Errorf("store: results: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func scanResult(row interface{ Scan(...any) error }) (store.TestResult, error) {
	var r store.TestResult
	var sampled string
	var recorded int64
	err := row.Scan(&r.Seq, &r.Result.ID, &r.Result.Pass, &r.Result.IDHash, &r.Result.PhoneHash, &r.Result.Result,
		&sampled, &r.Scope, &r.By, &recorded)
	if errors.Is(err, sql.ErrNoRows) {
		return r, err
	}
	if err != nil {
		return r, err
	}
	if r.Result.SampledAt, err = time.Parse(time.RFC3339Nano, sampled); err != nil {
		return r, fmt.Errorf("sampled_at %q: %w", sampled, err)
	}
	r.RecordedAt = time.Unix(0, recorded).UTC()
	return r, nil
}
