package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// Rows of the sheet, 1-based as Excel counts them.
const (
	titleRow  = 1
	headerRow = 2
	firstRow  = 3
)

// Column widths, in Excel's character units, clamp what width measures:
// wide enough for a count and its header, not so wide that one long name
// pushes the numbers off the screen.
const (
	minColWidth = 6
	maxColWidth = 40
)

// xlsxStyles are the style IDs of one workbook.
type xlsxStyles struct {
	title, header, total int
}

// WriteXLSX writes r as an Excel workbook with one sheet ("日报", or "Daily
// report" when lang is "en"): a title row with the period, the header, one
// row per site and the total row in bold. Counts are stored as numbers, so
// recipients can sum and chart them; names are stored as text cells, which
// Excel never runs as formulas, so they need no apostrophe here.
func WriteXLSX(w io.Writer, r Report, lang string) error {
	l := labelsFor(lang)
	f := excelize.NewFile()
	defer f.Close() // removes the stream writer's temporary file, if any
	if err := writeSheet(f, r, l); err != nil {
		return fmt.Errorf("report: write XLSX: %w", err)
	}
	if err := writeReturneesSheet(f, r, l); err != nil {
		return fmt.Errorf("report: write XLSX: %w", err)
	}
	// The file names what made it and when, for the offices that file it.
	if err := f.SetDocProps(&excelize.DocProperties{Creator: Product, Title: l.titleOf(r),
		Created: r.MadeAt.UTC().Format(time.RFC3339), Modified: r.MadeAt.UTC().Format(time.RFC3339)}); err != nil {
		return fmt.Errorf("report: write XLSX: %w", err)
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("report: write XLSX: %w", err)
	}
	return nil
}

// writeSheet fills the workbook's only sheet. It streams the rows: a city's
// report has thousands of sites, and the stream writer does not build a
// cell object per cell.
func writeSheet(f *excelize.File, r Report, l *labels) error {
	sheet := sheetName(l, r)
	if err := f.SetSheetName(f.GetSheetName(0), sheet); err != nil {
		return err
	}
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	cols := columnsOf(r.Columns)
	header := l.headerOf(cols)
	rows := make([][]any, 0, len(r.Sites)+1)
	for _, row := range r.Sites {
		rows = append(rows, l.cells(cols, row, false))
	}
	rows = append(rows, l.cells(cols, r.Total, true))

	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	// Widths and panes must be set before the first row.
	for i, wd := range colWidths(header, rows) {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(headerPanes()); err != nil {
		return err
	}
	if err := writeRows(sw, r, l, st, header, rows); err != nil {
		return err
	}
	return sw.Flush()
}

// writeRows writes the title, the header, the site rows and the total.
func writeRows(sw *excelize.StreamWriter, r Report, l *labels, st xlsxStyles, header []string, rows [][]any) error {
	title := []any{excelize.Cell{StyleID: st.title, Value: l.titleOf(r)}}
	if err := sw.SetRow(cellName(1, titleRow), title, excelize.RowOpts{Height: 24}); err != nil {
		return err
	}
	if err := sw.MergeCell(cellName(1, titleRow), cellName(max(len(header), 2), titleRow)); err != nil {
		return err
	}
	head := make([]any, len(header))
	for i, h := range header {
		head[i] = h
	}
	if err := sw.SetRow(cellName(1, headerRow), head, excelize.RowOpts{StyleID: st.header}); err != nil {
		return err
	}
	for i, values := range rows {
		var opts excelize.RowOpts
		if i == len(rows)-1 {
			opts.StyleID = st.total
		}
		if err := sw.SetRow(cellName(1, firstRow+i), values, opts); err != nil {
			return err
		}
	}
	return nil
}

// newStyles registers the workbook's styles.
func newStyles(f *excelize.File) (xlsxStyles, error) {
	var st xlsxStyles
	var err error
	if st.title, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}); err != nil {
		return st, err
	}
	st.header, err = f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9D9D9"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		Border:    []excelize.Border{{Type: "bottom", Color: "000000", Style: 1}},
	})
	if err != nil {
		return st, err
	}
	st.total, err = f.NewStyle(&excelize.Style{
		Font:   &excelize.Font{Bold: true},
		Border: []excelize.Border{{Type: "top", Color: "000000", Style: 1}},
	})
	return st, err
}

// colWidths sizes each column to its widest header or cell.
func colWidths(header []string, rows [][]any) []float64 {
	widest := make([]int, len(header))
	for i, h := range header {
		widest[i] = width(h)
	}
	for _, cells := range rows {
		for i, c := range cells {
			if s, ok := c.(string); ok {
				widest[i] = max(widest[i], width(s))
			}
		}
	}
	out := make([]float64, len(widest))
	for i, w := range widest {
		out[i] = float64(min(max(w+2, minColWidth), maxColWidth))
	}
	return out
}

// headerPanes freezes the title and the header, so they stay in view while
// the reader scrolls through a thousand sites.
func headerPanes() *excelize.Panes {
	return &excelize.Panes{
		Freeze:      true,
		YSplit:      headerRow,
		TopLeftCell: cellName(1, firstRow),
		ActivePane:  "bottomLeft",
	}
}

// cellName names the cell at column col and row row, both 1-based, both
// in range by construction.
func cellName(col, row int) string {
	name, _ := excelize.CoordinatesToCellName(col, row)
	return name
}

// sheetName is the sheet's name: the daily report's word, or a named
// report's title cut to what Excel allows (31 characters, none of
// []:*?/\ and not starting or ending with ').
func sheetName(l *labels, r Report) string {
	if r.Title == "" {
		return l.sheet
	}
	name := strings.Map(func(c rune) rune {
		if strings.ContainsRune(`[]:*?/\`, c) || c < ' ' {
			return '_'
		}
		return c
	}, l.titleWord(r))
	if rs := []rune(name); len(rs) > 31 {
		name = string(rs[:31])
	}
	if name = strings.Trim(name, "' "); name == "" {
		return l.sheet
	}
	return name
}
