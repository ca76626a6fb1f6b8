package ledger

import (
	"context"
	"fmt"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// MaxNotable bounds what Notable reads: a day of a busy lane's re-checks,
// registrations and records is a few hundred; more means the guard's
// sheet is the least of the lane's problems.
const MaxNotable = 5000

// Notable returns, in seq order, the entries made at or after since (by
// the unit's clock) that a hand-over or the duty log must look at: guards'
// records (no decision), every outcome but a plain pass, visitors, and
// any entry that decided another again (amends, or an override's
// replaces), since that settles the one it names. Plain passes, the bulk
// of a lane's day, are left in the database.
func (l *Ledger) Notable(ctx context.Context, since time.Time) ([]wire.Entry, error) {
	const q = `SELECT body FROM entries WHERE time >= ? AND (decision <> ?
		OR json_extract(body, '$.visitor') IS NOT NULL
		OR COALESCE(json_extract(body, '$.amends'), '') <> ''
		OR COALESCE(json_extract(body, '$.override.replaces'), '') <> '')
		ORDER BY seq LIMIT ?`
	es, err := l.query(ctx, q, since.UnixMicro(), string(wire.Allow), MaxNotable)
	if err != nil {
		return nil, fmt.Errorf("ledger: notable entries since %s: %w", since.Format(time.RFC3339), err)
	}
	return es, nil
}
