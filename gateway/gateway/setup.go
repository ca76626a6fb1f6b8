package gateway

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/kakou/kakou/firmware/delivery"
	"github.com/kakou/kakou/firmware/delivery/firstboot"
	"github.com/kakou/kakou/gateway/config"
)

// SetupOptions are the answers a scripted install gives as flags
// ("kakou-gateway setup -h"); an empty one is asked, or with Yes defaulted.
type SetupOptions struct {
	Config string // where to write, usually /etc/kakou/gateway.toml
	Force  bool   // overwrite an existing config
	// Example is the package's pristine copy of the config: setup
	// replaces the config while it still equals it; "" = the package's.
	Example string
	Yes     bool   // never ask: take flags and defaults
	DataDir string // "" = /var/lib/kakou/gateway

	Site, Gateway, Policy    string
	EnrollURL, Token, CAFile string
	Broker                   string // the cloud's broker; "" = ssl://<the enrollment host>:8883
	LANListen                string // the units' broker; "" = 0.0.0.0:1883
}

// Setup is the gateway's first-boot walk-through (gateway/README.md
// "Install"): it asks for the site, the gateway's id, the site's policy and
// the enrollment, enrolls, and writes a config that LoadConfig and
// CheckFiles accept. An existing config is never overwritten without
// Force; nothing is written when a step fails.
func Setup(ctx context.Context, o SetupOptions, in io.Reader, out io.Writer) error {
	if err := firstboot.MayWrite(o.Config, o.example(), o.Force, "kakou-gateway"); err != nil {
		return err
	}
	a := firstboot.NewAsker(in, out, o.Yes)
	a.Say("卡口站点网关首次设置", "Kakou site gateway first-boot setup")
	if err := askGateway(a, &o); err != nil {
		return err
	}
	e := delivery.Enrollment{URL: o.EnrollURL, Token: o.Token, CAFile: o.CAFile,
		Site: o.Site, Unit: o.Gateway, Role: "gateway", File: filepath.Join(o.DataDir, "credential.json")}
	if _, err := firstboot.Enroll(ctx, a, e, gatewayToken("")); err != nil {
		return err
	}
	if err := writeGatewayConfig(o); err != nil {
		return err
	}
	a.Say("配置已写入 "+o.Config, "configuration written to "+o.Config)
	fmt.Fprint(out, gatewayNextSteps(o))
	return nil
}

func gatewayToken(preset string) firstboot.Question {
	return firstboot.Question{ZH: "一次性登记令牌", EN: "one-time enrollment token (kakou-cloud enroll-token -role gateway)",
		Flag: "-token", Preset: preset, Check: firstboot.Token}
}

// askGateway fills o's empty answers.
func askGateway(a *firstboot.Asker, o *SetupOptions) error {
	qs := []struct {
		dst *string
		q   firstboot.Question
	}{
		{&o.Site, firstboot.Question{ZH: "站点编号", EN: "site id", Flag: "-site", Check: firstboot.ID("riverside-market")}},
		{&o.Gateway, firstboot.Question{ZH: "网关编号", EN: "gateway id", Flag: "-gateway", Default: "gateway-1", Check: firstboot.ID("gateway-1")}},
		{&o.DataDir, firstboot.Question{ZH: "数据目录", EN: "data directory", Flag: "-data-dir", Default: "/var/lib/kakou/gateway", Check: absDir}},
		{&o.Policy, firstboot.Question{ZH: "站点策略文件 (含限流人数)", EN: "the site's policy file (with its capacity)", Flag: "-policy", Check: policyFile}},
		{&o.LANListen, firstboot.Question{ZH: "终端连接的监听地址", EN: "address the units connect to", Flag: "-lan-listen", Default: "0.0.0.0:1883", Check: hostPort}},
		{&o.EnrollURL, firstboot.Question{ZH: "中心登记地址", EN: "enrollment URL of the centre", Flag: "-enroll-url", Check: firstboot.HTTPS}},
		{&o.CAFile, firstboot.Question{ZH: "中心 CA 证书 (none 用系统证书)", EN: "the centre's CA certificate (none = the system's roots)", Flag: "-ca-file", Default: "none", Check: firstboot.File}},
		{&o.Token, gatewayToken("")},
	}
	for _, q := range qs {
		q.q.Preset = *q.dst
		v, err := a.Ask(q.q)
		if err != nil {
			return err
		}
		*q.dst = v
	}
	if o.CAFile == "none" {
		o.CAFile = ""
	}
	u, _ := url.Parse(o.EnrollURL)
	broker, err := a.Ask(firstboot.Question{ZH: "中心 MQTT 服务器", EN: "the centre's MQTT broker", Flag: "-broker",
		Preset: o.Broker, Default: "ssl://" + u.Hostname() + ":8883", Check: cloudBrokerURL})
	o.Broker = broker
	return err
}

func absDir(s string) error {
	if !filepath.IsAbs(s) {
		return fmt.Errorf("要绝对路径 / type an absolute path, e.g. /var/lib/kakou/gateway")
	}
	return nil
}

// policyFile checks the file the way the gateway's start will: it must
// say the site's capacity.
func policyFile(s string) error {
	if _, err := (config.Config{Policy: config.Policy{Path: s}}).Capacity(); err != nil {
		return fmt.Errorf("策略文件不可用 / %v: copy the site's profile from configs/policies to /etc/kakou/policies and type its path", err)
	}
	return nil
}

func hostPort(s string) error {
	c := config.Default()
	c.LAN.Listen = s
	if err := c.Validate(); err != nil && strings.Contains(err.Error(), "lan.listen") {
		return fmt.Errorf("不是 主机:端口 / %q is not host:port: type 0.0.0.0:1883 (every address) or 192.168.1.10:1883", s)
	}
	return nil
}

// cloudBrokerURL checks the cloud broker, or a cluster's nodes separated
// by commas, as the gateway's config does.
func cloudBrokerURL(s string) error {
	urls := firstboot.SplitBrokers(s)
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" || u.Scheme != "tcp" && u.Scheme != "ssl" && u.Scheme != "tls" && u.Scheme != "mqtts" {
			return fmt.Errorf("不是 MQTT 地址 / %q is not a broker URL: type ssl://host:8883 (or a cluster's nodes, separated by commas)", raw)
		}
	}
	if err := delivery.CheckBrokers(urls); err != nil {
		return fmt.Errorf("MQTT 地址列表有误 / %v", err)
	}
	return nil
}

var gatewayTemplate = template.Must(template.New("gateway.toml").Funcs(template.FuncMap{"q": func(s string) string {
	return fmt.Sprintf("%q", s)
}}).Parse(`# Written by kakou-gateway setup. Every key is documented in
# configs/gateway-riverside-market.toml and configs/production/gateway.toml;
# check a change with: kakou-gateway -config {{.Config}} -check-config

site = {{q .Site}}
gateway = {{q .Gateway}}
data_dir = {{q .DataDir}}

[lan]
listen = {{q .LANListen}}     # the site's units: [mqtt] broker = "tcp://<this gateway>:<port>"

[cloud]
{{- if gt (len .Brokers) 1}}
brokers = [{{range $i, $b := .Brokers}}{{if $i}}, {{end}}{{q $b}}{{end}}]
{{- else}}
broker = {{q .Broker}}
{{- end}}
{{- if and .CAFile (not .PlainBroker)}}
ca_file = {{q .CAFile}}
{{- end}}

[policy]
path = {{q .Policy}}

# The one-time token was spent: the credential it bought is in data_dir
# (credential.json). A new token goes here only after deleting that file.
[enroll]
url = {{q .EnrollURL}}
{{- if .CAFile}}
ca_file = {{q .CAFile}}
{{- end}}
`))

// writeGatewayConfig writes through a temporary file that must pass
// LoadConfig and CheckFiles before it is renamed into place.
func writeGatewayConfig(o SetupOptions) error {
	var b bytes.Buffer
	view := struct {
		SetupOptions
		PlainBroker bool
		Brokers     []string // -broker's comma-separated nodes of a cluster
	}{o, strings.HasPrefix(o.Broker, "tcp://"), firstboot.SplitBrokers(o.Broker)}
	if err := gatewayTemplate.Execute(&b, view); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(o.Config), 0o755); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	tmp := o.Config + ".setup"
	if err := os.WriteFile(tmp, b.Bytes(), 0o640); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	defer os.Remove(tmp)
	c, err := config.LoadConfig(tmp)
	if err == nil {
		err = CheckFiles(c)
	}
	if err != nil {
		return fmt.Errorf("the config setup made is not valid (a fault in setup; nothing was written to %s): %w", o.Config, err)
	}
	return os.Rename(tmp, o.Config)
}

func gatewayNextSteps(o SetupOptions) string {
	return fmt.Sprintf(`
下一步 / what to check next:
  sudo systemctl enable --now kakou-gateway   启动并开机自启 / start it, and at every boot
  systemctl status kakou-gateway              应为 active (running) / should say active (running)
  journalctl -u kakou-gateway -f              运行日志 / its log
  每台终端 / on each unit:  kakou-unit setup -broker tcp://<本机地址 / this gateway's address>:%s
  %s/
        中心看板上应出现网关 %s/%s / the centre's dashboard should list the gateway %s/%s
`, portOf(o.LANListen), strings.TrimSuffix(o.EnrollURL, "/"), o.Site, o.Gateway, o.Site, o.Gateway)
}

func portOf(hostport string) string {
	if i := strings.LastIndex(hostport, ":"); i >= 0 {
		return hostport[i+1:]
	}
	return hostport
}

func (o SetupOptions) example() string {
	if o.Example != "" {
		return o.Example
	}
	return filepath.Join(firstboot.Examples, "gateway.toml")
}
