package kakou

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/ledger"
	"github.com/kakou/kakou/firmware/wire"
	_ "modernc.org/sqlite"
)

// These tests run the real programs as processes and kill them with
// SIGKILL, as a power cut or the OOM killer would: whatever a unit logged
// must reach the cloud exactly once.

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// binaries builds kakou-unit and kakou-cloud once per test run.
func binaries(t *testing.T) (unit, cloud string) {
	t.Helper()
	if testing.Short() {
		t.Skip("real-process fault injection is skipped under -short")
	}
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "kakou-bin-")
		if buildErr != nil {
			return
		}
		out, err := exec.Command("go", "build", "-o", binDir+"/", "./firmware/cmd/kakou-unit", "./cloud/cmd/kakou-cloud").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(binDir, "kakou-unit"), filepath.Join(binDir, "kakou-cloud")
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
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if r, err := httpGet(c.httpURL + "/healthz"); err == nil && r == 200 {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("kakou-cloud did not come up; see %s", c.log)
		}
	}
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

// ledgerCount reads how many entries a running unit has logged, through a
// second connection that WAL mode allows beside the unit's own. (Not
// read-only: after a SIGKILL the first reader may have to recover the WAL.)
func ledgerCount(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM entries").Scan(&n); err != nil {
		return -1 // not created yet
	}
	return n
}

// ledgerEntries reads a stopped unit's whole ledger.
func ledgerEntries(t *testing.T, path string) []wire.Entry {
	t.Helper()
	l, err := ledger.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	es, err := l.Entries(context.Background(), 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// apiEntries reads what the cloud stored for a unit, named with its site
// as the API asks: the unit's site is read from the fleet view, where these
// tests give every unit id one site.
func apiEntries(t *testing.T, httpURL, unit string) []wire.Entry {
	t.Helper()
	var fleet struct {
		Units []struct{ ID, Site string } `json:"units"`
	}
	getJSON(t, httpURL+"/api/v1/units", &fleet)
	var body struct {
		Entries []wire.Entry `json:"entries"`
	}
	for _, u := range fleet.Units {
		if u.ID == unit {
			getJSON(t, httpURL+"/api/v1/entries?limit=1000&site="+u.Site+"&unit="+unit, &body)
		}
	}
	return body.Entries
}

// assertExactlyOnce compares a ledger with the cloud's copy of it.
func assertExactlyOnce(t *testing.T, logged, cloud []wire.Entry) {
	t.Helper()
	if holdsExactlyOnce(t, logged, cloud) {
		return
	}
	stored := map[string]bool{}
	for _, e := range cloud {
		stored[e.ID] = true
	}
	for _, e := range logged {
		if !stored[e.ID] {
			t.Fatalf("logged entry seq %d (%s) missing from the cloud", e.Seq, e.ID)
		}
	}
	t.Fatalf("cloud holds %d entries, the ledger %d", len(cloud), len(logged))
}

// holdsExactlyOnce says whether the cloud holds every entry of a ledger
// (a snapshot, for a running unit, taken after inCloud was read). What
// can never be put right fails the test: an entry stored twice, or one
// the ledger does not have.
func holdsExactlyOnce(t *testing.T, logged, inCloud []wire.Entry) bool {
	t.Helper()
	inLedger := map[string]uint64{}
	for _, e := range logged {
		inLedger[e.ID] = e.Seq
	}
	seen := map[string]bool{}
	for _, e := range inCloud {
		if seen[e.ID] {
			t.Fatalf("entry %s stored twice", e.ID)
		}
		seen[e.ID] = true
		if seq, ok := inLedger[e.ID]; !ok || seq != e.Seq {
			t.Fatalf("the cloud holds entry seq %d (%s), which the ledger does not", e.Seq, e.ID)
		}
	}
	return len(inCloud) == len(logged)
}

var httpClient = &http.Client{Timeout: 5 * time.Second}

func httpGet(url string) (int, error) {
	r, err := httpClient.Get(url)
	if err != nil {
		return 0, err
	}
	r.Body.Close()
	return r.StatusCode, nil
}
