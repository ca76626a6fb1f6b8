package unit

import (
	"context"
	"time"
)

// maintainEvery is how often the ledger's retention and quota are applied.
// A quota is a budget of hundreds of MB; a lane fills a few MB a day.
const maintainEvery = 5 * time.Minute

// maintainLedger applies retention and the disk quota at start and then
// every maintainEvery, until ctx ends.
func (u *Unit) maintainLedger(ctx context.Context) {
	tick := time.NewTicker(maintainEvery)
	defer tick.Stop()
	for {
		u.maintain(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// maintain purges acknowledged entries past retention and evicts the
// oldest acknowledged ones beyond the quota. When the quota is full of
// entries the collector has not acknowledged, nothing more is deleted and
// the unit keeps screening; the alarm goes on the status for the control
// room and is logged at Error every round until the uplink recovers.
func (u *Unit) maintain(ctx context.Context) {
	if now, synced := u.clock.Now(); synced {
		cut := now.Add(-time.Duration(u.cfg.Ledger.RetentionDays) * 24 * time.Hour)
		if n, err := u.ledger.Purge(ctx, cut); err != nil {
			u.log.Error("ledger retention failed", "err", err)
		} else if n > 0 {
			u.log.Info("ledger retention", "purged", n, "delivered_before", cut)
		}
		u.purgeHouseholdUses(ctx, now)
	} // an unsynced clock cannot say what is 28 days old; the quota still holds
	quota := int64(u.cfg.Ledger.QuotaMB) << 20
	full, err := u.ledger.EnforceQuota(ctx, quota)
	if err != nil {
		u.log.Error("ledger quota check failed", "err", err)
		return
	}
	if was := u.diskFull.Swap(full); was && !full {
		u.log.Info("ledger back under its quota: disk alarm cleared")
	}
	u.uplink.SetDiskAlarm(full)
	if full {
		backlog, oldest, _ := u.ledger.Backlog(ctx)
		u.log.Error("DISK ALARM: the ledger quota is full of entries the collector has not acknowledged; "+
			"screening continues and no entry is dropped, but the disk itself will fill: restore the uplink",
			"quota_mb", u.cfg.Ledger.QuotaMB, "unacknowledged", backlog, "oldest", oldest)
	}
}

// DiskAlarm reports whether the ledger's quota is full of unacknowledged
// entries, for the guard console.
func (u *Unit) DiskAlarm() bool { return u.diskFull.Load() }
