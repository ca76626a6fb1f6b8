package unit

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// keepScanning writes code to a pty end until the test ends: the setup
// under test opens its ports when it is ready, and a code shown before
// that is lost, as on a real scanner.
func keepScanning(t *testing.T, end, code string) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() {
		for ctx.Err() == nil {
			os.WriteFile(end, []byte(code), 0)
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
}

func TestSetupIntegrationFindsTheScannerOnThePortAScanArrivesOn(t *testing.T) {
	_, quietEnd, _ := socatPair(t)
	scannerEnd, unitEnd, _ := socatPair(t)
	keepScanning(t, scannerEnd, "KAKOU1:PASS:R-7\n")
	port, code, err := awaitScan(context.Background(), []string{quietEnd, unitEnd}, 20*time.Second)
	if err != nil || port != unitEnd || string(code) != "KAKOU1:PASS:R-7" {
		t.Fatalf("awaitScan = %q, %q, %v; want the port the scan came through, %s", port, code, err, unitEnd)
	}
}

func TestSetupIntegrationChecksTheScannerAndWritesItsPortAndTheCardReaders(t *testing.T) {
	scannerEnd, unitEnd, _ := socatPair(t)
	_, readerEnd, _ := socatPair(t)
	keepScanning(t, scannerEnd, "KAKOU1:PASS:R-7\n")
	url, ca, _ := tlsEnrollServer(t)
	dir := t.TempDir()
	o := SetupOptions{Config: filepath.Join(dir, "unit.toml"), Yes: true, Site: "s1", Unit: "u1",
		DataDir: filepath.Join(dir, "state"), EnrollURL: url, CAFile: ca, Token: "good",
		Thermometer: "sim", ScannerPort: unitEnd, ScanWait: 20 * time.Second, IDCardPort: readerEnd}
	out, err := runSetup(t, o, "")
	if err != nil || !strings.Contains(out, "扫码器在 / scanner is on "+unitEnd) {
		t.Fatalf("%v\n%s", err, out)
	}
	cfg, err := LoadConfig(o.Config)
	if err != nil || cfg.Scanner.Driver != "serial" || cfg.Scanner.Port != unitEnd ||
		cfg.IDCard.Driver != "serial" || cfg.IDCard.Port != readerEnd {
		t.Fatalf("config scanner %+v, ID card %+v, %v", cfg.Scanner, cfg.IDCard, err)
	}
	o.Force, o.IDCardPort = true, filepath.Join(dir, "ttyUSB9")
	if _, err := runSetup(t, o, ""); err == nil || !strings.Contains(err.Error(), "-idcard-port") {
		t.Fatalf("a card reader port that is not there: %v, want the flag named", err)
	}
}

func TestSetupIntegrationWithASilentScannerSaysWhatToCheck(t *testing.T) {
	_, unitEnd, _ := socatPair(t)
	_, _, err := awaitScan(context.Background(), []string{unitEnd}, 300*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "check the scanner's cable") {
		t.Fatalf("awaitScan = %v, want advice", err)
	}
}
