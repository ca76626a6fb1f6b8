package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// A restored database does not know where a unit with a backlog starts;
// central monitoring says so, the change is audited with who made it, and
// nobody else may make it — least of all a unit, through its status.
func TestWatermarkIsSetByMonitoringOnlyAndAudited(t *testing.T) {
	f := newAuthFixture(t)
	claim := wire.Status{Schema: wire.SchemaVersion, Site: "site-a", Unit: "gate-1", State: wire.Online,
		Backlog: 40, AckedSeq: 500}
	if err := f.store.PutStatus(t.Context(), claim, now); err != nil {
		t.Fatal(err)
	}
	f.put(t, entry("site-a", "gate-1", 502, now))
	path := "/api/v1/units/site-a/gate-1/watermark"
	for _, user := range []string{"guard", "manager", "tracer"} {
		cookie, csrf := f.login(t, f.h, user, "")
		if rec := f.do(t, f.h, req{method: "POST", path: path, body: `{"seq": 500}`, cookie: cookie, csrf: csrf}); rec.Code != http.StatusForbidden {
			t.Fatalf("%s setting a watermark: %d %s, want 403", user, rec.Code, rec.Body)
		}
	}
	cookie, csrf := f.login(t, f.h, "monitor", "")
	for _, body := range []string{`{}`, `{"seq": -1}`, `{"seq": 1, "by": "王局长"}`, `not json`} {
		if rec := f.do(t, f.h, req{method: "POST", path: path, body: body, cookie: cookie, csrf: csrf}); rec.Code != http.StatusBadRequest {
			t.Fatalf("body %s: %d, want 400", body, rec.Code)
		}
	}
	rec := f.do(t, f.h, req{method: "POST", path: path, body: `{"seq": 501}`, cookie: cookie, csrf: csrf})
	var got struct {
		AckedSeq uint64 `json:"acked_seq"`
		Was      uint64 `json:"was"`
	}
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &got) != nil || got.AckedSeq != 502 || got.Was != 0 {
		t.Fatalf("set 501: %d %s, want it to walk on over stored 502", rec.Code, rec.Body)
	}
	audit, err := f.store.Audit(t.Context(), 10)
	if err != nil || len(audit) == 0 || audit[0].Action != "set_watermark" || audit[0].User != "monitor" ||
		!strings.Contains(audit[0].Detail, `"to":501`) {
		t.Fatalf("audit %+v, %v; want set_watermark by monitor", audit, err)
	}
	if seq, _ := f.store.AckedSeq(t.Context(), store.UnitID{Site: "site-b", Unit: "gate-1"}); seq != 0 {
		t.Fatalf("site-b's gate-1 watermark moved to %d", seq)
	}
}

// A unit's id alone is ambiguous: two sites may each have a gate-1.
func TestAUnitFilterNeedsItsSite(t *testing.T) {
	f := newFixture(t)
	f.put(t, entry("site-a", "gate-1", 1, now.Add(-time.Minute)))
	var body map[string]any
	for _, path := range []string{"/api/v1/entries?unit=gate-1", "/api/v1/rollups?by=unit&unit=gate-1"} {
		if code := f.get(t, path, &body); code != http.StatusBadRequest || !strings.Contains(body["error"].(string), "site") {
			t.Fatalf("GET %s: %d %v, want 400 asking for the site", path, code, body)
		}
	}
}
