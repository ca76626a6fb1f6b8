package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store/sqlite"
	"github.com/kakou/kakou/firmware/wire"
)

// cst is China Standard Time; fixed here so tests need no tz database.
var (
	cst = time.FixedZone("CST", 8*3600)
	// now is 10:00 in Shanghai; local midnight is 16:00 UTC the day before.
	now      = time.Date(2022, 4, 2, 10, 0, 0, 0, cst)
	midnight = time.Date(2022, 4, 2, 0, 0, 0, 0, cst)
)

type fixture struct {
	store *sqlite.Store
	srv   *httptest.Server
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "cloud.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h, err := New(st, Options{Location: cst, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &fixture{store: st, srv: srv}
}

// entry is made at the given local time on a synced clock.
func entry(site, unit string, seq uint64, at time.Time) wire.Entry {
	return wire.Entry{Schema: wire.SchemaVersion, ID: fmt.Sprintf("%s-%d", unit, seq),
		Site: site, Unit: unit, Seq: seq, BootID: "b1", Lane: wire.LaneIn, Time: at,
		ClockSynced: true, Temperature: &wire.Temperature{RawC: 35.2, CorrectedC: 36.7},
		Credential: wire.Credential{Kind: wire.CredentialHealthCode, Result: "green"},
		Decision:   wire.Allow, Reasons: []wire.Reason{{Code: "ok", ZH: "通过", EN: "passed"}},
		PolicyVersion: "default-1"}
}

func (f *fixture) put(t *testing.T, entries ...wire.Entry) {
	t.Helper()
	if _, err := f.store.PutEntries(context.Background(), entries, now); err != nil {
		t.Fatal(err)
	}
}

// get fetches path and decodes the JSON body into v, returning the status.
func (f *fixture) get(t *testing.T, path string, v any) int {
	t.Helper()
	resp, err := http.Get(f.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); v != nil && !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("GET %s: Content-Type %q, want JSON", path, ct)
	}
	if v != nil {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	return resp.StatusCode
}

func TestHealthzSaysWhetherTheStoreIsReachable(t *testing.T) {
	f := newFixture(t)
	var body map[string]string
	if code := f.get(t, "/healthz", &body); code != 200 || body["status"] != "ok" {
		t.Fatalf("healthy: %d %v", code, body)
	}
	f.store.Close()
	if code := f.get(t, "/healthz", &body); code != 503 || body["error"] == "" {
		t.Fatalf("store closed: %d %v, want 503 with an error", code, body)
	}
}

func TestUnitsCountsEntriesSinceLocalMidnight(t *testing.T) {
	f := newFixture(t)
	f.put(t, entry("site-a", "u1", 1, midnight.Add(-time.Minute)), // yesterday in Shanghai
		entry("site-a", "u1", 2, midnight),
		entry("site-a", "u1", 3, now.Add(-time.Hour)))
	err := f.store.PutStatus(context.Background(), wire.Status{Schema: wire.SchemaVersion,
		Site: "site-a", Unit: "u1", Facility: "community", Lane: wire.LaneIn,
		State: wire.Online, Firmware: "0.1.0", PolicyVersion: "default-1",
		Devices: []wire.Device{{Name: "scanner", Detail: "unplugged"}}}, now)
	if err != nil {
		t.Fatal(err)
	}
	var body struct{ Units []map[string]any }
	if code := f.get(t, "/api/v1/units", &body); code != 200 || len(body.Units) != 1 {
		t.Fatalf("GET units: %d %+v", code, body)
	}
	u := body.Units[0]
	want := map[string]any{"id": "u1", "site": "site-a", "facility": "community", "lane": "in", "kind": "unit",
		"online": true, "last_seen": now.UTC().Format(time.RFC3339), "firmware": "0.1.0",
		"policy_version": "default-1", "entries_today": 2.0,
		"devices":   []any{map[string]any{"name": "scanner", "ok": false, "detail": "unplugged"}},
		"acked_seq": 3.0, "reported_acked": 0.0, "backlog": 0.0, "oldest_unacked": nil, "disk_alarm": false,
		"site_name": "", "name": ""} // no names known: the dashboard shows the ids
	if !reflect.DeepEqual(u, want) {
		t.Fatalf("unit =\n%v\nwant\n%v", u, want)
	}
}

func TestUnitsReportBacklogAndDiskAlarmFromStatus(t *testing.T) {
	f := newFixture(t)
	oldest := now.Add(-26 * time.Hour)
	err := f.store.PutStatus(context.Background(), wire.Status{Schema: wire.SchemaVersion,
		Site: "site-a", Unit: "u1", State: wire.Online, Backlog: 41000,
		OldestUnacked: &oldest, DiskAlarm: true}, now)
	if err != nil {
		t.Fatal(err)
	}
	f.put(t, entry("site-a", "u1", 1, now), entry("site-a", "u1", 2, now))
	var body struct{ Units []map[string]any }
	f.get(t, "/api/v1/units", &body)
	u := body.Units[0]
	got := map[string]any{"acked_seq": u["acked_seq"], "backlog": u["backlog"],
		"oldest_unacked": u["oldest_unacked"], "disk_alarm": u["disk_alarm"]}
	want := map[string]any{"acked_seq": 2.0, "backlog": 41000.0,
		"oldest_unacked": oldest.UTC().Format(time.RFC3339), "disk_alarm": true}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("unit %v, want %v", got, want)
	}
}

func TestEntriesSayWhetherTheyCameFromTheBacklog(t *testing.T) {
	f := newFixture(t)
	late := entry("site-a", "u1", 1, midnight)
	late.Historical = true
	f.put(t, late, entry("site-a", "u1", 2, now))
	var body struct{ Entries []map[string]any }
	f.get(t, "/api/v1/entries", &body)
	got := map[any]any{}
	for _, e := range body.Entries {
		got[e["id"]] = e["historical"]
	}
	if want := map[any]any{"u1-1": true, "u1-2": false}; !reflect.DeepEqual(got, want) {
		t.Fatalf("historical by id %v, want %v", got, want)
	}
}

func TestEntriesAppliesFilters(t *testing.T) {
	f := newFixture(t)
	at := func(min int) time.Time { return midnight.Add(time.Duration(min) * time.Minute) }
	f.put(t, entry("site-a", "u1", 1, at(1)), entry("site-a", "u2", 2, at(2)),
		entry("site-b", "u3", 3, at(3)), entry("site-b", "u3", 4, at(4)))
	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{"u3-4", "u3-3", "u2-2", "u1-1"}},
		{"?site=site-b", []string{"u3-4", "u3-3"}},
		{"?site=site-a&unit=u2", []string{"u2-2"}},
		{"?since=2022-04-02T00:02:00%2B08:00&until=2022-04-01T16:04:00Z", []string{"u3-3", "u2-2"}},
		{"?limit=1", []string{"u3-4"}},
	}
	for _, tt := range tests {
		var body struct{ Entries []map[string]any }
		if code := f.get(t, "/api/v1/entries"+tt.query, &body); code != 200 {
			t.Fatalf("%s: status %d", tt.query, code)
		}
		var ids []string
		for _, e := range body.Entries {
			ids = append(ids, e["id"].(string))
		}
		if !reflect.DeepEqual(ids, tt.want) {
			t.Errorf("%q: got %v, want %v", tt.query, ids, tt.want)
		}
	}
}

func TestEntriesCarryTheWireFieldsAndReceivedTime(t *testing.T) {
	f := newFixture(t)
	f.put(t, entry("site-a", "u1", 1, midnight))
	var body struct{ Entries []map[string]any }
	f.get(t, "/api/v1/entries", &body)
	e := body.Entries[0]
	for _, key := range []string{"schema", "id", "site", "unit", "seq", "boot_id", "lane", "time",
		"clock_synced", "temperature", "credential", "decision", "reasons", "policy_version",
		"historical", "received_at"} {
		if _, ok := e[key]; !ok {
			t.Errorf("entry JSON lacks %q: %v", key, e)
		}
	}
}

func TestEntriesRejectsBadParametersAndSaysWhatToSend(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		query   string
		mention []string
	}{
		{"?since=yesterday", []string{"since", "RFC 3339", "2022-04-01T08:00:00+08:00"}},
		{"?until=2022-04-01", []string{"until"}},
		{"?limit=0", []string{"limit", "1 to 1000"}},
		{"?limit=1001", []string{"limit"}},
		{"?limit=ten", []string{"limit"}},
		{"?site=Site%20A", []string{"site", "a-z"}},
		{"?unit=a/b", []string{"unit"}},
		{"?sice=2022-04-01T00:00:00Z", []string{`unknown parameter "sice"`, "since"}},
		{"?site=a&site=b", []string{"site", "once"}},
		{"?since=2022-04-02T00:00:00Z&until=2022-04-01T00:00:00Z", []string{"since must be before until"}},
		{"?limit=0&since=x", []string{"limit", "since"}}, // every problem at once
	}
	for _, tt := range tests {
		var body map[string]string
		code := f.get(t, "/api/v1/entries"+tt.query, &body)
		if code != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", tt.query, code)
			continue
		}
		for _, m := range tt.mention {
			if !strings.Contains(body["error"], m) {
				t.Errorf("%s: error %q does not mention %q", tt.query, body["error"], m)
			}
		}
	}
}

func TestDashboardIsServedAtRootOnly(t *testing.T) {
	f := newFixture(t)
	resp, err := http.Get(f.srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("GET /: %d %s", resp.StatusCode, ct)
	}
	page := string(dashboardHTML)
	for _, want := range []string{"/api/v1/units", "/api/v1/entries", "中文", "POLL_MS = 1000"} {
		if !strings.Contains(page, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	if code := f.get(t, "/no-such-page", nil); code != 404 {
		t.Fatalf("GET /no-such-page: %d, want 404", code)
	}
}

func TestAPIRefusesWrites(t *testing.T) {
	f := newFixture(t)
	resp, err := http.Post(f.srv.URL+"/api/v1/entries", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST entries: %d, want 405", resp.StatusCode)
	}
}
