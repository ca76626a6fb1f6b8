package ledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// Append stores e and assigns e.Seq. The caller sets every other field. The
// sequence number is taken and the row written in one transaction, and Append
// returns only after that transaction is committed to disk: the gate may open
// when Append returns nil, not before. On error e.Seq is left untouched and
// no sequence number is consumed.
func (l *Ledger) Append(ctx context.Context, e *wire.Entry) error {
	stored, err := l.append(ctx, *e)
	if err != nil {
		return fmt.Errorf("ledger: append %s: %w", e.ID, err)
	}
	e.Seq, e.Visit = stored.Seq, stored.Visit
	return nil
}

// append works on a copy so a failed attempt never leaks a seq (or a visit
// code numbered from it) to the caller.
func (l *Ledger) append(ctx context.Context, e wire.Entry) (wire.Entry, error) {
	tx, err := l.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: see dataSource
	if err != nil {
		return wire.Entry{}, err
	}
	defer tx.Rollback()
	if err := l.inserter(ctx, tx).insert(ctx, &e); err != nil {
		return wire.Entry{}, err
	}
	if err := tx.Commit(); err != nil {
		return wire.Entry{}, err
	}
	return e, nil
}

// AppendBatch stores es in one transaction, assigning each its seq, so the
// lot costs one fsync instead of one each: for loading a ledger (tests,
// benchmarks, a migration tool). The gate path uses Append, because each
// person must be durable before the gate opens. On error nothing is stored
// and the seqs in es are left untouched.
func (l *Ledger) AppendBatch(ctx context.Context, es []wire.Entry) error {
	out := slices.Clone(es)
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("ledger: append batch: %w", err)
	}
	defer tx.Rollback()
	ins := l.inserter(ctx, tx)
	for i := range out {
		if err := ins.insert(ctx, &out[i]); err != nil {
			return fmt.Errorf("ledger: append batch: %s: %w", out[i].ID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("ledger: append batch: %w", err)
	}
	copy(es, out)
	return nil
}

// inserter holds the prepared append statements bound to one transaction;
// the transaction closes them when it ends.
type inserter struct{ lastSeq, row *sql.Stmt }

func (l *Ledger) inserter(ctx context.Context, tx *sql.Tx) inserter {
	return inserter{lastSeq: tx.StmtContext(ctx, l.st.lastSeq), row: tx.StmtContext(ctx, l.st.insert)}
}

const insertQuery = `INSERT INTO entries (seq, id, time, decision, body, alert, site, unit)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

// insert assigns e its seq and writes it inside the inserter's transaction.
func (in inserter) insert(ctx context.Context, e *wire.Entry) error {
	var err error
	if e.Seq, err = nextSeq(ctx, in.lastSeq); err != nil {
		return err
	}
	// A visit's short code is numbered from the seq, in the transaction
	// that takes the seq, so no two visits of the lane share a seq's code
	// (wire.Visit). The copy keeps the caller's visit untouched on error.
	if e.Visit != nil {
		v := *e.Visit
		v.Number(e.Seq)
		e.Visit = &v
	}
	// Validate with the seq in place: an entry every consumer would reject
	// must fail here, where the pipeline can still react, not downstream.
	if err := e.Validate(); err != nil {
		return err
	}
	body, err := json.Marshal(e)
	if err != nil {
		return err
	}
	_, err = in.row.ExecContext(ctx, int64(e.Seq), e.ID, e.Time.UnixMicro(),
		string(e.Decision), body, e.Alert != "", e.Site, e.Unit)
	return err
}

// nextSeq reads the next sequence number inside the write transaction.
// sqlite_sequence holds the largest seq AUTOINCREMENT has ever used, which
// stays put when rows are purged; inserting max+1 explicitly lets the JSON
// body carry its own seq in a single INSERT, and sqlite_sequence moves with
// the transaction, so a rollback gives the number back.
func nextSeq(ctx context.Context, lastSeq *sql.Stmt) (uint64, error) {
	var last int64
	if err := lastSeq.QueryRowContext(ctx).Scan(&last); err != nil {
		return 0, fmt.Errorf("next seq: %w", err)
	}
	return uint64(last) + 1, nil
}

const lastSeqQuery = `SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'entries'), 0)`

// LastSeq returns the highest seq ever assigned, 0 for an empty ledger. It
// does not go down when old entries are purged.
func (l *Ledger) LastSeq(ctx context.Context) (uint64, error) {
	var last int64
	if err := l.st.lastSeq.QueryRowContext(ctx).Scan(&last); err != nil {
		return 0, fmt.Errorf("ledger: last seq: %w", err)
	}
	return uint64(last), nil
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

// Counts returns how many entries of each decision were made at or after
// since, by the unit's clock: the guard console's "today" figures. A
// guard's record (wire.Record) has no decision and is no person: not
// counted.
func (l *Ledger) Counts(ctx context.Context, since time.Time) (map[wire.Decision]int, error) {
	// The tally counts every entry ever made, a purged one too: the person
	// passed all the same.
	q, arg := `SELECT decision, SUM(n) FROM quarter_counts WHERE quarter >= ? GROUP BY decision`, since.UnixMicro()/quarterMicros
	if since.UnixMicro()%quarterMicros != 0 { // not on a quarter hour: count the rows
		q, arg = `SELECT decision, COUNT(*) FROM entries WHERE time >= ? AND decision <> '' GROUP BY decision`, since.UnixMicro()
	}
	rows, err := l.db.QueryContext(ctx, q, arg)
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

// quarterMicros is the quarter_counts bucket: 15 minutes in microseconds.
const quarterMicros = int64(15 * time.Minute / time.Microsecond)

// Admissions returns, in order, the seqs of the entries after afterSeq that
// let someone in (lane "in", decision "allow"): what a unit that restarted
// has already used of its site gateway's grant (wire.Flow). The range is
// short: the gateway's AfterSeq trails the unit's last seq by the entries
// still on their way, and those are never purged, being unacknowledged.
func (l *Ledger) Admissions(ctx context.Context, afterSeq uint64) ([]uint64, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT seq FROM entries WHERE seq > ? AND decision = ?
		AND json_extract(body, '$.lane') = ? ORDER BY seq`, int64(afterSeq), string(wire.Allow), string(wire.LaneIn))
	if err != nil {
		return nil, fmt.Errorf("ledger: admissions after %d: %w", afterSeq, err)
	}
	defer rows.Close()
	var out []uint64
	for rows.Next() {
		var seq int64
		if err := rows.Scan(&seq); err != nil {
			return nil, fmt.Errorf("ledger: admissions after %d: %w", afterSeq, err)
		}
		out = append(out, uint64(seq))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ledger: admissions after %d: %w", afterSeq, err)
	}
	return out, nil
}
