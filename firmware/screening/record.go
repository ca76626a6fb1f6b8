package screening

import (
	"context"
	"fmt"

	"github.com/kakou/kakou/firmware/wire"
)

// Log writes a guard's record (a duty done or missed, a shift handed
// over) to the ledger as an entry with no decision: it takes the lane's
// next seq and travels to the centre like any entry. It holds mu like a
// decision does, so a record never lands between a person's screening and
// their entry, and it leaves the person on screen, the hold and the
// gateway's grant alone: nobody passed the gate. Decided is not called
// (it shows a result and opens the gate); the caller tells the uplink.
func (p *Pipeline) Log(ctx context.Context, rec wire.Record, guard string) (wire.Entry, error) {
	p.mu.Lock() // NewID need not be safe for concurrent use
	defer p.mu.Unlock()
	now, synced := p.opts.Now()
	e := wire.Entry{
		Schema: wire.SchemaVersion, ID: p.opts.NewID(),
		Site: p.opts.Site, Unit: p.opts.Unit, BootID: p.opts.BootID, Lane: p.opts.Lane,
		Time: now, ClockSynced: synced, Credential: wire.Credential{Kind: wire.CredentialNone},
		PolicyVersion: p.opts.Policy().Version, Guard: guard, Record: &rec,
	}
	if err := p.ledger.Append(ctx, &e); err != nil {
		return wire.Entry{}, fmt.Errorf("screening: log %s record: %w", rec.Kind, err)
	}
	return e, nil
}
