package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// entryInsert inserts entries, 32 to a statement at most: one statement
// per row would cost more in the driver than in SQLite's B-trees. OR
// IGNORE skips a row that repeats an id or a (site, unit, seq): a re-send,
// or a conflict that PutEntries then sets aside (store.Conflict). It would also
// skip a NULL in a NOT NULL column, but EntryValues passes NULL only to
// nullable columns. ON CONFLICT DO NOTHING would let such a NULL abort the
// statement, and a statement that may abort halfway through many rows
// keeps a journal of every page it touches: a tenth of the store's CPU
// (BenchmarkPutEntriesFleet). RETURNING yields the rows inserted.
var entryInsert = manyRows{head: "INSERT OR IGNORE INTO entries (" + store.EntryColumns + ") VALUES ",
	width: strings.Count(store.EntryColumns, ",") + 1, tail: " RETURNING id, site, unit, seq", sizes: []int{32, 8, 1}}

// PutEntries stores entries received at receivedAt in one transaction.
// An entry re-sent after a lost acknowledgement is skipped and counted
// once; one that claims a stored entry's id or (site, unit, seq) with
// other contents is a conflict, set aside (store.Conflict). Each sending unit's row is created or touched so units
// that never sent a status still appear on the dashboard, and its
// watermark is advanced in the same transaction: a watermark is never
// ahead of what is committed.
func (s *Store) PutEntries(ctx context.Context, entries []wire.Entry, receivedAt time.Time) (store.PutResult, error) {
	var res store.PutResult
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		fresh, err := s.insertEntries(ctx, tx, entries, receivedAt)
		if err != nil {
			return err
		}
		if err := s.countFresh(ctx, tx, entries, fresh, receivedAt); err != nil {
			return err
		}
		conflicts, err := s.setAside(ctx, tx, entries, fresh, receivedAt)
		if err != nil {
			return err
		}
		w, err := s.touchUnits(ctx, tx, entries, receivedAt)
		res = store.PutResult{Inserted: len(fresh), Watermarks: w, Conflicts: conflicts}
		return err
	})
	if err != nil {
		return store.PutResult{}, fmt.Errorf("store: put %d entries: %w", len(entries), err)
	}
	return res, nil
}

// insertEntries inserts what is new and returns the rows it inserted:
// RETURNING yields only the rows ON CONFLICT did not skip.
func (s *Store) insertEntries(ctx context.Context, tx *sql.Tx, entries []wire.Entry, receivedAt time.Time) (map[store.RowKey]bool, error) {
	fresh := make(map[store.RowKey]bool, len(entries))
	args := make([]any, 0, entryInsert.sizes[0]*entryInsert.width)
	for len(entries) > 0 {
		stmt, n := s.next(ctx, tx, entryInsert, len(entries))
		chunk := entries[:n]
		entries = entries[n:]
		args = args[:0]
		for i := range chunk {
			row, err := store.EntryValues(&chunk[i], receivedAt)
			if err != nil {
				return nil, err
			}
			args = append(args, row...)
		}
		if err := insertChunk(ctx, stmt, args, fresh); err != nil {
			return nil, fmt.Errorf("entries %s to %s: %w", chunk[0].ID, chunk[len(chunk)-1].ID, err)
		}
	}
	return fresh, nil
}

func insertChunk(ctx context.Context, stmt *sql.Stmt, args []any, fresh map[store.RowKey]bool) error {
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k store.RowKey
		var seq int64
		if err := rows.Scan(&k.ID, &k.Site, &k.Unit, &seq); err != nil {
			return err
		}
		k.Seq = uint64(seq)
		fresh[k] = true
	}
	return rows.Err()
}

// Entries returns the entries q selects, newest first by ts, then by seq.
func (s *Store) Entries(ctx context.Context, q store.Query) ([]store.Record, error) {
	where, args := where(q)
	args = append(args, q.RowLimit())
	rows, err := s.db.QueryContext(ctx, `SELECT `+store.RecordColumns+` FROM entries`+where+
		` ORDER BY ts DESC, seq DESC LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: query entries: %w", err)
	}
	defer rows.Close()
	out := []store.Record{}
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("store: read entry: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: query entries: %w", err)
	}
	return out, nil
}

// where builds only the conditions of q in use, so SQLite can pick the
// (site, ts) or (site, unit, ts) index.
func where(q store.Query) (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, arg any) {
		conds = append(conds, cond)
		args = append(args, arg)
	}
	if q.Site != "" {
		add("site = ?", q.Site)
	}
	if q.Unit != "" {
		add("unit = ?", q.Unit)
	}
	if !q.Since.IsZero() {
		add("ts >= ?", q.Since.UnixNano())
	}
	if !q.Until.IsZero() {
		add("ts < ?", q.Until.UnixNano())
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

func scanRecord(rows *sql.Rows) (store.Record, error) {
	var r store.Record
	var seq int64
	var unitTime, reasons, extra string
	var received sql.NullInt64
	var raw, corrected sql.NullFloat64
	e := &r.Entry
	err := rows.Scan(&e.ID, &e.Site, &e.Unit, &seq, &e.BootID, &e.Lane, &unitTime,
		&e.ClockSynced, &received, &raw, &corrected, &e.Credential.Kind,
		&e.Credential.Result, &e.Credential.Subject, &e.Decision, &reasons, &e.PolicyVersion,
		&e.Historical, &extra)
	if err != nil {
		return store.Record{}, err
	}
	var d store.Detail
	if err := json.Unmarshal([]byte(extra), &d); err != nil {
		return store.Record{}, fmt.Errorf("entry %s detail: %w", e.ID, err)
	}
	e.Alert, e.Visitor, e.Override = d.Alert, d.Visitor, d.Override
	e.Visit, e.CloseOut = d.Visit, d.CloseOut
	e.Schema, e.Seq, r.ReceivedAt = wire.SchemaVersion, uint64(seq), fromNanos(received)
	if e.Time, err = time.Parse(time.RFC3339Nano, unitTime); err != nil {
		return store.Record{}, fmt.Errorf("entry %s time: %w", e.ID, err)
	}
	if e.Temperature = d.Temperature; e.Temperature == nil && raw.Valid {
		e.Temperature = &wire.Temperature{RawC: raw.Float64, CorrectedC: corrected.Float64}
	}
	if err := json.Unmarshal([]byte(reasons), &e.Reasons); err != nil {
		return store.Record{}, fmt.Errorf("entry %s reasons: %w", e.ID, err)
	}
	return r, nil
}
