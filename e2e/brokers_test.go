package kakou

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestEndToEndIntegrationMosquitto runs the same path through Debian's
// mosquitto instead of the embedded broker: the collector as an ordinary
// client of an external broker, as a city deployment runs it.
func TestEndToEndIntegrationMosquitto(t *testing.T) {
	addr := startMosquitto(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := startCollector(t, ctx, fmt.Sprintf("[broker]\nembedded = false\nurl = \"tcp://%s\"\n", addr))
	runPath(t, ctx, c, "tcp://"+addr)
}

// startMosquitto runs a private mosquitto on a free loopback port. Missing
// mosquitto skips the test, unless KAKOU_INTEGRATION=1 says CI must run it.
func startMosquitto(t *testing.T) string {
	t.Helper()
	_, addr := startMosquittoProc(t)
	return addr
}

// startMosquittoProc is startMosquitto for tests that stop and restart the
// broker on the same port.
func startMosquittoProc(t *testing.T) (*proc, string) {
	t.Helper()
	bin, err := exec.LookPath("mosquitto")
	if err != nil {
		bin = "/usr/sbin/mosquitto"
	}
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("KAKOU_INTEGRATION") == "1" {
			t.Fatal("mosquitto is not installed; run .ci/deps")
		}
		t.Skip("mosquitto not installed (apt-get install mosquitto)")
	}
	addr := freePort(t)
	_, port, _ := net.SplitHostPort(addr)
	dir := t.TempDir()
	conf := filepath.Join(dir, "mosquitto.conf")
	os.WriteFile(conf, []byte("listener "+port+" 127.0.0.1\nallow_anonymous true\npersistence false\n"), 0o600)
	p := startProc(t, bin, filepath.Join(dir, "mosquitto.log"), "-c", conf)
	awaitListen(t, addr)
	return p, addr
}

func awaitListen(t *testing.T, addr string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listens on %s", addr)
		}
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
