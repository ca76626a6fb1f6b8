package bridge

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/gateway/store"
)

// sqlOutbox is a small SQLite outbox for the bridge's tests: a real table
// in a temp dir, so the bridge reads and marks a store as it will in the
// gateway, without waiting for gateway/store.
type sqlOutbox struct {
	db   *sql.DB
	site string
}

const outboxSchema = `
CREATE TABLE entries (
	row         INTEGER PRIMARY KEY AUTOINCREMENT,
	site        TEXT NOT NULL,
	unit        TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	alert       TEXT NOT NULL DEFAULT '',
	body        BLOB NOT NULL,
	stored_at   INTEGER NOT NULL,
	cloud_acked INTEGER NOT NULL DEFAULT 0,
	UNIQUE (unit, seq)
);
CREATE INDEX entries_pending ON entries (row) WHERE cloud_acked = 0;
CREATE TABLE cloud_acks (unit TEXT PRIMARY KEY, seq INTEGER NOT NULL);`

func newOutbox(t testing.TB, site string) *sqlOutbox {
	t.Helper()
	dsn := "file:" + filepath.Join(t.TempDir(), "outbox.db") +
		"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(10000)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1) // one writer, as the gateway's store has
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(outboxSchema); err != nil {
		t.Fatal(err)
	}
	return &sqlOutbox{db: db, site: site}
}

// add stores e as the gateway's LAN side would and returns its record.
func (o *sqlOutbox) add(t testing.TB, e wire.Entry) store.Record {
	t.Helper()
	body, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	res, err := o.db.Exec(`INSERT INTO entries (site, unit, seq, alert, body, stored_at) VALUES (?, ?, ?, ?, ?, ?)`,
		e.Site, e.Unit, e.Seq, e.Alert, body, time.Now().UnixNano())
	if err != nil {
		t.Fatal(err)
	}
	row, _ := res.LastInsertId()
	return store.Record{Row: row, Site: e.Site, Unit: e.Unit, Seq: e.Seq, Alert: e.Alert, Body: body}
}

// addMany stores es in one transaction, which a 20,000-entry backlog needs.
func (o *sqlOutbox) addMany(t testing.TB, es []wire.Entry) {
	t.Helper()
	tx, err := o.db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		body, _ := json.Marshal(e)
		if _, err := tx.Exec(`INSERT INTO entries (site, unit, seq, alert, body, stored_at) VALUES (?, ?, ?, ?, ?, ?)`,
			e.Site, e.Unit, e.Seq, e.Alert, body, time.Now().UnixNano()); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func (o *sqlOutbox) Pending(ctx context.Context, after int64, limit int) ([]store.Record, error) {
	rows, err := o.db.QueryContext(ctx, `SELECT row, site, unit, seq, alert, body FROM entries
		WHERE cloud_acked = 0 AND row > ? ORDER BY row LIMIT ?`, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var rs []store.Record
	for rows.Next() {
		var r store.Record
		if err := rows.Scan(&r.Row, &r.Site, &r.Unit, &r.Seq, &r.Alert, &r.Body); err != nil {
			return nil, err
		}
		rs = append(rs, r)
	}
	return rs, rows.Err()
}

func (o *sqlOutbox) CloudAcked(ctx context.Context, site, unit string, seq uint64) (int, error) {
	if site != o.site {
		return 0, fmt.Errorf("ack for site %q in the outbox of %q", site, o.site)
	}
	tx, err := o.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	// Only seqs above the last ack can still be unmarked: the range keeps
	// a mark from walking the unit's whole history.
	res, err := tx.Exec(`UPDATE entries SET cloud_acked = 1 WHERE unit = ?1 AND seq <= ?2 AND cloud_acked = 0
		AND seq > coalesce((SELECT seq FROM cloud_acks WHERE unit = ?1), 0)`, unit, seq)
	if err != nil {
		return 0, err
	}
	if _, err := tx.Exec(`INSERT INTO cloud_acks (unit, seq) VALUES (?, ?)
		ON CONFLICT (unit) DO UPDATE SET seq = max(seq, excluded.seq)`, unit, seq); err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), tx.Commit()
}

func (o *sqlOutbox) CloudAckedSeq(ctx context.Context, unit string) (uint64, error) {
	var seq uint64
	err := o.db.QueryRowContext(ctx, `SELECT seq FROM cloud_acks WHERE unit = ?`, unit).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return seq, err
}

func (o *sqlOutbox) Backlog(ctx context.Context, unit string) (int, time.Time, error) {
	var n int
	var oldest sql.NullInt64
	err := o.db.QueryRowContext(ctx, `SELECT count(*), min(stored_at) FROM entries
		WHERE cloud_acked = 0 AND (? = '' OR unit = ?)`, unit, unit).Scan(&n, &oldest)
	if err != nil || !oldest.Valid {
		return n, time.Time{}, err
	}
	return n, time.Unix(0, oldest.Int64).UTC(), nil
}

// backlog is Backlog for the whole site, failing the test on an error.
func (o *sqlOutbox) backlog(t testing.TB) int {
	t.Helper()
	n, _, err := o.Backlog(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// entry is a valid entry of unit at seq; alert may be empty.
func entry(site, unit string, seq uint64, alert string) wire.Entry {
	return wire.Entry{
		Schema: wire.SchemaVersion, ID: fmt.Sprintf("%s-%s-%d", site, unit, seq),
		Site: site, Unit: unit, Seq: seq, BootID: "boot-1", Lane: wire.LaneIn,
		Time:        time.Date(2020, 2, 3, 8, 0, 0, 0, time.UTC).Add(time.Duration(seq) * time.Second),
		ClockSynced: true, Credential: wire.Credential{Kind: wire.CredentialNone, Result: "none"},
		Decision: wire.Allow, Reasons: []wire.Reason{{Code: "ok", ZH: "通过", EN: "pass"}},
		PolicyVersion: "normal-1", Alert: alert,
	}
}

func TestLastPendingRowFindsTheEndOfTheBacklog(t *testing.T) {
	for _, tc := range []struct {
		name   string
		stored int
		acked  uint64 // seqs of unit a acked, from 1
		want   int64
	}{
		{"empty", 0, 0, 0},
		{"one", 1, 0, 1},
		{"all acked", 10, 10, 0},
		{"first acked", 3000, 2000, 3000},
		{"long", 5000, 0, 5000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := newOutbox(t, "s")
			es := make([]wire.Entry, tc.stored)
			for i := range es {
				es[i] = entry("s", "a", uint64(i+1), "")
			}
			o.addMany(t, es)
			if tc.acked > 0 {
				if _, err := o.CloudAcked(context.Background(), "s", "a", tc.acked); err != nil {
					t.Fatal(err)
				}
			}
			got, err := lastPendingRow(context.Background(), o)
			if err != nil || got != tc.want {
				t.Fatalf("lastPendingRow = %d, %v; want %d", got, err, tc.want)
			}
		})
	}
}
