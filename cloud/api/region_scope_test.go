package api

import (
	"context"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/fleet"
	"github.com/kakou/kakou/cloud/region"
	"github.com/kakou/kakou/cloud/roster"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/sqlite"
	"github.com/kakou/kakou/cloud/trust"
	"github.com/kakou/kakou/firmware/wire"
)

// The region fixture: Changzhou city, Wujin district with Hutang town,
// and Liyang county. site-a (a community) lies in Hutang, site-b (a
// supermarket) in Liyang. "district" monitors Wujin, "district-tracer"
// traces in it; the other users are testUsers.
var regionUsers = append(slices.Clone(testUsers),
	User{Name: "district", Role: RoleMonitor, Region: "wujin"},
	User{Name: "district-tracer", Role: RoleTracer, Region: "wujin"})

func regionTree(t *testing.T) *region.Tree {
	t.Helper()
	tree, probs := region.New([]region.Node{{ID: "changzhou", Name: "常州市"}, {ID: "wujin", Name: "武进区", Parent: "changzhou"},
		{ID: "hutang", Name: "湖塘镇", Parent: "wujin"}, {ID: "liyang", Name: "溧阳市", Parent: "changzhou"}},
		[]region.Place{{Site: "site-a", Region: "hutang"}, {Site: "site-b", Region: "liyang"}})
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	return tree
}

// discard is a broker that takes every push.
type discard struct{}

func (discard) PublishRetained(context.Context, string, []byte) error { return nil }

// regionFixture is the API with logins, regions, policy push over a copy
// of configs/policies (policyDir) and guard management.
type regionFixture struct {
	*authFixture
	policyDir string
	cookies   map[string]string
	csrf      map[string]string
}

func newRegionFixture(t *testing.T) *regionFixture {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "cloud.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	if err := st.PutSites(ctx, []store.Site{{ID: "site-a", Name: "阳光花园", Facility: "community"},
		{ID: "site-b", Name: "溧阳超市", Facility: "supermarket", Capacity: 100}}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct{ site, unit, fac string }{{"site-a", "gate-1", "community"}, {"site-a", "gate-2", "community"}, {"site-b", "door-1", "supermarket"}} {
		if err := st.PutStatus(ctx, wire.Status{Schema: wire.SchemaVersion, Site: u.site, Unit: u.unit, Facility: u.fac,
			State: wire.Online, PolicyVersion: "default-1"}, now); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	paths, _ := filepath.Glob("../../configs/policies/*.toml")
	for _, p := range paths {
		b, _ := os.ReadFile(p)
		os.WriteFile(filepath.Join(dir, filepath.Base(p)), b, 0o600)
	}
	profiles, err := fleet.LoadProfiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	tree := regionTree(t)
	fl := fleet.New(st, discard{}, profiles, nil)
	fl.WatchDir(dir)
	fl.PlaceIn(tree)
	users := make([]User, len(regionUsers))
	for i, u := range regionUsers {
		u.PasswordHash, _ = HashPassword("pw-"+u.Name, cheapArgon2)
		users[i] = u
	}
	f := &authFixture{fixture: fixture{store: st}, clock: &clock{t: now}}
	f.h, err = New(st, Options{Location: cst, Now: f.clock.now, Regions: tree, Fleet: fl,
		Guards:  &GuardDesk{Store: st, Publish: func(context.Context, string) error { return nil }},
		Staff:   &StaffDesk{Store: st, Publish: func(context.Context, string) error { return nil }},
		Roster:  roster.New(st, discard{}, nil),
		Trust:   trust.New(st, discard{}, nil),
		Auth:    &AuthOptions{Users: users, Sessions: st, Argon2: cheapArgon2},
		Results: fleet.NewResults(st, discard{}, func(scope, site string) bool { return scope == "" || tree.Within(scope, site) }, nil).WithClock(func() time.Time { return now })})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(f.h)
	t.Cleanup(f.srv.Close)
	scopeFleet(t, f)
	rf := &regionFixture{authFixture: f, policyDir: dir, cookies: map[string]string{}, csrf: map[string]string{}}
	for _, u := range regionUsers {
		rf.cookies[u.Name], rf.csrf[u.Name] = f.login(t, f.h, u.Name, "")
	}
	return rf
}

func (f *regionFixture) raw(t *testing.T, user, method, path, body string) (int, string) {
	t.Helper()
	rec := f.do(t, f.h, req{method: method, path: path, body: body, cookie: f.cookies[user], csrf: f.csrf[user]})
	return rec.Code, rec.Body.String()
}

var window = "since=" + url.QueryEscape(now.Add(-24*time.Hour).Format(time.RFC3339)) + "&until=" + url.QueryEscape(now.Format(time.RFC3339))

// TestADistrictMonitorSeesNothingOutsideTheDistrict walks every GET
// route of the API as Wujin's monitor: what comes back holds site-a's
// data and nothing of site-b (in Liyang), and naming site-b, its unit or
// a region outside Wujin is refused with 403.
func TestADistrictMonitorSeesNothingOutsideTheDistrict(t *testing.T) {
	f := newRegionFixture(t)
	putHolds(t, f.authFixture) // holds at both sites, so a leak would show
	inside := []string{
		"/api/v1/session", "/healthz", "/api/v1/units", "/api/v1/entries", "/api/v1/alerts", "/api/v1/alerts?open=1",
		"/api/v1/rollups", "/api/v1/rollups?by=unit", "/api/v1/rollups?by=facility", "/api/v1/rollups?by=all",
		"/api/v1/rollups?by=region", "/api/v1/rollups?by=region&level=1", "/api/v1/occupancy",
		"/api/v1/trace?site=site-a&" + window, "/api/v1/visits?site=site-a&state=all", "/api/v1/reports/daily",
		"/api/v1/reports/daily?format=csv", "/api/v1/duties", "/api/v1/policies", "/api/v1/sites/site-a/guards",
		"/api/v1/alerts?region=hutang", "/api/v1/reports/daily?region=wujin", "/api/v1/regions",
		"/api/v1/units?region=hutang", "/api/v1/occupancy/corrections?site=site-a",
		"/api/v1/reports", "/api/v1/reports/daily?region=hutang&format=xlsx",
		"/api/v1/alerts/gate-2-2/notifications", "/api/v1/rollcall", "/api/v1/rollcall?site=site-a",
		"/api/v1/sites/site-a/staff",
		"/api/v1/vehicles", "/api/v1/vehicles?site=site-a&plate=" + url.QueryEscape("粤B·12345"),
		"/api/v1/holds?status=all", "/api/v1/holds?site=site-a&unit=gate-1",
		"/api/v1/roster", "/api/v1/roster?region=hutang&household=3-2-501",
		"/api/v1/households?site=site-a",
		// The trust list is the whole fleet's and names no site: every
		// monitor reads it, a region's too (trust.go).
		"/api/v1/trust",
		"/api/v1/updates", "/api/v1/updates/kakou-unit/1.5.0", // the rollouts (updates_view.go)
	}
	outside := []string{
		"/api/v1/entries?site=site-b", "/api/v1/entries?site=site-b&unit=door-1", "/api/v1/alerts?site=site-b",
		"/api/v1/rollups?site=site-b", "/api/v1/rollups?by=unit&site=site-b&unit=door-1",
		"/api/v1/trace?site=site-b&" + window, "/api/v1/visits?site=site-b", "/api/v1/duties?site=site-b",
		"/api/v1/sites/site-b/guards", "/api/v1/alerts?region=liyang", "/api/v1/reports/daily?region=changzhou",
		"/api/v1/rollups?by=region&region=liyang", "/api/v1/dead-letters", "/api/v1/units?region=liyang", "/api/v1/people/export?phone=13800138000",
		"/api/v1/occupancy/corrections?site=site-b", "/api/v1/rollcall?site=site-b", "/api/v1/sites/site-b/staff",
		"/api/v1/vehicles?site=site-b", "/api/v1/vehicles?site=site-a&unit=door-1",
		"/api/v1/holds?site=site-b", "/api/v1/holds?site=site-b&unit=door-1",
		"/api/v1/roster?site=site-b", "/api/v1/roster?region=liyang",
		"/api/v1/households?site=site-b",
	}
	for _, path := range inside {
		code, body := f.raw(t, "district", "GET", path, "")
		if code != 200 {
			t.Errorf("GET %s: %d %s", path, code, body)
		}
		for _, leak := range []string{"site-b", "door-1", "liyang", "溧阳"} {
			if strings.Contains(body, leak) {
				t.Errorf("GET %s shows %q, outside Wujin: %.300s", path, leak, body)
			}
		}
	}
	for _, path := range outside {
		if code, body := f.raw(t, "district", "GET", path, ""); code != 403 {
			t.Errorf("GET %s: %d %.200s, want 403", path, code, body)
		}
	}
	// An alert's deliveries outside the district are not found, as its
	// acknowledgement is: alert ids elsewhere stay unknown.
	if code, body := f.raw(t, "district", "GET", "/api/v1/alerts/door-1-1/notifications", ""); code != 404 {
		t.Errorf("GET site-b's alert's notifications: %d %.200s, want 404", code, body)
	}
	// The listings are not empty: the district's own data comes back.
	for path, want := range map[string]string{"/api/v1/entries": "gate-1", "/api/v1/alerts": "gate-2",
		"/api/v1/rollups?by=region": `"key":"hutang"`, "/api/v1/units": "gate-2", "/api/v1/policies": "hutang"} {
		if _, body := f.raw(t, "district", "GET", path, ""); !strings.Contains(body, want) {
			t.Errorf("GET %s lacks %s: %.300s", path, want, body)
		}
	}
	// Every GET route the API serves is walked above.
	src, err := os.ReadFile("api.go")
	if err != nil {
		t.Fatal(err)
	}
	walked := strings.Join(append(inside, outside...), " ")
	for _, m := range regexp.MustCompile(`"GET (/[^"{]*)`).FindAllStringSubmatch(string(src), -1) {
		route := m[1]
		if route == "/login" || route == "/metrics" || route == "/" {
			continue // pages, and the scrape, show no site's data
		}
		if !strings.Contains(walked, route) {
			t.Errorf("GET %s is not walked by this test: add it to inside or outside", route)
		}
	}
}

// TestAScopedCallerAskingForAnotherSitesUnitIsRefused: a unit of another
// site is a 403, not an empty 200 that reads as a quiet gate.
func TestAScopedCallerAskingForAnotherSitesUnitIsRefused(t *testing.T) {
	f := newRegionFixture(t)
	for _, tt := range []struct{ user, path string }{
		{"manager", "/api/v1/entries?unit=door-1"},
		{"manager", "/api/v1/rollups?by=unit&unit=door-1"},
		{"manager", "/api/v1/duties?unit=door-1"},
		{"district", "/api/v1/entries?site=site-a&unit=door-1"},
	} {
		if code, body := f.raw(t, tt.user, "GET", tt.path, ""); code != 403 {
			t.Errorf("%s GET %s: %d %.200s, want 403", tt.user, tt.path, code, body)
		}
	}
	if code, _ := f.raw(t, "manager", "GET", "/api/v1/entries?unit=gate-2", ""); code != 200 {
		t.Errorf("the manager's own unit: %d", code)
	}
}

// TestRollupsByRegionSumEachLevel: a site counts in every region above
// it; level keeps one depth; a central monitor sees both counties.
func TestRollupsByRegionSumEachLevel(t *testing.T) {
	f := newRegionFixture(t)
	var body struct {
		Rows []struct {
			Key    string
			Counts map[string]int
		}
	}
	f.getAs(t, f.cookies["monitor"], "/api/v1/rollups?by=region&bucket=day", &body)
	got := map[string]int{}
	for _, r := range body.Rows {
		got[r.Key] += r.Counts["total"]
	}
	if got["changzhou"] != got["wujin"]+got["liyang"] || got["wujin"] != got["hutang"] || got["hutang"] == 0 || got["liyang"] == 0 {
		t.Errorf("totals by region %v: the city is its districts' sum, Wujin its town's", got)
	}
	f.getAs(t, f.cookies["monitor"], "/api/v1/rollups?by=region&level=2", &body)
	for _, r := range body.Rows {
		if r.Key != "wujin" && r.Key != "liyang" {
			t.Errorf("level=2 gave %s", r.Key)
		}
	}
}
