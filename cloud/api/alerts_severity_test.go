package api

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
)

// An alert's severity and escalation level are in the API, for the
// dashboard's badge colour and its sound for a new high alert.
func TestAlertsListSeverityAndEscalationLevel(t *testing.T) {
	f := newAuthFixture(t)
	f.put(t, feverAt("site-a", "gate-1", 1, now.Add(-time.Minute)))
	rec := f.do(t, f.h, req{method: "GET", path: "/api/v1/alerts", token: "machine-token-0123456789abcdef"})
	var got struct{ Alerts []map[string]any }
	if err := json.Unmarshal(rec.Body.Bytes(), &got); rec.Code != http.StatusOK || err != nil || len(got.Alerts) != 1 {
		t.Fatalf("GET alerts: %d %s", rec.Code, rec.Body)
	}
	if a := got.Alerts[0]; a["severity"] != "high" || a["escalation_level"] != 0.0 {
		t.Errorf("alert %v; want severity high, escalation_level 0", a)
	}
}

// GET /api/v1/alerts/{id}/notifications says where an alert was sent and
// how it went, to whoever may see the alert; another site's is not found.
func TestAlertNotificationsShowDeliveryToThoseWhoSeeTheAlert(t *testing.T) {
	f := newAuthFixture(t)
	scopeFleet(t, f)
	_, err := f.store.PlanNotifications(t.Context(), store.NotifyPlan{AlertID: "gate-2-2", First: true, At: now,
		Rows: []store.Notification{{Channel: "street-ding", Message: "{}"}}})
	if err != nil {
		t.Fatal(err)
	}
	cookie, _ := f.login(t, f.h, "manager", "")
	rec := f.do(t, f.h, req{method: "GET", path: "/api/v1/alerts/gate-2-2/notifications", cookie: cookie})
	var got struct{ Notifications []notificationJSON }
	if err := json.Unmarshal(rec.Body.Bytes(), &got); rec.Code != http.StatusOK || err != nil ||
		len(got.Notifications) != 1 || got.Notifications[0].Channel != "street-ding" || got.Notifications[0].State != "retrying" {
		t.Fatalf("site-a's manager, site-a's alert: %d %s", rec.Code, rec.Body)
	}
	rec = f.do(t, f.h, req{method: "GET", path: "/api/v1/alerts/door-1-1/notifications", cookie: cookie})
	if rec.Code != http.StatusNotFound {
		t.Errorf("site-a's manager, site-b's alert: %d %s, want 404", rec.Code, rec.Body)
	}
}
