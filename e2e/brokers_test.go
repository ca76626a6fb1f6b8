package e2e

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kakou/kakou/internal/testenv"
)

// The brokers a collector and its units meet through: the collector's
// embedded one, or a private Debian mosquitto on a free loopback port.

// brokers are the two ways a collector meets its units: its own embedded
// broker, or Debian's mosquitto beside it.
var brokers = []struct {
	name  string
	start func(t *testing.T) (brokerTOML, url string)
}{
	{"embedded", func(t *testing.T) (string, string) {
		addr := freePort(t)
		return fmt.Sprintf("[broker]\nembedded = true\nlisten = %q\n", addr), "tcp://" + addr
	}},
	{"mosquitto", func(t *testing.T) (string, string) {
		_, addr := startMosquittoProc(t)
		return fmt.Sprintf("[broker]\nembedded = false\nurl = \"tcp://%s\"\n", addr), "tcp://" + addr
	}},
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
	bin := testenv.Need(t, "mosquitto")
	addr := freePort(t)
	_, port, _ := net.SplitHostPort(addr)
	dir := t.TempDir()
	conf := filepath.Join(dir, "mosquitto.conf")
	os.WriteFile(conf, []byte("listener "+port+" 127.0.0.1\nallow_anonymous true\npersistence false\n"), 0o600)
	p := startProc(t, bin, filepath.Join(dir, "mosquitto.log"), "-c", conf)
	awaitListen(t, addr)
	return p, addr
}

// awaitListen waits for a broker to accept connections on addr.
func awaitListen(t *testing.T, addr string) {
	t.Helper()
	testenv.Await(t, "a listener on "+addr, 10*time.Second, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
}

// freePort is a loopback address nothing listens on, for a program to take.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
