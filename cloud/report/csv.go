package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
)

// bom starts the CSV: without it Excel in a Chinese locale reads UTF-8 as
// GBK and every name turns to mojibake.
const bom = "\uFEFF"

// WriteCSV writes r as CSV: a UTF-8 BOM, the title line with the period
// (as the XLSX's first row has it, marked when provisional), the header,
// one row per site and the total row, in Chinese or, when lang is "en", English. Names are
// quoted as RFC 4180 needs, so commas, quotes and line breaks stay inside
// their cell, and a name that a spreadsheet would run as a formula is
// defused (see formulaSafe).
func WriteCSV(w io.Writer, r Report, lang string) error {
	l := labelsFor(lang)
	if _, err := io.WriteString(w, bom); err != nil {
		return fmt.Errorf("report: write CSV: %w", err)
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true // what Excel on Windows writes and expects
	cols := columnsOf(r.Columns)
	record := make([]string, len(cols))
	_ = cw.Write([]string{l.titleOf(r)}) // errors stick in cw; cw.Error reports them
	_ = cw.Write(l.headerOf(cols))
	for _, row := range r.Sites {
		_ = cw.Write(csvRecord(record, l.cells(cols, row, false)))
	}
	_ = cw.Write(csvRecord(record, l.cells(cols, r.Total, true)))
	writeReturneesCSV(cw, r, l)
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("report: write CSV: %w", err)
	}
	return nil
}

// csvRecord formats cells into record, reusing its storage; csv.Writer
// copies nothing it keeps, so one slice serves every row.
func csvRecord(record []string, cells []any) []string {
	for i, c := range cells {
		switch v := c.(type) {
		case int:
			record[i] = strconv.Itoa(v)
		case string:
			record[i] = formulaSafe(v)
		}
	}
	return record
}

// formulaSafe defuses CSV formula injection (OWASP "CSV Injection"): a
// spreadsheet runs a cell that starts with = + - @ (or a tab) as a
// formula, so a site named "=cmd|' /C calc'!A0" could run a program on the
// desk of whoever opens the report. A leading apostrophe makes it text.
// Counts are never passed here: a negative number stays a number.
func formulaSafe(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
