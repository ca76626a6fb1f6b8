package api

import (
	"context"
	"github.com/kakou/kakou/cloud/region"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/report"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/sqlite"
	"github.com/kakou/kakou/firmware/wire"
)

// The plans' reports (docs/product.md "Reporting deadlines"), as
// configs/cloud.toml ships them, over a small region tree: the estate
// and the village lie in hutang street of wujin district.
var testDefs = []report.Def{
	{ID: "returnees", Title: "返乡人员报告", Cut: "11:00", Columns: []string{report.ColReturnees, report.ColPersuade}},
	{ID: "village", Title: "村卡口报告", Cut: "14:00", Scope: []string{"hutang"}},
}

// testRegions places estate and village in Hutang (Wujin) and mart in Xinbei.
var testRegions, _ = region.New([]region.Node{{ID: "changzhou"}, {ID: "wujin", Parent: "changzhou"},
	{ID: "hutang", Parent: "wujin"}, {ID: "xinbei", Parent: "changzhou"}},
	[]region.Place{{Site: "estate", Region: "hutang"}, {Site: "village", Region: "hutang"}, {Site: "mart", Region: "xinbei"}})

// newReportsFixture is the API in open mode with testDefs configured.
func newReportsFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "cloud.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h, err := New(st, Options{Location: cst, Now: func() time.Time { return now }, ReportCut: [2]int{16, 0},
		Reports: testDefs, Regions: testRegions})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	f := &fixture{store: st, srv: srv}
	err = st.PutSites(context.Background(), []store.Site{{ID: "estate", Name: "幸福小区", Facility: "community"},
		{ID: "village", Name: "西村", Facility: "village"}, {ID: "mart", Name: "华联超市", Facility: "supermarket"}})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestReportsListsTheDailyReportAndTheConfiguredOnes(t *testing.T) {
	f := newReportsFixture(t)
	var got struct{ Reports []reportJSON }
	if code := f.get(t, "/api/v1/reports", &got); code != 200 {
		t.Fatalf("list: %d", code)
	}
	var ids []string
	for _, r := range got.Reports {
		ids = append(ids, r.ID+"@"+r.Cut)
	}
	if want := []string{"daily@16:00", "returnees@11:00", "village@14:00"}; !slices.Equal(ids, want) {
		t.Errorf("reports %v, want %v", ids, want)
	}
	// now is 10:00 on 04-02: the returnee report due now is 04-01's.
	if r := got.Reports[1]; r.Latest.Date != "2022-04-01" || !r.Latest.Cut.Equal(time.Date(2022, 4, 1, 11, 0, 0, 0, cst)) {
		t.Errorf("returnees' latest period %+v", r.Latest)
	}
}

func TestNamedReportCountsItsColumnsOverItsOwnPeriod(t *testing.T) {
	f := newReportsFixture(t)
	returnee := func(site, unit string, seq uint64, at time.Time) wire.Entry {
		e := entry(site, unit, seq, at)
		e.Decision, e.Reasons = wire.Register, []wire.Reason{{Code: "watch_returnee", ZH: "风险地区返回人员，请登记"}}
		return e
	}
	persuaded := entry("village", "gate-1", 3, time.Date(2022, 4, 1, 10, 0, 0, 0, cst))
	persuaded.Decision = wire.PersuadeReturn
	f.put(t, returnee("village", "gate-1", 1, time.Date(2022, 4, 1, 9, 0, 0, 0, cst)),
		returnee("village", "gate-1", 2, time.Date(2022, 4, 1, 12, 0, 0, 0, cst)), // after 04-01's 11:00 cut
		persuaded, returnee("mart", "door-1", 1, time.Date(2022, 4, 1, 9, 30, 0, 0, cst)))
	var rep report.Report
	if code := f.get(t, "/api/v1/reports/returnees?date=2022-04-01", &rep); code != 200 {
		t.Fatalf("report: %d", code)
	}
	got := map[string]report.Row{}
	for _, r := range rep.Sites {
		got[r.Site] = r
	}
	if rep.ID != "returnees" || rep.Title != "返乡人员报告" || !rep.Until.Equal(time.Date(2022, 4, 1, 11, 0, 0, 0, cst)) {
		t.Errorf("report %q %q until %v", rep.ID, rep.Title, rep.Until)
	}
	if v := got["village"]; v.Returnees != 1 || v.PersuadeReturn != 1 {
		t.Errorf("village %+v: want the returnee before the cut and the one persuaded to return", v)
	}
	if m := got["mart"]; m.Returnees != 1 || rep.Total.Returnees != 2 {
		t.Errorf("mart %+v, total %d", m, rep.Total.Returnees)
	}
	body, _ := downloadAs(t, f.srv.URL+"/api/v1/reports/returnees?date=2022-04-01&format=csv", "kakou-returnees-2022-04-01.csv")
	if lines := strings.Split(string(body), "\r\n"); !strings.HasPrefix(lines[0], "\uFEFF返乡人员报告 2022-03-31 11:00") ||
		lines[1] != "站点,名称,风险地区返回人员,劝返" {
		t.Errorf("CSV head %q", lines[:2])
	}
}

// A report scoped to a region covers the sites in it, and no others.
func TestReportScopedToARegionCoversItsSitesOnly(t *testing.T) {
	f := newReportsFixture(t)
	var rep report.Report
	if code := f.get(t, "/api/v1/reports/village?date=2022-04-01", &rep); code != 200 {
		t.Fatalf("report: %d", code)
	}
	if got := siteIDsOf(rep); !slices.Equal(got, []string{"estate", "village"}) {
		t.Errorf("sites %v, want those in hutang", got)
	}
}

func siteIDsOf(rep report.Report) []string {
	var ids []string
	for _, r := range rep.Sites {
		ids = append(ids, r.Site)
	}
	return ids
}

func TestReportRequestsThatCannotBeAnsweredAreRefused(t *testing.T) {
	f := newReportsFixture(t)
	for _, tt := range []struct {
		path string
		code int
	}{
		{"/api/v1/reports/nonesuch", 404},
		{"/api/v1/reports/nonesuch/deliveries", 404},
		{"/api/v1/reports/returnees?date=9999-12-31", 400},
		{"/api/v1/reports/daily?date=9999-12-31", 400},
		{"/api/v1/reports/returnees?date=2022-02-30", 400},
		{"/api/v1/reports/returnees?format=pdf", 400},
		{"/api/v1/reports/returnees?date=" + strings.Repeat("9", 1<<12), 400},
		{"/api/v1/reports/returnees/deliveries?date=yesterday", 400},
		{"/api/v1/reports/returnees/deliveries?limit=-1", 400},
	} {
		if code := f.get(t, tt.path, nil); code != tt.code {
			t.Errorf("GET %s: %d, want %d", tt.path, code, tt.code)
		}
	}
}

// A fever's handling is what the operator recorded when acknowledging
// its alert.
func TestReportShowsHowFeversWereHandled(t *testing.T) {
	f := newReportsFixture(t)
	ctx := context.Background()
	f.put(t, fever("estate", "gate-1", 1, time.Date(2022, 4, 1, 18, 0, 0, 0, cst)),
		fever("estate", "gate-1", 2, time.Date(2022, 4, 1, 19, 0, 0, 0, cst)))
	alerts, err := f.store.Alerts(ctx, store.AlertQuery{Limit: 10})
	if err != nil || len(alerts) != 2 {
		t.Fatalf("alerts %+v, %v", alerts, err)
	}
	if _, err := f.store.AckAlert(ctx, alerts[0].ID, "monitor", "已转发热门诊", now); err != nil {
		t.Fatal(err)
	}
	var rep report.Report
	if code := f.get(t, "/api/v1/reports/daily?date=2022-04-02", &rep); code != 200 {
		t.Fatalf("report: %d", code)
	}
	if e := rep.Sites[0]; e.Site != "estate" || e.Fever != 2 || e.FeverHandled != 1 || e.FeverActions != "已转发热门诊" || e.AlertsOpen != 1 {
		t.Errorf("estate %+v", e)
	}
}

func TestReportDeliveriesAreListedNewestFirst(t *testing.T) {
	f := newReportsFixture(t)
	for i, ok := range []bool{false, true} {
		if err := f.store.PutDelivery(context.Background(), store.Delivery{Report: "returnees", Date: "2022-04-01",
			Recipient: "district-office", Attempt: i + 1, At: now.Add(time.Duration(i) * time.Minute), OK: ok, By: "c1"}); err != nil {
			t.Fatal(err)
		}
	}
	var got struct{ Deliveries []store.Delivery }
	if code := f.get(t, "/api/v1/reports/returnees/deliveries?date=2022-04-01", &got); code != 200 {
		t.Fatalf("deliveries: %d", code)
	}
	if len(got.Deliveries) != 2 || !got.Deliveries[0].OK || got.Deliveries[0].Attempt != 2 {
		t.Errorf("deliveries %+v", got.Deliveries)
	}
}

// A site manager's report has their own site only, whichever report they
// ask for; the deliveries are the centre's.
func TestSiteManagerGetsOnlyTheirSitesInAReport(t *testing.T) {
	f := newAuthFixture(t)
	if err := f.store.PutSites(context.Background(), []store.Site{{ID: "site-a", Name: "A"}, {ID: "site-b", Name: "B"}}); err != nil {
		t.Fatal(err)
	}
	manager, _ := f.login(t, f.h, "manager", "")
	monitor, _ := f.login(t, f.h, "monitor", "")
	guard, _ := f.login(t, f.h, "guard", "")
	var rep report.Report
	if code := f.getAs(t, manager, "/api/v1/reports/daily?date=2022-04-01", &rep); code != 200 {
		t.Fatalf("manager: %d", code)
	}
	if got := siteIDsOf(rep); !slices.Equal(got, []string{"site-a"}) {
		t.Errorf("manager's report has %v, want site-a only", got)
	}
	if code := f.getAs(t, monitor, "/api/v1/reports/daily?date=2022-04-01", &rep); code != 200 || len(rep.Sites) != 2 {
		t.Errorf("monitor: %d, %v", code, siteIDsOf(rep))
	}
	for _, tt := range []struct {
		who, cookie, path string
		code              int
	}{
		{"guard", guard, "/api/v1/reports/daily", 403},
		{"guard", guard, "/api/v1/reports", 403},
		{"manager", manager, "/api/v1/reports/daily/deliveries", 403},
		{"monitor", monitor, "/api/v1/reports/daily/deliveries", 200},
	} {
		if code := f.getAs(t, tt.cookie, tt.path, nil); code != tt.code {
			t.Errorf("%s GET %s: %d, want %d", tt.who, tt.path, code, tt.code)
		}
	}
}

func downloadAs(t *testing.T, url, name string) ([]byte, string) {
	t.Helper()
	resp, err := httpGet(url)
	if err != nil {
		t.Fatal(err)
	}
	if resp.code != 200 || !strings.Contains(resp.disposition, name) {
		t.Fatalf("GET %s: %d %q, want file %s", url, resp.code, resp.disposition, name)
	}
	return resp.body, resp.ctype
}

type response struct {
	code               int
	body               []byte
	ctype, disposition string
}

func httpGet(url string) (response, error) {
	resp, err := http.Get(url)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return response{resp.StatusCode, b, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition")}, err
}
