package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// Record is an entry as the cloud holds it: what the unit sent, plus when
// the cloud received it.
type Record struct {
	wire.Entry
	ReceivedAt time.Time
}

// Query selects entries. Empty fields do not filter. Since is inclusive and
// Until exclusive, both compared with ts (see the package comment).
type Query struct {
	Site, Unit   string
	Since, Until time.Time
	Limit        int // 0 means DefaultLimit; more than MaxLimit means MaxLimit
}

// Limits on how many entries one query returns.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// EntryColumns are the columns PutEntries writes, in EntryValues's order.
const EntryColumns = `id, site, unit, seq, boot_id, lane, time, clock_synced, ts,
	received_at, raw_c, corrected_c, credential_kind, credential_result,
	credential_subject, decision, reasons, policy_version, historical, detail,
	id_hash, phone_hash`

// entryInsert inserts entries, 32 to a statement at most: one statement
// per row would cost more in the driver than in SQLite's B-trees. OR
// IGNORE skips a row that repeats an id or a (site, unit, seq): a re-send,
// or a conflict that PutEntries then sets aside (conflict.go). It would also
// skip a NULL in a NOT NULL column, but EntryValues passes NULL only to
// nullable columns. ON CONFLICT DO NOTHING would let such a NULL abort the
// statement, and a statement that may abort halfway through many rows
// keeps a journal of every page it touches: a tenth of the store's CPU
// (BenchmarkPutEntriesFleet). RETURNING yields the rows inserted.
var entryInsert = manyRows{head: "INSERT OR IGNORE INTO entries (" + EntryColumns + ") VALUES ",
	width: strings.Count(EntryColumns, ",") + 1, tail: " RETURNING id, site, unit, seq", sizes: []int{32, 8, 1}}

// PutResult is what one PutEntries did.
type PutResult struct {
	Inserted int // entries new to the store; the rest were already here
	// Watermarks holds one watermark per unit in the batch, in the order
	// the units first appear in it, so the caller can acknowledge without
	// another query.
	Watermarks []Watermark
	// Conflicts are the entries set aside because another entry holds
	// their place (conflict.go); they are in the dead-letter table.
	Conflicts []Conflict
}

// PutEntries stores entries received at receivedAt in one transaction.
// An entry re-sent after a lost acknowledgement is skipped and counted
// once; one that claims a stored entry's id or (site, unit, seq) with
// other contents is a conflict, set aside (conflict.go). Each sending unit's row is created or touched so units
// that never sent a status still appear on the dashboard, and its
// watermark is advanced in the same transaction: a watermark is never
// ahead of what is committed.
func (s *SQLite) PutEntries(ctx context.Context, entries []wire.Entry, receivedAt time.Time) (PutResult, error) {
	var res PutResult
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
		res = PutResult{Inserted: len(fresh), Watermarks: w, Conflicts: conflicts}
		return err
	})
	if err != nil {
		return PutResult{}, fmt.Errorf("store: put %d entries: %w", len(entries), err)
	}
	return res, nil
}

// RowKey names an inserted row exactly: a batch may carry one id under
// two seqs, and only the row that went in may be counted.
type RowKey struct {
	ID, Site, Unit string
	Seq            uint64
}

func KeyOf(e *wire.Entry) RowKey { return RowKey{e.ID, e.Site, e.Unit, e.Seq} }

// insertEntries inserts what is new and returns the rows it inserted:
// RETURNING yields only the rows ON CONFLICT did not skip.
func (s *SQLite) insertEntries(ctx context.Context, tx *sql.Tx, entries []wire.Entry, receivedAt time.Time) (map[RowKey]bool, error) {
	fresh := make(map[RowKey]bool, len(entries))
	args := make([]any, 0, entryInsert.sizes[0]*entryInsert.width)
	for len(entries) > 0 {
		stmt, n := s.next(ctx, tx, entryInsert, len(entries))
		chunk := entries[:n]
		entries = entries[n:]
		args = args[:0]
		for i := range chunk {
			row, err := EntryValues(&chunk[i], receivedAt)
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

func insertChunk(ctx context.Context, stmt *sql.Stmt, args []any, fresh map[RowKey]bool) error {
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k RowKey
		var seq int64
		if err := rows.Scan(&k.ID, &k.Site, &k.Unit, &seq); err != nil {
			return err
		}
		k.Seq = uint64(seq)
		fresh[k] = true
	}
	return rows.Err()
}

func EntryValues(e *wire.Entry, receivedAt time.Time) ([]any, error) {
	if e.Seq > math.MaxInt64 {
		return nil, fmt.Errorf("entry %s: seq %d does not fit SQLite's INTEGER", e.ID, e.Seq)
	}
	reasons := []byte("[]")
	var err error
	if len(e.Reasons) > 0 {
		reasons, err = json.Marshal(e.Reasons)
	}
	if err != nil {
		return nil, fmt.Errorf("entry %s reasons: %w", e.ID, err)
	}
	ts := EntryTS(e, receivedAt)
	var raw, corrected sql.NullFloat64
	if t := e.Temperature; t != nil {
		raw = sql.NullFloat64{Float64: t.RawC, Valid: true}
		corrected = sql.NullFloat64{Float64: t.CorrectedC, Valid: true}
	}
	idHash, phoneHash := VisitorHashes(e)
	return []any{e.ID, e.Site, e.Unit, int64(e.Seq), e.BootID, string(e.Lane),
		e.Time.Format(time.RFC3339Nano), e.ClockSynced, ts.UnixNano(), receivedAt.UnixNano(),
		raw, corrected, string(e.Credential.Kind), e.Credential.Result,
		e.Credential.Subject, string(e.Decision), string(reasons), e.PolicyVersion,
		e.Historical, DetailJSON(e), idHash, phoneHash}, nil
}

// VisitorHashes are the visitor's keyed hashes, NULL where there are none,
// so the partial indexes on them hold visitors only.
func VisitorHashes(e *wire.Entry) (idHash, phoneHash sql.NullString) {
	if v := e.Visitor; v != nil {
		idHash = sql.NullString{String: v.IDHash, Valid: v.IDHash != ""}
		phoneHash = sql.NullString{String: v.PhoneHash, Valid: v.PhoneHash != ""}
	}
	return idHash, phoneHash
}

// Detail carries the parts of an entry no query filters on, so the cloud
// keeps everything the unit sent: once acknowledged, the unit may purge it.
type Detail struct {
	Alert       string            `json:"alert,omitempty"`
	Visitor     *wire.Visitor     `json:"visitor,omitempty"`
	Override    *wire.Override    `json:"override,omitempty"`
	Temperature *wire.Temperature `json:"temperature,omitempty"`
}

func DetailJSON(e *wire.Entry) string {
	b, _ := json.Marshal(Detail{Alert: e.Alert, Visitor: e.Visitor, Override: e.Override, Temperature: e.Temperature}) // plain data: cannot fail
	return string(b)
}

// Entries returns the entries q selects, newest first by ts, then by seq.
func (s *SQLite) Entries(ctx context.Context, q Query) ([]Record, error) {
	where, args := q.where()
	args = append(args, q.RowLimit())
	rows, err := s.db.QueryContext(ctx, `SELECT `+RecordColumns+` FROM entries`+where+
		` ORDER BY ts DESC, seq DESC LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: query entries: %w", err)
	}
	defer rows.Close()
	out := []Record{}
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

// where builds only the conditions in use, so SQLite can pick the
// (site, ts) or (site, unit, ts) index.
func (q Query) where() (string, []any) {
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

func (q Query) RowLimit() int {
	switch {
	case q.Limit <= 0:
		return DefaultLimit
	case q.Limit > MaxLimit:
		return MaxLimit
	}
	return q.Limit
}

// RecordColumns are what scanRecord reads, in its order.
const RecordColumns = `id, site, unit, seq, boot_id, lane, time, clock_synced,
	received_at, raw_c, corrected_c, credential_kind, credential_result,
	credential_subject, decision, reasons, policy_version, historical, detail`

func scanRecord(rows *sql.Rows) (Record, error) {
	var r Record
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
		return Record{}, err
	}
	var d Detail
	if err := json.Unmarshal([]byte(extra), &d); err != nil {
		return Record{}, fmt.Errorf("entry %s detail: %w", e.ID, err)
	}
	e.Alert, e.Visitor, e.Override = d.Alert, d.Visitor, d.Override
	e.Schema, e.Seq, r.ReceivedAt = wire.SchemaVersion, uint64(seq), fromNanos(received)
	if e.Time, err = time.Parse(time.RFC3339Nano, unitTime); err != nil {
		return Record{}, fmt.Errorf("entry %s time: %w", e.ID, err)
	}
	if e.Temperature = d.Temperature; e.Temperature == nil && raw.Valid {
		e.Temperature = &wire.Temperature{RawC: raw.Float64, CorrectedC: corrected.Float64}
	}
	if err := json.Unmarshal([]byte(reasons), &e.Reasons); err != nil {
		return Record{}, fmt.Errorf("entry %s reasons: %w", e.ID, err)
	}
	return r, nil
}
