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
	conf := filepath.Join(t.TempDir(), "mosquitto.conf")
	os.WriteFile(conf, []byte("listener "+port+" 127.0.0.1\nallow_anonymous true\npersistence false\n"), 0o600)
	cmd := exec.Command(bin, "-c", conf)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("mosquitto did not listen on %s", addr)
		}
		time.Sleep(50 * time.Millisecond)
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
