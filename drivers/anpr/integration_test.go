package anpr

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kakou/kakou/internal/testenv"
	"go.bug.st/serial"
)

// patience bounds every wait here. It guards against hangs; no test
// asserts that anything happens faster than this.
const patience = 15 * time.Second

// TestIntegrationReadsPlatesFromASerialPort runs a camera on one end of a
// socat pseudo-terminal pair and the reader on the other, opened with
// go.bug.st/serial as the unit opens a real port: power-up noise, a
// banner, a line split across writes and a doubtful read come through as
// the two good plates.
func TestIntegrationReadsPlatesFromASerialPort(t *testing.T) {
	socat := testenv.Need(t, "socat")
	if testing.Short() && !testenv.Integration() {
		t.Skip("integration test skipped with -short")
	}
	dir := t.TempDir()
	camEnd, hostEnd := filepath.Join(dir, "camera"), filepath.Join(dir, "host")
	cmd := exec.Command(socat, "-d", "-d", "pty,raw,echo=0,link="+camEnd, "pty,raw,echo=0,link="+hostEnd)
	var log strings.Builder
	cmd.Stderr = &log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start socat: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() })
	testenv.Await(t, "socat links both ends", patience, func() bool {
		_, e1 := os.Stat(camEnd)
		_, e2 := os.Stat(hostEnd)
		return e1 == nil && e2 == nil
	})
	cam, err := os.OpenFile(camEnd, os.O_WRONLY|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open camera end: %v\nsocat: %s", err, log.String())
	}
	defer cam.Close()
	port, err := serial.Open(hostEnd, &serial.Mode{BaudRate: 9600})
	if err != nil {
		t.Fatalf("open host end: %v", err)
	}
	defer port.Close()

	reads := make(chan Read)
	go func() {
		r := NewReader(port, &Opts{MinConfidence: 60})
		for {
			rd, err := r.Next()
			if err != nil {
				close(reads)
				return
			}
			reads <- rd
		}
	}()
	for _, s := range []string{"\x00\xff\xffHELLO CAMERA\r\n", "PLATE,粤B1", "2345,blue,9", "2\r\n",
		"PLATE,粤B54321,blue,10\r\n", "PLATE,沪AD12345,绿,99\r\n"} {
		if _, err := cam.WriteString(s); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for len(got) < 2 {
		select {
		case rd, ok := <-reads:
			if !ok {
				t.Fatalf("reader stopped after %q", got)
			}
			got = append(got, rd.Plate+"/"+rd.Colour)
		case <-time.After(patience):
			t.Fatalf("after %s only %q arrived", patience, got)
		}
	}
	if strings.Join(got, " ") != "粤B12345/blue 沪AD12345/green" {
		t.Fatalf("reads %q", got)
	}
}
