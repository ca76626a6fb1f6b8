package ledger

import (
	"context"
	"fmt"
	"math"
	"time"
)

// plausibleSince is the earliest delivery time retention believes. A Pi
// without an RTC boots in 1970 (docs/architecture.md "A Pi has no real-time
// clock"), and a stamp from before this date
// was made by such a clock, not by a delivery that long ago.
var plausibleSince = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// chunk bounds the rows one delete transaction removes, so a first purge of
// months of history neither holds the write lock (and the gate) for long nor
// grows the WAL by the size of the whole purge.
const chunk = 1000

// Size returns the size of the database in bytes (page_count × page_size),
// not counting the WAL, which journal_size_limit keeps to a few MiB.
func (l *Ledger) Size(ctx context.Context) (int64, error) {
	var n int64
	const q = `SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()`
	if err := l.db.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return 0, fmt.Errorf("ledger: size: %w", err)
	}
	return n, nil
}

// inUse is Size without the free pages: what a quota must compare, because
// SQLite reuses free pages before it grows the file, and a ledger created
// before incremental auto-vacuum keeps them in the file (doc.go).
func (l *Ledger) inUse(ctx context.Context) (int64, error) {
	var n int64
	const q = `SELECT (page_count - freelist_count) * page_size
		FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()`
	if err := l.db.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return 0, err
	}
	return n, nil
}

// Purge deletes delivered entries whose delivery is older than olderThan and
// returns how many it deleted. Undelivered entries are never touched.
//
// It deletes a prefix in seq order: everything up to the highest seq whose
// delivered_at is before olderThan. Entries are delivered in seq order, so
// every entry below that one was delivered no later than it was, whatever
// its own stamp says, and an entry stamped by a clock that was still in 1970
// goes when a later, believable delivery ages out, not at once. Call it only
// with a synced clock; the unit skips retention until NTP has synced.
func (l *Ledger) Purge(ctx context.Context, olderThan time.Time) (int, error) {
	const q = `SELECT COALESCE(MAX(seq), 0) FROM entries INDEXED BY entries_delivered
		WHERE delivered_at >= ? AND delivered_at < ?`
	var upTo int64
	err := l.db.QueryRowContext(ctx, q, plausibleSince.UnixMicro(), olderThan.UnixMicro()).Scan(&upTo)
	if err != nil {
		return 0, fmt.Errorf("ledger: purge: %w", err)
	}
	total := 0
	for {
		n, err := l.deleteDelivered(ctx, upTo)
		total += n
		if err != nil {
			return total, fmt.Errorf("ledger: purge: %w", err)
		}
		if n < chunk {
			break
		}
	}
	// The day's tallies go with the retention period, not with the rows:
	// a count is kept while the entries it counts would be.
	if _, err := l.db.ExecContext(ctx, `DELETE FROM quarter_counts WHERE quarter < ?`,
		olderThan.UnixMicro()/quarterMicros); err != nil {
		return total, fmt.Errorf("ledger: purge: %w", err)
	}
	if err := l.shrink(ctx); err != nil {
		return total, fmt.Errorf("ledger: purge: %w", err)
	}
	return total, nil
}

// EnforceQuota keeps the ledger within quota bytes by deleting the oldest
// delivered entries, in seq order, until the pages in use fit. It reports
// full when they still do not fit once no delivered entry is left: the quota
// is full of entries the collector has not acknowledged, which are never
// deleted. Appends go on regardless (the unit keeps screening); full is the
// alarm that someone must restore the uplink before the disk itself fills.
func (l *Ledger) EnforceQuota(ctx context.Context, quota int64) (full bool, err error) {
	for {
		used, err := l.inUse(ctx)
		if err != nil {
			return false, fmt.Errorf("ledger: quota: %w", err)
		}
		if used <= quota {
			break
		}
		n, err := l.deleteDelivered(ctx, math.MaxInt64)
		if err != nil {
			return false, fmt.Errorf("ledger: quota: %w", err)
		}
		if n == 0 {
			full = true
			break
		}
	}
	if err := l.shrink(ctx); err != nil {
		return full, fmt.Errorf("ledger: quota: %w", err)
	}
	return full, nil
}

// deleteDelivered deletes up to chunk of the oldest delivered entries with
// seq <= upTo in one transaction. Delivered entries are a prefix of the
// ledger (MarkDeliveredUpTo), so the scan stops below the first undelivered
// entry, found through its index, and never reads the backlog.
func (l *Ledger) deleteDelivered(ctx context.Context, upTo int64) (int, error) {
	const q = `DELETE FROM entries WHERE seq IN (
		SELECT seq FROM entries
		WHERE delivered_at IS NOT NULL AND seq <= ? AND seq < COALESCE(
			(SELECT MIN(seq) FROM entries INDEXED BY entries_undelivered WHERE delivered_at IS NULL),
			9223372036854775807)
		ORDER BY seq LIMIT ?)`
	res, err := l.db.ExecContext(ctx, q, upTo, chunk)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// shrink returns free pages to the file system. It does nothing on a ledger
// created before incremental auto-vacuum; there SQLite reuses the pages.
func (l *Ledger) shrink(ctx context.Context) error {
	// incremental_vacuum frees pages as its result rows are stepped, so the
	// rows must be read to the end, not merely executed.
	rows, err := l.db.QueryContext(ctx, `PRAGMA incremental_vacuum`)
	if err != nil {
		return fmt.Errorf("incremental vacuum: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("incremental vacuum: %w", err)
	}
	return nil
}
