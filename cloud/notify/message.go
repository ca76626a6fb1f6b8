package notify

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kakou/kakou/cloud/store"
)

// Message is what the outbox keeps for one notification, made when the
// alert was planned: each channel kind sends it in its own shape.
type Message struct {
	Title    string      `json:"title"`    // one line, Chinese
	Markdown string      `json:"markdown"` // the robots' markdown body
	Alert    AlertFields `json:"alert"`    // what a webhook receiver gets
}

// AlertFields is an alert as a webhook receiver gets it.
type AlertFields struct {
	ID         string    `json:"id"`
	Site       string    `json:"site"`
	SiteName   string    `json:"site_name"`
	Unit       string    `json:"unit"`
	UnitName   string    `json:"unit_name"`
	Kind       string    `json:"kind"`
	KindName   string    `json:"kind_name"` // Chinese
	Severity   string    `json:"severity"`
	RaisedAt   time.Time `json:"raised_at"`
	EntryID    string    `json:"entry_id,omitempty"`
	Detail     string    `json:"detail"`
	Historical bool      `json:"historical"`
	Level      int       `json:"level"` // 0 first, 1 escalated once, …
	Dashboard  string    `json:"dashboard_url,omitempty"`
}

// kindNames are the alert kinds as a control room says them.
var kindNames = map[string]string{
	"fever":                   "发热",
	"health_code_red":         "健康码红码",
	"health_code_yellow":      "健康码黄码",
	"watch_quarantine":        "居家隔离人员出入",
	"watch_monitoring":        "健康监测人员出入",
	"watch_returnee":          "返乡人员到达",
	"watch_household_visitor": "访客前往居家隔离户",
	"device":                  "设备故障",
	"conflict":                "数据冲突",
	"overstay":                "访客超时未销号",
	store.KindOffline:         "设备离线",
	store.KindSilent:          "设备失联",
	store.KindBacklog:         "数据积压未上传",
	store.KindDisk:            "存储已满",
}

// KindName is kind in Chinese, or kind itself when unknown.
func KindName(kind string) string {
	if n, ok := kindNames[kind]; ok {
		return n
	}
	return kind
}

// severityNames are the dashboard's words (cloud/api/web/codes.js).
var severityNames = map[string]string{store.SeverityHigh: "紧急", store.SeverityMedium: "重要", store.SeverityLow: "一般"}

// Names gives a site's and a unit's display names; "" keeps the id.
type Names func(site, unit string) (siteName, unitName string)

// maxDetail bounds the alert's detail in a message: WeCom's markdown
// takes 4,096 bytes, and a detail comes from a unit.
const maxDetail = 1000

// maxName bounds a site's or unit's name in a message; the names come
// from the config or from a unit's status.
const maxName = 100

// render makes the message for a at level, with times in loc.
func render(a store.Alert, level int, names Names, loc *time.Location, dashboard string) Message {
	siteName, unitName := a.Site, a.Unit
	if names != nil {
		s, u := names(a.Site, a.Unit)
		siteName, unitName = or(s, a.Site), or(u, a.Unit)
	}
	siteName, unitName = clip(siteName, maxName), clip(unitName, maxName)
	f := AlertFields{ID: a.ID, Site: a.Site, SiteName: siteName, Unit: a.Unit, UnitName: unitName,
		Kind: a.Kind, KindName: KindName(a.Kind), Severity: a.Severity, RaisedAt: a.RaisedAt,
		EntryID: a.EntryID, Detail: clip(a.Detail, maxDetail), Historical: a.Historical, Level: level,
		Dashboard: dashboard}
	title := fmt.Sprintf("【%s】%s告警：%s %s", severityNames[a.Severity], f.KindName, siteName, unitName)
	if level > 0 {
		title = fmt.Sprintf("【升级·第%d级】", level) + title
	}
	var b strings.Builder
	fmt.Fprintf(&b, "### 卡口%s\n", mdEscape(title))
	fmt.Fprintf(&b, "> 站点：%s（%s）\n", mdEscape(siteName), mdEscape(a.Site))
	fmt.Fprintf(&b, "> 设备：%s（%s）\n", mdEscape(unitName), mdEscape(a.Unit))
	fmt.Fprintf(&b, "> 类别：%s，级别：%s\n", f.KindName, severityNames[a.Severity])
	fmt.Fprintf(&b, "> 时间：%s（%s）\n", a.RaisedAt.In(loc).Format("2006-01-02 15:04:05"), loc)
	if f.Detail != "" {
		fmt.Fprintf(&b, "> 详情：%s\n", mdEscape(f.Detail))
	}
	if a.Historical {
		b.WriteString("> 补传：设备恢复联网后补传的记录\n")
	}
	if level > 0 {
		fmt.Fprintf(&b, "\n**超过时限无人确认，已升级至第%d级。**\n", level)
	}
	if dashboard != "" {
		fmt.Fprintf(&b, "\n[在控制台查看并确认](%s)\n", dashboard)
	}
	return Message{Title: "卡口" + title, Markdown: b.String(), Alert: f}
}

// encode is m as the outbox keeps it.
func (m Message) encode() (string, error) {
	b, err := json.Marshal(m)
	return string(b), err
}

func decodeMessage(s string) (Message, error) {
	var m Message
	err := json.Unmarshal([]byte(s), &m)
	return m, err
}

// mdEscape keeps text that came from a unit or a config from turning into
// markdown: a link in a forged detail must not look like the dashboard's.
func mdEscape(s string) string {
	r := strings.NewReplacer("\n", " ", "\r", " ", "[", "［", "]", "］", "(", "（", ")", "）",
		"<", "‹", ">", "›", "*", "＊", "#", "＃", "`", "'", "_", "＿")
	return r.Replace(s)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
