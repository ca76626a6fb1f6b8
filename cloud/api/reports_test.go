package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/report"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/xuri/excelize/v2"
)

// TestDailyReportZeroReportAndExports: the estate had a fever, the mart
// only normal traffic and the clinic none; the report for the day says so
// in JSON, CSV and XLSX.
func TestDailyReportZeroReportAndExports(t *testing.T) {
	f := newFixture(t)
	err := f.store.PutSites(context.Background(), []store.Site{{ID: "clinic", Name: "社区诊所", Facility: "clinic"},
		{ID: "estate", Name: "幸福小区", Facility: "community"}, {ID: "mart", Name: "华联超市", Facility: "supermarket"}})
	if err != nil {
		t.Fatal(err)
	}
	// 2022-04-01 is the day whose report closes at 00:00 on 04-02 (the
	// fixture's cut) : entries in the evening of 04-01 are in it.
	evening := time.Date(2022, 4, 1, 20, 0, 0, 0, cst)
	f.put(t, fever("estate", "gate-1", 1, evening), entry("estate", "gate-1", 2, evening),
		entry("mart", "door-1", 1, evening), entry("mart", "door-1", 2, now)) // the last is after the cut
	var rep report.Report
	if code := f.get(t, "/api/v1/reports/daily?date=2022-04-02", &rep); code != 200 {
		t.Fatalf("report: %d", code)
	}
	got := map[string]report.Row{}
	for _, r := range rep.Sites {
		got[r.Site] = r
	}
	if e := got["estate"]; e.Total != 2 || e.Fever != 1 || e.ZeroReport || e.AlertsOpen != 1 {
		t.Errorf("estate %+v", e)
	}
	if m := got["mart"]; m.Total != 1 || !m.ZeroReport {
		t.Errorf("mart %+v: want the one entry before the cut, zero report", m)
	}
	if c := got["clinic"]; c.Total != 0 || !c.ZeroReport || c.Name != "社区诊所" {
		t.Errorf("clinic %+v: want a zero report with no traffic", c)
	}
	if rep.Total.Total != 3 || rep.Total.ZeroReport {
		t.Errorf("total %+v", rep.Total)
	}
	body, ctype := download(t, f.srv.URL+"/api/v1/reports/daily?date=2022-04-02&format=csv")
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))))
	cr.FieldsPerRecord = -1 // the title line, then the table
	records, err := cr.ReadAll()
	if err != nil || !strings.HasPrefix(ctype, "text/csv") || len(records) != 6 ||
		!strings.HasPrefix(records[0][0], "日报 2022-04-01 00:00") || records[1][0] != "站点" {
		t.Fatalf("csv (%s): %v %q", ctype, err, records)
	}
	body, _ = download(t, f.srv.URL+"/api/v1/reports/daily?date=2022-04-02&format=xlsx&lang=en")
	x, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("xlsx: %v", err)
	}
	if sheets := x.GetSheetList(); len(sheets) != 1 {
		t.Fatalf("xlsx sheets %v", sheets)
	}
}

func download(t *testing.T, url string) ([]byte, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), "kakou-daily-2022-04-02") {
		t.Fatalf("GET %s: %d %q", url, resp.StatusCode, resp.Header.Get("Content-Disposition"))
	}
	return b, resp.Header.Get("Content-Type")
}

// A dead gate must not report "nothing abnormal": the day's report says
// 数据不完整 for a site with a unit that sent nothing, one offline since
// before the cut, or one still holding entries from before it, and why.
func TestDailyReportSaysWhichUnitLeftASitesDataIncomplete(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	err := f.store.PutSites(ctx, []store.Site{{ID: "estate", Name: "幸福小区", Facility: "community"},
		{ID: "mart", Name: "华联超市", Facility: "supermarket"}, {ID: "clinic", Name: "社区诊所", Facility: "clinic"}})
	if err != nil {
		t.Fatal(err)
	}
	evening := time.Date(2022, 4, 1, 20, 0, 0, 0, cst)
	status := func(site, unit string, state wire.UnitState, at time.Time, backlog int, oldest *time.Time) {
		t.Helper()
		if err := f.store.PutStatus(ctx, wire.Status{Schema: wire.SchemaVersion, Site: site, Unit: unit,
			State: state, Backlog: backlog, OldestUnacked: oldest}, at); err != nil {
			t.Fatal(err)
		}
	}
	// The estate: gate-1 screened and is online; gate-2 is online but sent
	// nothing all day (a dead scanner); gate-3 went offline at 21:30.
	f.put(t, entry("estate", "gate-1", 1, evening))
	if _, err := f.store.PutEntries(ctx, []wire.Entry{entry("estate", "gate-3", 1, evening)}, evening); err != nil {
		t.Fatal(err) // received live, before gate-3 went offline
	}
	status("estate", "gate-1", wire.Online, now, 0, nil)
	status("estate", "gate-2", wire.Online, now, 0, nil)
	status("estate", "gate-3", wire.Online, evening.Add(90*time.Minute), 0, nil)
	status("estate", "gate-3", wire.Offline, evening.Add(91*time.Minute), 0, nil) // its last will
	// The mart: its door holds 12 entries from 22:00 not yet delivered.
	backlogSince := evening.Add(2 * time.Hour)
	f.put(t, entry("mart", "door-1", 1, evening))
	status("mart", "door-1", wire.Online, now, 12, &backlogSince)
	// The clinic: online, screened, nothing abnormal.
	f.put(t, entry("clinic", "desk-1", 1, evening))
	status("clinic", "desk-1", wire.Online, now, 0, nil)

	var rep report.Report
	if code := f.get(t, "/api/v1/reports/daily?date=2022-04-02", &rep); code != 200 {
		t.Fatalf("report: %d", code)
	}
	got := map[string]report.Row{}
	for _, r := range rep.Sites {
		got[r.Site] = r
	}
	if e := got["estate"]; e.ZeroReport || e.Incomplete != "gate-2 本时段无数据；gate-3 离线（最后在线 04-01 21:31）" {
		t.Errorf("estate: zero %v, incomplete %q", e.ZeroReport, e.Incomplete)
	}
	if m := got["mart"]; m.ZeroReport || m.Incomplete != "door-1 有 12 条记录待上传（最早 04-01 22:00）" {
		t.Errorf("mart: zero %v, incomplete %q", m.ZeroReport, m.Incomplete)
	}
	if c := got["clinic"]; !c.ZeroReport || c.Incomplete != "" {
		t.Errorf("clinic, complete and quiet: %+v", c)
	}
	if rep.Total.IncompleteSites != 2 || rep.Total.ZeroReport || rep.Provisional || !rep.MadeAt.Equal(now) {
		t.Errorf("total %+v, provisional %v, made %v", rep.Total, rep.Provisional, rep.MadeAt)
	}
}
