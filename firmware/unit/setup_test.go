package unit

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kakou/kakou/drivers/mlx90614"
	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/i2c/i2creg"
	"periph.io/x/conn/v3/physic"
)

// fakeMLX is an MLX90614 at 0x5A on a bus of its own: it answers the
// driver's read-word commands with good PECs (emissivity 1.0, 25 °C
// ambient, 34.5 °C object), and nothing answers at any other address.
type fakeMLX struct{}

func (fakeMLX) Tx(addr uint16, w, r []byte) error {
	if addr != 0x5A || len(w) != 1 || len(r) != 3 {
		return errors.New("NACK")
	}
	v := map[byte]uint16{0x24: 0xFFFF, 0x06: 14908, 0x07: 15383}[w[0]]
	lo, hi := byte(v), byte(v>>8)
	copy(r, []byte{lo, hi, mlx90614.PEC(byte(addr<<1), w[0], byte(addr<<1)|1, lo, hi)})
	return nil
}
func (fakeMLX) SetSpeed(physic.Frequency) error { return nil }
func (fakeMLX) String() string                  { return "fake-mlx" }
func (fakeMLX) Close() error                    { return nil }

// withFakeI2C registers the fake thermometer's bus as bus number 7.
func withFakeI2C(t *testing.T) {
	t.Helper()
	if err := i2creg.Register("kakou-setup-test", nil, 7, func() (i2c.BusCloser, error) { return fakeMLX{}, nil }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { i2creg.Unregister("kakou-setup-test") })
}

// tlsEnrollServer is the collector's enrollment over HTTPS (the stand-in
// from enroll_test.go: "good" works once), with its CA written to a file.
func tlsEnrollServer(t *testing.T) (url, caFile string, calls *atomic.Int32) {
	t.Helper()
	plain, calls := enrollServer(t)
	srv := httptest.NewTLSServer(plain.Config.Handler)
	t.Cleanup(srv.Close)
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, pemBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	return srv.URL, caFile, calls
}

func runSetup(t *testing.T, o SetupOptions, stdin string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := Setup(context.Background(), o, strings.NewReader(stdin), &out)
	return out.String(), err
}

func TestSetupAsksInBothLanguagesDetectsTheThermometerEnrollsAndWritesAConfigThatLoads(t *testing.T) {
	withFakeI2C(t)
	url, ca, _ := tlsEnrollServer(t)
	dir := t.TempDir()
	o := SetupOptions{Config: filepath.Join(dir, "etc", "unit.toml"), ScannerPort: "sim"}
	stdin := strings.Join([]string{"s1", "u1", "out", filepath.Join(dir, "state"), url, ca, "good", ""}, "\n") + "\n"
	out, err := runSetup(t, o, stdin)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"站点编号 / site id", "终端编号 / unit id", "找到测温仪 / thermometer found at 0x5A",
		"登记成功", "enrolled", "配置已写入", "configuration written", "systemctl status kakou-unit", "http://127.0.0.1:8081/"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	cfg, err := LoadConfig(o.Config)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckFiles(cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Site != "s1" || cfg.Unit != "u1" || cfg.Lane != "out" || cfg.Thermometer.Driver != "mlx90614" ||
		cfg.Thermometer.I2CBus != "7" || cfg.Enroll.URL != url || cfg.Enroll.Token != "" || cfg.Enroll.CAFile != ca {
		t.Errorf("written config = %+v", cfg)
	}
	var cred map[string]string
	b, _ := os.ReadFile(filepath.Join(cfg.DataDir, credentialFile))
	if json.Unmarshal(b, &cred); cred["password"] != "secret-from-cloud" {
		t.Errorf("saved credential %s, want the one the centre gave", b)
	}
	// The unit's own first start finds the credential and does not spend
	// the (already spent) token again.
	if err := useCredential(context.Background(), &cfg, quiet); err != nil || cfg.MQTT.Password != "secret-from-cloud" {
		t.Errorf("the unit's start with the written config: %v, password %q", err, cfg.MQTT.Password)
	}
}

func TestSetupSaysWhatIsWrongAndAsksAgain(t *testing.T) {
	withFakeI2C(t)
	url, ca, _ := tlsEnrollServer(t)
	dir := t.TempDir()
	o := SetupOptions{Config: filepath.Join(dir, "unit.toml"), ScannerPort: "sim"}
	stdin := strings.Join([]string{
		"sunshine garden", "sunshine-garden", // a space in the site id
		"South Gate", "south-gate",
		"sideways", "", // lane: a wrong word, then the default
		"var/lib", filepath.Join(dir, "state"),
		"http://cloud.example:8443", url, // not https
		filepath.Join(dir, "missing.pem"), ca,
		"stolen",   // refused by the centre once enrollment is tried
		"",         // the broker: its default
		"", "good", // the token asked again: an empty answer is not one
	}, "\n") + "\n"
	out, err := runSetup(t, o, stdin)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{
		"编号无效 / not a valid id", "type only a-z, 0-9", "type one of: in, out", "type an absolute path",
		"必须是 https://", "is not https://", "找不到文件 / cannot read", "中心拒绝登记 / enrollment failed", "token unknown",
		"必须填写 / an answer is required",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if cfg, err := LoadConfig(o.Config); err != nil || cfg.Site != "sunshine-garden" || cfg.Lane != "in" {
		t.Fatalf("config: %+v, %v", cfg, err)
	}
}

func TestSetupScriptedWithARefusedTokenFailsAndWritesNothing(t *testing.T) {
	withFakeI2C(t)
	url, ca, _ := tlsEnrollServer(t)
	dir := t.TempDir()
	o := SetupOptions{Config: filepath.Join(dir, "unit.toml"), Yes: true, Site: "s1", Unit: "u1",
		DataDir: filepath.Join(dir, "state"), EnrollURL: url, CAFile: ca, Token: "stolen", ScannerPort: "sim"}
	out, err := runSetup(t, o, "")
	if err == nil || !strings.Contains(err.Error(), "token unknown") || !strings.Contains(err.Error(), "kakou-cloud enroll-token") {
		t.Fatalf("error %v, want the refusal and where a new token comes from\n%s", err, out)
	}
	for _, f := range []string{o.Config, filepath.Join(o.DataDir, credentialFile)} {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("%s was written by a failed setup", f)
		}
	}
	o.Token = "good"
	if out, err := runSetup(t, o, ""); err != nil {
		t.Fatalf("scripted setup with a good token: %v\n%s", err, out)
	}
	if _, err := LoadConfig(o.Config); err != nil {
		t.Fatal(err)
	}
}

func TestSetupScriptedRefusesWrongFlagsNamingThem(t *testing.T) {
	base := SetupOptions{Config: filepath.Join(t.TempDir(), "unit.toml"), Yes: true, Site: "s1", Unit: "u1",
		EnrollURL: "https://cloud.example", Token: "t", ScannerPort: "sim", Thermometer: "sim"}
	for _, tc := range []struct {
		name string
		edit func(*SetupOptions)
		want string
	}{
		{"site with a space", func(o *SetupOptions) { o.Site = "sunshine garden" }, `-site "sunshine garden"`},
		{"plain http enrollment", func(o *SetupOptions) { o.EnrollURL = "http://cloud.example" }, "is not https://"},
		{"no token", func(o *SetupOptions) { o.Token = "" }, "-token is required with -yes"},
		{"no unit", func(o *SetupOptions) { o.Unit = "" }, "-unit is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := base
			tc.edit(&o)
			if _, err := runSetup(t, o, ""); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want it to say %q", err, tc.want)
			}
		})
	}
}

func TestSetupLeavesAnExistingConfigAlone(t *testing.T) {
	path := filepath.Join(t.TempDir(), "unit.toml")
	os.WriteFile(path, []byte("# the installer's own\n"), 0o640)
	_, err := runSetup(t, SetupOptions{Config: path, Yes: true}, "")
	if err == nil || !strings.Contains(err.Error(), "-force") {
		t.Fatalf("error %v, want a refusal naming -force", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "# the installer's own\n" {
		t.Fatalf("config changed to %q", b)
	}
}

func TestSetupWithForceReplacesAnExistingConfig(t *testing.T) {
	url, ca, _ := tlsEnrollServer(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "unit.toml")
	os.WriteFile(path, []byte("# old\n"), 0o640)
	o := SetupOptions{Config: path, Force: true, Yes: true, Site: "s1", Unit: "u1", DataDir: filepath.Join(dir, "state"),
		EnrollURL: url, CAFile: ca, Token: "good", Thermometer: "sim", ScannerPort: "sim"}
	if out, err := runSetup(t, o, ""); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if _, err := LoadConfig(path); err != nil {
		t.Fatal(err)
	}
}

func TestSetupWithoutAnI2CBusExplainsRaspiConfig(t *testing.T) {
	if len(i2creg.All()) > 0 {
		t.Skip("this machine has an I2C bus")
	}
	o := SetupOptions{Config: filepath.Join(t.TempDir(), "unit.toml"), Yes: true, Site: "s1", Unit: "u1",
		EnrollURL: "https://cloud.example", Token: "t", ScannerPort: "sim"}
	out, err := runSetup(t, o, "")
	if err == nil || !strings.Contains(err.Error(), "raspi-config") || !strings.Contains(err.Error(), "未找到 I2C 总线") {
		t.Fatalf("error %v, want the raspi-config steps in both languages\n%s", err, out)
	}
}

func TestSetupRerunWithForceKeepsTheSavedCredentialAndRefusesAnotherUnits(t *testing.T) {
	url, ca, calls := tlsEnrollServer(t)
	dir := t.TempDir()
	o := SetupOptions{Config: filepath.Join(dir, "unit.toml"), Yes: true, Site: "s1", Unit: "u1", DataDir: filepath.Join(dir, "state"),
		EnrollURL: url, CAFile: ca, Token: "good", Thermometer: "sim", ScannerPort: "sim"}
	if out, err := runSetup(t, o, ""); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	o.Force = true // a reinstall: the token is spent, the credential saved
	if out, err := runSetup(t, o, ""); err != nil || calls.Load() != 1 {
		t.Fatalf("rerun: %v, %d enrollment requests (want 1: the saved credential is kept)\n%s", err, calls.Load(), out)
	}
	o.Unit = "u2" // a confused installer renames the unit on the same card
	if _, err := runSetup(t, o, ""); err == nil || !strings.Contains(err.Error(), "delete it") {
		t.Fatalf("rerun as another unit: %v, want the saved credential's owner named and what to do", err)
	}
	if cfg, err := LoadConfig(o.Config); err != nil || cfg.Unit != "u1" {
		t.Fatalf("config after the refused rerun: unit %q, %v; want u1 left in place", cfg.Unit, err)
	}
}
