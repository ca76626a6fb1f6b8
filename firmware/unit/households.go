package unit

import (
	"context"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// onHouseholds is the uplink's OnHouseholds hook: the site gateway's count
// of every household's uses across the site (一户一卡, screening
// household.go). It is not saved: after a reboot without its gateway the
// lane counts its own uses from its ledger, and the gateway's retained
// message restores the others' as soon as the lane reaches it.
func (u *Unit) onHouseholds(h wire.Households) {
	if u.pipeline.SetHouseholds(h) {
		u.log.Debug("household uses from the site gateway", "seq", h.Seq, "after_seq", h.AfterSeq, "households", len(h.Uses))
	}
}

// SiteHouseholds is the site gateway's latest count of the households'
// uses, as this lane holds it; false when it holds none.
func (u *Unit) SiteHouseholds() (wire.Households, bool) { return u.pipeline.SiteHouseholds() }

// purgeHouseholdUses drops household uses older than the longest period
// a policy may set; the entries themselves follow [ledger] retention, so
// a period longer than retention still counts every use. Called by
// maintain with a synced clock.
func (u *Unit) purgeHouseholdUses(ctx context.Context, now time.Time) {
	if _, err := u.ledger.PurgeHouseholdUses(ctx, now.Add(-wire.MaxHouseholdPeriod*time.Second)); err != nil {
		u.log.Error("household uses past a year not purged; retrying at the next maintenance", "err", err)
	}
}
