package escpos

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/kakou/kakou/internal/testenv"
	"go.bug.st/serial"
)

// TestPrinterIntegrationReceiptCrossesASerialLine prints a visit receipt
// through a real serial port — the host end of a socat pseudo-terminal
// pair, opened with go.bug.st/serial as the unit's wiring does — and reads
// on the printer's end exactly the bytes Print built, in order: nothing is
// lost or translated on the way (raw mode, no CR/LF mapping).
func TestPrinterIntegrationReceiptCrossesASerialLine(t *testing.T) {
	socat := testenv.Need(t, "socat")
	if testing.Short() && !testenv.Integration() {
		t.Skip("integration test skipped with -short")
	}
	dir := t.TempDir()
	printerEnd, hostEnd := filepath.Join(dir, "printer"), filepath.Join(dir, "host")
	cmd := exec.Command(socat, "pty,raw,echo=0,link="+printerEnd, "pty,raw,echo=0,link="+hostEnd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	testenv.Await(t, "socat to create its ptys", 10*time.Second, func() bool {
		_, a := os.Stat(printerEnd)
		_, b := os.Stat(hostEnd)
		return a == nil && b == nil
	})
	printer, err := os.Open(printerEnd)
	if err != nil {
		t.Fatal(err)
	}
	defer printer.Close()
	port, err := serial.Open(hostEnd, &serial.Mode{BaudRate: 9600})
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()

	var want bytes.Buffer
	ref, _ := New(&want, nil)
	receipt := func(d *Dev) *Receipt {
		return d.Receipt().Align(Center).Line("阳光花园小区 · 北门").Size(3, 3).Line("301234").Size(1, 1).
			QR("KKV1:sunny:gate-1:1234:301234:1772441200:0123456789abcdef").Line("出门时请出示此码")
	}
	ref.Print(receipt(ref))
	d, _ := New(port, nil)
	if err := d.Print(receipt(d)); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, want.Len())
	done := make(chan error, 1)
	go func() { _, err := io.ReadFull(printer, got); done <- err }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("printer end read: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the receipt never arrived at the printer end")
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("printer received\n% x\nwant\n% x", got, want.Bytes())
	}
}
