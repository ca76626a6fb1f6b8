package collector

import (
	"context"
	"time"

	"github.com/kakou/kakou/cloud/store"
)

// visitsEvery is how often the collector looks for visitors inside past
// their policy's limit ([checks.visitor] max_stay, carried on each visit).
// A minute late is nothing against a limit of hours.
var visitsEvery = time.Minute

// visitStore is what the overstay sweep needs; both backends have it.
type visitStore interface {
	store.VisitAlerter
	Units(ctx context.Context, dayStart time.Time) ([]store.Unit, error)
}

// startVisits sweeps every site for overstays, each raising one alert
// (kind "overstay") however often the sweep runs, on any collector of a
// shared store: the alert's id is the visit's (store.RaiseOverstays).
func (c *Collector) startVisits(context.Context) error {
	st, ok := c.store.(visitStore)
	if !ok {
		c.log.Warn("the store cannot list visits; overstay alerts are off")
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.stopVisits = cancel
	go func() {
		tick := time.NewTicker(visitsEvery)
		defer tick.Stop()
		for {
			c.sweepVisits(ctx, st, time.Now())
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return nil
}

func (c *Collector) sweepVisits(ctx context.Context, st visitStore, now time.Time) {
	units, err := st.Units(ctx, now)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Error("overstay sweep: list sites; retrying next minute", "err", err)
		}
		return
	}
	seen := map[string]bool{}
	for _, u := range units {
		if seen[u.Site] {
			continue
		}
		seen[u.Site] = true
		raised, err := store.RaiseOverstays(ctx, st, u.Site, now)
		if err != nil && ctx.Err() == nil {
			c.log.Error("overstay sweep failed; retrying next minute", "site", u.Site, "err", err)
		}
		for _, a := range raised {
			c.log.Warn("visitor inside past the policy's limit", "site", a.Site, "unit", a.Unit, "entry", a.EntryID)
		}
		c.sweepHouseholds(ctx, st, u.Site, now)
	}
}
