package e2e

import (
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// A unit at a busy lane loses its collector for three minutes, as in a
// cloud restart gone wrong, and must then drain the backlog at its
// backlog_rate while the people still arriving reach the centre at once.
const (
	drainOutage   = 3 * time.Minute
	drainRate     = 1000  // the unit's mqtt.backlog_rate, entries/s
	drainInterval = "4ms" // the crowd's mean arrival gap: some 150 entries/s
	resendLine    = "has not acknowledged in time; resending"
)

// TestUnitDrainsBacklogAtItsRateWhileLiveTrafficFlowsIntegration: the
// collector is killed with SIGKILL and kept down three minutes while the
// unit logs 100-150 people a second; once it is back, the unit's backlog
// (30,000 entries or so) must be stored within 1.5 × backlog/backlog_rate,
// without one ack timeout (the unit's default, 30 s) and the re-send it
// brings, while the live entries reach the collector within a second
// (p99), and in the end every logged entry is stored exactly once.
func TestUnitDrainsBacklogAtItsRateWhileLiveTrafficFlowsIntegration(t *testing.T) {
	bin := binaries(t)
	dir := t.TempDir()
	addr := freePort(t)
	c := startCloudProc(t, bin.cloud, dir, fmt.Sprintf("[broker]\nembedded = true\nlisten = %q\n", addr), "tcp://"+addr)
	u := startUnitProcAt(t, bin.unit, dir, "site-d", "unit-d", c.brokerURL, 0, drainInterval,
		fmt.Sprintf("backlog_rate = %d", drainRate))
	ledgerPath := filepath.Join(dir, "unit-d", "ledger.db")
	cloudDB := filepath.Join(dir, "data", "cloud.db")
	testenv.Await(t, "entries stored", patience, func() bool { return storedUpTo(t, cloudDB, "unit-d", 1<<62) >= 500 })

	c.kill(syscall.SIGKILL)
	down := ledgerCount(t, ledgerPath)
	time.Sleep(drainOutage)
	if rate := float64(ledgerCount(t, ledgerPath)-down) / drainOutage.Seconds(); rate < 100 {
		t.Fatalf("the unit logged %.0f entries/s during the outage; the test needs at least 100", rate)
	}
	logFrom := fileSize(t, u.log)
	c.restart()
	c.awaitHTTP()
	after, upTo := awaitBacklogStart(t, u.log, logFrom)
	backlog := upTo - after
	want := time.Duration(float64(backlog) / drainRate * float64(time.Second))
	awaitStoredUpTo(t, cloudDB, "unit-d", upTo, 4*want+time.Minute, u.log)

	d := measureDrain(t, cloudDB, "unit-d", after, upTo)
	t.Logf("backlog %d entries: drained in %v (backlog/rate %v, ratio %.2f); %d live entries meanwhile, p99 latency %v",
		backlog, d.took.Round(time.Millisecond), want, d.took.Seconds()/want.Seconds(), len(d.live), d.p99())
	if d.took > want*3/2 {
		t.Errorf("the backlog drained in %v, more than 1.5 × backlog/rate (%v)", d.took, want)
	}
	if n := countInFile(t, u.log, resendLine); n > 0 {
		t.Errorf("the unit resent its window %d times during the drain; want none", n)
	}
	if len(d.live) < 10 {
		t.Errorf("only %d live entries arrived during the drain; the test needs live traffic", len(d.live))
	} else if p := d.p99(); p >= time.Second {
		t.Errorf("live entries' p99 latency during the drain is %v, want under 1 s", p)
	}
	endCrowd(t, u, filepath.Join(dir, "unit-d.toml"), ledgerPath, cloudDB, "unit-d")
}

// awaitBacklogStart waits for the unit to reconnect and returns the
// backlog it announced: the seqs after `after` up to upTo.
func awaitBacklogStart(t *testing.T, log string, from int64) (after, upTo uint64) {
	t.Helper()
	re := regexp.MustCompile(`uplink: sending backlog.* after_seq=(\d+) up_to_seq=(\d+)`)
	var m []string
	testenv.Await(t, "the unit reconnected with its backlog", patience, func() bool {
		m = re.FindStringSubmatch(readFrom(t, log, from))
		return m != nil
	})
	after, _ = strconv.ParseUint(m[1], 10, 64)
	upTo, _ = strconv.ParseUint(m[2], 10, 64)
	return after, upTo
}

// awaitStoredUpTo waits until the cloud holds every seq up to upTo, and
// says how far it got when it gives up.
func awaitStoredUpTo(t *testing.T, db, unit string, upTo uint64, limit time.Duration, unitLog string) {
	t.Helper()
	var have uint64
	defer func() { // Await's Fatalf runs this
		if have < upTo {
			t.Logf("the cloud holds %d of the %d entries up to the backlog's end; the unit resent %d times",
				have, upTo, countInFile(t, unitLog, resendLine))
		}
	}()
	testenv.Await(t, "the cloud holds the whole backlog", limit, func() bool {
		have = storedUpTo(t, db, unit, upTo)
		return have >= upTo
	})
}

// storedUpTo counts a unit's entries the collector stored with seq <= upTo.
func storedUpTo(t *testing.T, path, unit string, upTo uint64) uint64 {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n uint64
	if err := db.QueryRow(`SELECT count(*) FROM entries WHERE unit = ? AND seq <= ?`, unit, upTo).Scan(&n); err != nil {
		return 0 // not created yet
	}
	return n
}

// drain is what the cloud saw of a drain: how long from the backlog's
// first entry to its last, and each live entry's time from the unit's
// clock to the collector (one machine, one clock) meanwhile.
type drain struct {
	took time.Duration
	live []time.Duration
}

func (d drain) p99() time.Duration {
	if len(d.live) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(d.live))
	return s[len(s)*99/100]
}

func measureDrain(t *testing.T, db, unit string, after, upTo uint64) drain {
	t.Helper()
	es := storedEntries(t, db, unit)
	var first, last time.Time
	for _, e := range es {
		if e.historical && e.Seq > after && e.Seq <= upTo {
			if first.IsZero() || e.receivedAt.Before(first) {
				first = e.receivedAt
			}
			last = later(last, e.receivedAt)
		}
	}
	d := drain{took: last.Sub(first)}
	for _, e := range es {
		if !e.historical && e.Seq > upTo && !e.receivedAt.After(last) {
			d.live = append(d.live, e.receivedAt.Sub(e.Time))
		}
	}
	return d
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// endCrowd stops the endless crowd so the ledger stops growing: the unit
// restarts for one more person, and the cloud must then hold every entry
// of the ledger exactly once.
func endCrowd(t *testing.T, u *proc, config, ledgerPath, db, unit string) {
	t.Helper()
	u.kill(syscall.SIGTERM)
	b, err := os.ReadFile(config)
	if err != nil {
		t.Fatal(err)
	}
	b = []byte(strings.Replace(string(b), "max_people = 0", "max_people = 1", 1))
	if err := os.WriteFile(config, b, 0o600); err != nil {
		t.Fatal(err)
	}
	total := ledgerCount(t, ledgerPath) + 1
	u.restart()
	testenv.Await(t, "the last person logged", patience, func() bool { return ledgerCount(t, ledgerPath) == total })
	testenv.Await(t, "the cloud caught up", patience, func() bool { return storedUpTo(t, db, unit, 1<<62) >= uint64(total) })
	u.kill(syscall.SIGTERM)
	var cloud []wire.Entry
	for _, e := range storedEntries(t, db, unit) {
		cloud = append(cloud, e.Entry)
	}
	assertExactlyOnce(t, ledgerEntries(t, ledgerPath), cloud)
}

// stored is an entry as the collector stored it.
type stored struct {
	wire.Entry
	historical bool
	receivedAt time.Time
}

// storedEntries reads a unit's entries straight from the collector's
// database, beside the running collector (WAL allows it): the API pages
// at 1,000 and a drain stores tens of thousands.
func storedEntries(t *testing.T, path, unit string) []stored {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT id, seq, time, historical, received_at FROM entries WHERE unit = ?`, unit)
	if err != nil {
		return nil // not created yet
	}
	defer rows.Close()
	var out []stored
	for rows.Next() {
		var e stored
		var at string
		var received int64
		if err := rows.Scan(&e.ID, &e.Seq, &at, &e.historical, &received); err != nil {
			t.Fatal(err)
		}
		e.Time, _ = time.Parse(time.RFC3339Nano, at)
		e.receivedAt = time.Unix(0, received)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// readFrom returns a file's text from byte offset from on.
func readFrom(t *testing.T, path string, from int64) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Seek(from, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func countInFile(t *testing.T, path, s string) int {
	t.Helper()
	return strings.Count(readFrom(t, path, 0), s)
}
