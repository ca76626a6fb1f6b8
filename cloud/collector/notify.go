package collector

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/kakou/kakou/cloud/notify"
	"github.com/kakou/kakou/cloud/store"
)

// SetScope replaces the [[regions]] tree as what says which regions a
// site lies in, top down (e.g. ["changzhou", "wujin", "hutang"]), for
// channels chosen by region; call it before Start. For a deployment whose
// regions come from elsewhere.
func (c *Collector) SetScope(scope func(site string) []string) { c.scope = scope }

// startNotify plans and sends alerts' notifications on its own goroutine
// (cloud/notify). It runs even with no channels: alerts are then marked
// seen, so channels added later do not page people for old alerts.
func (c *Collector) startNotify(context.Context) error {
	st, ok := c.store.(notify.Store)
	if !ok {
		c.log.Warn("the store has no notification outbox; alerts are not sent")
		return nil
	}
	channels, err := c.cfg.Notify.resolveChannels(os.Getenv)
	if err != nil {
		return fmt.Errorf("collector: %w", err)
	}
	loc, _ := c.cfg.Location() // checked by Validate
	giveUp, _ := time.ParseDuration(c.cfg.Notify.GiveUpAfter)
	scope := c.scope
	if t := c.cfg.Regions(); scope == nil && t != nil {
		scope = t.Path // [[regions]]: a channel's regions hold their sites at any depth
	}
	n, err := notify.New(st, notify.Options{Channels: channels, EscalateAfter: c.cfg.Notify.escalation(),
		Scope: scope, Names: c.names(), Location: loc, Dashboard: cmp.Or(c.cfg.Notify.DashboardURL, c.HTTPURL()+"/"),
		Owner:       c.cfg.Broker.ClientID + "-" + fmt.Sprint(os.Getpid(), "-", time.Now().UnixNano()),
		GiveUpAfter: giveUp, Logger: c.log, Poll: c.notifyPoll})
	if err != nil {
		return fmt.Errorf("collector: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		n.Run(ctx)
	}()
	c.stopNotify = func() { cancel(); wg.Wait() }
	c.log.Info("alert notifications", "channels", len(channels))
	return nil
}

// names gives a site's and a unit's display names: the site's
// [[sites]] name first, else what the units' statuses call them
// (store.Unit SiteName, Name), read from the fleet at most every 30 s.
func (c *Collector) names() notify.Names {
	configured := map[string]string{}
	for _, s := range c.cfg.Sites {
		configured[s.ID] = s.Name
	}
	st := c.store
	var mu sync.Mutex
	var read time.Time
	known := map[store.UnitID][2]string{}
	return func(site, unit string) (string, string) {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(read) > 30*time.Second {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			units, err := st.Units(ctx, time.Now())
			cancel()
			if err == nil {
				read, known = time.Now(), make(map[store.UnitID][2]string, len(units))
				for _, u := range units {
					known[store.UnitID{Site: u.Site, Unit: u.ID}] = [2]string{u.SiteName, u.Name}
				}
			}
		}
		n := known[store.UnitID{Site: site, Unit: unit}]
		return cmp.Or(configured[site], n[0]), n[1]
	}
}
