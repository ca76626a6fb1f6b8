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
	records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")))).ReadAll()
	if err != nil || !strings.HasPrefix(ctype, "text/csv") || len(records) != 5 || records[0][0] != "站点" {
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
