package unit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/kakou/kakou/firmware/delivery"
	"github.com/kakou/kakou/firmware/delivery/firstboot"
)

// SetupOptions are the answers a scripted install gives as flags
// ("kakou-unit setup -h"); an empty one is asked, or with Yes defaulted.
type SetupOptions struct {
	Config string // where to write, usually /etc/kakou/unit.toml
	Force  bool   // overwrite an existing config
	// Example is the package's pristine copy of the config: setup
	// replaces the config while it still equals it; "" = the package's.
	Example string
	Yes     bool   // never ask: take flags and defaults
	DataDir string // "" = /var/lib/kakou

	Site, Unit, Lane         string
	EnrollURL, Token, CAFile string
	Broker                   string // "" = ssl://<the enrollment host>:8883; commas separate a cluster's nodes
	// Thermometer is "" to detect an MLX90614 on the I2C buses, or "sim".
	Thermometer string
	// ScannerPort is the scanner's port; "" = wait for a scan on every
	// port; "sim" = the simulated crowd.
	ScannerPort string
	IDCardPort  string        // the ID card reader's port; "" = none
	ScanWait    time.Duration // how long to wait for the test scan; 0 = trust ScannerPort
}

// setupAnswers is what the walk-through learned.
type setupAnswers struct {
	SetupOptions
	I2CBus string
}

// Setup is the first-boot walk-through ("First boot" in firmware/README.md):
// it asks for the site, the unit, its lane and the enrollment, detects the
// thermometer and the scanner, enrolls, and writes a config that LoadConfig
// and CheckFiles accept. An existing config is never overwritten without
// Force; nothing is written when a step fails.
func Setup(ctx context.Context, o SetupOptions, in io.Reader, out io.Writer) error {
	if err := firstboot.MayWrite(o.Config, o.example(), o.Force, "kakou-unit"); err != nil {
		return err
	}
	a := firstboot.NewAsker(in, out, o.Yes)
	a.Say("卡口测温终端首次设置", "Kakou checkpoint unit first-boot setup")
	ans, err := askUnit(a, o)
	if err != nil {
		return err
	}
	if err := detect(ctx, a, &ans); err != nil {
		return err
	}
	e := delivery.Enrollment{URL: ans.EnrollURL, Token: ans.Token, CAFile: ans.CAFile,
		Site: ans.Site, Unit: ans.Unit, Role: "unit", File: filepath.Join(ans.DataDir, credentialFile)}
	if _, err := firstboot.Enroll(ctx, a, e, tokenQuestion("")); err != nil {
		return err
	}
	if err := writeUnitConfig(o.Config, ans); err != nil {
		return err
	}
	a.Say("配置已写入 "+o.Config, "configuration written to "+o.Config)
	fmt.Fprint(out, nextSteps(ans))
	return nil
}

func tokenQuestion(preset string) firstboot.Question {
	return firstboot.Question{ZH: "一次性登记令牌", EN: "one-time enrollment token (kakou-cloud enroll-token)",
		Flag: "-token", Preset: preset, Check: firstboot.Token}
}

// askUnit asks who the unit is and where it enrolls.
func askUnit(a *firstboot.Asker, o SetupOptions) (setupAnswers, error) {
	ans := setupAnswers{SetupOptions: o}
	qs := []struct {
		dst *string
		q   firstboot.Question
	}{
		{&ans.Site, firstboot.Question{ZH: "站点编号", EN: "site id", Flag: "-site", Preset: o.Site, Check: firstboot.ID("sunshine-garden")}},
		{&ans.Unit, firstboot.Question{ZH: "终端编号", EN: "unit id", Flag: "-unit", Preset: o.Unit, Check: firstboot.ID("south-gate")}},
		{&ans.Lane, firstboot.Question{ZH: "通道方向 (in 进 / out 出)", EN: "lane (in or out)", Flag: "-lane", Preset: o.Lane, Default: "in", Check: firstboot.OneOf("in", "out")}},
		{&ans.DataDir, firstboot.Question{ZH: "数据目录", EN: "data directory", Flag: "-data-dir", Preset: o.DataDir, Default: "/var/lib/kakou", Check: absPath}},
		{&ans.EnrollURL, firstboot.Question{ZH: "中心登记地址", EN: "enrollment URL of the centre", Flag: "-enroll-url", Preset: o.EnrollURL, Check: firstboot.HTTPS}},
		{&ans.CAFile, firstboot.Question{ZH: "中心 CA 证书 (none 用系统证书)", EN: "the centre's CA certificate (none = the system's roots)", Flag: "-ca-file", Preset: o.CAFile, Default: "none", Check: firstboot.File}},
		{&ans.Token, tokenQuestion(o.Token)},
	}
	for _, q := range qs {
		v, err := a.Ask(q.q)
		if err != nil {
			return ans, err
		}
		*q.dst = v
	}
	if ans.CAFile == "none" {
		ans.CAFile = ""
	}
	u, _ := url.Parse(ans.EnrollURL)
	broker, err := a.Ask(firstboot.Question{ZH: "MQTT 服务器 (站点网关或中心)", EN: "MQTT broker (the site gateway or the centre)",
		Flag: "-broker", Preset: o.Broker, Default: "ssl://" + u.Hostname() + ":8883", Check: firstboot.BrokerURLs})
	ans.Broker = broker
	return ans, err
}

func absPath(s string) error {
	if !filepath.IsAbs(s) {
		return errors.New("要绝对路径 / type an absolute path, e.g. /var/lib/kakou")
	}
	return nil
}

// detect finds the thermometer and the scanner, or takes the flags' word.
func detect(ctx context.Context, a *firstboot.Asker, ans *setupAnswers) error {
	a.Say("查找测温仪 (I2C)…", "looking for the thermometer (I2C)…")
	if ans.Thermometer != "sim" {
		bus, err := findThermometer(a.Out, uint16(defaults().Thermometer.Address))
		if err != nil {
			return err
		}
		ans.Thermometer, ans.I2CBus = "mlx90614", bus
	}
	a.Say("串口:", "serial ports:")
	ports := serialPorts(a.Out)
	if ans.ScannerPort == "sim" || ans.ScannerPort != "" && ans.ScanWait == 0 {
		return nil
	}
	if ans.ScannerPort != "" {
		ports = []string{ans.ScannerPort}
	}
	if len(ports) == 0 {
		return errors.New("没有可用的串口 / no serial port to listen on: plug the scanner in, or give its port with -scanner-port")
	}
	a.Say(fmt.Sprintf("请在 %s 内对扫码器出示任意二维码…", ans.ScanWait), fmt.Sprintf("show the scanner any QR code within %s…", ans.ScanWait))
	port, code, err := awaitScan(ctx, ports, ans.ScanWait)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.Out, "  扫码器在 / scanner is on %s (read %d bytes)\n", port, len(code))
	ans.ScannerPort = port
	return askIDCard(a, ans)
}

// askIDCard asks for the ID card reader's port; most lanes have none. The
// reader answers only with a card on it, so its port is named, not found.
func askIDCard(a *firstboot.Asker, ans *setupAnswers) error {
	port, err := a.Ask(firstboot.Question{ZH: "身份证阅读器串口 (none 无)", EN: "ID card reader's serial port (none = no reader)",
		Flag: "-idcard-port", Preset: ans.IDCardPort, Default: "none", Check: func(s string) error {
			if _, err := os.Stat(s); err != nil && s != "none" {
				return fmt.Errorf("找不到串口 / no port %s: type one of the ports listed above, or none", s)
			}
			return nil
		}})
	if port == "none" {
		port = ""
	}
	ans.IDCardPort = port
	return err
}

func (o SetupOptions) example() string {
	if o.Example != "" {
		return o.Example
	}
	return filepath.Join(firstboot.Examples, "unit.toml")
}
