package api

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// scopeFleet stores what the scope tests look at: a visitor's entry at
// site-a's gate-1 and one at gate-2, and a fever at site-b.
func scopeFleet(t *testing.T, f *authFixture) {
	t.Helper()
	visitor := entry("site-a", "gate-1", 1, now.Add(-2*time.Hour))
	visitor.Credential = wire.Credential{Kind: wire.CredentialVisitor, Result: "registered", Subject: "110101199001011234"}
	visitor.Visitor = &wire.Visitor{Name: "王小明", Phone: "138****5678", ID: "110***********1234",
		IDHash: strings.Repeat("a", 64)}
	f.put(t, visitor, entry("site-a", "gate-2", 1, now.Add(-time.Hour)),
		feverAt("site-b", "door-1", 1, now.Add(-time.Hour)), feverAt("site-a", "gate-2", 2, now))
}

// TestEveryRoleSeesItsScopeOnly: what each role gets from the listings,
// and the 403 for asking outside its scope.
func TestEveryRoleSeesItsScopeOnly(t *testing.T) {
	f := newAuthFixture(t)
	scopeFleet(t, f)
	cookies := map[string]string{}
	for _, u := range testUsers {
		cookies[u.Name], _ = f.login(t, f.h, u.Name, "")
	}
	type list struct {
		Entries []wire.Entry
		Alerts  []alertJSON
		Sites   []occupancyJSON
	}
	for _, tt := range []struct {
		user, path string
		code       int
		units      []string // the units of the entries or alerts listed
	}{
		{"guard", "/api/v1/entries", 200, []string{"gate-1"}},
		{"guard", "/api/v1/entries?unit=gate-2", 403, nil},
		{"guard", "/api/v1/entries?site=site-b", 403, nil},
		{"guard", "/api/v1/alerts", 200, []string{}},
		{"guard", "/api/v1/rollups?by=site", 403, nil},
		{"guard", "/api/v1/rollups?by=unit&unit=gate-2", 403, nil},
		{"guard", "/api/v1/trace?site=site-a&since=2022-04-01T00:00:00Z&until=2022-04-02T00:00:00Z", 403, nil},
		{"guard", "/api/v1/reports/daily", 403, nil},
		{"manager", "/api/v1/entries", 200, []string{"gate-2", "gate-2", "gate-1"}},
		{"manager", "/api/v1/entries?site=site-b", 403, nil},
		{"manager", "/api/v1/alerts", 200, []string{"gate-2"}},
		{"manager", "/api/v1/alerts?site=site-b", 403, nil},
		{"manager", "/api/v1/rollups?by=all", 403, nil},
		{"monitor", "/api/v1/alerts", 200, []string{"gate-2", "door-1"}},
		{"monitor", "/api/v1/entries?unmask=1", 403, nil},
	} {
		var body list
		code := f.getAs(t, cookies[tt.user], tt.path, &body)
		if code != tt.code {
			t.Errorf("%s GET %s: %d, want %d", tt.user, tt.path, code, tt.code)
			continue
		}
		if tt.units == nil {
			continue
		}
		got := []string{}
		for _, e := range body.Entries {
			got = append(got, e.Unit)
		}
		for _, a := range body.Alerts {
			got = append(got, a.Unit)
		}
		if strings.Join(got, ",") != strings.Join(tt.units, ",") {
			t.Errorf("%s GET %s: units %v, want %v", tt.user, tt.path, got, tt.units)
		}
	}
	var units struct{ Units []unitJSON }
	f.getAs(t, cookies["guard"], "/api/v1/units", &units)
	if len(units.Units) != 1 || units.Units[0].ID != "gate-1" {
		t.Errorf("the guard's fleet view: %+v, want gate-1 alone", units.Units)
	}
	var occ struct{ Sites []occupancyJSON }
	f.getAs(t, cookies["manager"], "/api/v1/occupancy", &occ)
	if len(occ.Sites) != 1 || occ.Sites[0].Site != "site-a" {
		t.Errorf("the manager's occupancy: %+v, want site-a alone", occ.Sites)
	}
}

// TestAGuardCannotAcknowledgeAnotherSitesAlert: the alert at site-b is
// "not found" for site-a's guard, and stays open.
func TestAGuardCannotAcknowledgeAnotherSitesAlert(t *testing.T) {
	f := newAuthFixture(t)
	scopeFleet(t, f)
	cookie, csrf := f.login(t, f.h, "manager", "")
	rec := f.do(t, f.h, req{method: "POST", path: "/api/v1/alerts/door-1-1/ack", cookie: cookie, csrf: csrf,
		body: `{"by": "李四", "action": "已处理"}`})
	if rec.Code != http.StatusNotFound {
		t.Fatalf("site-a's manager acknowledging site-b's alert: %d %s, want 404", rec.Code, rec.Body)
	}
	rec = f.do(t, f.h, req{method: "POST", path: "/api/v1/alerts/gate-2-2/ack", cookie: cookie, csrf: csrf,
		body: `{"by": "李四", "action": "已处理"}`})
	if rec.Code != http.StatusOK {
		t.Fatalf("site-a's manager acknowledging site-a's alert: %d %s", rec.Code, rec.Body)
	}
	if a, _ := f.store.Alerts(t.Context(), storeOpenAlerts); len(a) != 1 || a[0].Site != "site-b" {
		t.Fatalf("open alerts %+v, want site-b's alone", a)
	}
}

// TestMonitorGetsMaskedPersonalDataAndTracerUnmasksAudited: the entry's
// subject and the visitor's name come masked, the keyed hash not at all,
// unless a tracer asks for ?unmask=1; that is audited before it is sent.
func TestMonitorGetsMaskedPersonalDataAndTracerUnmasksAudited(t *testing.T) {
	f := newAuthFixture(t)
	scopeFleet(t, f)
	first := func(user, path string) wire.Entry {
		cookie, _ := f.login(t, f.h, user, "")
		var body struct{ Entries []wire.Entry }
		if code := f.getAs(t, cookie, path, &body); code != 200 || len(body.Entries) != 1 {
			t.Fatalf("%s GET %s: %d %+v", user, path, code, body)
		}
		return body.Entries[0]
	}
	for _, user := range []string{"monitor", "tracer"} {
		e := first(user, "/api/v1/entries?site=site-a&unit=gate-1")
		if e.Credential.Subject != "110***********1234" || e.Visitor.Name != "王**" || e.Visitor.IDHash != "" {
			t.Errorf("%s without unmask: subject %q, visitor %+v; want masked", user, e.Credential.Subject, e.Visitor)
		}
	}
	before := len(f.audited(t))
	e := first("tracer", "/api/v1/entries?site=site-a&unit=gate-1&unmask=1")
	if e.Credential.Subject != "110101199001011234" || e.Visitor.Name != "王小明" {
		t.Errorf("tracer with unmask: subject %q, visitor %+v", e.Credential.Subject, e.Visitor)
	}
	audit := f.audited(t)
	if len(audit) != before+2 || audit[len(audit)-1].Action != "unmask_entries" || audit[len(audit)-1].User != "tracer" ||
		!strings.Contains(audit[len(audit)-1].Detail, `"unit":"gate-1"`) {
		t.Errorf("audit after the unmask: %+v", audit[before:])
	}

	// Tracing: the tracer sees the subject, central monitoring does not;
	// both queries are audited with who asked.
	q := "/api/v1/trace?site=site-a&since=" + url.QueryEscape(now.Add(-24*time.Hour).Format(time.RFC3339)) +
		"&until=" + url.QueryEscape(now.Format(time.RFC3339))
	for user, want := range map[string]string{"monitor": "110***********1234", "tracer": "110101199001011234"} {
		cookie, _ := f.login(t, f.h, user, "")
		var body struct{ Visits []visitJSON }
		if code := f.getAs(t, cookie, q, &body); code != 200 || len(body.Visits) == 0 {
			t.Fatalf("%s trace: %d %+v", user, code, body)
		}
		for _, v := range body.Visits {
			if v.EntryID == "gate-1-1" && (v.Subject != want || (user == "monitor" && v.Name != "王**")) {
				t.Errorf("%s trace: visit %+v, want subject %q", user, v, want)
			}
		}
	}
}
