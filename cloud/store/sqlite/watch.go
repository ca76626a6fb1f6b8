package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// migrateWatch adds the centre's roster (store.WatchEntry) and what its
// publisher last pushed.
const migrateWatch = `CREATE TABLE watch_entries (
		id         TEXT NOT NULL PRIMARY KEY,
		site       TEXT NOT NULL,
		pass       TEXT NOT NULL,
		id_hash    TEXT NOT NULL,
		phone_hash TEXT NOT NULL,
		household  TEXT NOT NULL,
		kind       TEXT NOT NULL,
		start      INTEGER NOT NULL,
		plan       TEXT NOT NULL,
		tests      TEXT NOT NULL,
		outcome    TEXT NOT NULL,
		note       TEXT NOT NULL,
		ended      INTEGER NOT NULL,
		version    INTEGER NOT NULL,
		updated_at INTEGER NOT NULL,
		updated_by TEXT NOT NULL
	);
	CREATE INDEX watch_entries_version ON watch_entries (version);
	CREATE INDEX watch_entries_site ON watch_entries (site, id);
	CREATE TABLE watch_push (
		id    INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
		head  BLOB NOT NULL,
		names TEXT NOT NULL
	);`

const watchColumns = `id, site, pass, id_hash, phone_hash, household, kind, start, plan, tests, outcome, note,
	ended, version, updated_at, updated_by`

// PutWatchEntries adds or replaces entries, all under the roster's next
// version, in one transaction: an import is one change.
func (s *Store) PutWatchEntries(ctx context.Context, es []store.WatchEntry) ([]store.WatchEntry, error) {
	if len(es) == 0 || len(es) > store.MaxWatchBatch {
		return nil, fmt.Errorf("store: put %d roster entries: 1 to %d at a time", len(es), store.MaxWatchBatch)
	}
	for i := range es {
		if err := es[i].Check(); err != nil {
			return nil, fmt.Errorf("entries[%d] (%s): %w", i, es[i].ID, err)
		}
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: put roster: %w", err)
	}
	defer tx.Rollback()
	var v uint64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM watch_entries`).Scan(&v); err != nil {
		return nil, fmt.Errorf("store: put roster: %w", err)
	}
	out := make([]store.WatchEntry, len(es))
	for i, e := range es {
		e.Version = v
		_, err := tx.ExecContext(ctx, `INSERT INTO watch_entries (`+watchColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET site = excluded.site, pass = excluded.pass, id_hash = excluded.id_hash,
			phone_hash = excluded.phone_hash, household = excluded.household, kind = excluded.kind,
			start = excluded.start, plan = excluded.plan, tests = excluded.tests, outcome = excluded.outcome,
			note = excluded.note, ended = excluded.ended, version = excluded.version,
			updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
			e.ID, e.Site, e.Pass, e.IDHash, e.PhoneHash, e.Household, string(e.Kind), nanos(e.Start), e.Plan,
			strings.Join(e.Tests, ","), string(e.Outcome), e.Note, e.Ended, e.Version, nanos(e.UpdatedAt), e.UpdatedBy)
		if err != nil {
			return nil, fmt.Errorf("store: put roster entry %s: %w", e.ID, err)
		}
		out[i] = e
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("store: put roster: %w", err)
	}
	return out, nil
}

// WatchEntries lists roster entries by id (by version with AfterVersion).
func (s *Store) WatchEntries(ctx context.Context, q store.WatchQuery) ([]store.WatchEntry, error) {
	where, args := []string{"1 = 1"}, []any{}
	if q.Sites != nil {
		if len(q.Sites) == 0 {
			return nil, nil
		}
		where = append(where, "site IN ("+strings.TrimSuffix(strings.Repeat("?,", len(q.Sites)), ",")+")")
		for _, s := range q.Sites {
			args = append(args, s)
		}
	}
	if q.ID != "" {
		where, args = append(where, "id = ?"), append(args, q.ID)
	}
	if q.Pass != "" {
		where, args = append(where, "pass = ?"), append(args, q.Pass)
	}
	if q.Household != "" {
		where, args = append(where, "household = ?"), append(args, q.Household)
	}
	order := "id"
	if q.AfterVersion > 0 {
		where, args, order = append(where, "version > ?"), append(args, q.AfterVersion), "version, id"
	} else if !q.Ended {
		where = append(where, "ended = 0")
	}
	sqlText := `SELECT ` + watchColumns + ` FROM watch_entries WHERE ` + strings.Join(where, " AND ") + ` ORDER BY ` + order
	if q.Limit > 0 {
		sqlText += fmt.Sprintf(" LIMIT %d", q.Limit)
	}
	rows, err := s.db.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return nil, fmt.Errorf("store: query roster: %w", err)
	}
	defer rows.Close()
	var out []store.WatchEntry
	for rows.Next() {
		var e store.WatchEntry
		var kind, tests, outcome string
		var start, at sql.NullInt64
		if err := rows.Scan(&e.ID, &e.Site, &e.Pass, &e.IDHash, &e.PhoneHash, &e.Household, &kind, &start, &e.Plan,
			&tests, &outcome, &e.Note, &e.Ended, &e.Version, &at, &e.UpdatedBy); err != nil {
			return nil, fmt.Errorf("store: read roster entry: %w", err)
		}
		e.Kind, e.Outcome, e.Start, e.UpdatedAt = wire.WatchKind(kind), wire.Decision(outcome), fromNanos(start), fromNanos(at)
		if tests != "" {
			e.Tests = strings.Split(tests, ",")
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// WatchPushed returns what the roster publisher last published; a zero
// WatchPush when it never has.
func (s *Store) WatchPushed(ctx context.Context) (store.WatchPush, error) {
	var p store.WatchPush
	var names string
	err := s.db.QueryRowContext(ctx, `SELECT head, names FROM watch_push WHERE id = 1`).Scan(&p.Head, &names)
	if errors.Is(err, sql.ErrNoRows) {
		return store.WatchPush{}, nil
	}
	if err == nil {
		err = json.Unmarshal([]byte(names), &p.Names)
	}
	if err != nil {
		return store.WatchPush{}, fmt.Errorf("store: read roster push: %w", err)
	}
	return p, nil
}

// PutWatchPushed records what the roster publisher published.
func (s *Store) PutWatchPushed(ctx context.Context, p store.WatchPush) error {
	names, err := json.Marshal(p.Names)
	if err != nil {
		return err
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO watch_push (id, head, names) VALUES (1, ?, ?)
		ON CONFLICT (id) DO UPDATE SET head = excluded.head, names = excluded.names`, p.Head, string(names))
	if err != nil {
		return fmt.Errorf("store: record roster push: %w", err)
	}
	return nil
}
