package collector

import (
	"strings"
	"testing"
	"time"
)

func TestNotifyConfigReadsChannelsAndEscalation(t *testing.T) {
	cfg, err := LoadConfig(writeConfig(t, `
data_dir = "d"
[[regions]]
id = "hutang"
[[sites]]
id = "sunshine-garden"
region = "hutang"
[alerts]
offline_after = "5m"
round_the_clock_sites = ["sunshine-garden"]
[notify]
dashboard_url = "https://kakou.example.gov.cn/"
[notify.escalate_after]
fever = "45m"
[[notify.channels]]
name = "garden-wecom"
kind = "wecom"
url_env = "KAKOU_WECOM_GARDEN"
sites = ["sunshine-garden"]
[[notify.channels]]
name = "street-ding"
kind = "dingtalk"
url_env = "KAKOU_DING_STREET"
secret_env = "KAKOU_DING_STREET_SECRET"
regions = ["hutang"]
min_severity = "high"
level = 1`))
	if err != nil {
		t.Fatal(err)
	}
	esc := cfg.Notify.escalation()
	if esc["fever"] != 45*time.Minute || esc[""] != time.Hour {
		t.Errorf("escalation %v; want fever 45m and the default 1h kept", esc)
	}
	env := map[string]string{"KAKOU_WECOM_GARDEN": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
		"KAKOU_DING_STREET": "https://oapi.dingtalk.com/robot/send?access_token=t", "KAKOU_DING_STREET_SECRET": "SECx"}
	chs, err := cfg.Notify.resolveChannels(func(k string) string { return env[k] })
	if err != nil || len(chs) != 2 || chs[1].Secret != "SECx" || chs[1].Level != 1 || chs[0].URL != env["KAKOU_WECOM_GARDEN"] {
		t.Fatalf("channels %+v, %v", chs, err)
	}
	delete(env, "KAKOU_DING_STREET_SECRET")
	if _, err := cfg.Notify.resolveChannels(func(k string) string { return env[k] }); err == nil ||
		!strings.Contains(err.Error(), "KAKOU_DING_STREET_SECRET is not set") {
		t.Errorf("a missing secret: %v; want it named", err)
	}
}

func TestNotifyConfigReportsEveryProblemWithItsKey(t *testing.T) {
	_, err := LoadConfig(writeConfig(t, `
data_dir = "d"
[alerts]
offline_after = "ten minutes"
round_the_clock_sites = ["nowhere"]
[notify.escalate_after]
fever = "-5m"
[[notify.channels]]
name = "a"
kind = "sms"
url = "https://x.example/"
[[notify.channels]]
name = "a"
kind = "webhook"
url = "https://x.example/"
url_env = "X"
[[notify.channels]]
name = "c"
kind = "wecom"
url = "ftp://x.example/"
secret_env = "BAD NAME"
min_severity = "urgent"
regions = ["atlantis"]`))
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"alerts.offline_after", "alerts.round_the_clock_sites: \"nowhere\"",
		"notify.escalate_after.fever", "notify.channels[0]: kind \"sms\"", "notify.channels[1].name",
		"notify.channels[1].url: set url or url_env", "notify.channels[1].secret_env: a webhook is signed",
		"notify.channels[2].secret_env", "notify.channels[2]: min_severity",
		"notify.channels[2].regions: \"atlantis\" is not a region"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error lacks %q:\n%v", want, err)
		}
	}
}
