package report

import (
	"encoding/csv"
	"slices"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// The returnee list (返乡人员名单, docs/product.md "Reporting deadlines":
// returnees before 11:00). A report with the returnees column lists, beside
// each site's count, every returnee registered at its gates in the period:
// the name masked as the unit sent it, where from, when they arrived, their
// household, the schedule the centre put them on and their next test. The
// JSON carries the list as returnee_list; CSV appends it after the total,
// XLSX on a sheet of its own, so one export still serves every office.

// ReturneeRow is one returnee registered at a gate in the period.
type ReturneeRow struct {
	Site      string     `json:"site"`
	Name      string     `json:"name"` // masked: 张**
	Origin    string     `json:"origin"`
	Arrived   time.Time  `json:"arrived"`
	Household string     `json:"household,omitempty"`
	Plan      string     `json:"plan,omitempty"`      // 14+7+7; "" when no rule matched
	NextTest  *time.Time `json:"next_test,omitempty"` // the first test due after the cut
}

// listsReturnees reports whether r's columns include the returnees.
func (r Report) listsReturnees() bool { return slices.Contains(r.Columns, ColReturnees) }

// returneeList gathers the sites' returnees, by site and arrival.
func returneeList(sites []SiteInput) []ReturneeRow {
	var out []ReturneeRow
	for _, s := range sites {
		out = append(out, s.Returnees...)
	}
	slices.SortStableFunc(out, func(a, b ReturneeRow) int {
		if c := strings.Compare(a.Site, b.Site); c != 0 {
			return c
		}
		return a.Arrived.Compare(b.Arrived)
	})
	return out
}

var (
	returneeHeaderZH = []string{"返乡人员名单", "站点", "姓名", "来自", "到达时间", "住户（楼栋/单元）", "管控方案", "下次检测"}
	returneeHeaderEN = []string{"Returnees", "Site", "Name", "From", "Arrived", "Household", "Plan", "Next test"}
)

func returneeHeader(l *labels) []string {
	if l == &en {
		return returneeHeaderEN
	}
	return returneeHeaderZH
}

// returneeCells is one returnee as spreadsheet text, times in loc.
func returneeCells(r ReturneeRow, loc *time.Location) []string {
	next := ""
	if r.NextTest != nil {
		next = r.NextTest.In(loc).Format("2006-01-02 15:04")
	}
	return []string{r.Site, cleanText(r.Name), cleanText(r.Origin), r.Arrived.In(loc).Format("2006-01-02 15:04"),
		cleanText(r.Household), r.Plan, next}
}

// writeReturneesCSV appends the list after a blank line: its title, its
// header, one line per returnee.
func writeReturneesCSV(cw *csv.Writer, r Report, l *labels) {
	if !r.listsReturnees() {
		return
	}
	h := returneeHeader(l)
	_ = cw.Write([]string{""})
	_ = cw.Write([]string{h[0]})
	_ = cw.Write(h[1:])
	for _, row := range r.ReturneeList {
		cells := returneeCells(row, r.location())
		for i := range cells {
			cells[i] = formulaSafe(cells[i])
		}
		_ = cw.Write(cells)
	}
}

// writeReturneesSheet adds the list's sheet to f.
func writeReturneesSheet(f *excelize.File, r Report, l *labels) error {
	if !r.listsReturnees() {
		return nil
	}
	h := returneeHeader(l)
	sheet := h[0]
	if _, err := f.NewSheet(sheet); err != nil {
		return err
	}
	head := make([]any, len(h)-1)
	for i, v := range h[1:] {
		head[i] = v
	}
	if err := f.SetSheetRow(sheet, "A1", &head); err != nil {
		return err
	}
	for i, row := range r.ReturneeList {
		cells := returneeCells(row, r.location())
		values := make([]any, len(cells))
		for j, c := range cells {
			values[j] = c
		}
		if err := f.SetSheetRow(sheet, cellName(1, i+2), &values); err != nil {
			return err
		}
	}
	return nil
}

// location is where the report's period is cut, for the list's times.
func (r Report) location() *time.Location {
	if loc := r.Until.Location(); loc != nil {
		return loc
	}
	return time.UTC
}
