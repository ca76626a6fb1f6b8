package collector

import (
	"context"
	"fmt"

	"github.com/kakou/kakou/cloud/trust"
)

// startTrust runs the centre's trust list (cloud/trust): pass issuers,
// health keys, revoked passes and DCC signers go to every unit of the
// fleet, signed with the policy key, retained on kakou/v1/trust. A fleet's
// first start seeds it from [trust]; it is published at start and on
// every change, and stops with the guard rosters.
func (c *Collector) startTrust(ctx context.Context) error {
	c.trust = trust.New(c.store, c.ingest, c.log)
	if err := c.signPush("trust lists", c.trust); err != nil {
		return err
	}
	t := c.cfg.Trust
	if err := c.trust.ApplySeed(ctx, trust.Seed{Issuers: t.Issuers, HealthIssuers: t.HealthIssuers, DCC: t.DCCTrustList}); err != nil {
		return fmt.Errorf("collector: %w", err)
	}
	c.runPusher(c.trust.Run)
	return nil
}
