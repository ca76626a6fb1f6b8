package unit

import (
	"context"
	"time"

	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
)

// Log, Notable, Inside and Duties keep the console's duty log and
// hand-over sheet (console.Logbook).

// Log writes a guard's record through the pipeline, which appends it to
// the ledger with the lane's next seq, then wakes the uplink: the record
// goes to the centre like an entry, exactly once and after any outage.
func (u *Unit) Log(ctx context.Context, rec wire.Record, guard string) (wire.Entry, error) {
	e, err := u.pipeline.Log(ctx, rec, guard)
	if err != nil {
		return e, err
	}
	u.log.Info("record", "seq", e.Seq, "kind", rec.Kind, "guard", guard)
	u.uplink.Notify()
	return e, nil
}

func (u *Unit) Notable(ctx context.Context, since time.Time) ([]wire.Entry, error) {
	return u.ledger.Notable(ctx, since)
}

func (u *Unit) Duties() ([]policy.Duty, int) {
	p := u.policy.Current()
	return p.Duties, p.MinGuards
}

// dutyCheckEvery is how often the unit looks for turns nobody logged; a
// window is at least a minute long.
const dutyCheckEvery = time.Minute

// watchDuties records missed duty turns (Console.RecordMissed) every
// dutyCheckEvery while the clock is synced. A unit is taken to have been
// in service from its last entry before this start, so a reboot does not
// forgive the round that closed while it was down, and a new unit does
// not blame its guards for yesterday.
func (u *Unit) watchDuties(ctx context.Context) {
	start, _ := u.clock.Now()
	notBefore := start
	if last, err := u.ledger.LastSeq(ctx); err == nil && last > 0 {
		if es, err := u.ledger.Entries(ctx, last-1, 1); err == nil && len(es) == 1 && es[0].ClockSynced && es[0].Time.Before(start) {
			notBefore = es[0].Time
		}
	}
	tick := time.NewTicker(dutyCheckEvery)
	defer tick.Stop()
	for {
		if _, synced := u.clock.Now(); synced {
			if _, err := u.console.RecordMissed(ctx, notBefore, u.console.OnDuty()); err != nil && ctx.Err() == nil {
				u.log.Error("missed duties not recorded; retrying in a minute", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
