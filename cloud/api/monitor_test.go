package api

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

func fever(site, unit string, seq uint64, at time.Time) wire.Entry {
	e := entry(site, unit, seq, at)
	e.Decision, e.Alert = wire.Recheck, "fever"
	e.Temperature = &wire.Temperature{RawC: 37.1, CorrectedC: 38.2}
	e.Reasons = []wire.Reason{{Code: "temp_fever", ZH: "体温异常", EN: "fever"}}
	return e
}

func (f *fixture) post(t *testing.T, path string, body any, v any) int {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(f.srv.URL+path, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
	}
	return resp.StatusCode
}

// TestAlertIsRaisedAndAcknowledgedOnce: a fever entry raises an alert in
// the feed; the first operator acknowledges it, a second gets 409 with
// the first one's name, and the feed of open alerts is then empty.
func TestAlertIsRaisedAndAcknowledgedOnce(t *testing.T) {
	f := newFixture(t)
	f.put(t, fever("site-a", "gate-1", 1, now.Add(-time.Minute)), entry("site-a", "gate-1", 2, now))
	var list struct{ Alerts []alertJSON }
	if code := f.get(t, "/api/v1/alerts?open=1", &list); code != 200 || len(list.Alerts) != 1 {
		t.Fatalf("open alerts: %d %+v, want the fever", code, list.Alerts)
	}
	a := list.Alerts[0]
	if a.Kind != "fever" || a.EntryID != "gate-1-1" || a.Acked || a.Detail != "38.2 °C；体温异常" {
		t.Fatalf("alert = %+v", a)
	}
	path := "/api/v1/alerts/" + a.ID + "/ack"
	var got struct{ Alert alertJSON }
	if code := f.post(t, path, ackRequest{By: "王五", Action: "已送发热门诊"}, &got); code != 200 ||
		!got.Alert.Acked || got.Alert.AckedBy != "王五" || got.Alert.AckedAt == nil {
		t.Fatalf("ack: %d %+v", code, got.Alert)
	}
	var again struct {
		Error string
		Alert alertJSON
	}
	if code := f.post(t, path, ackRequest{By: "赵六", Action: "x"}, &again); code != http.StatusConflict ||
		again.Alert.AckedBy != "王五" {
		t.Fatalf("second ack: %d %+v, want 409 naming 王五", code, again)
	}
	if f.get(t, "/api/v1/alerts?open=1", &list); len(list.Alerts) != 0 {
		t.Fatalf("open alerts after ack: %+v", list.Alerts)
	}
}

func TestAlertAckRefusesBadRequests(t *testing.T) {
	f := newFixture(t)
	f.put(t, fever("site-a", "gate-1", 1, now))
	for _, tt := range []struct {
		path string
		body any
		want int
	}{
		{"/api/v1/alerts/gate-1-1/ack", map[string]string{"by": "王五"}, 400},
		{"/api/v1/alerts/gate-1-1/ack", map[string]string{"by": "王五", "action": "x", "role": "admin"}, 400},
		{"/api/v1/alerts/nope/ack", ackRequest{By: "a", Action: "b"}, 404},
	} {
		var body map[string]any
		if code := f.post(t, tt.path, tt.body, &body); code != tt.want || body["error"] == "" {
			t.Errorf("POST %s %v: %d %v, want %d with an error", tt.path, tt.body, code, body, tt.want)
		}
	}
	if as, _ := f.store.Alerts(context.Background(), store.AlertQuery{Open: true}); len(as) != 1 {
		t.Fatalf("refused requests changed the alert: %+v", as)
	}
}

// TestOccupancyCountsLateExits: at a site without a gateway, a door
// unit's exits arrive late from its backlog; the estimate counts them and
// comes out right, and says it is an estimate.
func TestOccupancyCountsLateExits(t *testing.T) {
	f := newFixture(t)
	if err := f.store.PutSites(context.Background(), []store.Site{{ID: "mart", Name: "华联超市", Facility: "supermarket"}}); err != nil {
		t.Fatal(err)
	}
	for i := uint64(1); i <= 3; i++ {
		f.put(t, entry("mart", "door-in", i, now.Add(-2*time.Hour)))
	}
	var occ struct{ Sites []occupancyJSON }
	f.get(t, "/api/v1/occupancy", &occ)
	if len(occ.Sites) != 1 || occ.Sites[0].Inside != 3 || !occ.Sites[0].Estimate || occ.Sites[0].Source != "estimate" ||
		occ.Sites[0].Name != "华联超市" {
		t.Fatalf("occupancy = %+v, want 3 inside, an estimate", occ.Sites)
	}
	exit := entry("mart", "door-out", 1, now.Add(-90*time.Minute))
	exit.Lane, exit.Historical = wire.LaneOut, true
	f.put(t, exit)
	f.get(t, "/api/v1/occupancy", &occ)
	if o := occ.Sites[0]; o.Inside != 2 || o.In != 3 || o.Out != 1 || o.Full {
		t.Fatalf("after the late exit: %+v, want 2 inside", o)
	}
}

// rollupRead is a rollups row as a client reads it.
type rollupRead struct {
	Key    string
	Start  time.Time
	Counts map[string]int
}

func TestRollupsByHourAndDay(t *testing.T) {
	f := newFixture(t)
	f.put(t, entry("site-a", "u1", 1, now.Add(-2*time.Hour)), entry("site-a", "u1", 2, now.Add(-2*time.Hour)),
		fever("site-a", "u1", 3, now.Add(-time.Hour)), entry("site-b", "u2", 1, now.Add(-time.Hour)))
	f.put(t, entry("site-a", "u1", 1, now.Add(-2*time.Hour))) // a re-send counts nothing
	var hourly struct {
		Rows []rollupRead
	}
	if code := f.get(t, "/api/v1/rollups", &hourly); code != 200 || len(hourly.Rows) != 3 {
		t.Fatalf("hourly: %d %+v", code, hourly.Rows)
	}
	first := hourly.Rows[0]
	if first.Key != "site-a" || first.Counts["total"] != 2 || first.Counts["in"] != 2 ||
		!first.Start.Equal(now.Add(-2*time.Hour)) {
		t.Fatalf("first row %+v", first)
	}
	if fv := hourly.Rows[1].Counts; fv["fever"] != 1 || fv["decision:recheck"] != 1 || fv["reason:temp_fever"] != 1 {
		t.Fatalf("fever hour %+v", fv)
	}
	var daily struct{ Rows []rollupRead }
	f.get(t, "/api/v1/rollups?by=unit&bucket=day&site=site-a", &daily)
	if len(daily.Rows) != 1 || daily.Rows[0].Key != "site-a/u1" || daily.Rows[0].Counts["total"] != 3 {
		t.Fatalf("daily by unit: %+v", daily.Rows)
	}
	var bad map[string]string
	if code := f.get(t, "/api/v1/rollups?by=planet&unit=u1", &bad); code != 400 || bad["error"] == "" {
		t.Fatalf("bad query: %d %v", code, bad)
	}
	var some struct{ Rows []rollupRead }
	f.get(t, "/api/v1/rollups?metrics=in,fever", &some)
	if len(some.Rows) != 3 || len(some.Rows[1].Counts) != 1 || some.Rows[1].Counts["fever"] != 1 ||
		len(some.Rows[0].Counts) != 1 || some.Rows[0].Counts["in"] != 2 {
		t.Fatalf("only in and fever: %+v", some.Rows)
	}
	for _, q := range []string{"metrics=in,planets", "metrics=reason:", "metrics=alert:Fever%20x"} {
		if code := f.get(t, "/api/v1/rollups?"+q, &bad); code != 400 || !strings.Contains(bad["error"], "metric") {
			t.Errorf("%s: %d %v, want 400 naming the metric", q, code, bad)
		}
	}
}

// TestCountsEncodeAsAnObject: the rollups' hand-written encoding gives what
// encoding/json gives for the same map, escaping included.
func TestCountsEncodeAsAnObject(t *testing.T) {
	for _, c := range []map[string]int{
		{}, {"in": 3, "out": -1, "fever": 0}, {"reason:temp_fever": 2, "decision:allow": 7},
		{`reason:"<script>"`: 1, "reason:体温": 2, "reason:a\\b\n": 3},
	} {
		want, _ := json.Marshal(c)
		sorted := slices.Sorted(maps.Keys(c))
		for _, enc := range []counts{{m: c}, {m: c, keys: sorted}, {m: c, keys: append(sorted, "absent")}, {m: c, keys: sorted[:len(sorted)/2]}} {
			got, err := json.Marshal(enc)
			if err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder() // JSON v2, through MarshalJSONTo
			writeJSON(rec, 200, enc)
			if string(got) != string(want) || rec.Body.String() != string(want)+"\n" {
				t.Errorf("%v with keys %q: got %s and %s, want %s", c, enc.keys, got, rec.Body, want)
			}
		}
	}
}
