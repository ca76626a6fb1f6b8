package api

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
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
