package console

import (
	"context"

	"github.com/kakou/kakou/firmware/wire"
)

// attend records a guard signing in or out at this lane as a record in
// the ledger, so the centre knows who was on duty when (docs/product.md
// "Guards on duty sign in per shift") the way it learns of duties: exactly
// once, after any outage. A console without a logbook records nothing. A
// failed write (a full disk) is logged and the sign-in stands: the lane
// must not lose its guard to the ledger's trouble.
func (c *Console) attend(ctx context.Context, kind wire.RecordKind, g *Guard) {
	if c.opts.Logbook == nil || g == nil {
		return
	}
	rec := wire.Record{Kind: kind, GuardName: g.Name}
	if _, err := c.opts.Logbook.Log(ctx, rec, g.ID); err != nil {
		c.opts.Logger.Error("console: sign-in or sign-out not recorded for the centre", "guard", g.ID, "kind", kind, "err", err)
	}
}
