package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/unit"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// closedPolicy is community-closed as shipped, taking the unsigned passes
// the simulator shows: untested residents are held for sampling.
func closedPolicy(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "configs", "policies", "community-closed.toml"))
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Replace(string(b), `accept = ["valid"]          # signed`, `accept = ["valid", "unverified"] # signed`, 1)
	if doc == string(b) {
		t.Fatal("community-closed.toml's resident_pass accept line changed; update this test")
	}
	path := filepath.Join(t.TempDir(), "closed.toml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestAHoldIsReleasedByANegativeResultRecordedAtTheCentre: a resident
// without a test is held at the gate (待采样); central monitoring records
// a negative result for their pass; it crosses the real broker to the
// unit, which writes the release entry naming the hold; the centre lists
// the hold as released, by that entry.
func TestAHoldIsReleasedByANegativeResultRecordedAtTheCentre(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := startCollector(t, ctx, "[broker]\nembedded = true\nlisten = \"127.0.0.1:0\"\n")
	pol := closedPolicy(t)
	runUnit(t, ctx, "gate-1", func(dir string) string {
		return fmt.Sprintf(`site = "estate"
unit = "gate-1"
lane = "in"
data_dir = %q
trust_clock = true
[console]
listen = "127.0.0.1:0"
[mqtt]
broker = %q
[policy]
path = %q
[simulator]
mean_interval = "20ms"
max_people = 30
`, filepath.Join(dir, "data"), c.BrokerURL(), pol)
	})
	var held store.HoldRow
	testenv.Await(t, "a hold at the centre", patience, func() bool {
		rows, err := store.Holds(ctx, c.Store(), "estate", time.Now().Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range rows {
			if h.Pending() && h.Pass != "" {
				held = h
				return true
			}
		}
		return false
	})
	body := fmt.Sprintf(`{"pass": %q, "result": "negative", "sampled_at": %q}`, held.Pass, time.Now().UTC().Format(time.RFC3339))
	resp, err := http.Post(c.HTTPURL()+"/api/v1/results", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /api/v1/results: %s", resp.Status)
	}
	var listed struct {
		Holds []struct {
			EntryID   string `json:"entry_id"`
			Pending   bool   `json:"pending"`
			ReleaseID string `json:"release_id"`
		} `json:"holds"`
	}
	testenv.Await(t, "the hold released at the centre", patience, func() bool {
		getJSON(t, c.HTTPURL()+"/api/v1/holds?site=estate&status=released", &listed)
		for _, h := range listed.Holds {
			if h.EntryID == held.EntryID && !h.Pending && h.ReleaseID != "" {
				return true
			}
		}
		return false
	})
	var release wire.Entry
	for _, e := range cloudEntries(t, c, "estate", "gate-1") {
		if e.Amends == held.EntryID && e.Decision == wire.Allow {
			release = e
		}
	}
	if len(release.Reasons) == 0 || release.Reasons[0].Code != wire.ReasonReleased || release.Credential.Subject != wire.MaskID(held.Pass) {
		t.Fatalf("release entry at the centre: %+v", release)
	}
}

// TestAReturneeRegisteredAtAGateIsListedInTheElevenOClockReport: a guard
// signs in at a gate's console and registers a visitor as a returnee from
// Wuhan; the entry holds them for sampling (到达即检), reaches the centre,
// and the centre's 11:00 returnee report lists them with their name
// masked and the plan the centre's [[returnees]] rule gives Wuhan.
func TestAReturneeRegisteredAtAGateIsListedInTheElevenOClockReport(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := startCollector(t, ctx, `[broker]
embedded = true
listen = "127.0.0.1:0"
[[reports]]
id = "returnees"
title = "返乡人员报告"
cut = "11:00"
columns = ["returnees"]
[[returnees]]
origin = "武汉"
kind = "home_quarantine"
plan = "14+7+7"
tests = ["24h", "7d", "14d"]
`)
	guards, err := filepath.Abs(filepath.Join("..", "configs", "guards-demo.toml"))
	if err != nil {
		t.Fatal(err)
	}
	u := runUnit(t, ctx, "gate-1", func(dir string) string {
		return fmt.Sprintf(`site = "estate"
unit = "gate-1"
lane = "in"
data_dir = %q
trust_clock = true
[console]
listen = "127.0.0.1:0"
guards_file = %q
[mqtt]
broker = %q
[simulator]
mean_interval = "5ms"
max_people = 60
`, filepath.Join(dir, "data"), guards, c.BrokerURL())
	})
	var on string
	testenv.Await(t, "someone at the gate to register", patience, func() bool {
		open, _ := u.OnScreen()
		for _, s := range open {
			if s.Entry.Decision == wire.Register {
				on = s.Entry.ID
				return true
			}
		}
		return false
	})
	cookie, csrf := consoleSession(t, u, "wang", "2468")
	loc, _ := time.LoadLocation("Asia/Shanghai")
	arrived := time.Now().Add(-3 * time.Hour) // the console reads the unit's local time
	form := fmt.Sprintf(`{"entry": %q, "name": "张三丰", "phone": "13812345678", "origin": "湖北省武汉市",
		"destination": "3栋2单元501", "transport": "火车", "trip": "G1234", "returnee": true, "arrived": %q}`,
		on, arrived.Format("2006-01-02T15:04"))
	r := httptest.NewRequest("POST", "http://127.0.0.1/api/register", strings.NewReader(form))
	r.Header.Set("Origin", "http://127.0.0.1")
	r.Header.Set("X-CSRF-Token", csrf)
	r.AddCookie(cookie)
	w := httptest.NewRecorder()
	u.ConsoleHandler().ServeHTTP(w, r)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"hold"`) {
		t.Fatalf("register the returnee: %d %s", w.Code, w.Body)
	}

	// The period that holds now ends at the next 11:00 in the centre's zone.
	now := time.Now().In(loc)
	date := now.Format("2006-01-02")
	if now.Hour() >= 11 {
		date = now.AddDate(0, 0, 1).Format("2006-01-02")
	}
	var rep struct {
		Sites []struct {
			Site      string `json:"site"`
			Returnees int    `json:"returnees"`
		} `json:"sites"`
		List []struct {
			Site, Name, Origin, Household, Plan string
			NextTest                            *time.Time `json:"next_test"`
		} `json:"returnee_list"`
	}
	testenv.Await(t, "the returnee in the 11:00 report", patience, func() bool {
		getJSON(t, c.HTTPURL()+"/api/v1/reports/returnees?date="+date, &rep)
		return len(rep.List) == 1
	})
	got := rep.List[0]
	if got.Site != "estate" || got.Name != "张**" || got.Origin != "湖北省武汉市" || got.Household != "3栋2单元501" ||
		got.Plan != "14+7+7" || got.NextTest == nil {
		t.Fatalf("returnee listed as %+v", got)
	}
	if len(rep.Sites) != 1 || rep.Sites[0].Returnees < 1 {
		t.Fatalf("sites %+v, want estate counting the returnee", rep.Sites)
	}
}

// consoleSession signs guard in at u's console and returns the session
// cookie and CSRF token the page would hold.
func consoleSession(t *testing.T, u *unit.Unit, guard, pin string) (*http.Cookie, string) {
	t.Helper()
	r := httptest.NewRequest("POST", "http://127.0.0.1/api/sign-in", strings.NewReader(`{"guard":"`+guard+`","pin":"`+pin+`"}`))
	w := httptest.NewRecorder()
	u.ConsoleHandler().ServeHTTP(w, r)
	if w.Code != http.StatusOK || len(w.Result().Cookies()) == 0 {
		t.Fatalf("sign in: %d %s", w.Code, w.Body)
	}
	var body struct{ CSRF string }
	json.Unmarshal(w.Body.Bytes(), &body)
	return w.Result().Cookies()[0], body.CSRF
}
