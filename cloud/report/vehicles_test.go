package report

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
)

// A vehicles report counts vehicles by their records' outcomes, apart
// from the people in them, and a vehicle turned back is no abnormality:
// the zero report stands.
func TestVehicleColumnsCountVehiclesAdmittedAndTurnedBack(t *testing.T) {
	r := Build(testPeriod(t), []SiteInput{
		{Site: "sunshine-garden", Name: "阳光花园", Counts: map[string]int{"total": 5, "in": 3, "decision:persuade_return": 2,
			"vehicle:allow": 2, "vehicle:persuade_return": 1, "vehicle:deny": 4}},
		{Site: "west-village", Name: "西村", Counts: map[string]int{"vehicle:allow": 1}},
	})
	if got := r.Sites[0]; got.VehiclesIn != 2 || got.VehiclesReturned != 1 || got.Total != 5 {
		t.Errorf("row %+v", got)
	}
	if r.Total.VehiclesIn != 3 || r.Total.VehiclesReturned != 1 {
		t.Errorf("total admitted %d, returned %d", r.Total.VehiclesIn, r.Total.VehiclesReturned)
	}
	r.ID, r.Title, r.Columns = "vehicles", "车辆通行日报", []string{ColVehiclesIn, ColVehiclesReturned, ColPersuade, ColZeroReport}
	if err := CheckColumns(r.Columns); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, r, "zh"); err != nil {
		t.Fatal(err)
	}
	cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), bom)))
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range [][]string{
		{"站点", "名称", "车辆放行", "车辆劝返", "劝返", "零报告"},
		{"sunshine-garden", "阳光花园", "2", "1", "2", "是"},
		{"west-village", "西村", "1", "0", "0", "是"},
		{"合计", "", "3", "1", "2", "是"},
	} {
		if !slices.Equal(recs[i+1], want) {
			t.Errorf("record %d = %q, want %q", i+1, recs[i+1], want)
		}
	}
}

func TestTheDailyReportKeepsItsColumns(t *testing.T) {
	if slices.Contains(DailyColumns, ColVehiclesIn) || slices.Contains(DailyColumns, ColVehiclesReturned) {
		t.Fatal("the daily report's CSV is locked byte for byte; vehicle columns belong in named reports")
	}
}
