package report

import (
	"fmt"
	"strings"
)

// columns is the number of columns of the spreadsheet forms.
const columns = 18

// labels are the words of one language in the CSV and XLSX forms. The
// JSON form has none: it carries codes and leaves words to its reader.
type labels struct {
	sheet, title string
	header       [columns]string
	total        string
	yes, no      string
	incomplete   string            // the zero-report cell of a site whose data may be missing
	sep          string            // between that word and why
	sites        string            // "%d sites": the total's count of incomplete sites
	provisional  string            // after the title of a report made before its cut
	facility     map[string]string // facility type code -> word
}

// Chinese is the default: the report goes to 街道/社区/县 offices.
var zh = labels{
	sheet: "日报",
	title: "日报",
	header: [columns]string{"站点", "名称", "场所类型", "通行总数", "进", "出", "拒绝", "复测",
		"发热", "访客登记", "人工放行", "设备故障", "未处理告警", "零报告", "值守日志 完成/应完成", "未完成值守",
		"未销号访客", "未销号访客名单"},
	total:       "合计",
	yes:         "是",
	no:          "否",
	incomplete:  "数据不完整",
	sep:         "：",
	sites:       "%d 个站点",
	provisional: "（临时：统计未截止）",
	// The facility types of firmware/policy (docs/product.md
	// "Facility types"), in the words the work plans use.
	facility: map[string]string{
		"community":    "小区",
		"supermarket":  "商场超市",
		"market":       "农贸市场",
		"clinic":       "医疗机构",
		"school":       "学校",
		"nursing_home": "养老福利机构",
		"village":      "村卡口",
		"office":       "办公场所",
	},
}

var en = labels{
	sheet: "Daily report",
	title: "Daily report",
	header: [columns]string{"Site", "Name", "Facility", "Total", "In", "Out", "Denied", "Re-check",
		"Fever", "Visitors", "Overrides", "Device faults", "Open alerts", "Zero report", "Duties done/due", "Duties missed",
		"Visitors not closed out", "Not closed out: code and name"},
	total:       "Total",
	yes:         "yes",
	no:          "no",
	incomplete:  "data incomplete",
	sep:         ": ",
	sites:       "%d sites",
	provisional: "(provisional: the period has not ended)",
	facility: map[string]string{
		"nursing_home": "nursing home",
	},
}

// labelsFor picks the language: English for "en" (also "en-US", "EN"),
// Chinese for anything else, as the dashboard does with ?lang=.
func labelsFor(lang string) *labels {
	if strings.HasPrefix(strings.ToLower(lang), "en") {
		return &en
	}
	return &zh
}

// cells is one row of the spreadsheet forms: text cells are strings,
// counts are ints so XLSX can store them as numbers.
func (l *labels) cells(r Row, total bool) [columns]any {
	site, name, facility := cleanText(r.Site), cleanText(r.Name), l.facilityWord(r.Facility)
	if total {
		site, name, facility = l.total, "", ""
	}
	zero := l.no
	switch {
	case r.Incomplete != "":
		// 数据不完整, and why: which unit, offline since when, what waits.
		zero = l.incomplete + l.sep + cleanText(r.Incomplete)
	case r.IncompleteSites > 0:
		zero = l.incomplete + l.sep + fmt.Sprintf(l.sites, r.IncompleteSites)
	case r.ZeroReport:
		zero = l.yes
	}
	ratio, missed := dutyCells(r, total)
	inside := cleanText(r.NotClosedOutNames) // 及时销号: who is still inside at the cut
	if total {
		inside = ""
	}
	return [columns]any{site, name, facility, r.Total, r.In, r.Out, r.Denied, r.Recheck,
		r.Fever, r.Visitors, r.Overrides, r.DeviceFaults, r.AlertsOpen, zero, ratio, missed,
		r.NotClosedOut, inside}
}

// facilityWord translates a known facility type and passes an unknown one
// through, so a new type shows up rather than vanishing.
func (l *labels) facilityWord(code string) string {
	if w, ok := l.facility[code]; ok {
		return w
	}
	return cleanText(code)
}

// cleanText makes a name safe to put in a file: invalid UTF-8 becomes
// U+FFFD (a CSV reader or Excel would otherwise show mojibake or refuse the
// file), and every line break becomes "\n", which both forms keep as it is.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.IndexByte(s, '\r') < 0 {
		return s
	}
	return strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(s)
}

// width is about how many columns s takes in a spreadsheet: CJK and other
// wide characters take two, so Chinese names do not overflow their column;
// a multi-line cell is as wide as its widest line.
func width(s string) int {
	widest, line := 0, 0
	for _, r := range s {
		switch {
		case r == '\n':
			line = 0
		case r >= 0x1100:
			line += 2
		default:
			line++
		}
		widest = max(widest, line)
	}
	return widest
}

// Product names what made the report, in the XLSX's document properties.
const Product = "Kakou 卡口"

// titleOf is the report's title line: the title and the period, marked
// when the period had not ended when the report was made.
func (l *labels) titleOf(r Report) string {
	t := l.title + " " + r.Period.String()
	if r.Provisional {
		t += " " + l.provisional
	}
	return t
}
