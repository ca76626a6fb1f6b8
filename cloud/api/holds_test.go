package api

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// holdAt is entry seq of unit at site holding the pass holder P-<unit>.
func holdAt(site, unit string, seq uint64, at time.Time) wire.Entry {
	e := entry(site, unit, seq, at)
	e.Credential = wire.Credential{Kind: wire.CredentialResidentPass, Result: "valid", Subject: "P-" + unit}
	e.Decision = wire.Hold
	e.Reasons = []wire.Reason{{Code: wire.ReasonHeld, ZH: "请前往采样点", EN: "go to the sampling point"}}
	return e
}

// putHolds holds P-gate-1 at site-a (then releases them), P-gate-2 at
// site-a and P-door-1 at site-b.
func putHolds(t *testing.T, f *authFixture) {
	t.Helper()
	h := holdAt("site-a", "gate-1", 11, now.Add(-3*time.Hour))
	rel := entry("site-a", "gate-1", 12, now.Add(-time.Hour))
	rel.Credential, rel.Amends, rel.Guard = h.Credential, h.ID, "wang"
	rel.Reasons = []wire.Reason{{Code: wire.ReasonReleased, ZH: "核酸结果阴性，放行", EN: "released after a negative result"}}
	f.put(t, h, rel, holdAt("site-a", "gate-2", 11, now.Add(-2*time.Hour)), holdAt("site-b", "door-1", 11, now.Add(-2*time.Hour)))
}

type holdsBody struct {
	Count int
	Holds []holdJSON
}

func TestHoldsListPendingByDefaultReleasedOnAskingAndOnlyInScope(t *testing.T) {
	f := newRegionFixture(t)
	putHolds(t, f.authFixture)
	var body holdsBody
	for _, tt := range []struct{ user, path, want string }{
		{"monitor", "/api/v1/holds", "site-b/door-1 site-a/gate-2"},
		{"monitor", "/api/v1/holds?status=released", "site-a/gate-1"},
		{"district", "/api/v1/holds?status=all", "site-a/gate-2 site-a/gate-1"},
		{"manager", "/api/v1/holds", "site-a/gate-2"},
		{"guard", "/api/v1/holds?status=all", "site-a/gate-1"},
	} {
		code, raw := f.raw(t, tt.user, "GET", tt.path, "")
		if code != 200 {
			t.Fatalf("%s GET %s: %d %s", tt.user, tt.path, code, raw)
		}
		json.Unmarshal([]byte(raw), &body)
		var got []string
		for _, h := range body.Holds {
			got = append(got, h.Site+"/"+h.Unit)
			if strings.Contains(raw, "P-gate") || strings.Contains(raw, "id_hash") {
				t.Errorf("%s GET %s shows a pass or a hash unmasked: %.300s", tt.user, tt.path, raw)
			}
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("%s GET %s: %v, want %s", tt.user, tt.path, got, tt.want)
		}
	}
	if code, _ := f.raw(t, "monitor", "GET", "/api/v1/holds?status=open", ""); code != 400 {
		t.Errorf("a misspelt status: %d, want 400", code)
	}
	_, raw := f.raw(t, "monitor", "GET", "/api/v1/holds?status=released", "")
	json.Unmarshal([]byte(raw), &body)
	if h := body.Holds[0]; h.Pending || h.ReleasedBy != "wang" || h.ReleasedAt == nil || h.ReleaseID != "gate-1-12" {
		t.Errorf("released hold %+v", h)
	}
}

func TestRecordingAResultIsForCentralMonitoringAndReachesItsRegionOnly(t *testing.T) {
	f := newRegionFixture(t)
	putHolds(t, f.authFixture)
	sampled := now.Add(-30 * time.Minute).Format(time.RFC3339)
	body := `{"pass": "P-door-1", "result": "negative", "sampled_at": "` + sampled + `"}`
	for _, user := range []string{"guard", "manager"} {
		if code, raw := f.raw(t, user, "POST", "/api/v1/results", body); code != 403 {
			t.Errorf("%s records a result: %d %s, want 403", user, code, raw)
		}
	}
	code, raw := f.raw(t, "district", "POST", "/api/v1/results", body)
	if code != 201 || !strings.Contains(raw, `"holds":[]`) {
		t.Errorf("Wujin's monitor records site-b's person: %d %s; stored, but sent to no site outside Wujin", code, raw)
	}
	code, raw = f.raw(t, "monitor", "POST", "/api/v1/results", strings.Replace(body, "negative", "negative\", \"id\": \"lab-1", 1))
	if code != 201 || !strings.Contains(raw, `"site":"site-b"`) {
		t.Errorf("the city's monitor: %d %s, want site-b's hold named", code, raw)
	}
	if code, raw = f.raw(t, "monitor", "POST", "/api/v1/results", strings.Replace(body, "negative", "negative\", \"id\": \"lab-1", 1)); code != 200 || !strings.Contains(raw, `"new":false`) {
		t.Errorf("the same id again: %d %s, want 200 and new false", code, raw)
	}
	for name, bad := range map[string]string{
		"nobody named":      `{"result": "negative", "sampled_at": "` + sampled + `"}`,
		"result misspelt":   `{"pass": "P-1", "result": "neg", "sampled_at": "` + sampled + `"}`,
		"in year 9999":      `{"pass": "P-1", "result": "negative", "sampled_at": "9999-12-31T00:00:00Z"}`,
		"in the future":     `{"pass": "P-1", "result": "negative", "sampled_at": "` + now.Add(48*time.Hour).Format(time.RFC3339) + `"}`,
		"unknown field":     `{"pass": "P-1", "result": "negative", "sampled_at": "` + sampled + `", "name": "张三"}`,
		"huge":              `{"pass": "` + strings.Repeat("P", 4000) + `", "result": "negative", "sampled_at": "` + sampled + `"}`,
		"a short hash":      `{"id_hash": "abc", "result": "negative", "sampled_at": "` + sampled + `"}`,
		"a number, no key":  `{"phone": "13800138000", "result": "negative", "sampled_at": "` + sampled + `"}`,
		"not JSON":          `pass=P-1`,
		"a pass with a tab": `{"pass": "P\t1", "result": "negative", "sampled_at": "` + sampled + `"}`,
	} {
		if code, raw := f.raw(t, "monitor", "POST", "/api/v1/results", bad); code != 400 {
			t.Errorf("%s: %d %.200s, want 400", name, code, raw)
		}
	}
}
