package api

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kakou/kakou/cloud/fleet"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// pushCounter records the centre's pushCounter publishes, counting them.
type pushCounter struct {
	mu    sync.Mutex
	count map[string]int
}

func (r *pushCounter) PublishRetained(_ context.Context, topic string, _ []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.count[topic]++
	return nil
}

func (r *pushCounter) n(topic string) int { r.mu.Lock(); defer r.mu.Unlock(); return r.count[topic] }

// rolloutFixture is the API with rollouts on: site-a's gate-1 and gate-2
// (armv6) and site-b's door-1 (armv6) heard from, a 1.5.0 armv6 release.
func rolloutFixture(t *testing.T) (*authFixture, *pushCounter) {
	t.Helper()
	f := newAuthFixture(t)
	for _, d := range []store.UnitID{{Site: "site-a", Unit: "gate-1"}, {Site: "site-a", Unit: "gate-2"}, {Site: "site-b", Unit: "door-1"}} {
		st := wire.Status{Schema: wire.SchemaVersion, Site: d.Site, Unit: d.Unit, State: wire.Online, Firmware: "1.4.0", Arch: "armv6"}
		if err := f.store.PutStatus(context.Background(), st, now); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "kakou-unit", "1.5.0", "armv6")
	os.MkdirAll(p, 0o755)
	os.WriteFile(filepath.Join(p, "kakou-unit"), []byte("kakou-unit 1.5.0"), 0o644)
	pub := &pushCounter{count: map[string]int{}}
	centre := fleet.NewCentre(f.store, pub, dir, "https://kakou.example.cn:8443", nil)
	_, key, _ := ed25519.GenerateKey(nil)
	centre.SignWith(key)
	f.h = withUpdates(t, f, centre)
	return f, pub
}

// withUpdates is the fixture's handler with rollouts on.
func withUpdates(t *testing.T, f *authFixture, centre *fleet.Centre) http.Handler {
	t.Helper()
	users := make([]User, len(testUsers))
	for i, u := range testUsers {
		u.PasswordHash, _ = HashPassword("pw-"+u.Name, cheapArgon2)
		users[i] = u
	}
	h, err := New(f.store, Options{Location: cst, Now: f.clock.now,
		Auth: &AuthOptions{Users: users, Sessions: f.store, Argon2: cheapArgon2}, Updates: centre})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func (f *authFixture) post(t *testing.T, cookie, csrf, path, body string) (int, map[string]any) {
	t.Helper()
	rec := f.do(t, f.h, req{method: "POST", path: path, body: body, cookie: cookie, csrf: csrf})
	var out map[string]any
	json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Code, out
}

func TestRolloutStartsWithTheCanaryAndPromotesOnceItKeptTheVersion(t *testing.T) {
	f, pub := rolloutFixture(t)
	monitor, csrf := f.login(t, f.h, "monitor", "")
	code, got := f.post(t, monitor, csrf, "/api/v1/updates",
		`{"program": "kakou-unit", "version": "1.5.0", "scope": {"sites": ["site-a"]}, "canary": ["site-a/gate-1"]}`)
	if code != 200 || got["stage"] != "canary" || got["pushed"] != 1.0 {
		t.Fatalf("start: %d %v", code, got)
	}
	var view rolloutJSON
	f.getAs(t, monitor, "/api/v1/updates/kakou-unit/1.5.0", &view)
	if view.Stage != "canary" || len(view.Canary) != 1 || len(view.Devices) != 1 || view.Devices[0].Phase != "waiting" ||
		view.Devices[0].Firmware != "1.4.0" || view.StartedBy != "monitor" {
		t.Fatalf("the view while the canary installs: %+v", view)
	}
	code, got = f.post(t, monitor, csrf, "/api/v1/updates/kakou-unit/1.5.0/promote", "")
	if code != 409 || !strings.Contains(got["error"].(string), "site-a/gate-1") {
		t.Fatalf("promote before the canary reported: %d %v, want 409 naming it", code, got)
	}
	rep := wire.UpdateReport{Program: "kakou-unit", Version: "1.5.0", Previous: "1.4.0", Phase: "kept", Canary: true}
	f.store.PutUpdateReport(context.Background(), store.UnitID{Site: "site-a", Unit: "gate-1"}, rep, now)
	var codes []int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 3 { // promote twice at once, and once more
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, _ := f.post(t, monitor, csrf, "/api/v1/updates/kakou-unit/1.5.0/promote", "{}")
			mu.Lock()
			codes = append(codes, c)
			mu.Unlock()
		}()
	}
	wg.Wait()
	ok := 0
	for _, c := range codes {
		if c == 200 {
			ok++
		}
	}
	if ok != 1 || pub.n(wire.UpdateTopic("site-a", "gate-2")) != 1 || pub.n(wire.UpdateTopic("site-a", "gate-1")) != 1 ||
		pub.n(wire.UpdateTopic("site-b", "door-1")) != 0 {
		t.Fatalf("promotions %v, pushes %v: want one promotion, one push per device of the scope", codes, pub.count)
	}
	view = rolloutJSON{}
	f.getAs(t, monitor, "/api/v1/updates/kakou-unit/1.5.0", &view)
	if view.Stage != "fleet" || view.Counts["kept"] != 1 || view.Counts["waiting"] != 1 {
		t.Fatalf("the view after promotion: %+v", view)
	}
	var list struct {
		Rollouts []rolloutSummaryJSON `json:"rollouts"`
	}
	if f.getAs(t, monitor, "/api/v1/updates", &list); len(list.Rollouts) != 1 || list.Rollouts[0].Stage != "fleet" {
		t.Fatalf("the list: %+v", list)
	}
	actions := map[string]int{}
	for _, a := range f.audited(t) {
		actions[a.Action]++
	}
	if actions["update_start"] != 1 || actions["update_promote"] != 4 {
		t.Errorf("audited %v, want the start and every promotion asked for", actions)
	}
}

func TestRolloutIsRefusedToAnyoneButCentralMonitoringAndToForgedOrWrongRequests(t *testing.T) {
	f, pub := rolloutFixture(t)
	monitor, csrf := f.login(t, f.h, "monitor", "")
	manager, mcsrf := f.login(t, f.h, "manager", "")
	start := `{"program": "kakou-unit", "version": "1.5.0", "scope": {"sites": ["site-a"]}}`
	for _, tc := range []struct {
		name string
		q    req
		want int
	}{
		{"a site manager", req{method: "POST", path: "/api/v1/updates", body: start, cookie: manager, csrf: mcsrf}, 403},
		{"no CSRF token", req{method: "POST", path: "/api/v1/updates", body: start, cookie: monitor}, 403},
		{"another origin", req{method: "POST", path: "/api/v1/updates", body: start, cookie: monitor, csrf: csrf, origin: "https://evil.example"}, 403},
		{"a version with no binary", req{method: "POST", path: "/api/v1/updates", cookie: monitor, csrf: csrf,
			body: `{"program": "kakou-unit", "version": "1.6.0"}`}, 400},
		{"a traversal version", req{method: "POST", path: "/api/v1/updates", cookie: monitor, csrf: csrf,
			body: `{"program": "kakou-unit", "version": "../../../etc/passwd"}`}, 400},
		{"a traversal program", req{method: "POST", path: "/api/v1/updates", cookie: monitor, csrf: csrf,
			body: `{"program": "../../bin/sh", "version": "1.5.0"}`}, 400},
		{"a canary outside the scope", req{method: "POST", path: "/api/v1/updates", cookie: monitor, csrf: csrf,
			body: `{"program": "kakou-unit", "version": "1.5.0", "scope": {"sites": ["site-a"]}, "canary": ["site-b/door-1"]}`}, 400},
		{"a canary that is not an id", req{method: "POST", path: "/api/v1/updates", cookie: monitor, csrf: csrf,
			body: `{"program": "kakou-unit", "version": "1.5.0", "canary": ["../x"]}`}, 400},
		{"an unknown field", req{method: "POST", path: "/api/v1/updates", cookie: monitor, csrf: csrf,
			body: `{"program": "kakou-unit", "version": "1.5.0", "url": "http://evil"}`}, 400},
		{"a huge body", req{method: "POST", path: "/api/v1/updates", cookie: monitor, csrf: csrf,
			body: `{"program": "kakou-unit", "version": "1.5.0", "scope": {"sites": ["` + strings.Repeat("s", 1<<20) + `"]}}`}, 400},
		{"promote a rollout never started", req{method: "POST", path: "/api/v1/updates/kakou-unit/1.5.0/promote", cookie: monitor, csrf: csrf}, 404},
		{"force without a reason", req{method: "POST", path: "/api/v1/updates/kakou-unit/1.5.0/promote", cookie: monitor, csrf: csrf,
			body: `{"force": true}`}, 400},
		{"a site manager promoting", req{method: "POST", path: "/api/v1/updates/kakou-unit/1.5.0/promote", cookie: manager, csrf: mcsrf}, 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if rec := f.do(t, f.h, tc.q); rec.Code != tc.want {
				t.Fatalf("%d %s, want %d", rec.Code, rec.Body, tc.want)
			}
		})
	}
	if len(pub.count) != 0 {
		t.Errorf("a refused request published %v", pub.count)
	}
}

func TestRolloutPromotedByForceOverARolledBackCanaryIsAuditedWithTheReason(t *testing.T) {
	f, pub := rolloutFixture(t)
	monitor, csrf := f.login(t, f.h, "monitor", "")
	if code, got := f.post(t, monitor, csrf, "/api/v1/updates",
		`{"program": "kakou-unit", "version": "1.5.0", "scope": {"sites": ["site-a"]}, "canary": ["site-a/gate-1"]}`); code != 200 {
		t.Fatalf("start: %d %v", code, got)
	}
	rep := wire.UpdateReport{Program: "kakou-unit", Version: "1.5.0", Previous: "1.4.0", Phase: "rolled-back",
		Reason: "thermometer not found", Canary: true}
	f.store.PutUpdateReport(context.Background(), store.UnitID{Site: "site-a", Unit: "gate-1"}, rep, now)
	if code, got := f.post(t, monitor, csrf, "/api/v1/updates/kakou-unit/1.5.0/promote", ""); code != 409 ||
		!strings.Contains(got["error"].(string), "thermometer not found") {
		t.Fatalf("promote over a rolled-back canary: %d %v", code, got)
	}
	if code, got := f.post(t, monitor, csrf, "/api/v1/updates/kakou-unit/1.5.0/promote",
		`{"force": true, "reason": "gate-1's thermometer is broken, not the release"}`); code != 200 {
		t.Fatalf("forced promotion: %d %v", code, got)
	}
	if pub.n(wire.UpdateTopic("site-a", "gate-2")) != 1 {
		t.Errorf("the forced promotion did not push gate-2: %v", pub.count)
	}
	var found bool
	for _, a := range f.audited(t) {
		found = found || a.Action == "update_promote" && strings.Contains(a.Detail, "thermometer is broken")
	}
	if !found {
		t.Error("the forced promotion's reason is not in the audit trail")
	}
}

func TestRolloutIsRefusedToARegionsMonitor(t *testing.T) {
	f, pub := rolloutFixture(t)
	centre := fleet.NewCentre(f.store, pub, t.TempDir(), "https://kakou.example.cn:8443", nil)
	h, err := New(f.store, Options{Location: cst, Updates: centre,
		Tokens: map[string]Caller{"district-token-0123456789abcdef": {User: "wujin", Role: RoleMonitor, Region: "wujin"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/v1/updates", "/api/v1/updates/kakou-unit/1.5.0/promote", "/api/v1/updates/kakou-unit/1.5.0/stop"} {
		rec := f.do(t, h, req{method: "POST", path: path, token: "district-token-0123456789abcdef", origin: "-",
			body: `{"program": "kakou-unit", "version": "1.5.0"}`})
		if rec.Code != 403 {
			t.Errorf("POST %s as a district's monitor: %d %s, want 403", path, rec.Code, rec.Body)
		}
	}
}
