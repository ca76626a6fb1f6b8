package report

import (
	"fmt"
	"slices"
	"strings"
)

// A column of the spreadsheet forms: its key (what [[reports]] columns
// name in the collector config), its header in both languages, and its
// cell. Named reports pick and order columns by key (docs/product.md
// "Reporting deadlines": the returnee report at 11:00 is not the daily
// report at 16:00); the daily report uses DailyColumns.
type column struct {
	key    string
	zh, en string
	cell   func(l *labels, r Row, total bool) any
}

// Column keys. The first eighteen, in DailyColumns' order, are the daily
// report's and its CSV is locked byte for byte (recipients' import
// macros depend on it).
const (
	ColSite           = "site"
	ColName           = "name"
	ColFacility       = "facility"
	ColTotal          = "total"
	ColIn             = "in"
	ColOut            = "out"
	ColDenied         = "denied"
	ColRecheck        = "recheck"
	ColFever          = "fever"
	ColVisitors       = "visitors"
	ColOverrides      = "overrides"
	ColDeviceFaults   = "device_faults"
	ColAlertsOpen     = "alerts_open"
	ColZeroReport     = "zero_report"
	ColDuties         = "duties"
	ColDutiesMissed   = "duties_missed"
	ColNotClosedOut   = "not_closed_out"
	ColNotClosedNames = "not_closed_out_names"
	ColPersuade       = "persuade_return"
	ColReferred       = "referred"
	ColCodeRed        = "code_red"
	ColCodeYellow     = "code_yellow"
	ColRefusedProof   = "refused_proof"
	ColReturnees      = "returnees"
	ColFeverHandled   = "fever_handled"
	ColFeverActions   = "fever_actions"
)

// DailyColumns are the daily report's columns, in order.
var DailyColumns = []string{ColSite, ColName, ColFacility, ColTotal, ColIn, ColOut, ColDenied, ColRecheck,
	ColFever, ColVisitors, ColOverrides, ColDeviceFaults, ColAlertsOpen, ColZeroReport, ColDuties,
	ColDutiesMissed, ColNotClosedOut, ColNotClosedNames}

// count is a column whose cell is one of the row's numbers.
func count(key, zh, en string, n func(Row) int) column {
	return column{key, zh, en, func(_ *labels, r Row, _ bool) any { return n(r) }}
}

// allColumns is every column there is, by key.
var allColumns = map[string]column{}

func init() {
	for _, c := range []column{
		{ColSite, "站点", "Site", func(l *labels, r Row, total bool) any { return pick(total, l.total, cleanText(r.Site)) }},
		{ColName, "名称", "Name", func(_ *labels, r Row, total bool) any { return pick(total, "", cleanText(r.Name)) }},
		{ColFacility, "场所类型", "Facility", func(l *labels, r Row, total bool) any { return pick(total, "", l.facilityWord(r.Facility)) }},
		count(ColTotal, "通行总数", "Total", func(r Row) int { return r.Total }),
		count(ColIn, "进", "In", func(r Row) int { return r.In }),
		count(ColOut, "出", "Out", func(r Row) int { return r.Out }),
		count(ColDenied, "拒绝", "Denied", func(r Row) int { return r.Denied }),
		count(ColRecheck, "复测", "Re-check", func(r Row) int { return r.Recheck }),
		count(ColFever, "发热", "Fever", func(r Row) int { return r.Fever }),
		count(ColVisitors, "访客登记", "Visitors", func(r Row) int { return r.Visitors }),
		count(ColOverrides, "人工放行", "Overrides", func(r Row) int { return r.Overrides }),
		count(ColDeviceFaults, "设备故障", "Device faults", func(r Row) int { return r.DeviceFaults }),
		count(ColAlertsOpen, "未处理告警", "Open alerts", func(r Row) int { return r.AlertsOpen }),
		{ColZeroReport, "零报告", "Zero report", func(l *labels, r Row, _ bool) any { return l.zeroCell(r) }},
		{ColDuties, "值守日志 完成/应完成", "Duties done/due", func(_ *labels, r Row, total bool) any { ratio, _ := dutyCells(r, total); return ratio }},
		{ColDutiesMissed, "未完成值守", "Duties missed", func(_ *labels, r Row, total bool) any { _, m := dutyCells(r, total); return m }},
		count(ColNotClosedOut, "未销号访客", "Visitors not closed out", func(r Row) int { return r.NotClosedOut }),
		{ColNotClosedNames, "未销号访客名单", "Not closed out: code and name", func(_ *labels, r Row, total bool) any {
			return pick(total, "", cleanText(r.NotClosedOutNames)) // 及时销号: who is still inside at the cut
		}},
		count(ColPersuade, "劝返", "Persuaded to return", func(r Row) int { return r.PersuadeReturn }),
		count(ColReferred, "转诊（发热门诊/采样点）", "Referred", func(r Row) int { return r.Referred }),
		count(ColCodeRed, "红码", "Red codes", func(r Row) int { return r.CodeRed }),
		count(ColCodeYellow, "黄码", "Yellow codes", func(r Row) int { return r.CodeYellow }),
		count(ColRefusedProof, "拒绝出示证明", "Refused to show proof", func(r Row) int { return r.RefusedProof }),
		count(ColReturnees, "风险地区返回人员", "Returnees from risk areas", func(r Row) int { return r.Returnees }),
		count(ColFeverHandled, "发热已处置", "Fevers handled", func(r Row) int { return r.FeverHandled }),
		{ColFeverActions, "发热处置情况", "Fever handling", func(_ *labels, r Row, total bool) any {
			return pick(total, "", cleanText(r.FeverActions))
		}},
	} {
		allColumns[c.key] = c
	}
}

func pick(total bool, ifTotal, otherwise string) string {
	if total {
		return ifTotal
	}
	return otherwise
}

// CheckColumns says whether every key names a column, so the collector's
// config refuses a misspelt one at start-up with the keys there are.
func CheckColumns(keys []string) error {
	if len(keys) == 0 {
		return fmt.Errorf("report: no columns; name some of: %s", strings.Join(ColumnKeys(), ", "))
	}
	for i, k := range keys {
		if _, ok := allColumns[k]; !ok {
			if near := nearest(k); near != "" {
				return fmt.Errorf("report: column %q is not known; did you mean %q? (cloud/report/README.md lists the columns)", k, near)
			}
			return fmt.Errorf("report: column %q is not known; the columns are: %s", k, strings.Join(ColumnKeys(), ", "))
		}
		if slices.Contains(keys[:i], k) {
			return fmt.Errorf("report: column %q is named twice", k)
		}
	}
	return nil
}

// ColumnKeys lists the column keys, sorted.
func ColumnKeys() []string {
	keys := make([]string, 0, len(allColumns))
	for k := range allColumns {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// columnsOf resolves a report's column keys: the daily report's when it
// names none, and always the site and its name first, since a row that
// does not say whose it is cannot be filed. Unknown keys are dropped
// (CheckColumns refused them at start-up).
func columnsOf(keys []string) []column {
	if len(keys) == 0 {
		keys = DailyColumns
	}
	out := make([]column, 0, len(keys)+2)
	for _, k := range []string{ColSite, ColName} {
		if !slices.Contains(keys, k) {
			out = append(out, allColumns[k])
		}
	}
	for _, k := range keys {
		if c, ok := allColumns[k]; ok {
			out = append(out, c)
		}
	}
	return out
}

// headerOf is the header row of cols in l's language.
func (l *labels) headerOf(cols []column) []string {
	h := make([]string, len(cols))
	for i, c := range cols {
		h[i] = c.zh
		if l == &en {
			h[i] = c.en
		}
	}
	return h
}

// zeroCell is the 零报告 cell: yes, no, or 数据不完整 and why.
func (l *labels) zeroCell(r Row) string {
	switch {
	case r.Incomplete != "":
		// 数据不完整, and why: which unit, offline since when, what waits.
		return l.incomplete + l.sep + cleanText(r.Incomplete)
	case r.IncompleteSites > 0:
		return l.incomplete + l.sep + fmt.Sprintf(l.sites, r.IncompleteSites)
	case r.ZeroReport:
		return l.yes
	}
	return l.no
}

// nearest is the column key within two edits of k, if one is: the
// likely meaning of a misspelt key.
func nearest(k string) string {
	best, bestD := "", 3
	for _, c := range ColumnKeys() {
		if d := edits(k, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// edits is the Levenshtein distance between a and b, in bytes (keys are
// ASCII); a long input is cut short, it cannot be near anyway.
func edits(a, b string) int {
	if len(a) > 64 {
		return 64
	}
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
