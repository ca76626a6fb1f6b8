package api

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/region"
	"github.com/kakou/kakou/cloud/report"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/sqlite"
	"github.com/kakou/kakou/firmware/wire"
)

// venueSites is the sites' venue settings as a test fixes them.
type venueSites map[string]VenueSite

func (v venueSites) VenueSite(_ context.Context, site string) (VenueSite, error) {
	if vs, ok := v[site]; ok {
		return vs, nil
	}
	return VenueSite{}, ErrVenueSiteUnknown
}

// testSchedule: three people per half hour from 09:00 to 12:00; at the
// fixture's 10:00 the next slot is 10:30-11:00.
func testSchedule() *wire.Appointments {
	return &wire.Appointments{Mode: "hard", AppliesTo: "visitors", SlotMinutes: 30, Capacity: 3,
		Hours: []string{"09:00-12:00"}, Late: 15, DaysAhead: 3}
}

// slotAt is the fixture day's slot that starts at hh:mm local.
func slotAt(hh, mm int) wire.VenueSlot {
	start := midnight.Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute)
	return wire.VenueSlot{Start: start.Unix(), End: start.Unix() + 30*60}
}

// venueFixture is the API with logins and venue codes on, over SQLite;
// site-b's manager is the cross-site caller.
type venueFixture struct {
	*authFixture
	pub ed25519.PublicKey
}

// newVenueFixture's mods change the venue options before the API starts.
func newVenueFixture(t *testing.T, mods ...func(*VenueOptions)) *venueFixture {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "cloud.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	pub, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	f := &venueFixture{authFixture: &authFixture{fixture: fixture{store: st}, clock: &clock{t: now}}, pub: pub}
	users := append([]User{{Name: "manager-b", Role: RoleSiteManager, Site: "site-b"},
		{Name: "monitor-east", Role: RoleMonitor, Region: "east"}, {Name: "monitor-west", Role: RoleMonitor, Region: "west"}}, testUsers...)
	for i := range users {
		if users[i].PasswordHash, err = HashPassword("pw-"+users[i].Name, cheapArgon2); err != nil {
			t.Fatal(err)
		}
	}
	sites := venueSites{"site-a": {Name: "幸福小区", Fields: []string{"name", "phone"},
		Required: []string{"name", "phone"}, Appointments: testSchedule()}}
	if err := st.PutSites(context.Background(), []store.Site{{ID: "site-a", Name: "幸福小区", Facility: "community"},
		{ID: "site-b", Name: "西村", Facility: "village"}}); err != nil {
		t.Fatal(err)
	}
	vo := &VenueOptions{Store: st, Key: key, Sites: sites, PublicURL: "https://kakou.example.cn/"}
	for _, m := range mods {
		m(vo)
	}
	// site-a lies in the west district, site-b in the east.
	regions, problems := region.New([]region.Node{{ID: "city"}, {ID: "east", Parent: "city"}, {ID: "west", Parent: "city"}},
		[]region.Place{{Site: "site-a", Region: "west"}, {Site: "site-b", Region: "east"}})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	f.h, err = New(st, Options{Location: cst, Now: f.clock.now, ReportCut: [2]int{16, 0}, Regions: regions,
		Reports: []report.Def{{ID: "appointments", Title: "预约日报", Cut: "16:00", Columns: report.VenueColumns}},
		Auth:    &AuthOptions{Users: users, Sessions: st, Argon2: cheapArgon2},
		Venue:   vo})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// book posts a staff booking as user (logged in afresh) and decodes the answer.
func (f *venueFixture) book(t *testing.T, user, body string) (int, map[string]any) {
	t.Helper()
	cookie, csrf := f.login(t, f.h, user, "192.0.2.7")
	rec := f.do(t, f.h, req{method: "POST", path: "/api/v1/sites/site-a/bookings", body: body, cookie: cookie, csrf: csrf})
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("booking as %s: %d %s", user, rec.Code, rec.Body)
	}
	return rec.Code, out
}

func bookingBody(s wire.VenueSlot, party int) string {
	return fmt.Sprintf(`{"visitor":{"name":"李大爷","phone":"13800000001"},"slot":{"s":%d,"e":%d},"party":%d}`,
		s.Start, s.End, party)
}

func TestStaffBookingIsForTheSitesManagerAndCentralMonitoring(t *testing.T) {
	f := newVenueFixture(t)
	for _, c := range []struct {
		user string
		want int
	}{{"manager", http.StatusCreated}, {"monitor", http.StatusCreated}, {"monitor-west", http.StatusCreated},
		{"manager-b", http.StatusForbidden}, {"monitor-east", http.StatusForbidden},
		{"guard", http.StatusForbidden}, {"tracer", http.StatusForbidden}} {
		code, out := f.book(t, c.user, bookingBody(slotAt(10, 30), 1))
		if code != c.want {
			t.Errorf("%s: %d %v, want %d", c.user, code, out, c.want)
			continue
		}
		if code != http.StatusCreated {
			continue
		}
		reg, err := wire.OpenVenueCode(out["code"].(string), f.pub)
		if err != nil {
			t.Fatalf("%s: the code does not open: %v", c.user, err)
		}
		if reg.BookedBy != c.user || reg.Party != 1 || reg.Slot == nil || *reg.Slot != slotAt(10, 30) ||
			reg.Number != out["number"] || reg.Visitor.Phone != "13800000001" {
			t.Errorf("%s: signed %+v, answered %v", c.user, reg, out)
		}
		if !strings.HasPrefix(out["qr"].(string), "data:image/png;base64,") || out["slot_label"] != "4月2日 10:30–11:00" {
			t.Errorf("%s: qr or label wrong: %v", c.user, out["slot_label"])
		}
	}
	var booked int
	for _, a := range f.audited(t) {
		if a.Action == "venue.book" {
			booked++
			if strings.Contains(a.Detail, "13800000001") || strings.Contains(a.Detail, "李") {
				t.Errorf("the audit keeps what the visitor said: %s", a.Detail)
			}
		}
	}
	if booked != 3 {
		t.Errorf("%d staff bookings audited, want 3", booked)
	}
}

func TestStaffBookingNeedsTheCSRFToken(t *testing.T) {
	f := newVenueFixture(t)
	cookie, _ := f.login(t, f.h, "manager", "192.0.2.7")
	rec := f.do(t, f.h, req{method: "POST", path: "/api/v1/sites/site-a/bookings",
		body: bookingBody(slotAt(10, 30), 1), cookie: cookie})
	if rec.Code != http.StatusForbidden {
		t.Fatalf("without the CSRF token: %d %s, want 403", rec.Code, rec.Body)
	}
}

func TestStaffBookingRefusesWhatTheSiteDoesNotTake(t *testing.T) {
	f := newVenueFixture(t)
	next := slotAt(10, 30)
	for _, c := range []struct{ name, body, want string }{
		{"a field not asked", `{"visitor":{"name":"李","phone":"13800000001","id":"110101199003070011"},"slot":{"s":` +
			fmt.Sprint(next.Start) + `,"e":` + fmt.Sprint(next.End) + `},"party":1}`, `"id"`},
		{"a required field missing", `{"visitor":{"name":"李"}}`, `"phone"`},
		{"a slot not in the schedule", bookingBody(wire.VenueSlot{Start: next.Start + 60, End: next.End + 60}, 1), "slot"},
		{"a slot that is over", bookingBody(slotAt(9, 0), 1), "over"},
		{"a slot past days ahead", bookingBody(wire.VenueSlot{Start: next.Start + 5*86400, End: next.End + 5*86400}, 1), "days ahead"},
		{"a party too large", bookingBody(next, wire.MaxParty+1), "party"},
		{"a party without a slot", `{"visitor":{"name":"李","phone":"13800000001"},"party":2}`, "party"},
		{"an unknown member", `{"visitor":{"name":"李","phone":"13800000001"},"challenge":"x"}`, "JSON"},
		{"not JSON", `name=李`, "JSON"},
	} {
		code, out := f.book(t, "manager", c.body)
		if msg, _ := out["error"].(string); code != http.StatusBadRequest || !strings.Contains(msg, c.want) {
			t.Errorf("%s: %d %v, want 400 naming %s", c.name, code, out, c.want)
		}
	}
}

func TestStaffBookingIntoAFullSlotAnswersTheNextFree(t *testing.T) {
	f := newVenueFixture(t)
	if code, out := f.book(t, "manager", bookingBody(slotAt(10, 30), 3)); code != http.StatusCreated {
		t.Fatalf("filling the slot: %d %v", code, out)
	}
	code, out := f.book(t, "manager", bookingBody(slotAt(10, 30), 1))
	next, _ := out["next_free"].(map[string]any)
	if code != http.StatusConflict || next == nil || next["label"] != "4月2日 11:00–11:30" {
		t.Fatalf("a full slot: %d %v, want 409 with next_free 11:00", code, out)
	}
	// 11:00 keeps one place: a family of three is sent on to 11:30.
	if code, out := f.book(t, "manager", bookingBody(slotAt(11, 0), 2)); code != http.StatusCreated {
		t.Fatalf("filling 11:00 but one: %d %v", code, out)
	}
	code, out = f.book(t, "manager", bookingBody(slotAt(10, 30), 3))
	next, _ = out["next_free"].(map[string]any)
	if code != http.StatusConflict || next == nil || next["label"] != "4月2日 11:30–12:00" {
		t.Fatalf("a party of 3 into a full slot: %d %v, want 409 with next_free 11:30, the first with room for 3", code, out)
	}
	code, out = f.book(t, "manager", bookingBody(slotAt(10, 30), 1))
	if next, _ = out["next_free"].(map[string]any); code != http.StatusConflict || next == nil || next["label"] != "4月2日 11:00–11:30" {
		t.Fatalf("one person into a full slot: %d %v, want next_free 11:00, which has one place", code, out)
	}
}
