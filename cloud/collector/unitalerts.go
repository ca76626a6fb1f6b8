package collector

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/kakou/kakou/cloud/store"
)

// unitAlertsEvery is how often the units' state is judged. The thresholds
// are minutes; a sweep every 15 s adds little to them.
var unitAlertsEvery = 15 * time.Second

// unitAlertStore is what the sweep needs; both backends have it.
type unitAlertStore interface {
	Units(ctx context.Context, dayStart time.Time) ([]store.Unit, error)
	UnresolvedAlerts(ctx context.Context, kinds []string) ([]store.Alert, error)
	RaiseAlert(ctx context.Context, a store.Alert) (bool, error)
	ResolveAlerts(ctx context.Context, u store.UnitID, kind string, at time.Time) (int, error)
}

// unitKinds are the alerts the sweep raises and resolves.
var unitKinds = []string{store.KindOffline, store.KindSilent, store.KindBacklog, store.KindDisk}

// unitWatch judges the units' state from the fleet view: offline or silent
// too long, a backlog that does not drain, a full disk. Each alert is
// resolved when its condition clears, and raised once per occurrence on
// any collector of a shared store (its id names the occurrence).
//
// Silence is counted only from when the collector could hear: a
// collector that was down for an hour finds every unit's last_seen an
// hour old, and paging every site for the collector's own outage is the
// storm operators learn to ignore. listening says since when the current
// broker session runs; while there is none, the sweep judges nothing.
type unitWatch struct {
	offline, silent, backlog time.Duration
	cfg                      AlertsConfig
	listening                func() (time.Time, bool)
	log                      *slog.Logger
	// oldest is each unit's oldest unacknowledged entry as last seen, and
	// since when it has not changed (a backlog stuck is one that does
	// not drain). Only this goroutine touches it.
	oldest map[store.UnitID]stuck
}

type stuck struct{ oldest, since time.Time }

func newUnitWatch(cfg AlertsConfig, listening func() (time.Time, bool), log *slog.Logger) *unitWatch {
	w := &unitWatch{cfg: cfg, listening: listening, log: log, oldest: map[store.UnitID]stuck{}}
	w.offline, w.silent, w.backlog = cfg.durations()
	return w
}

// sweep raises and resolves the unit-state alerts at now.
func (w *unitWatch) sweep(ctx context.Context, st unitAlertStore, now time.Time) error {
	heard, ok := w.listening()
	if !ok {
		return nil // not connected: the units' silence is ours
	}
	units, err := st.Units(ctx, now)
	if err != nil {
		return fmt.Errorf("list units: %w", err)
	}
	unresolved, err := st.UnresolvedAlerts(ctx, unitKinds)
	if err != nil {
		return fmt.Errorf("list unresolved alerts: %w", err)
	}
	open := map[string]bool{}
	for _, a := range unresolved {
		open[a.Kind+" "+store.UnitID{Site: a.Site, Unit: a.Unit}.String()] = true
	}
	live := map[store.UnitID]bool{}
	for _, u := range units {
		id := store.UnitID{Site: u.Site, Unit: u.ID}
		live[id] = true
		for _, j := range w.judge(u, heard, now) {
			if err := w.apply(ctx, st, id, j, open[j.kind+" "+id.String()], now); err != nil {
				return err
			}
		}
	}
	for id := range w.oldest {
		if !live[id] {
			delete(w.oldest, id)
		}
	}
	return nil
}

// judgement is one kind's verdict on a unit: raise a (when on) or resolve.
type judgement struct {
	kind string
	on   bool
	a    store.Alert
}

func (w *unitWatch) judge(u store.Unit, heard, now time.Time) []judgement {
	quiet := now.Sub(later(u.LastSeen, heard)) // silence we could have heard
	seen := "从未上线 / never seen live"
	if !u.LastSeen.IsZero() {
		seen = u.LastSeen.Format(time.RFC3339)
	}
	base := store.Alert{Site: u.Site, Unit: u.ID, RaisedAt: now}
	occurrence := strconv.FormatInt(u.LastSeen.UnixNano(), 10)
	if u.LastSeen.IsZero() {
		occurrence = "0"
	}
	out := []judgement{
		w.verdict(base, store.KindOffline, w.offline > 0 && !u.Online && quiet >= w.offline, occurrence,
			w.cfg.offlineSeverity(u.Site), fmt.Sprintf("离线，最后联系 %s / offline, last heard %s", seen, seen)),
		w.verdict(base, store.KindSilent, w.silent > 0 && u.Online && quiet >= w.silent, occurrence, "",
			fmt.Sprintf("状态为在线但已 %s 无心跳，最后联系 %s / says online but silent for %s", quiet.Round(time.Second), seen, quiet.Round(time.Second))),
		w.verdict(base, store.KindDisk, u.DiskAlarm, occurrence, "",
			"设备存储已满，无法继续记录 / the unit's disk is full"),
	}
	return append(out, w.judgeBacklog(u, base, now))
}

// judgeBacklog: an online unit's backlog is stuck when its oldest
// unacknowledged entry has stayed the same for backlog_after. A backlog
// draining after an outage moves its oldest entry on every status, so it
// raises nothing, however large.
func (w *unitWatch) judgeBacklog(u store.Unit, base store.Alert, now time.Time) judgement {
	id := store.UnitID{Site: u.Site, Unit: u.ID}
	if u.Backlog == 0 || u.OldestUnacked.IsZero() {
		delete(w.oldest, id)
		return w.verdict(base, store.KindBacklog, false, "", "", "")
	}
	s, ok := w.oldest[id]
	if !ok || !s.oldest.Equal(u.OldestUnacked) {
		s = stuck{oldest: u.OldestUnacked, since: now}
		w.oldest[id] = s
	}
	on := w.backlog > 0 && u.Online && now.Sub(s.since) >= w.backlog
	return w.verdict(base, store.KindBacklog, on, strconv.FormatInt(u.OldestUnacked.UnixNano(), 10), "",
		fmt.Sprintf("积压 %d 条未上传，最早 %s，已 %s 未减少 / %d entries waiting since %s, not draining for %s",
			u.Backlog, u.OldestUnacked.Format(time.RFC3339), now.Sub(s.since).Round(time.Second),
			u.Backlog, u.OldestUnacked.Format(time.RFC3339), now.Sub(s.since).Round(time.Second)))
}

func (w *unitWatch) verdict(base store.Alert, kind string, on bool, occurrence, severity, detail string) judgement {
	a := base
	a.Kind, a.Detail, a.Severity = kind, detail, severity
	if a.Severity == "" {
		a.Severity = store.SeverityOf(kind)
	}
	a.ID = kind + "-" + store.UnitID{Site: base.Site, Unit: base.Unit}.String() + "-" + occurrence
	return judgement{kind: kind, on: on, a: a}
}

// apply writes a verdict only when it changes something, so a fleet of
// 10,000 quiet units costs the sweep two reads and no writes.
func (w *unitWatch) apply(ctx context.Context, st unitAlertStore, id store.UnitID, j judgement, open bool, now time.Time) error {
	switch {
	case j.on && !open:
		fresh, err := st.RaiseAlert(ctx, j.a)
		if err != nil {
			return err
		}
		if fresh {
			w.log.Warn("unit alert raised", "site", id.Site, "unit", id.Unit, "kind", j.kind, "severity", j.a.Severity)
		}
	case !j.on && open:
		if _, err := st.ResolveAlerts(ctx, id, j.kind, now); err != nil {
			return err
		}
		w.log.Info("unit alert resolved", "site", id.Site, "unit", id.Unit, "kind", j.kind)
	}
	return nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// startUnitAlerts runs the sweep until Shutdown.
func (c *Collector) startUnitAlerts(context.Context) error {
	st, ok := c.store.(unitAlertStore)
	if !ok {
		c.log.Warn("the store cannot raise unit alerts; offline, silent, backlog and disk alerts are off")
		return nil
	}
	w := newUnitWatch(c.cfg.Alerts, c.ingest.ListeningSince, c.log)
	ctx, cancel := context.WithCancel(context.Background())
	c.stopUnitAlerts = cancel
	go func() {
		tick := time.NewTicker(unitAlertsEvery)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if err := w.sweep(ctx, st, time.Now()); err != nil && ctx.Err() == nil {
				c.log.Error("unit alerts sweep failed; retrying", "err", err)
			}
		}
	}()
	return nil
}
