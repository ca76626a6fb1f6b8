package report

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// openXLSX writes r to a file in a temporary directory and opens it again
// with excelize, as a recipient's spreadsheet program would.
func openXLSX(t *testing.T, r Report, lang string) *excelize.File {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kakou-daily-"+r.Date+".xlsx")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteXLSX(out, r, lang); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatalf("the workbook does not open: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestWriteXLSXReopensWithTitleHeaderRowsAndTotal(t *testing.T) {
	var sites []SiteInput
	for i, h := range hostileNames {
		sites = append(sites, SiteInput{
			Site: "site-" + strconv.Itoa(10+i), Name: h.name, Facility: "nursing_home",
			Counts: map[string]int{"total": 100 + i, "in": i, "decision:deny": i % 2},
		})
	}
	r := Build(testPeriod(t), sites)
	tests := []struct {
		lang, sheet, title       string
		header                   []string
		total, facility, yes, no string
	}{
		{"zh", "日报", "日报 2026-11-22 16:00 — 2026-11-23 16:00", zh.headerOf(columnsOf(nil)), "合计", "养老福利机构", "是", "否"},
		{"en", "Daily report", "Daily report 2026-11-22 16:00 — 2026-11-23 16:00", en.headerOf(columnsOf(nil)), "Total", "nursing home", "yes", "no"},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			f := openXLSX(t, r, tt.lang)
			if got := f.GetSheetList(); !slices.Equal(got, []string{tt.sheet}) {
				t.Fatalf("sheets %q, want only %q", got, tt.sheet)
			}
			rows, err := f.GetRows(tt.sheet)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 2+len(hostileNames)+1 {
				t.Fatalf("%d rows, want title + header + %d sites + total", len(rows), len(hostileNames))
			}
			if rows[0][0] != tt.title {
				t.Errorf("title %q, want %q", rows[0][0], tt.title)
			}
			if !slices.Equal(rows[1], tt.header) {
				t.Errorf("header %q, want %q", rows[1], tt.header)
			}
			for i, h := range hostileNames {
				row := rows[2+i]
				zero := tt.yes
				if i%2 == 1 {
					zero = tt.no
				}
				// A text cell is never a formula, so the name is kept as
				// typed, only cleaned; the CSV's apostrophe is not needed.
				want := []string{"site-" + strconv.Itoa(10+i), cleanText(h.name), tt.facility, strconv.Itoa(100 + i),
					strconv.Itoa(i), "0", strconv.Itoa(i % 2), "0", "0", "0", "0", "0", "0", zero, "", "", "0"}
				if !slices.Equal(row, want) {
					t.Errorf("name %q:\n got %q\nwant %q", h.name, row, want)
				}
				cell := cellName(2, 3+i)
				if formula, _ := f.GetCellFormula(tt.sheet, cell); formula != "" {
					t.Errorf("name %q became formula %q", h.name, formula)
				}
			}
			total := rows[len(rows)-1]
			if total[0] != tt.total || total[3] != strconv.Itoa(r.Total.Total) || total[13] != tt.no {
				t.Errorf("total row %q", total)
			}
		})
	}
}

func TestWriteXLSXStoresCountsAsNumbers(t *testing.T) {
	r := Build(testPeriod(t), []SiteInput{{Site: "a", Name: "A", Counts: map[string]int{"total": 42, "in": 40}}})
	f := openXLSX(t, r, "zh")
	for _, cell := range []string{"D3", "E3", "F3", "M3", "D4"} { // counts of the site and of the total
		typ, err := f.GetCellType("日报", cell)
		if err != nil {
			t.Fatal(err)
		}
		// OOXML leaves out the type of a number cell (t="n" is the
		// default), which excelize reports as unset; text would say so.
		if typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
			t.Errorf("%s has type %v, want a number", cell, typ)
		}
	}
	for _, cell := range []string{"A3", "B3", "N3"} {
		if typ, _ := f.GetCellType("日报", cell); typ != excelize.CellTypeInlineString {
			t.Errorf("%s has type %v, want text", cell, typ)
		}
	}
}

func TestWriteXLSXFormatsTitleHeaderAndTotal(t *testing.T) {
	longName := "阳光花园小区北门临时卡口（三号楼旁）"
	r := Build(testPeriod(t), []SiteInput{
		{Site: "a", Name: longName}, {Site: "b", Name: "B"},
	})
	f := openXLSX(t, r, "zh")
	const sheet = "日报"
	bold := func(cell string) bool {
		id, err := f.GetCellStyle(sheet, cell)
		if err != nil {
			t.Fatal(err)
		}
		style, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		return style.Font != nil && style.Font.Bold
	}
	for cell, want := range map[string]bool{"A1": true, "A2": true, "N2": true, "A3": false, "D4": false, "A5": true, "D5": true, "N5": true} {
		if bold(cell) != want {
			t.Errorf("%s bold = %v, want %v", cell, !want, want)
		}
	}
	merged, err := f.GetMergeCells(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(merged) != 1 || merged[0].GetStartAxis() != "A1" || merged[0].GetEndAxis() != "R1" {
		t.Errorf("merged cells %v, want the title across A1:R1", merged)
	}
	nameWidth, err := f.GetColWidth(sheet, "B")
	if err != nil {
		t.Fatal(err)
	}
	if nameWidth < float64(width(longName)) {
		t.Errorf("name column %.0f wide, too narrow for %q (%d)", nameWidth, longName, width(longName))
	}
	for _, col := range []string{"A", "D", "N"} {
		if w, _ := f.GetColWidth(sheet, col); w < minColWidth || w > maxColWidth {
			t.Errorf("column %s is %.0f wide, want %d-%d", col, w, minColWidth, maxColWidth)
		}
	}
	panes, err := f.GetPanes(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if !panes.Freeze || panes.YSplit != headerRow {
		t.Errorf("panes %+v, want title and header frozen", panes)
	}
}

func TestWriteXLSXWithNoSitesHasTheTotalOnly(t *testing.T) {
	f := openXLSX(t, Build(testPeriod(t), nil), "zh")
	rows, err := f.GetRows("日报")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[2][0] != "合计" || rows[2][13] != "是" {
		t.Fatalf("rows %q, want title, header and a zero total", rows)
	}
}

func TestWriteXLSXReportsAWriteError(t *testing.T) {
	if err := WriteXLSX(&failingWriter{}, Build(testPeriod(t), manySites(3)), "zh"); err == nil {
		t.Fatal("no error from a writer that fails")
	}
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, Build(testPeriod(t), manySites(3)), "zh"); err != nil || buf.Len() == 0 {
		t.Fatalf("err %v, %d bytes", err, buf.Len())
	}
}

// The file says what made it and when, and a provisional report says so
// in its title.
func TestWriteXLSXNamesTheProductAndWhenItWasMade(t *testing.T) {
	p := testPeriod(t)
	r := Build(p, manySites(2))
	r.Stamp(p.Until.Add(-2 * time.Hour))
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, r, "zh"); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	props, err := f.GetDocProps()
	if err != nil {
		t.Fatal(err)
	}
	if props.Creator != Product || props.Created != r.MadeAt.UTC().Format(time.RFC3339) {
		t.Errorf("document properties %+v, want creator %q created %s", props, Product, r.MadeAt.UTC().Format(time.RFC3339))
	}
	if title, _ := f.GetCellValue("日报", "A1"); !strings.Contains(title, "临时") {
		t.Errorf("provisional report's title %q", title)
	}
}
