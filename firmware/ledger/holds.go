package ledger

import (
	"context"
	"fmt"
	"slices"

	"github.com/kakou/kakou/firmware/wire"
)

// holdRows picks the entries that held someone for sampling or released
// them; the partial index entries_holds has the same predicate, so a unit
// restarting reads these few rows, not its day's passes.
const holdRows = `(decision = 'hold' OR instr(body, '"` + wire.ReasonReleased + `"') > 0)`

// migrateHolds indexes the holds (firmware/screening sampling.go).
const migrateHolds = `CREATE INDEX entries_holds ON entries(seq) WHERE ` + holdRows + `;`

// MaxHolds bounds what Holds reads: the newest holds and releases a lane
// remembers (screening keeps 2,000 pending at most).
const MaxHolds = 5000

// Holds returns the newest hold entries and the releases among them, each
// in seq order, for a restarted lane to remember who it holds
// (screening.Pipeline.RestoreHolds).
func (l *Ledger) Holds(ctx context.Context) (holds, releases []wire.Entry, err error) {
	es, err := l.query(ctx, `SELECT body FROM entries WHERE `+holdRows+` ORDER BY seq DESC LIMIT ?`, MaxHolds)
	if err != nil {
		return nil, nil, fmt.Errorf("ledger: holds: %w", err)
	}
	slices.Reverse(es)
	for _, e := range es {
		if e.Decision == wire.Hold {
			holds = append(holds, e)
		} else if e.Decision == wire.Allow {
			releases = append(releases, e)
		}
	}
	return holds, releases, nil
}
