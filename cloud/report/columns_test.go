package report

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
)

// 人工放行 is a guard letting someone in: an override that turned a
// person away, or one at the exit, is counted apart ("override") and must
// not swell the column.
func TestOverridesCountOnlyThoseThatLetSomeoneIn(t *testing.T) {
	r := Build(testPeriod(t), []SiteInput{{Site: "s", Counts: map[string]int{
		"override": 5, "override_admit": 2}}})
	if r.Sites[0].Overrides != 2 || r.Total.Overrides != 2 {
		t.Errorf("overrides = %d (total %d), want the 2 that let someone in, not all 5",
			r.Sites[0].Overrides, r.Total.Overrides)
	}
}

func TestNamedReportColumnsComeFromTheirCounts(t *testing.T) {
	r := Build(testPeriod(t), []SiteInput{{Site: "west-village", Name: "西村", Counts: map[string]int{
		"decision:persuade_return": 4, "decision:refer": 2, "alert:health_code_red": 1,
		"alert:health_code_yellow": 3, "reason:refused_proof": 5, "reason:watch_returnee": 6},
		FeverActions: []string{"转发热门诊", " 转发热门诊", ""}}})
	got := r.Sites[0]
	want := Row{PersuadeReturn: 4, Referred: 2, CodeRed: 1, CodeYellow: 3, RefusedProof: 5, Returnees: 6,
		FeverHandled: 3, FeverActions: "转发热门诊×2、已确认"}
	if got.PersuadeReturn != want.PersuadeReturn || got.Referred != want.Referred || got.CodeRed != want.CodeRed ||
		got.CodeYellow != want.CodeYellow || got.RefusedProof != want.RefusedProof || got.Returnees != want.Returnees ||
		got.FeverHandled != want.FeverHandled || got.FeverActions != want.FeverActions {
		t.Errorf("row %+v", got)
	}
	if r.Total.Returnees != 6 || r.Total.FeverHandled != 3 {
		t.Errorf("total %+v", r.Total)
	}
}

// A named report shows the columns its config names, in that order, with
// the site and its name always first, under its own title.
func TestNamedReportWritesItsColumnsUnderItsTitle(t *testing.T) {
	r := Build(testPeriod(t), []SiteInput{{Site: "west-village", Name: "西村", Facility: "village",
		Counts: map[string]int{"reason:watch_returnee": 6, "decision:persuade_return": 1}}})
	r.ID, r.Title, r.Columns = "returnees", "返乡人员日报", []string{ColReturnees, ColPersuade, ColZeroReport}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, r, "zh"); err != nil {
		t.Fatal(err)
	}
	cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), bom)))
	cr.FieldsPerRecord = -1 // the title line is one field
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(recs[0][0], "返乡人员日报 2026-11-22 16:00") {
		t.Errorf("title %q", recs[0][0])
	}
	wantRows := [][]string{
		{"站点", "名称", "风险地区返回人员", "劝返", "零报告"},
		{"west-village", "西村", "6", "1", "是"}, // returnees and 劝返 are not abnormal
		{"合计", "", "6", "1", "是"},
	}
	for i, want := range wantRows {
		if !slices.Equal(recs[i+1], want) {
			t.Errorf("record %d = %q, want %q", i+1, recs[i+1], want)
		}
	}
	rows, err := openXLSX(t, r, "zh").GetRows("返乡人员日报")
	if err != nil || len(rows) != 4 {
		t.Fatalf("XLSX rows %q: %v", rows, err)
	}
	if !slices.Equal(rows[1], wantRows[0]) {
		t.Errorf("XLSX header %q", rows[1])
	}
}

func TestSheetNameOfATitleExcelWouldRefuse(t *testing.T) {
	r := Report{Title: "[日报]: 2026/11/23 * 很长很长很长很长很长很长很长很长很长很长很长很长很长"}
	name := sheetName(&zh, r)
	if strings.ContainsAny(name, `[]:*?/\`) || len([]rune(name)) > 31 || name == "" {
		t.Errorf("sheet name %q", name)
	}
}

func TestCheckColumnsRefusesUnknownAndRepeatedKeys(t *testing.T) {
	for _, tt := range []struct {
		keys []string
		ok   bool
	}{
		{DailyColumns, true},
		{[]string{ColReturnees}, true},
		{nil, false},
		{[]string{"returness"}, false},
		{[]string{ColFever, ColFever}, false},
	} {
		if err := CheckColumns(tt.keys); (err == nil) != tt.ok {
			t.Errorf("CheckColumns(%q) = %v, want ok %v", tt.keys, err, tt.ok)
		}
	}
	if err := CheckColumns([]string{"returness"}); err == nil || !strings.Contains(err.Error(), ColReturnees) {
		t.Errorf("the error should list the columns there are: %v", err)
	}
}
