package unit

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestProbeIntegrationReadsOneTemperatureAndOneScan(t *testing.T) {
	scannerEnd, unitEnd, _ := socatPair(t)
	dir := t.TempDir()
	cfg, err := LoadConfig(writeConfig(t, fmt.Sprintf(`site = "s1"
unit = "u1"
data_dir = %q
[mqtt]
broker = "tcp://127.0.0.1:1"
[scanner]
driver = "serial"
port = %q
`, dir, unitEnd)))
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(200 * time.Millisecond)
		os.WriteFile(scannerEnd, []byte("KAKOU1:PASS:R-7\n"), 0)
	}()
	var out bytes.Buffer
	if err := Probe(context.Background(), cfg, &out, 20*time.Second); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"I2C buses:", "serial ports:", "thermometer (sim): raw", "resident_pass unverified R-7"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("probe output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestProbeChecksEveryDeviceAndNamesEachThatFailed(t *testing.T) {
	const badBus = "[thermometer]\ndriver = \"mlx90614\"\ni2c_bus = \"no-such-bus\"\n"
	absent := filepath.Join(t.TempDir(), "ttyACM9")
	badPort := fmt.Sprintf("[scanner]\ndriver = \"serial\"\nport = %q\n", absent)
	const quickSim = "[simulator]\nmean_interval = \"0s\"\n"
	for _, tc := range []struct {
		name     string
		devices  string
		wantOut  []string
		wantErr  []string // nil: no error
		notInErr string
	}{
		{"a miswired I2C bus does not hide a working scanner", badBus + quickSim,
			[]string{"thermometer (mlx90614): FAULT: thermometer: open I2C bus \"no-such-bus\"", "scanner (sim): show a code", "got "},
			[]string{"1 of 2 devices failed", "thermometer"}, "scanner ("},
		{"a missing scanner is reported after a working thermometer", badPort,
			[]string{"thermometer (sim): raw", "scanner (serial): show a code", "no scan", "unplugged at " + absent},
			[]string{"1 of 2 devices failed", "scanner"}, "thermometer ("},
		{"both failing are both reported", badBus + badPort,
			[]string{"thermometer (mlx90614): FAULT", "scanner (serial): show a code", "no scan"},
			[]string{"2 of 2 devices failed", "thermometer", "scanner"}, ""},
		{"both working", quickSim, []string{"thermometer (sim): raw", "scanner (sim): show a code", "got "}, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := LoadConfig(writeConfig(t, minimal+tc.devices))
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			err = Probe(context.Background(), cfg, &out, 300*time.Millisecond)
			for _, want := range tc.wantOut {
				if !strings.Contains(out.String(), want) {
					t.Errorf("probe output lacks %q:\n%s", want, out.String())
				}
			}
			if tc.wantErr == nil {
				if err != nil {
					t.Errorf("Probe = %v, want nil", err)
				}
				return
			}
			for _, want := range tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("Probe = %v, want it to say %q", err, want)
				}
			}
			if tc.notInErr != "" && err != nil && strings.Contains(err.Error(), tc.notInErr) {
				t.Errorf("Probe = %v, want it not to blame %q", err, tc.notInErr)
			}
		})
	}
}
