package send

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/kakou/kakou/cloud/report"
)

// Export is one report's files, made once per cut for every recipient.
type Export struct {
	Report report.Report
	JSON   []byte
	Files  []File // the CSV and the XLSX
}

// File is one file of an export.
type File struct {
	Name        string // kakou-<id>-<date>.csv
	ContentType string
	Data        []byte
}

// Media types of the files.
const (
	CSVType  = "text/csv; charset=utf-8"
	XLSXType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// NewExport writes r as JSON, CSV and XLSX, in Chinese: the offices that
// receive it read Chinese.
func NewExport(r report.Report) (Export, error) {
	js, err := json.Marshal(r)
	if err != nil {
		return Export{}, fmt.Errorf("send: report %s of %s as JSON: %w", r.ID, r.Date, err)
	}
	var csv, xlsx bytes.Buffer
	if err := report.WriteCSV(&csv, r, "zh"); err != nil {
		return Export{}, err
	}
	if err := report.WriteXLSX(&xlsx, r, "zh"); err != nil {
		return Export{}, err
	}
	return Export{Report: r, JSON: js, Files: []File{
		{report.FileName(r, "csv"), CSVType, csv.Bytes()},
		{report.FileName(r, "xlsx"), XLSXType, xlsx.Bytes()},
	}}, nil
}

// Sink is a recipient: where an export goes.
type Sink interface {
	// Name is the recipient's name from the config, as the delivery log
	// shows it; never a URL or an address with a secret in it.
	Name() string
	// Send delivers e, or says why it could not.
	Send(ctx context.Context, e Export) error
}

// subject is the export's one-line title: the report's title (or 日报)
// and its period, as the files' title rows say.
func subject(e Export) string {
	title := e.Report.Title
	if title == "" {
		title = "日报"
	}
	s := title + " " + e.Report.Period.String()
	if e.Report.Provisional {
		s += "（临时：统计未截止）"
	}
	return s
}
