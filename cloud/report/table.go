package report

import (
	"strings"
)

// columns is the number of columns of the daily report's spreadsheet forms.
const columns = 18

// labels are the words of one language in the CSV and XLSX forms. The
// JSON form has none: it carries codes and leaves words to its reader.
// The column headers are in columns.go.
type labels struct {
	sheet, title string
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
	sheet:       "日报",
	title:       "日报",
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
	sheet:       "Daily report",
	title:       "Daily report",
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

// cells is one row of the spreadsheet forms in cols: text cells are
// strings, counts are ints so XLSX can store them as numbers.
func (l *labels) cells(cols []column, r Row, total bool) []any {
	out := make([]any, len(cols))
	for i, c := range cols {
		out[i] = c.cell(l, r, total)
	}
	return out
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
	t := l.titleWord(r) + " " + r.Period.String()
	if r.Provisional {
		t += " " + l.provisional
	}
	return t
}

// titleWord is the report's own title (a named report's, from the
// config, in Chinese; its English one when asked and given), or the
// daily report's.
func (l *labels) titleWord(r Report) string {
	switch {
	case l == &en && r.TitleEN != "":
		return cleanText(r.TitleEN)
	case r.Title != "":
		return cleanText(r.Title)
	}
	return l.title
}
