package collector

import (
	"context"
	"time"

	"github.com/kakou/kakou/cloud/store"
)

// sweepHouseholds raises the over-quota alerts of site's households
// (store.RaiseHouseholdOverQuota), once per overusing entry on any
// collector of a shared store. It runs with the overstay sweep, every
// minute: an overuse found from late entries is reported within a minute
// of the last one landing.
func (c *Collector) sweepHouseholds(ctx context.Context, st visitStore, site string, now time.Time) {
	hs, ok := st.(store.HouseholdAlerter)
	if !ok {
		return
	}
	raised, err := store.RaiseHouseholdOverQuota(ctx, hs, site, now)
	if err != nil && ctx.Err() == nil {
		c.log.Error("household sweep failed; retrying next minute", "site", site, "err", err)
	}
	for _, a := range raised {
		c.log.Warn("household went out more often than its allowance", "site", a.Site, "unit", a.Unit, "entry", a.EntryID)
	}
}
