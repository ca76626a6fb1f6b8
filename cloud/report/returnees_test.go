package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

var cst = time.FixedZone("CST", 8*3600)

func returneeReport(cols ...string) Report {
	next := time.Date(2026, 11, 24, 9, 0, 0, 0, cst)
	p := Period{Date: "2026-11-23", Since: time.Date(2026, 11, 22, 11, 0, 0, 0, cst), Until: time.Date(2026, 11, 23, 11, 0, 0, 0, cst)}
	r := Build(p, []SiteInput{
		{Site: "west-village", Name: "西村", Counts: map[string]int{"reason:watch_returnee": 1},
			Returnees: []ReturneeRow{
				{Site: "west-village", Name: "李*", Origin: "上海市", Arrived: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC), Plan: "7+7"},
				{Site: "west-village", Name: "=cmd|' /C calc'!A0", Origin: "武汉", Arrived: time.Date(2026, 11, 22, 20, 0, 0, 0, time.UTC),
					Household: "3栋501", Plan: "14+7+7", NextTest: &next},
			}},
		{Site: "east-garden", Name: "东园"},
	})
	r.Columns = cols
	return r
}

func TestTheReturneeReportListsEachReturneeBesideTheCount(t *testing.T) {
	r := returneeReport(ColReturnees, ColPersuade)
	if r.Sites[1].Returnees != 3 || r.Total.Returnees != 3 {
		t.Fatalf("count %d total %d, want the watch-listed one and the two registered", r.Sites[1].Returnees, r.Total.Returnees)
	}
	if len(r.ReturneeList) != 2 || r.ReturneeList[0].Origin != "武汉" {
		t.Fatalf("list %+v, want both, by arrival", r.ReturneeList)
	}
	b, _ := json.Marshal(r)
	if !strings.Contains(string(b), `"returnee_list":[{"site":"west-village"`) || !strings.Contains(string(b), `"plan":"14+7+7"`) {
		t.Fatalf("JSON lacks the list: %s", b)
	}

	var csvOut bytes.Buffer
	if err := WriteCSV(&csvOut, r, "zh"); err != nil {
		t.Fatal(err)
	}
	got := csvOut.String()
	for _, want := range []string{"返乡人员名单", "站点,姓名,来自,到达时间,住户（楼栋/单元）,管控方案,下次检测",
		"west-village,'=cmd|' /C calc'!A0,武汉,2026-11-23 04:00,3栋501,14+7+7,2026-11-24 09:00",
		"west-village,李*,上海市,2026-11-23 16:00,,7+7,"} {
		if !strings.Contains(got, want) {
			t.Errorf("CSV lacks %q:\n%s", want, got)
		}
	}

	var x bytes.Buffer
	if err := WriteXLSX(&x, r, "en"); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&x)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("Returnees")
	if err != nil || len(rows) != 3 || rows[0][6] != "Next test" || rows[1][2] != "武汉" || rows[2][1] != "李*" {
		t.Fatalf("XLSX returnee sheet %v (%v)", rows, err)
	}
}

func TestAReportWithoutTheReturneesColumnListsNone(t *testing.T) {
	r := returneeReport(ColPersuade)
	var out bytes.Buffer
	WriteCSV(&out, r, "zh")
	if strings.Contains(out.String(), "返乡人员名单") {
		t.Fatalf("a report without the returnees column lists them:\n%s", out.String())
	}
	var x bytes.Buffer
	WriteXLSX(&x, r, "zh")
	f, _ := excelize.OpenReader(&x)
	if n := f.SheetCount; n != 1 {
		t.Fatalf("%d sheets, want the report's one", n)
	}
}
