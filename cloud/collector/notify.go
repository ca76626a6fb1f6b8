package collector

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/kakou/kakou/cloud/notify"
)

// SetScope gives the notifier the ids of the regions a site lies in, top
// down (e.g. ["changzhou", "wujin", "hutang"]), for channels chosen by
// region ([[notify.channels]] regions); call it before Start. Without it
// channels choose by site alone.
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
	n, err := notify.New(st, notify.Options{Channels: channels, EscalateAfter: c.cfg.Notify.escalation(),
		Scope: c.scope, Names: c.siteNames(), Location: loc, Dashboard: cmp.Or(c.cfg.Notify.DashboardURL, c.HTTPURL()+"/"),
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

// siteNames gives the sites' names from [[sites]]; units keep their ids.
func (c *Collector) siteNames() notify.Names {
	names := map[string]string{}
	for _, s := range c.cfg.Sites {
		names[s.ID] = s.Name
	}
	return func(site, _ string) (string, string) { return names[site], "" }
}
