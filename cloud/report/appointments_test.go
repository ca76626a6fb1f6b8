package report

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
)

// The appointment columns count what the centre was given per site and
// sum into the total; a no-show is no abnormality, so the zero report stands.
func TestVenueColumnsCountRegistrationsArrivalsAndNoShows(t *testing.T) {
	r := Build(testPeriod(t), []SiteInput{
		{Site: "clinic", Name: "社区医院", Venue: VenueCounts{Registrations: 5, Bookings: 4, Arrivals: 3, NoShows: 1}},
		{Site: "market", Name: "农贸市场", Venue: VenueCounts{Registrations: 2, Arrivals: 2}},
		{Site: "quiet", Name: "东村"},
	})
	if got := r.Sites[0]; got.VenueRegistrations != 5 || got.VenueBookings != 4 || got.VenueArrivals != 3 ||
		got.VenueNoShows != 1 || !got.ZeroReport {
		t.Errorf("row %+v", got)
	}
	if r.Total.VenueRegistrations != 7 || r.Total.VenueBookings != 4 || r.Total.VenueArrivals != 5 || r.Total.VenueNoShows != 1 {
		t.Errorf("total %+v", r.Total)
	}
	r.ID, r.Title, r.Columns = "appointments", "预约日报", VenueColumns
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
		{"站点", "名称", "场所码登记", "预约", "登记到场", "预约未到"},
		{"clinic", "社区医院", "5", "4", "3", "1"},
		{"market", "农贸市场", "2", "0", "2", "0"},
		{"quiet", "东村", "0", "0", "0", "0"},
		{"合计", "", "7", "4", "5", "1"},
	} {
		if !slices.Equal(recs[i+1], want) {
			t.Errorf("record %d = %q, want %q", i+1, recs[i+1], want)
		}
	}
}

func TestTheDailyReportLeavesOutTheVenueColumns(t *testing.T) {
	for _, k := range VenueColumns {
		if slices.Contains(DailyColumns, k) {
			t.Fatalf("%s in DailyColumns: the daily report's CSV is locked byte for byte", k)
		}
	}
}
