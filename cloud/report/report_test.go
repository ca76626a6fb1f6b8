package report

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

// testPeriod is the period the report tests use: the 日报 due at 16:00 on
// 2026-11-23 in Shanghai.
func testPeriod(t testing.TB) Period {
	t.Helper()
	p, err := PeriodFor("2026-11-23", DefaultCutHour, DefaultCutMinute, mustLoad(t, "Asia/Shanghai"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBuildZeroReportOnlyWhenNothingAbnormalHappened(t *testing.T) {
	quiet := map[string]int{"total": 40, "in": 25, "out": 15, "decision:allow": 40}
	with := func(extra map[string]int) map[string]int {
		m := maps.Clone(quiet)
		maps.Copy(m, extra)
		return m
	}
	tests := []struct {
		name  string
		in    SiteInput
		zero  bool
		fever int
	}{
		{"no traffic at all", SiteInput{Site: "s"}, true, 0},
		{"traffic, all allowed", SiteInput{Site: "s", Counts: quiet}, true, 0},
		{"re-check without fever", SiteInput{Site: "s", Counts: with(map[string]int{"decision:recheck": 3})}, true, 0},
		{"visitors and overrides", SiteInput{Site: "s", Counts: with(map[string]int{"visitor": 2, "override": 1})}, true, 0},
		{"persuaded to return", SiteInput{Site: "s", Counts: with(map[string]int{"decision:persuade": 1, "reason:outsider": 1})}, true, 0},
		{"alert metric present but zero", SiteInput{Site: "s", Counts: with(map[string]int{"alert:fever": 0, "fever": 0})}, true, 0},
		{"alert still open from an earlier period", SiteInput{Site: "s", Counts: quiet, AlertsOpen: 2}, true, 0},
		{"fever", SiteInput{Site: "s", Counts: with(map[string]int{"fever": 1, "alert:fever": 1})}, false, 1},
		{"fever counted only as alert:fever", SiteInput{Site: "s", Counts: with(map[string]int{"alert:fever": 2})}, false, 2},
		{"fever counted only as fever", SiteInput{Site: "s", Counts: with(map[string]int{"fever": 3})}, false, 3},
		{"denial", SiteInput{Site: "s", Counts: with(map[string]int{"decision:deny": 1})}, false, 0},
		{"quarantine roster alert, allowed", SiteInput{Site: "s", Counts: with(map[string]int{"alert:watch_quarantine": 1})}, false, 0},
		{"red code alert", SiteInput{Site: "s", Counts: with(map[string]int{"alert:health_code_red": 1})}, false, 0},
		{"alert kind not known today", SiteInput{Site: "s", Counts: with(map[string]int{"alert:something_new": 1})}, false, 0},
		{"device fault, no traffic", SiteInput{Site: "s", DeviceFaults: 1}, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Build(testPeriod(t), []SiteInput{tt.in})
			if len(r.Sites) != 1 {
				t.Fatalf("%d rows, want 1", len(r.Sites))
			}
			row := r.Sites[0]
			if row.ZeroReport != tt.zero || r.Total.ZeroReport != tt.zero {
				t.Errorf("zero report = %v, total %v, want %v", row.ZeroReport, r.Total.ZeroReport, tt.zero)
			}
			if row.Fever != tt.fever {
				t.Errorf("fever = %d, want %d", row.Fever, tt.fever)
			}
		})
	}
}

func TestBuildMapsMetricsSortsSitesAndTotals(t *testing.T) {
	sites := []SiteInput{
		{Site: "sunshine-garden", Name: "阳光花园", Facility: "community", Counts: map[string]int{
			"total": 120, "in": 70, "out": 45, "decision:allow": 115, "decision:deny": 2,
			"decision:recheck": 4, "fever": 1, "alert:fever": 1, "visitor": 6, "override": 3, "override_admit": 3,
			"reason:health_code_yellow": 2, "manual_temp": 5, "historical": 9,
		}, DeviceFaults: 1, AlertsOpen: 1},
		{Site: "east-market", Name: "东门农贸市场", Facility: "market", Counts: map[string]int{
			"total": 30, "in": 20, "out": 10, "decision:allow": 30,
		}},
		{Site: "quiet-village", Name: "西村卡口", Facility: "village"},
	}
	r := Build(testPeriod(t), sites)

	if got := siteIDs(r.Sites); !slices.Equal(got, []string{"east-market", "quiet-village", "sunshine-garden"}) {
		t.Fatalf("sites %v, want sorted by ID with the quiet village kept", got)
	}
	want := Row{Site: "sunshine-garden", Name: "阳光花园", Facility: "community", Total: 120, In: 70, Out: 45,
		Denied: 2, Recheck: 4, Fever: 1, Visitors: 6, Overrides: 3, DeviceFaults: 1, AlertsOpen: 1}
	if r.Sites[2] != want {
		t.Errorf("row\n got %+v\nwant %+v", r.Sites[2], want)
	}
	if r.Sites[1] != (Row{Site: "quiet-village", Name: "西村卡口", Facility: "village", ZeroReport: true}) {
		t.Errorf("quiet site %+v, want all zero and a zero report", r.Sites[1])
	}
	wantTotal := Row{Site: TotalSite, Name: TotalName, Total: 150, In: 90, Out: 55,
		Denied: 2, Recheck: 4, Fever: 1, Visitors: 6, Overrides: 3, DeviceFaults: 1, AlertsOpen: 1}
	if r.Total != wantTotal {
		t.Errorf("total\n got %+v\nwant %+v", r.Total, wantTotal)
	}
}

func TestBuildTotalIsZeroReportOnlyWhenEverySiteIs(t *testing.T) {
	tests := []struct {
		name  string
		sites []SiteInput
		zero  bool
	}{
		{"no sites", nil, true},
		{"all quiet", []SiteInput{{Site: "a"}, {Site: "b", Counts: map[string]int{"total": 5}}}, true},
		{"one fever", []SiteInput{{Site: "a"}, {Site: "b", Counts: map[string]int{"fever": 1}}}, false},
		{"one device fault", []SiteInput{{Site: "a", DeviceFaults: 2}, {Site: "b"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Build(testPeriod(t), tt.sites)
			if r.Total.ZeroReport != tt.zero {
				t.Fatalf("total zero report = %v, want %v", r.Total.ZeroReport, tt.zero)
			}
			if r.Sites == nil {
				t.Fatal("Sites is nil; JSON would say null, not []")
			}
		})
	}
}

func TestBuildSumsASiteGivenTwice(t *testing.T) {
	r := Build(testPeriod(t), []SiteInput{
		{Site: "a", Counts: map[string]int{"total": 3}},
		{Site: "b", Name: "B", Counts: map[string]int{"total": 1}},
		{Site: "a", Name: "A", Facility: "school", Counts: map[string]int{"total": 4, "decision:deny": 1}},
	})
	want := Row{Site: "a", Name: "A", Facility: "school", Total: 7, Denied: 1}
	if len(r.Sites) != 2 || r.Sites[0] != want {
		t.Fatalf("rows %+v, want a merged into %+v", r.Sites, want)
	}
	if r.Total.Total != 8 {
		t.Fatalf("total %d, want 8", r.Total.Total)
	}
}

// The JSON must match the fields cloud/report/README.md lists, field for field: the dashboard
// and the API clients read these names.
func TestReportJSONMatchesTheContract(t *testing.T) {
	r := Build(testPeriod(t), []SiteInput{{Site: "a", Name: "A", Facility: "community"}})
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(maps.Keys(doc)); !slices.Equal(got, []string{"cut", "date", "made_at", "provisional", "since", "sites", "total", "until"}) {
		t.Errorf("top-level keys %v", got)
	}
	var times struct{ Date, Cut, Since, Until string }
	if err := json.Unmarshal(b, &times); err != nil {
		t.Fatal(err)
	}
	if times.Date != "2026-11-23" || times.Cut != "2026-11-23T16:00:00+08:00" ||
		times.Since != "2026-11-22T16:00:00+08:00" || times.Until != times.Cut {
		t.Errorf("period in JSON %+v, want RFC 3339 local times", times)
	}
	rowKeys := []string{"alerts_open", "code_red", "code_yellow", "denied", "device_faults", "duties_done", "duties_due", "duties_missed",
		"facility", "fever", "fever_handled", "in", "name", "not_closed_out", "out", "overrides", "persuade_return", "recheck",
		"referred", "refused_proof", "returnees", "site", "total", "vehicles_in", "vehicles_returned",
		"venue_arrivals", "venue_bookings", "venue_no_shows", "venue_registrations", "visitors", "zero_report"}
	var rows struct{ Sites, Total json.RawMessage }
	_ = json.Unmarshal(b, &rows)
	var site []map[string]any
	var total map[string]any
	if err := json.Unmarshal(rows.Sites, &site); err != nil || len(site) != 1 {
		t.Fatalf("sites %s: %v", rows.Sites, err)
	}
	if err := json.Unmarshal(rows.Total, &total); err != nil {
		t.Fatal(err)
	}
	for name, row := range map[string]map[string]any{"site": site[0], "total": total} {
		if got := slices.Sorted(maps.Keys(row)); !slices.Equal(got, rowKeys) {
			t.Errorf("%s row keys\n got %v\nwant %v", name, got, rowKeys)
		}
	}
	if total["site"] != TotalSite || site[0]["zero_report"] != true {
		t.Errorf("total site %v, zero_report %v", total["site"], site[0]["zero_report"])
	}
}

func siteIDs(rows []Row) []string {
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.Site
	}
	return ids
}

// manySites is a city's worth of sites with varied names and counts, for
// the benchmarks and the large-report tests.
func manySites(n int) []SiteInput {
	facilities := []string{"community", "supermarket", "market", "clinic", "school", "nursing_home", "village", "office"}
	sites := make([]SiteInput, n)
	for i := range sites {
		sites[i] = SiteInput{
			Site:     fmt.Sprintf("site-%04d", i),
			Name:     fmt.Sprintf("阳光花园 %d 号门", i),
			Facility: facilities[i%len(facilities)],
			Counts: map[string]int{
				"total": 500 + i%300, "in": 260 + i%100, "out": 230 + i%90, "decision:allow": 490,
				"decision:deny": i % 3, "decision:recheck": i % 7, "fever": i % 11 / 10,
				"visitor": i % 13, "override_admit": i % 5,
			},
			DeviceFaults: i % 17 / 16,
		}
	}
	return sites
}

func TestMissedDutiesAppearByNameWithoutSpoilingTheZeroReport(t *testing.T) {
	r := Build(testPeriod(t), []SiteInput{{Site: "a", Counts: map[string]int{
		"total": 10, "in": 10, "duty:gate-disinfection": 2, "duty_missed:gate-disinfection": 1, "duty_missed:lift-buttons": 2},
		DutyNames: map[string]string{"gate-disinfection": "大门消毒", "lift-buttons": "电梯按键消毒"}}})
	row := r.Sites[0]
	if row.DutiesDone != 2 || row.DutiesDue != 5 || row.DutiesMissed != "大门消毒、电梯按键消毒×2" {
		t.Fatalf("duty log: %d/%d missed %q", row.DutiesDone, row.DutiesDue, row.DutiesMissed)
	}
	if !row.ZeroReport {
		t.Fatal("a missed duty spoiled the zero report; it is listed, not alarmed")
	}
	if r.Total.DutiesDone != 2 || r.Total.DutiesDue != 5 || r.Total.DutiesMissed != "" {
		t.Fatalf("total: %+v", r.Total)
	}
}

func TestVisitorsNotClosedOutAreCountedAndNamedPerSiteAndTotalled(t *testing.T) {
	p, _ := PeriodFor("2026-11-23", 16, 0, nil)
	r := Build(p, []SiteInput{
		{Site: "a", NotClosedOut: []string{"301234 张*", "301240 李*"}},
		{Site: "b"},
	})
	if got := r.Sites[0]; got.NotClosedOut != 2 || got.NotClosedOutNames != "301234 张*、301240 李*" {
		t.Errorf("site a: %d %q", got.NotClosedOut, got.NotClosedOutNames)
	}
	if r.Sites[1].NotClosedOut != 0 || r.Total.NotClosedOut != 2 {
		t.Errorf("site b %d, total %d; want 0 and 2", r.Sites[1].NotClosedOut, r.Total.NotClosedOut)
	}
}

// A dead gate must not file "nothing abnormal": a site with a gap in its
// data (a unit that sent nothing, one offline, a backlog waiting) files no
// zero report, says why, and the total counts such sites.
func TestASiteWithGapsInItsDataFilesNoZeroReport(t *testing.T) {
	r := Build(testPeriod(t), []SiteInput{
		{Site: "a", Counts: map[string]int{"total": 10, "in": 10}},
		{Site: "b", Counts: map[string]int{"total": 10, "in": 10}, Gaps: []string{"gate-2 本时段无数据", "gate-3 离线（最后在线 11-23 09:30）"}},
		{Site: "c", Gaps: []string{"gate-1 有 12 条记录待上传（最早 11-23 10:00）"}},
	})
	a, b, c := r.Sites[0], r.Sites[1], r.Sites[2]
	if !a.ZeroReport || a.Incomplete != "" {
		t.Errorf("complete quiet site a: %+v", a)
	}
	if b.ZeroReport || b.Incomplete != "gate-2 本时段无数据；gate-3 离线（最后在线 11-23 09:30）" {
		t.Errorf("site b with a silent and an offline unit: zero %v, incomplete %q", b.ZeroReport, b.Incomplete)
	}
	if c.ZeroReport || !strings.Contains(c.Incomplete, "待上传") {
		t.Errorf("site c with a backlog: %+v", c)
	}
	if r.Total.ZeroReport || r.Total.IncompleteSites != 2 || zh.cells(columnsOf(nil), r.Total, true)[13] != "数据不完整：2 个站点" {
		t.Errorf("total: zero %v, incomplete sites %d, cell %q", r.Total.ZeroReport, r.Total.IncompleteSites, zh.cells(columnsOf(nil), r.Total, true)[13])
	}
	if cells := zh.cells(columnsOf(nil), b, false); cells[13] != "数据不完整：gate-2 本时段无数据；gate-3 离线（最后在线 11-23 09:30）" {
		t.Errorf("site b's zero-report cell %q", cells[13])
	}
}

func TestAReportMadeBeforeItsCutIsProvisional(t *testing.T) {
	p := testPeriod(t)
	r := Build(p, nil)
	r.Stamp(p.Until.Add(-time.Hour))
	if !r.Provisional || !strings.Contains(zh.titleOf(r), "临时") || !strings.Contains(en.titleOf(r), "provisional") {
		t.Errorf("made an hour before the cut: provisional %v, titles %q / %q", r.Provisional, zh.titleOf(r), en.titleOf(r))
	}
	r.Stamp(p.Until)
	if r.Provisional || strings.Contains(zh.titleOf(r), "临时") {
		t.Errorf("made at the cut: provisional %v, title %q", r.Provisional, zh.titleOf(r))
	}
}
