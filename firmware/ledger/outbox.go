package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"time"
)

// Record is an undelivered entry as the uplink sends it: the JSON body
// exactly as Append stored it (json.Marshal of the wire.Entry, seq
// included), with the fields the uplink routes by read from their own
// columns, so sending an entry never decodes it.
type Record struct {
	Seq   uint64
	Site  string // wire.Entry.Site: the topic names the site and unit the entry says it came from
	Unit  string // wire.Entry.Unit
	Alert bool   // wire.Entry.Alert is set
	Body  []byte
}

const (
	pendingQuery = `SELECT seq, site, unit, alert, body FROM entries INDEXED BY entries_undelivered
		WHERE delivered_at IS NULL AND seq > ? ORDER BY seq LIMIT ?`
	pendingAlertsQuery = `SELECT seq, site, unit, alert, body FROM entries INDEXED BY entries_undelivered_alerts
		WHERE delivered_at IS NULL AND alert = 1 AND seq > ? ORDER BY seq LIMIT ?`
	markQuery = `UPDATE entries INDEXED BY entries_undelivered SET delivered_at = ?
		WHERE delivered_at IS NULL AND seq <= ?`
)

// Pending returns up to limit undelivered entries with seq > afterSeq, in seq
// order.
func (l *Ledger) Pending(ctx context.Context, afterSeq uint64, limit int) ([]Record, error) {
	rs, err := records(ctx, l.st.pending, afterSeq, limit)
	if err != nil {
		return nil, fmt.Errorf("ledger: pending after %d: %w", afterSeq, err)
	}
	return rs, nil
}

// PendingAlerts is Pending restricted to entries with an alert (fever,
// quarantine watch, red code), which the uplink sends ahead of the backlog.
func (l *Ledger) PendingAlerts(ctx context.Context, afterSeq uint64, limit int) ([]Record, error) {
	rs, err := records(ctx, l.st.pendingAlerts, afterSeq, limit)
	if err != nil {
		return nil, fmt.Errorf("ledger: pending alerts after %d: %w", afterSeq, err)
	}
	return rs, nil
}

// records runs one of the pending queries. The rows are read to the end and
// closed before it returns: with a single connection, an open result set
// would block every other statement.
func records(ctx context.Context, q *sql.Stmt, afterSeq uint64, limit int) ([]Record, error) {
	rows, err := q.QueryContext(ctx, int64(min(afterSeq, math.MaxInt64)), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]Record, 0, min(max(limit, 0), 1000))
	for rows.Next() {
		var r Record
		var seq int64
		if err := rows.Scan(&seq, &r.Site, &r.Unit, &r.Alert, &r.Body); err != nil {
			return nil, err
		}
		r.Seq = uint64(seq)
		out = append(out, r)
	}
	return out, rows.Err()
}

// Acknowledged returns the highest seq up to which every entry is
// delivered: just below the oldest undelivered entry, or the last seq when
// nothing waits. Delivered entries may be purged, so it is derived from
// what is still undelivered rather than looked up.
func (l *Ledger) Acknowledged(ctx context.Context) (uint64, error) {
	const q = `SELECT COALESCE((SELECT MIN(seq) - 1 FROM entries INDEXED BY entries_undelivered
		WHERE delivered_at IS NULL), (` + lastSeqQuery + `))`
	var n int64
	if err := l.db.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return 0, fmt.Errorf("ledger: acknowledged: %w", err)
	}
	return uint64(n), nil
}

// MarkDeliveredUpTo records that every entry with seq <= seq is delivered:
// the collector's ack (wire.Ack) says it has stored all of them. Marking
// again keeps the first time, so a repeated ack changes nothing. Because
// acks only ever cover a prefix, the delivered entries are always the
// lowest seqs in the ledger; retention and eviction rely on that.
func (l *Ledger) MarkDeliveredUpTo(ctx context.Context, seq uint64) error {
	if err := l.markDeliveredUpTo(ctx, seq, time.Now()); err != nil {
		return fmt.Errorf("ledger: mark delivered up to %d: %w", seq, err)
	}
	return nil
}

func (l *Ledger) markDeliveredUpTo(ctx context.Context, seq uint64, now time.Time) error {
	_, err := l.st.mark.ExecContext(ctx, now.UnixMicro(), int64(min(seq, math.MaxInt64)))
	return err
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
