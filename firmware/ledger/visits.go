package ledger

import (
	"context"
	"fmt"

	"github.com/kakou/kakou/firmware/wire"
)

// VisitEntries returns, in seq order, the entries that opened or closed a
// visit (wire.Visit, wire.CloseOut): what a restarted unit rebuilds its
// list of visitors still inside from. By seq, not time: a visit logged
// before NTP synced carries a 1970 time. instr on the stored JSON decodes
// only the rows that match, so at boot over a busy lane's 28 days it is
// one pass over the table rather than a decode of every entry.
func (l *Ledger) VisitEntries(ctx context.Context) ([]wire.Entry, error) {
	es, err := l.query(ctx, `SELECT body FROM entries
		WHERE instr(body, '"visit":{') > 0 OR instr(body, '"close_out":{') > 0 ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("ledger: visits: %w", err)
	}
	return es, nil
}
