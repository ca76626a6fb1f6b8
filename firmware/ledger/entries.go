package ledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// Append stores e and assigns e.Seq. The caller sets every other field. The
// sequence number is taken and the row written in one transaction, and Append
// returns only after that transaction is committed to disk: the gate may open
// when Append returns nil, not before. On error e.Seq is left untouched and
// no sequence number is consumed.
func (l *Ledger) Append(ctx context.Context, e *wire.Entry) error {
	seq, err := l.append(ctx, *e)
	if err != nil {
		return fmt.Errorf("ledger: append %s: %w", e.ID, err)
	}
	e.Seq = seq
	return nil
}

// append works on a copy so a failed attempt never leaks a seq to the caller.
func (l *Ledger) append(ctx context.Context, e wire.Entry) (uint64, error) {
	tx, err := l.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: see dataSource
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	if e.Seq, err = nextSeq(ctx, tx); err != nil {
		return 0, err
	}
	// Validate with the seq in place: an entry every consumer would reject
	// must fail here, where the pipeline can still react, not downstream.
	if err := e.Validate(); err != nil {
		return 0, err
	}
	body, err := json.Marshal(e)
	if err != nil {
		return 0, err
	}
	const insert = `INSERT INTO entries (seq, id, time, decision, body) VALUES (?, ?, ?, ?, ?)`
	if _, err := tx.ExecContext(ctx, insert, int64(e.Seq), e.ID, e.Time.UnixMicro(),
		string(e.Decision), body); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	return e.Seq, nil
}

// nextSeq reads the next sequence number inside the write transaction.
// sqlite_sequence holds the largest seq AUTOINCREMENT has ever used, which
// stays put when rows are purged; inserting max+1 explicitly lets the JSON
// body carry its own seq in a single INSERT, and sqlite_sequence moves with
// the transaction, so a rollback gives the number back.
func nextSeq(ctx context.Context, tx *sql.Tx) (uint64, error) {
	var last int64
	err := tx.QueryRowContext(ctx,
		`SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'entries'), 0)`).Scan(&last)
	if err != nil {
		return 0, fmt.Errorf("next seq: %w", err)
	}
	return uint64(last) + 1, nil
}

// Pending returns up to limit undelivered entries with seq > afterSeq, in seq
// order.
func (l *Ledger) Pending(ctx context.Context, afterSeq uint64, limit int) ([]wire.Entry, error) {
	const q = `SELECT body FROM entries INDEXED BY entries_undelivered
		WHERE delivered_at IS NULL AND seq > ? ORDER BY seq LIMIT ?`
	es, err := l.query(ctx, q, int64(afterSeq), limit)
	if err != nil {
		return nil, fmt.Errorf("ledger: pending after %d: %w", afterSeq, err)
	}
	return es, nil
}

// Entries returns up to limit entries with seq > afterSeq, delivered or not,
// in seq order.
func (l *Ledger) Entries(ctx context.Context, afterSeq uint64, limit int) ([]wire.Entry, error) {
	const q = `SELECT body FROM entries WHERE seq > ? ORDER BY seq LIMIT ?`
	es, err := l.query(ctx, q, int64(afterSeq), limit)
	if err != nil {
		return nil, fmt.Errorf("ledger: entries after %d: %w", afterSeq, err)
	}
	return es, nil
}

// query decodes the body column of every row. The rows are read to the end
// and closed before it returns: with a single connection, an open result set
// would block every other statement.
func (l *Ledger) query(ctx context.Context, q string, args ...any) ([]wire.Entry, error) {
	rows, err := l.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []wire.Entry
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		var e wire.Entry
		if err := json.Unmarshal(body, &e); err != nil {
			return nil, fmt.Errorf("decode stored entry: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// MarkDelivered records that the entries with these sequence numbers have
// been delivered. Marking an entry twice keeps the first time; unknown
// sequence numbers are ignored.
func (l *Ledger) MarkDelivered(ctx context.Context, seqs []uint64) error {
	if len(seqs) == 0 {
		return nil
	}
	if err := l.markDelivered(ctx, seqs, time.Now()); err != nil {
		return fmt.Errorf("ledger: mark %d delivered: %w", len(seqs), err)
	}
	return nil
}

func (l *Ledger) markDelivered(ctx context.Context, seqs []uint64, now time.Time) error {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx,
		`UPDATE entries SET delivered_at = ? WHERE seq = ? AND delivered_at IS NULL`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, s := range seqs {
		if _, err := stmt.ExecContext(ctx, now.UnixMicro(), int64(s)); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// Backlog reports how many entries wait for delivery and the time of the
// oldest of them, by sequence: the earliest entry may carry a 1970 time if it
// was taken before the clock synced, and it is still the one that has waited
// longest. With nothing pending, oldest is the zero time.
func (l *Ledger) Backlog(ctx context.Context) (count int, oldest time.Time, err error) {
	const q = `SELECT COUNT(*),
		(SELECT time FROM entries WHERE delivered_at IS NULL ORDER BY seq LIMIT 1)
		FROM entries INDEXED BY entries_undelivered WHERE delivered_at IS NULL`
	var us sql.NullInt64
	if err := l.db.QueryRowContext(ctx, q).Scan(&count, &us); err != nil {
		return 0, time.Time{}, fmt.Errorf("ledger: backlog: %w", err)
	}
	if us.Valid {
		oldest = time.UnixMicro(us.Int64).UTC()
	}
	return count, oldest, nil
}

// Counts returns how many entries of each decision were made at or after
// since, by the unit's clock: the guard console's "today" figures.
func (l *Ledger) Counts(ctx context.Context, since time.Time) (map[wire.Decision]int, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT decision, COUNT(*) FROM entries
		WHERE time >= ? GROUP BY decision`, since.UnixMicro())
	if err != nil {
		return nil, fmt.Errorf("ledger: counts: %w", err)
	}
	defer rows.Close()
	out := map[wire.Decision]int{}
	for rows.Next() {
		var d string
		var n int
		if err := rows.Scan(&d, &n); err != nil {
			return nil, fmt.Errorf("ledger: counts: %w", err)
		}
		out[wire.Decision(d)] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ledger: counts: %w", err)
	}
	return out, nil
}
