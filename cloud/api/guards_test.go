package api

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/kakou/kakou/cloud/fleet"
	"github.com/kakou/kakou/firmware/wire"
)

// retained keeps the last message per topic, as a broker retains it.
type retained struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (r *retained) PublishRetained(_ context.Context, topic string, b []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.m[topic] = b
	return nil
}

func (r *retained) roster(t *testing.T, site, unit string) *wire.GuardRoster {
	t.Helper()
	r.mu.Lock()
	b, ok := r.m[wire.GuardsTopic(site, unit)]
	r.mu.Unlock()
	if !ok {
		return nil
	}
	ro, err := wire.DecodeGuardRoster(b)
	if err != nil {
		t.Fatal(err)
	}
	return &ro
}

// guardFixture is the API with logins and guard management over a
// temp-dir store that knows site-a's gate-1 and gate-2 and site-b's gate-1.
func guardFixture(t *testing.T) (*authFixture, *retained) {
	t.Helper()
	f := newAuthFixture(t)
	for _, u := range [][2]string{{"site-a", "gate-1"}, {"site-a", "gate-2"}, {"site-b", "gate-1"}} {
		err := f.store.PutStatus(context.Background(), wire.Status{Schema: wire.SchemaVersion, Site: u[0], Unit: u[1],
			State: wire.Online}, now)
		if err != nil {
			t.Fatal(err)
		}
	}
	pub := &retained{m: map[string][]byte{}}
	rosters := fleet.NewRosters(f.store, pub, nil)
	f.guards = &GuardDesk{Store: f.store, Publish: rosters.Publish}
	f.h = f.handler(t)
	return f, pub
}

// change posts body to path as user, with the session's CSRF token.
func (f *authFixture) change(t *testing.T, user, path, body string) (int, map[string]any) {
	t.Helper()
	cookie, csrf := f.login(t, f.h, user, "")
	rec := f.do(t, f.h, req{method: "POST", path: path, body: body, cookie: cookie, csrf: csrf})
	var out map[string]any
	json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Code, out
}

// TestAManagersGuardChangesReachEveryUnitOfTheSiteAuditedWithoutThePIN:
// the site manager adds 王师傅 with a PIN, resets it (the new one is
// generated and shown once) and disables the guard; after each change
// every unit of site-a, and no other, holds a roster whose hash checks
// the current PIN; the API never shows a hash and the audit never a PIN.
func TestAManagersGuardChangesReachEveryUnitOfTheSiteAuditedWithoutThePIN(t *testing.T) {
	f, pub := guardFixture(t)
	code, out := f.change(t, "manager", "/api/v1/sites/site-a/guards", `{"id": "wang", "name": "王师傅", "pin": "2468"}`)
	if code != http.StatusOK || out["pushed"] != true || out["pin"] != nil {
		t.Fatalf("add: %d %v", code, out)
	}
	first := pub.roster(t, "site-a", "gate-1")
	if first == nil || pub.roster(t, "site-a", "gate-2") == nil || pub.roster(t, "site-b", "gate-1") != nil {
		t.Fatalf("after the add the units hold %v", pub.m)
	}
	if g, _ := first.Find("wang"); !wire.CheckPIN(g.PINHash, "2468") || g.Name != "王师傅" || first.IssuedBy != "manager" {
		t.Fatalf("the roster's wang: %+v (issued by %q)", g, first.IssuedBy)
	}

	code, out = f.change(t, "manager", "/api/v1/sites/site-a/guards/wang/reset-pin", `{}`)
	pin, _ := out["pin"].(string)
	if code != http.StatusOK || !regexp.MustCompile(`^[0-9]{6}$`).MatchString(pin) {
		t.Fatalf("reset: %d %v, want a generated 6-digit PIN", code, out)
	}
	second := pub.roster(t, "site-a", "gate-2")
	g, _ := second.Find("wang")
	if second.Version <= first.Version || !wire.CheckPIN(g.PINHash, pin) || wire.CheckPIN(g.PINHash, "2468") {
		t.Fatalf("after the reset: version %d (was %d), new PIN checks %v", second.Version, first.Version, wire.CheckPIN(g.PINHash, pin))
	}

	if code, out = f.change(t, "manager", "/api/v1/sites/site-a/guards/wang/disable", ``); code != http.StatusOK {
		t.Fatalf("disable: %d %v", code, out)
	}
	if g, _ := pub.roster(t, "site-a", "gate-1").Find("wang"); !g.Disabled {
		t.Fatal("the disable did not reach the unit")
	}

	cookie, _ := f.login(t, f.h, "manager", "")
	rec := f.do(t, f.h, req{method: "GET", path: "/api/v1/sites/site-a/guards", cookie: cookie})
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "王师傅") || strings.Contains(rec.Body.String(), "pbkdf2") {
		t.Fatalf("list: %d %s", rec.Code, rec.Body)
	}
	var actions []string
	for _, a := range f.audited(t) {
		if strings.HasPrefix(a.Action, "guard_") {
			actions = append(actions, a.Action)
			if strings.Contains(a.Detail, "2468") || strings.Contains(a.Detail, pin) || strings.Contains(a.Detail, "pbkdf2") {
				t.Errorf("audit %s holds a PIN or hash: %s", a.Action, a.Detail)
			}
			if a.User != "manager" || !strings.Contains(a.Detail, `"site":"site-a"`) {
				t.Errorf("audit %+v does not say who and where", a)
			}
		}
	}
	if strings.Join(actions, ",") != "guard_add,guard_reset_pin,guard_disable" {
		t.Fatalf("audited %v", actions)
	}
}

func TestGuardManagementIsForTheSitesManagerAndCentralMonitoringOnly(t *testing.T) {
	f, pub := guardFixture(t)
	body := `{"id": "li", "name": "李师傅", "pin": "1357"}`
	for user, want := range map[string]int{"guard": 403, "tracer": 403, "manager": 200, "monitor": 200} {
		if code, out := f.change(t, user, "/api/v1/sites/site-a/guards", body); code != want {
			t.Errorf("%s adds a guard at site-a: %d %v, want %d", user, code, out, want)
		}
	}
	if code, _ := f.change(t, "manager", "/api/v1/sites/site-b/guards", body); code != http.StatusForbidden {
		t.Errorf("site-a's manager at site-b: %d, want 403", code)
	}
	if pub.roster(t, "site-b", "gate-1") != nil {
		t.Fatal("a refused change reached site-b")
	}
	cookie, _ := f.login(t, f.h, "manager", "")
	if rec := f.do(t, f.h, req{method: "POST", path: "/api/v1/sites/site-a/guards/li/disable", cookie: cookie}); rec.Code != http.StatusForbidden {
		t.Errorf("a change without the CSRF token: %d, want 403", rec.Code)
	}
	if rec := f.do(t, f.h, req{method: "GET", path: "/api/v1/sites/site-a/guards"}); rec.Code != http.StatusUnauthorized {
		t.Errorf("the list without a session: %d, want 401", rec.Code)
	}
}

func TestGuardChangesRefuseWhatAUnitCouldNotUse(t *testing.T) {
	f, _ := guardFixture(t)
	for path, body := range map[string]string{
		"/api/v1/sites/site-a/guards":                  `{"id": "Wang!", "name": "王"}`,
		"/api/v1/sites/site-a/guards?":                 `{"id": "wang", "name": ""}`,
		"/api/v1/sites/site-a/guards?pin":              `{"id": "wang", "name": "王", "pin": "12"}`,
		"/api/v1/sites/site-a/guards?extra":            `{"id": "wang", "name": "王", "pin_hash": "x"}`,
		"/api/v1/sites/site-a/guards/nobody/reset-pin": `{}`,
		"/api/v1/sites/Site-A/guards":                  `{"id": "wang", "name": "王"}`,
	} {
		if code, out := f.change(t, "monitor", path, body); code != http.StatusBadRequest && code != http.StatusNotFound {
			t.Errorf("%s %s: %d %v", path, body, code, out)
		}
	}
}
