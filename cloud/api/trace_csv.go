package api

import (
	"context"
	"encoding/csv"
	"net/http"
	"strconv"
	"time"
)

// A trace's answer as a file for the epidemiologists' own tools: the same
// rows the screen shows, masked the same way, times in the collector's
// zone (Asia/Shanghai) with their offset, headers and codes in the
// language asked for (web/codes.js's words), and a BOM so Excel reads the
// Chinese as UTF-8.

var traceHeaders = map[string][]string{
	"zh": {"点位编号", "点位名称", "设备", "凭证类型", "凭证", "姓名", "电话", "进入时间", "离开时间", "停留分钟"},
	"en": {"site", "site_name", "unit", "credential_kind", "credential", "name", "phone", "entered_at", "left_at", "stay_minutes"},
}

func (s *server) writeTraceCSV(w http.ResponseWriter, ctx context.Context, a traceAsk, visits []visitJSON) {
	names := s.siteNames(ctx)
	rows := make([][]string, 0, len(visits))
	for _, v := range visits {
		left, stay := "", ""
		if v.LeftAt != nil {
			left = v.LeftAt.In(s.opts.Location).Format(time.RFC3339)
		}
		if v.StaySeconds != nil {
			stay = strconv.FormatInt(*v.StaySeconds/60, 10)
		}
		rows = append(rows, []string{v.Site, names[v.Site], v.Unit, word(a.lang, "kinds", v.Kind), v.Subject, v.Name, v.Phone,
			v.EnteredAt.In(s.opts.Location).Format(time.RFC3339), left, stay})
	}
	writeCSVFile(w, "kakou-trace-"+a.since.In(s.opts.Location).Format("20060102")+".csv", traceHeaders[a.lang], rows)
}

var personTraceHeaders = map[string][]string{
	"zh": {"点位编号", "点位名称", "设备", "通道", "时间", "结果", "姓名", "证件号", "电话"},
	"en": {"site", "site_name", "unit", "lane", "time", "decision", "name", "id", "phone"},
}

func (s *server) writePersonTraceCSV(w http.ResponseWriter, ctx context.Context, lang string, visits []personVisit) {
	names := s.siteNames(ctx)
	rows := make([][]string, 0, len(visits))
	for _, v := range visits {
		rows = append(rows, []string{v.Site, names[v.Site], v.Unit, word(lang, "lanes", string(v.Lane)),
			v.Time.In(s.opts.Location).Format(time.RFC3339), word(lang, "decisions", string(v.Decision)), v.Name, v.ID, v.Phone})
	}
	writeCSVFile(w, "kakou-trace-person.csv", personTraceHeaders[lang], rows)
}

// writeCSVFile sends rows as a CSV download, each cell defused.
func writeCSVFile(w http.ResponseWriter, name string, header []string, rows [][]string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("\ufeff"))
	cw := csv.NewWriter(w)
	cw.Write(header)
	for _, rec := range rows {
		for i := range rec {
			rec[i] = defuseCell(rec[i])
		}
		cw.Write(rec)
	}
	cw.Flush() // the status line is sent; a failed write has no one to tell
}
