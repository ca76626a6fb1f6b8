package unit

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/kakou/kakou/firmware/delivery/firstboot"
)

// unitTemplate is the config setup writes: only what setup learned, with
// a comment pointing at the full list of keys, so the file stays short
// enough for an installer to read on the Pi's screen.
var unitTemplate = template.Must(template.New("unit.toml").Funcs(template.FuncMap{"q": func(s string) string {
	return fmt.Sprintf("%q", s)
}}).Parse(`# Written by kakou-unit setup. Every key is documented in the configs/
# examples (unit-pi-hardware.toml); check a change with
#   kakou-unit -config {{.Config}} -check-config

site = {{q .Site}}
unit = {{q .Unit}}
lane = {{q .Lane}}
data_dir = {{q .DataDir}}

[console]
listen = "127.0.0.1:8081"     # the touchscreen's kiosk browser

[mqtt]
{{- if gt (len .Brokers) 1}}
brokers = [{{range $i, $b := .Brokers}}{{if $i}}, {{end}}{{q $b}}{{end}}]
{{- else}}
broker = {{q .Broker}}
{{- end}}
{{- if and .CAFile .TLSBroker}}
ca_file = {{q .CAFile}}
{{- end}}

# The one-time token was spent: the credential it bought is in data_dir
# (credential.json). A new token goes here only after deleting that file.
[enroll]
url = {{q .EnrollURL}}
{{- if .CAFile}}
ca_file = {{q .CAFile}}
{{- end}}

[thermometer]
driver = {{q .Thermometer}}
{{- if .I2CBus}}
i2c_bus = {{q .I2CBus}}
{{- end}}

[scanner]
{{- if eq .ScannerPort "sim"}}
driver = "sim"
{{- else}}
driver = "serial"
port = {{q .ScannerPort}}
{{- end}}
{{- if .IDCardPort}}

[idcard]
driver = "serial"
port = {{q .IDCardPort}}
{{- end}}
`))

// writeUnitConfig writes the config through a temporary file that must
// pass LoadConfig and CheckFiles before it is renamed into place, so a
// config setup writes always starts the unit.
func writeUnitConfig(path string, ans setupAnswers) error {
	var b bytes.Buffer
	view := struct {
		setupAnswers
		TLSBroker bool
		Brokers   []string // -broker's comma-separated nodes of a cluster
	}{ans, !strings.HasPrefix(ans.Broker, "tcp://") && !strings.HasPrefix(ans.Broker, "mqtt://") && !strings.HasPrefix(ans.Broker, "ws://"), firstboot.SplitBrokers(ans.Broker)}
	if err := unitTemplate.Execute(&b, view); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	tmp := path + ".setup"
	if err := os.WriteFile(tmp, b.Bytes(), 0o640); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	defer os.Remove(tmp)
	c, err := LoadConfig(tmp)
	if err == nil {
		err = CheckFiles(c)
	}
	if err != nil {
		return fmt.Errorf("the config setup made is not valid (a fault in setup; nothing was written to %s): %w", path, err)
	}
	return os.Rename(tmp, path)
}

// nextSteps says what the installer checks once setup is done.
func nextSteps(ans setupAnswers) string {
	return fmt.Sprintf(`
下一步 / what to check next:
  sudo systemctl enable --now kakou-unit      启动并开机自启 / start it, and at every boot
  systemctl status kakou-unit                 应为 active (running) / should say active (running)
  journalctl -u kakou-unit -f                 运行日志 / its log
  kakou-unit probe -config %s   再查一次接线 / check the wiring again
  http://127.0.0.1:8081/                      触摸屏上的值守台 / the guard's console on the touchscreen
  %s/
        中心看板上应出现 %s/%s，状态在线 / the centre's dashboard should list %s/%s as online
`, ans.Config, strings.TrimSuffix(ans.EnrollURL, "/"), ans.Site, ans.Unit, ans.Site, ans.Unit)
}
