package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kakou/kakou/internal/testenv"
)

// The programs as processes, built from this checkout: tests start them,
// kill them with SIGKILL as a power cut or the OOM killer would, and
// restart them, and read their logs, ledgers and databases from outside.

// programs are the paths of the three built binaries.
type programs struct{ unit, gateway, cloud string }

var (
	buildOnce sync.Once
	built     programs
	buildErr  error
)

// binaries builds kakou-unit, kakou-gateway and kakou-cloud once per test
// run, into a temporary directory (bin/ is make's). Tests that start
// processes are slow, so they skip under -short.
func binaries(t *testing.T) programs {
	t.Helper()
	if testing.Short() {
		t.Skip("tests with the programs as processes are skipped under -short")
	}
	root := testenv.RepoRoot(t)
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kakou-bin-")
		if err != nil {
			buildErr = err
			return
		}
		cmd := exec.Command("go", "build", "-o", dir+"/",
			"./firmware/cmd/kakou-unit", "./gateway/cmd/kakou-gateway", "./cloud/cmd/kakou-cloud")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
		built = programs{unit: filepath.Join(dir, "kakou-unit"), gateway: filepath.Join(dir, "kakou-gateway"),
			cloud: filepath.Join(dir, "kakou-cloud")}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return built
}

// proc is a program under test; its output goes to a log in the test's dir.
type proc struct {
	t    *testing.T
	bin  string
	args []string
	log  string
	cmd  *exec.Cmd
}

func startProc(t *testing.T, bin, log string, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, bin: bin, args: args, log: log}
	p.start()
	t.Cleanup(func() {
		p.kill(syscall.SIGKILL)
		if t.Failed() {
			p.logTail(30) // the temp dir and its logs go with the test
		}
	})
	return p
}

// logTail puts the last n lines of the program's log into the test's
// output, so a failure in CI says what the program was doing.
func (p *proc) logTail(n int) {
	b, err := os.ReadFile(p.log)
	if err != nil {
		return
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	p.t.Logf("last lines of %s:\n%s", filepath.Base(p.log), strings.Join(lines[max(0, len(lines)-n):], "\n"))
}

func (p *proc) start() {
	p.t.Helper()
	f, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		p.t.Fatal(err)
	}
	p.cmd = exec.Command(p.bin, p.args...)
	p.cmd.Stdout, p.cmd.Stderr = f, f
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	f.Close()
}

// kill sends sig and waits for the process to end.
func (p *proc) kill(sig syscall.Signal) {
	if p.cmd == nil || p.cmd.Process == nil || p.cmd.ProcessState != nil {
		return
	}
	p.cmd.Process.Signal(sig)
	p.cmd.Wait()
}

func (p *proc) restart() {
	p.t.Helper()
	p.cmd = nil
	p.start()
}

// cloudProc runs kakou-cloud on free ports with its data in dir.
type cloudProc struct {
	*proc
	httpURL, brokerURL string
}

func startCloudProc(t *testing.T, bin, dir, brokerTOML, brokerURL string) *cloudProc {
	t.Helper()
	httpAddr := freePort(t)
	cfg := filepath.Join(dir, "cloud.toml")
	body := fmt.Sprintf("data_dir = %q\n[http]\nlisten = %q\n%s", filepath.Join(dir, "data"), httpAddr, brokerTOML)
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	c := &cloudProc{proc: startProc(t, bin, filepath.Join(dir, "cloud.log"), "-config", cfg),
		httpURL: "http://" + httpAddr, brokerURL: brokerURL}
	c.awaitHTTP()
	return c
}

func (c *cloudProc) awaitHTTP() {
	c.t.Helper()
	testenv.Await(c.t, "kakou-cloud answering /healthz (log: "+c.log+")", 30*time.Second, func() bool {
		r, err := httpGet(c.httpURL + "/healthz")
		return err == nil && r == 200
	})
}

// unitProc runs kakou-unit with a simulated crowd of people people, one
// every 3 ms on average. extraMQTT lines go into the unit's [mqtt] table.
func startUnitProc(t *testing.T, bin, dir, site, id, brokerURL string, people int, extraMQTT ...string) *proc {
	t.Helper()
	return startUnitProcAt(t, bin, dir, site, id, brokerURL, people, "3ms", extraMQTT...)
}

// startUnitProcAt is startUnitProc with people arriving every interval on
// average (0 people: a crowd without end). The config is at dir/<id>.toml.
func startUnitProcAt(t *testing.T, bin, dir, site, id, brokerURL string, people int, interval string, extraMQTT ...string) *proc {
	t.Helper()
	cfg := filepath.Join(dir, id+".toml")
	body := fmt.Sprintf(`site = %q
unit = %q
data_dir = %q
trust_clock = true
[console]
listen = "off"
[mqtt]
broker = %q
%s
[simulator]
mean_interval = %q
max_people = %d
`, site, id, filepath.Join(dir, id), brokerURL, strings.Join(extraMQTT, "\n"), interval, people)
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return startProc(t, bin, filepath.Join(dir, id+".log"), "-config", cfg)
}

// gatewayProc runs kakou-gateway for a site behind which units connect
// to lanURL; its occupancy API is at webURL.
type gatewayProc struct {
	*proc
	lanURL, webURL string
}

func startGatewayProc(t *testing.T, bin, dir, site, cloudURL string, capacity int) *gatewayProc {
	t.Helper()
	lan, web := freePort(t), freePort(t)
	cfg := filepath.Join(dir, "gateway.toml")
	body := fmt.Sprintf(`site = %q
gateway = "gw"
facility = "supermarket"
data_dir = %q
[lan]
listen = %q
[cloud]
broker = %q
ack_timeout = "2s"
[web]
listen = %q
[policy]
path = %q
`, site, filepath.Join(dir, "gateway"), lan, cloudURL, web, capacityPolicy(t, capacity))
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	g := &gatewayProc{proc: startProc(t, bin, filepath.Join(dir, "gateway.log"), "-config", cfg),
		lanURL: "tcp://" + lan, webURL: "http://" + web}
	g.awaitUp()
	return g
}

func (g *gatewayProc) awaitUp() {
	g.t.Helper()
	testenv.Await(g.t, "kakou-gateway answering (log: "+g.log+")", 30*time.Second, func() bool {
		r, err := httpGet(g.webURL + "/api/v1/occupancy")
		return err == nil && r == 200
	})
}

// count is the gateway's occupancy and how many people it holds at a door.
func (g *gatewayProc) count(t *testing.T) (occupancy, waiting int) {
	var o struct{ Occupancy, Waiting int }
	getJSON(t, g.webURL+"/api/v1/occupancy", &o)
	return o.Occupancy, o.Waiting
}
