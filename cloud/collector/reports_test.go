package collector

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/internal/testenv"
)

const plansReports = `
data_dir = "d"
[[reports]]
id = "returnees"
title = "返乡人员报告"
cut = "11:00"
columns = ["returnees", "persuade_return", "refused_proof"]
recipients = ["district"]
[[reports]]
id = "daily"
title = "日报"
cut = "16:00"
scope = ["wujin", "sunshine-garden"]
recipients = ["district", "county", "archive"]
[[report_recipients]]
name = "district"
webhook = "https://reports.example.gov.cn/kakou"
secret = "a secret of sixteen or more"
[[report_recipients]]
name = "county"
email = ["duty@example.gov.cn"]
[[report_recipients]]
name = "archive"
dir = "/srv/reports"
[report_delivery]
catch_up = "48h"
[report_delivery.smtp]
addr = "smtp.example.gov.cn:587"
from = "kakou@example.gov.cn"
`

func TestLoadConfigReadsNamedReportsAndRecipients(t *testing.T) {
	cfg, err := LoadConfig(writeConfig(t, plansReports))
	if err != nil {
		t.Fatal(err)
	}
	defs := cfg.ReportDefs()
	var ids []string
	for _, d := range defs {
		ids = append(ids, d.ID+"@"+d.Cut)
	}
	// [[reports]] names daily, so [report] cut adds no second one.
	if !slices.Equal(ids, []string{"returnees@11:00", "daily@16:00"}) {
		t.Errorf("reports %v", ids)
	}
	if d := defs[1]; !slices.Equal(d.Scope, []string{"wujin", "sunshine-garden"}) {
		t.Errorf("daily scope %v", d.Scope)
	}
	if c, _ := cfg.Delivery.CatchUpDuration(); c.Hours() != 48 {
		t.Errorf("catch up %v", c)
	}
}

func TestLoadConfigWithoutReportsKeepsTheDailyReportAtReportCut(t *testing.T) {
	cfg, err := LoadConfig(writeConfig(t, "data_dir = \"d\"\n[report]\ncut = \"17:30\""))
	if err != nil {
		t.Fatal(err)
	}
	if defs := cfg.ReportDefs(); len(defs) != 1 || defs[0].ID != "daily" || defs[0].Cut != "17:30" {
		t.Errorf("reports %+v", defs)
	}
}

func TestLoadConfigRefusesBadReportsWithTheKeyAndWhatToWrite(t *testing.T) {
	for _, tt := range []struct{ name, body, key, says string }{
		{"cut in both places", "data_dir = \"d\"\n[report]\ncut = \"16:00\"\n[[reports]]\nid = \"daily\"\ncut = \"16:00\"",
			"report.cut", `[[reports]] id = "daily"`},
		{"bad cut", "data_dir = \"d\"\n[[reports]]\nid = \"zero\"\ntitle = \"零报告\"\ncut = \"25:00\"", "reports[0].cut", "HH:MM"},
		{"unknown column", "data_dir = \"d\"\n[[reports]]\nid = \"zero\"\ntitle = \"零报告\"\ncut = \"12:00\"\ncolumns = [\"returness\"]",
			"reports[0].columns", "returnees"},
		{"id twice", "data_dir = \"d\"\n[[reports]]\nid = \"zero\"\ntitle = \"a\"\ncut = \"12:00\"\n[[reports]]\nid = \"zero\"\ntitle = \"b\"\ncut = \"13:00\"",
			"reports[1].id", "twice"},
		{"id a path", "data_dir = \"d\"\n[[reports]]\nid = \"../x\"\ntitle = \"a\"\ncut = \"12:00\"", "reports[0].id", "a-z"},
		{"no title", "data_dir = \"d\"\n[[reports]]\nid = \"zero\"\ncut = \"12:00\"", "reports[0].title", "required"},
		{"unknown recipient", "data_dir = \"d\"\n[[reports]]\nid = \"zero\"\ntitle = \"a\"\ncut = \"12:00\"\nrecipients = [\"nobody\"]",
			"reports[0].recipients", "nobody"},
		{"two ways", "data_dir = \"d\"\n[[report_recipients]]\nname = \"x\"\ndir = \"/srv\"\nemail = [\"a@b.cn\"]", "report_recipients[0]", "exactly one"},
		{"short secret", "data_dir = \"d\"\n[[report_recipients]]\nname = \"x\"\nwebhook = \"https://a.cn/\"\nsecret = \"short\"",
			"report_recipients[0].secret", "16"},
		{"webhook not http", "data_dir = \"d\"\n[[report_recipients]]\nname = \"x\"\nwebhook = \"file:///etc/passwd\"\nsecret = \"0123456789abcdef\"",
			"report_recipients[0].webhook", "http"},
		{"mail without server", "data_dir = \"d\"\n[[report_recipients]]\nname = \"x\"\nemail = [\"a@b.cn\"]", "report_delivery.smtp.addr", "host:port"},
		{"bad address", "data_dir = \"d\"\n[[report_recipients]]\nname = \"x\"\nemail = [\"not an address\"]", "report_recipients[0].email", "not an e-mail"},
		{"relative dir", "data_dir = \"d\"\n[[report_recipients]]\nname = \"x\"\ndir = \"reports\"", "report_recipients[0].dir", "absolute"},
		{"catch up too long", "data_dir = \"d\"\n[report_delivery]\ncatch_up = \"9999h\"", "report_delivery.catch_up", "720h"},
		{"unknown key", "data_dir = \"d\"\n[[reports]]\nid = \"zero\"\ntitle = \"a\"\ncut = \"12:00\"\ncolums = [\"fever\"]", "reports.colums", "unknown key"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadConfig(writeConfig(t, tt.body))
			if err == nil || !strings.Contains(err.Error(), tt.key+": ") || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("error %v\nwant %s: …%s…", err, tt.key, tt.says)
			}
		})
	}
}

// The collector started with a report due and a folder recipient drops
// the report's files there, lists the report at GET /api/v1/reports and
// logs the delivery at …/deliveries.
func TestCollectorDropsADueReportIntoItsFolder(t *testing.T) {
	cfg := testConfig(t)
	dir := filepath.Join(cfg.DataDir, "reports")
	cfg.Reports = []ReportDef{{ID: "zero", Title: "零报告", Cut: "12:00", Columns: []string{"zero_report"}, Recipients: []string{"archive"}}}
	cfg.Recipients = []RecipientConfig{{Name: "archive", Dir: dir, CreateDir: true}}
	c := start(t, cfg)
	var log []store.Delivery
	testenv.Await(t, "the report's delivery logged", wait, func() bool {
		log, _ = c.Store().Deliveries(context.Background(), store.DeliveryQuery{Report: "zero"})
		return len(log) == 1
	})
	if !log[0].OK {
		t.Fatalf("delivery %+v", log[0])
	}
	files, _ := os.ReadDir(dir)
	if len(files) != 2 || !strings.HasPrefix(files[0].Name(), "kakou-zero-") {
		t.Errorf("folder holds %v", files)
	}
	resp, err := http.Get(c.HTTPURL() + "/api/v1/reports/zero/deliveries")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct{ Deliveries []store.Delivery }
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || len(got.Deliveries) != 1 {
		t.Errorf("GET deliveries: %d %+v %v", resp.StatusCode, got, err)
	}
}
