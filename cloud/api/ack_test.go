package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
)

// TestAckRecordsTheSignedInUserNotTheNameSent: a monitor who sends
// by="王局长" is recorded as monitor, the acknowledger the session
// proves; the name claimed goes to the audit trail beside it. A signed-in
// user may leave by out, and a machine's token acknowledges as its user.
func TestAckRecordsTheSignedInUserNotTheNameSent(t *testing.T) {
	f := newAuthFixture(t)
	f.put(t, feverAt("site-a", "gate-1", 1, now.Add(-time.Minute)), feverAt("site-a", "gate-1", 2, now),
		feverAt("site-a", "gate-1", 3, now))
	cookie, csrf := f.login(t, f.h, "monitor", "")
	for _, tt := range []struct {
		id, body, cookie, csrf, token, want string
	}{
		{"gate-1-1", `{"by": "王局长", "action": "已送发热门诊"}`, cookie, csrf, "", "monitor"},
		{"gate-1-2", `{"action": "已复测"}`, cookie, csrf, "", "monitor"},
		{"gate-1-3", `{"by": "王局长", "action": "已复测"}`, "", "", "machine-token-0123456789abcdef", "etl"},
	} {
		rec := f.do(t, f.h, req{method: "POST", path: "/api/v1/alerts/" + tt.id + "/ack", body: tt.body,
			cookie: tt.cookie, csrf: tt.csrf, token: tt.token})
		var got struct{ Alert alertJSON }
		if err := json.Unmarshal(rec.Body.Bytes(), &got); rec.Code != http.StatusOK || err != nil || got.Alert.AckedBy != tt.want {
			t.Errorf("ack %s %s: %d %s, want 200 acknowledged by %s", tt.id, tt.body, rec.Code, rec.Body, tt.want)
		}
	}
	stored, err := f.store.Alerts(t.Context(), store.AlertQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range stored {
		if a.AckedBy == "王局长" || a.AckedBy == "" {
			t.Errorf("alert %s stored as acknowledged by %q", a.ID, a.AckedBy)
		}
	}
	var claim string
	for _, a := range f.audited(t) {
		if a.Action == "ack_alert" && strings.Contains(a.Detail, `"gate-1-1"`) {
			claim = a.Detail
		}
	}
	if !strings.Contains(claim, `"by":"monitor"`) || !strings.Contains(claim, "王局长") {
		t.Errorf("audit of the acknowledgement %q, want who did it and the name they sent", claim)
	}
}

// TestAckInOpenModeRecordsTheNameSent: the loopback demo has no logins,
// so the acknowledger is whoever the form names, and naming no one is
// refused.
func TestAckInOpenModeRecordsTheNameSent(t *testing.T) {
	f := newFixture(t)
	f.put(t, fever("site-a", "gate-1", 1, now))
	var got struct{ Alert alertJSON }
	if code := f.post(t, "/api/v1/alerts/gate-1-1/ack", map[string]string{"action": "x"}, &got); code != http.StatusBadRequest {
		t.Errorf("ack naming no one in open mode: %d, want 400", code)
	}
	if code := f.post(t, "/api/v1/alerts/gate-1-1/ack", ackRequest{By: "王五", Action: "已复测"}, &got); code != 200 || got.Alert.AckedBy != "王五" {
		t.Errorf("ack in open mode: %d %+v, want acknowledged by 王五", code, got.Alert)
	}
}
