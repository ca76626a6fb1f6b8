package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// Notify holds a backend to the alerts' severity, their resolution, and
// the notification outbox: a plan applies once, a notification is queued
// once per alert, channel and level, and a lease gives it to one sender.
func Notify(t *testing.T, open func(*testing.T) Store) {
	for _, bh := range []struct {
		name string
		run  func(*testing.T, Store)
	}{
		{"every alert is stored with its severity", behaveSeverityStored},
		{"a unit's alerts of a kind resolve together and leave the unresolved list", behaveResolveAlerts},
		{"a plan applies once and queues each notification once", behavePlanOnce},
		{"an escalation is due only while nobody acknowledged the alert", behaveEscalationDue},
		{"a notification is leased to one sender at a time", behaveClaimOnce},
		{"a failed attempt waits for its next time and a settled one is never claimed", behaveRetryAndSettle},
	} {
		t.Run(bh.name, func(t *testing.T) {
			t.Parallel()
			bh.run(t, open(t))
		})
	}
}

func raise(t *testing.T, s Store, a store.Alert) {
	t.Helper()
	if fresh, err := s.RaiseAlert(ctx, a); err != nil || !fresh {
		t.Fatalf("raise %s: fresh %v, %v", a.ID, fresh, err)
	}
}

func alertByID(t *testing.T, s Store, id string) store.Alert {
	t.Helper()
	list, err := s.Alerts(ctx, store.AlertQuery{Limit: store.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		if a.ID == id {
			return a
		}
	}
	t.Fatalf("alert %s not listed", id)
	return store.Alert{}
}

func behaveSeverityStored(t *testing.T, s Store) {
	fever := Entry("garden", "gate-1", 1)
	fever.Alert = "fever"
	yellow := Entry("garden", "gate-1", 2)
	yellow.Alert = "health_code_yellow"
	if _, err := s.PutEntries(ctx, []wire.Entry{fever, yellow}, Received); err != nil {
		t.Fatal(err)
	}
	raise(t, s, store.Alert{ID: "off-1", Site: "garden", Unit: "gate-1", Kind: store.KindOffline,
		RaisedAt: Received, Severity: store.SeverityHigh})
	raise(t, s, store.Alert{ID: "over-1", Site: "garden", Unit: "gate-1", Kind: "overstay", RaisedAt: Received})
	for id, want := range map[string]string{fever.ID: "high", yellow.ID: "medium", "off-1": "high", "over-1": "low"} {
		if got := alertByID(t, s, id).Severity; got != want {
			t.Errorf("alert %s: severity %q, want %q", id, got, want)
		}
	}
}

func behaveResolveAlerts(t *testing.T, s Store) {
	u := store.UnitID{Site: "garden", Unit: "gate-1"}
	raise(t, s, store.Alert{ID: "off-a", Site: u.Site, Unit: u.Unit, Kind: store.KindOffline, RaisedAt: Received})
	raise(t, s, store.Alert{ID: "disk-a", Site: u.Site, Unit: u.Unit, Kind: store.KindDisk, RaisedAt: Received})
	raise(t, s, store.Alert{ID: "off-b", Site: "other", Unit: u.Unit, Kind: store.KindOffline, RaisedAt: Received})
	n, err := s.ResolveAlerts(ctx, u, store.KindOffline, Received.Add(time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("resolve: %d, %v; want the one offline alert of garden/gate-1", n, err)
	}
	open, err := s.UnresolvedAlerts(ctx, []string{store.KindOffline, store.KindDisk})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range open {
		ids = append(ids, a.ID)
	}
	if len(ids) != 2 || ids[0] != "disk-a" || ids[1] != "off-b" {
		t.Errorf("unresolved %v, want [disk-a off-b]: another site's gate-1 is another unit", ids)
	}
	if a := alertByID(t, s, "off-a"); !a.ResolvedAt.Equal(Received.Add(time.Minute)) {
		t.Errorf("resolved at %v", a.ResolvedAt)
	}
}

func plan(id string, first bool, to int, at, escalate time.Time, channels ...string) store.NotifyPlan {
	p := store.NotifyPlan{AlertID: id, First: first, To: to, At: at, EscalateAt: escalate}
	for _, c := range channels {
		p.Rows = append(p.Rows, store.Notification{Channel: c, Message: `{"text":"` + id + ` to ` + c + `"}`})
	}
	return p
}

func behavePlanOnce(t *testing.T, s Store) {
	raise(t, s, store.Alert{ID: "a1", Site: "garden", Unit: "gate-1", Kind: "fever", RaisedAt: Received})
	if got, err := s.UnnoticedAlerts(ctx, 10); err != nil || len(got) != 1 || got[0].ID != "a1" {
		t.Fatalf("unnoticed %+v, %v; want a1", got, err)
	}
	var wg sync.WaitGroup
	applied := make(chan bool, 4)
	for range 4 { // four collectors plan the same alert at once
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.PlanNotifications(ctx, plan("a1", true, 0, Received, Received.Add(time.Hour), "wecom", "hook"))
			if err != nil {
				t.Error(err)
			}
			applied <- ok
		}()
	}
	wg.Wait()
	close(applied)
	n := 0
	for ok := range applied {
		if ok {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d plans applied, want 1", n)
	}
	if got, err := s.UnnoticedAlerts(ctx, 10); err != nil || len(got) != 0 {
		t.Errorf("unnoticed after the plan: %+v, %v", got, err)
	}
	rows, err := s.Notifications(ctx, "a1")
	if err != nil || len(rows) != 2 || rows[0].Channel != "hook" || rows[1].Channel != "wecom" {
		t.Fatalf("queued %+v, %v; want one each for hook and wecom", rows, err)
	}
	if rows[0].Message != `{"text":"a1 to hook"}` || !rows[0].NextAt.Equal(Received) {
		t.Errorf("queued %+v", rows[0])
	}
}

func behaveEscalationDue(t *testing.T, s Store) {
	for _, id := range []string{"e1", "e2"} {
		raise(t, s, store.Alert{ID: id, Site: "garden", Unit: "gate-1", Kind: "fever", RaisedAt: Received})
		if _, err := s.PlanNotifications(ctx, plan(id, true, 0, Received, Received.Add(30*time.Minute), "l0")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.AckAlert(ctx, "e2", "王五", "已送发热门诊", Received.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if due, err := s.DueEscalations(ctx, Received.Add(29*time.Minute), 10); err != nil || len(due) != 0 {
		t.Errorf("due before the deadline: %+v, %v", due, err)
	}
	due, err := s.DueEscalations(ctx, Received.Add(30*time.Minute), 10)
	if err != nil || len(due) != 1 || due[0].ID != "e1" || due[0].Level != 0 {
		t.Fatalf("due at the deadline: %+v, %v; want e1 at level 0 (e2 was acknowledged)", due, err)
	}
	at := Received.Add(30 * time.Minute)
	if ok, err := s.PlanNotifications(ctx, plan("e1", false, 1, at, time.Time{}, "l1")); err != nil || !ok {
		t.Fatalf("escalate: %v, %v", ok, err)
	}
	if ok, err := s.PlanNotifications(ctx, plan("e1", false, 1, at, time.Time{}, "l1-again")); err != nil || ok {
		t.Errorf("second escalation to level 1: applied %v, %v; want not applied", ok, err)
	}
	if due, err := s.DueEscalations(ctx, Received.Add(99*time.Hour), 10); err != nil || len(due) != 0 {
		t.Errorf("due after the last level: %+v, %v", due, err)
	}
	if a := alertByID(t, s, "e1"); a.Level != 1 {
		t.Errorf("level %d, want 1", a.Level)
	}
	if rows, _ := s.Notifications(ctx, "e1"); len(rows) != 2 || rows[1].Channel != "l1" || rows[1].Level != 1 {
		t.Errorf("queued %+v, want l0 at level 0 and l1 at level 1", rows)
	}
}

func behaveClaimOnce(t *testing.T, s Store) {
	raise(t, s, store.Alert{ID: "c1", Site: "garden", Unit: "gate-1", Kind: "fever", RaisedAt: Received})
	if _, err := s.PlanNotifications(ctx, plan("c1", true, 0, Received, time.Time{}, "a", "b", "c")); err != nil {
		t.Fatal(err)
	}
	now := Received.Add(time.Second)
	got := map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, owner := range []string{"x", "y", "z"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ns, err := s.ClaimNotifications(ctx, owner, now, time.Minute, 10)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, n := range ns {
				if prev, ok := got[n.Channel]; ok {
					t.Errorf("channel %s claimed by %s and %s", n.Channel, prev, owner)
				}
				got[n.Channel] = owner
			}
		}()
	}
	wg.Wait()
	if len(got) != 3 {
		t.Fatalf("claimed %v, want all three channels once", got)
	}
	if ns, err := s.ClaimNotifications(ctx, "w", now.Add(59*time.Second), time.Minute, 10); err != nil || len(ns) != 0 {
		t.Errorf("claimed during the leases: %+v, %v", ns, err)
	}
	ns, err := s.ClaimNotifications(ctx, "w", now.Add(time.Minute), time.Minute, 10)
	if err != nil || len(ns) != 3 || ns[0].Attempts != 2 {
		t.Fatalf("after the leases ran out: %+v, %v; want all three again, second attempt", ns, err)
	}
	n := ns[0]
	n.DeliveredAt = now
	if err := s.FinishNotification(ctx, got[n.Channel], n); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the old lease holder finished it: %v; want ErrNotFound", err)
	}
	if err := s.FinishNotification(ctx, "w", n); err != nil {
		t.Errorf("the lease holder finished it: %v", err)
	}
}

func behaveRetryAndSettle(t *testing.T, s Store) {
	raise(t, s, store.Alert{ID: "r1", Site: "garden", Unit: "gate-1", Kind: "fever", RaisedAt: Received})
	if _, err := s.PlanNotifications(ctx, plan("r1", true, 0, Received, time.Time{}, "hook", "dead")); err != nil {
		t.Fatal(err)
	}
	ns, err := s.ClaimNotifications(ctx, "x", Received, time.Minute, 10)
	if err != nil || len(ns) != 2 {
		t.Fatalf("claim: %+v, %v", ns, err)
	}
	for _, n := range ns {
		n.LastError = "connection refused"
		n.NextAt = Received.Add(10 * time.Second)
		if n.Channel == "dead" {
			n.GaveUpAt = Received
		}
		if err := s.FinishNotification(ctx, "x", n); err != nil {
			t.Fatal(err)
		}
	}
	if ns, _ := s.ClaimNotifications(ctx, "x", Received.Add(9*time.Second), time.Minute, 10); len(ns) != 0 {
		t.Errorf("claimed before its next time: %+v", ns)
	}
	ns, err = s.ClaimNotifications(ctx, "x", Received.Add(10*time.Second), time.Minute, 10)
	if err != nil || len(ns) != 1 || ns[0].Channel != "hook" || ns[0].LastError != "connection refused" {
		t.Fatalf("at its next time: %+v, %v; want hook alone (dead was given up)", ns, err)
	}
	ns[0].DeliveredAt = Received.Add(10 * time.Second)
	if err := s.FinishNotification(ctx, "x", ns[0]); err != nil {
		t.Fatal(err)
	}
	if ns, _ := s.ClaimNotifications(ctx, "x", Received.Add(99*time.Hour), time.Minute, 10); len(ns) != 0 {
		t.Errorf("claimed once settled: %+v", ns)
	}
	rows, _ := s.Notifications(ctx, "r1")
	if len(rows) != 2 || rows[0].GaveUpAt.IsZero() || rows[1].DeliveredAt.IsZero() || !rows[1].NextAt.IsZero() {
		t.Errorf("settled rows %+v", rows)
	}
}
