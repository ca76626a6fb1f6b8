package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// pgMigrateWatch adds the centre's roster and its last push, as SQLite's
// migrateWatch.
const pgMigrateWatch = `CREATE TABLE watch_entries (
		id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
		site       TEXT COLLATE "C" NOT NULL,
		pass       TEXT COLLATE "C" NOT NULL,
		id_hash    TEXT NOT NULL,
		phone_hash TEXT NOT NULL,
		household  TEXT COLLATE "C" NOT NULL,
		kind       TEXT NOT NULL,
		start      BIGINT NOT NULL,
		plan       TEXT NOT NULL,
		tests      TEXT NOT NULL,
		outcome    TEXT NOT NULL,
		note       TEXT NOT NULL,
		ended      BOOLEAN NOT NULL,
		version    BIGINT NOT NULL,
		updated_at BIGINT NOT NULL,
		updated_by TEXT NOT NULL
	);
	CREATE INDEX watch_entries_version ON watch_entries (version);
	CREATE INDEX watch_entries_site ON watch_entries (site, id);
	CREATE TABLE watch_push (
		id    INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
		head  BYTEA NOT NULL,
		names TEXT NOT NULL
	);`

const pgWatchColumns = `id, site, pass, id_hash, phone_hash, household, kind, start, plan, tests, outcome, note,
	ended, version, updated_at, updated_by`

// PutWatchEntries adds or replaces entries under the roster's next
// version, as sqlite.Store.PutWatchEntries; a transaction-scoped advisory
// lock serialises changes across collectors, so two never share a version.
func (p *Store) PutWatchEntries(ctx context.Context, es []store.WatchEntry) ([]store.WatchEntry, error) {
	if len(es) == 0 || len(es) > store.MaxWatchBatch {
		return nil, fmt.Errorf("store: put %d roster entries: 1 to %d at a time", len(es), store.MaxWatchBatch)
	}
	for i := range es {
		if err := es[i].Check(); err != nil {
			return nil, fmt.Errorf("entries[%d] (%s): %w", i, es[i].ID, err)
		}
	}
	out := make([]store.WatchEntry, len(es))
	err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('kakou-watch', 0))`); err != nil {
			return err
		}
		var v uint64
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM watch_entries`).Scan(&v); err != nil {
			return err
		}
		b := &pgx.Batch{}
		for i, e := range es {
			e.Version = v
			b.Queue(`INSERT INTO watch_entries (`+pgWatchColumns+`)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
				ON CONFLICT (id) DO UPDATE SET site = excluded.site, pass = excluded.pass, id_hash = excluded.id_hash,
				phone_hash = excluded.phone_hash, household = excluded.household, kind = excluded.kind,
				start = excluded.start, plan = excluded.plan, tests = excluded.tests, outcome = excluded.outcome,
				note = excluded.note, ended = excluded.ended, version = excluded.version,
				updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
				e.ID, e.Site, e.Pass, e.IDHash, e.PhoneHash, e.Household, string(e.Kind), e.Start.UnixNano(), e.Plan,
				strings.Join(e.Tests, ","), string(e.Outcome), e.Note, e.Ended, int64(e.Version), e.UpdatedAt.UnixNano(), e.UpdatedBy)
			out[i] = e
		}
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return nil, fmt.Errorf("store: put roster: %w", err)
	}
	return out, nil
}

// WatchEntries lists roster entries by id (by version with AfterVersion).
func (p *Store) WatchEntries(ctx context.Context, q store.WatchQuery) ([]store.WatchEntry, error) {
	where, args := []string{"TRUE"}, []any{}
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if q.Sites != nil {
		if len(q.Sites) == 0 {
			return nil, nil
		}
		where = append(where, "site = ANY("+arg(q.Sites)+")")
	}
	if q.ID != "" {
		where = append(where, "id = "+arg(q.ID))
	}
	if q.Pass != "" {
		where = append(where, "pass = "+arg(q.Pass))
	}
	if q.Household != "" {
		where = append(where, "household = "+arg(q.Household))
	}
	order := "id"
	if q.AfterVersion > 0 {
		where, order = append(where, "version > "+arg(int64(q.AfterVersion))), "version, id"
	} else if !q.Ended {
		where = append(where, "NOT ended")
	}
	sqlText := `SELECT ` + pgWatchColumns + ` FROM watch_entries WHERE ` + strings.Join(where, " AND ") + ` ORDER BY ` + order
	if q.Limit > 0 {
		sqlText += fmt.Sprintf(" LIMIT %d", q.Limit)
	}
	rows, err := p.pool.Query(ctx, sqlText, args...)
	if err != nil {
		return nil, fmt.Errorf("store: query roster: %w", err)
	}
	defer rows.Close()
	var out []store.WatchEntry
	for rows.Next() {
		var e store.WatchEntry
		var kind, tests, outcome string
		var start, at, v int64
		if err := rows.Scan(&e.ID, &e.Site, &e.Pass, &e.IDHash, &e.PhoneHash, &e.Household, &kind, &start, &e.Plan,
			&tests, &outcome, &e.Note, &e.Ended, &v, &at, &e.UpdatedBy); err != nil {
			return nil, fmt.Errorf("store: read roster entry: %w", err)
		}
		e.Kind, e.Outcome, e.Version = wire.WatchKind(kind), wire.Decision(outcome), uint64(v)
		e.Start, e.UpdatedAt = time.Unix(0, start).UTC(), time.Unix(0, at).UTC()
		if tests != "" {
			e.Tests = strings.Split(tests, ",")
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// WatchPushed returns what the roster publisher last published.
func (p *Store) WatchPushed(ctx context.Context) (store.WatchPush, error) {
	var w store.WatchPush
	var names string
	err := p.pool.QueryRow(ctx, `SELECT head, names FROM watch_push WHERE id = 1`).Scan(&w.Head, &names)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.WatchPush{}, nil
	}
	if err == nil {
		err = json.Unmarshal([]byte(names), &w.Names)
	}
	if err != nil {
		return store.WatchPush{}, fmt.Errorf("store: read roster push: %w", err)
	}
	return w, nil
}

// PutWatchPushed records what the roster publisher published.
func (p *Store) PutWatchPushed(ctx context.Context, w store.WatchPush) error {
	names, err := json.Marshal(w.Names)
	if err != nil {
		return err
	}
	_, err = p.pool.Exec(ctx, `INSERT INTO watch_push (id, head, names) VALUES (1, $1, $2)
		ON CONFLICT (id) DO UPDATE SET head = excluded.head, names = excluded.names`, w.Head, string(names))
	if err != nil {
		return fmt.Errorf("store: record roster push: %w", err)
	}
	return nil
}
