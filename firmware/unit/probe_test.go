package unit

import (
	"bytes"
	"context"
	"fmt"
	"os"
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
