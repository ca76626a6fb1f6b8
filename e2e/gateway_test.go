package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/unit"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// The site gateway scenario, every program a real process on loopback: a
// supermarket with two entrances and two exits behind a site gateway, and
// the cloud collector. The site fills to its cap and entrances hold
// people; the gateway's uplink is cut while traffic goes on; the gateway
// is killed and restarted mid-day. The cap must hold throughout, every
// entry must reach the cloud exactly once, and the gateway's count, the
// cloud's occupancy and the ledgers must agree at the end.

const e2eCapacity = 5

// capPolicy lets everyone in who is not feverish, so the cap is what
// holds people at the door.
const capPolicy = `version = "e2e-cap-1"
facility = "supermarket"
phase = "normal"
fever_compare = ">="
fever_threshold_c = 37.3
recheck_window = "10m"
[checks.temperature]
mode = "hard"
on_fever = "recheck"
[checks.capacity]
mode = "hard"
max = 0
`

var (
	gatewayOnce sync.Once
	gatewayBin  string
	gatewayErr  error
)

// startLaneProc runs a unit at one lane of the site, with a crowd of
// people arriving every interval, connected to the gateway.
func startLaneProc(t *testing.T, bin, dir, site, id string, lane wire.Lane, brokerURL, policy string, people int, interval string) *proc {
	t.Helper()
	cfg := filepath.Join(dir, id+".toml")
	body := fmt.Sprintf(`site = %q
unit = %q
facility = "supermarket"
lane = %q
data_dir = %q
trust_clock = true
[console]
listen = "off"
[mqtt]
broker = %q
ack_timeout = "2s"
[policy]
path = %q
[flow]
await_gateway = true
[simulator]
mean_interval = %q
max_people = %d
fever_ratio = 0
visitor_ratio = 0
no_code_ratio = 0
unreadable_ratio = 0
`, site, id, lane, filepath.Join(dir, id), brokerURL, policy, interval, people)
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return startProc(t, bin, filepath.Join(dir, id+".log"), "-config", cfg)
}

// TestSiteGatewayRelaysEveryEntryToTheCloudOnce runs the site path in one
// process: a collector with its embedded broker, a site gateway bridging
// to it (gateway.New, as kakou-gateway runs it) and two entrance units on
// the gateway's LAN broker. Every entry each unit logged must reach the
// cloud once, through the gateway, and the gateway must count everyone
// the ledgers let in.
func TestSiteGatewayRelaysEveryEntryToTheCloudOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const site, people = "riverside-market", 40
	c := startCollector(t, ctx, "[broker]\nembedded = true\nlisten = \"127.0.0.1:0\"\n")
	gw := startGateway(t, ctx, site, c.BrokerURL(), 1000)
	unitCtx, stopUnits := context.WithCancel(ctx)
	defer stopUnits()
	units := map[string]*unit.Unit{
		"entrance-1": startUnitWith(t, unitCtx, site, "entrance-1", "in", gw.LANURL(), people, "5ms"),
		"entrance-2": startUnitWith(t, unitCtx, site, "entrance-2", "in", gw.LANURL(), people, "5ms"),
	}
	inside := 0
	for id, u := range units {
		var logged []wire.Entry
		testenv.Await(t, id+" ledger acknowledged by the gateway", patience, func() bool {
			n, _, err := u.Ledger().Backlog(ctx)
			logged, _ = u.Ledger().Entries(ctx, 0, people+1)
			return err == nil && n == 0 && len(logged) == people
		})
		testenv.Await(t, id+" entries in the cloud", patience, func() bool {
			return len(cloudEntries(t, c, site, id)) >= people
		})
		assertSameEntries(t, ctx, u, cloudEntries(t, c, site, id))
		for _, e := range logged {
			if e.Decision == wire.Allow {
				inside++
			}
		}
	}
	if inside == 0 {
		t.Fatal("nobody let in: the crowd proves nothing")
	}
	var o struct{ Occupancy int }
	getJSON(t, gw.WebURL()+"/api/v1/occupancy", &o)
	if o.Occupancy != inside {
		t.Fatalf("gateway counts %d inside, the ledgers %d", o.Occupancy, inside)
	}
}

func TestSiteGatewayHoldsTheCapThroughOutagesAndRestartsIntegration(t *testing.T) {
	bin := binaries(t)
	dir := t.TempDir()
	const site = "riverside-market"
	policy := filepath.Join(dir, "cap.toml")
	if err := os.WriteFile(policy, []byte(capPolicy), 0o600); err != nil {
		t.Fatal(err)
	}
	brokerAddr := freePort(t)
	cloud := startCloudProc(t, bin.cloud, dir,
		fmt.Sprintf("[broker]\nembedded = true\nlisten = %q\n", brokerAddr), "tcp://"+brokerAddr)
	gw := startGatewayProc(t, bin.gateway, dir, site, cloud.brokerURL, e2eCapacity)

	entrances := []string{"entrance-1", "entrance-2"}
	exits := []string{"exit-1", "exit-2"}
	for _, id := range entrances {
		startLaneProc(t, bin.unit, dir, site, id, wire.LaneIn, gw.lanURL, policy, 30, "60ms")
	}
	testenv.Await(t, "the site full and someone held at an entrance", patience, func() bool {
		occ, waiting := gw.count(t)
		return occ == e2eCapacity && waiting > 0
	})
	lanes := map[string]*proc{}
	for _, id := range exits {
		lanes[id] = startLaneProc(t, bin.unit, dir, site, id, wire.LaneOut, gw.lanURL, policy, 8, "400ms")
	}

	// The internet goes: the cloud is gone while people keep coming and going.
	cloud.kill(syscall.SIGKILL)
	before := exitsLogged(t, dir, exits)
	testenv.Await(t, "two exits while the uplink is down", patience, func() bool {
		return exitsLogged(t, dir, exits) >= before+2
	})
	cloud.restart()
	cloud.awaitHTTP()

	// Mid-day the gateway itself restarts; the count must survive it.
	occBefore, _ := gw.count(t)
	gw.kill(syscall.SIGKILL)
	gw.restart()
	gw.awaitUp()
	if occAfter, _ := gw.count(t); occAfter < occBefore-2 || occAfter > e2eCapacity {
		t.Fatalf("count %d after the gateway restart, %d before it", occAfter, occBefore)
	}

	testenv.Await(t, "every exit logged", patience, func() bool {
		return exitsLogged(t, dir, exits) == 16
	})
	// The entrances go on admitting whoever was held while exits freed
	// room until the site is full again (or nobody is left waiting); only
	// then are the ledgers and the counts final. Until the cloud has
	// caught up, compare snapshots.
	testenv.Await(t, "the site settled: full again, or nobody held", patience, func() bool {
		occ, waiting := gw.count(t)
		return occ == e2eCapacity || waiting == 0
	})
	all := append(slices.Clone(entrances), exits...)
	var logged []wire.Entry
	testenv.Await(t, "every logged entry in the cloud, once", patience, func() bool {
		logged = logged[:0]
		for _, id := range all {
			inCloud := apiEntries(t, cloud.httpURL, id) // first: the ledger read next holds all of it
			es := ledgerEntriesLive(t, filepath.Join(dir, id, "ledger.db"))
			if !holdsExactlyOnce(t, es, inCloud) {
				return false
			}
			logged = append(logged, es...)
		}
		return true
	})
	assertCapHeld(t, logged)
	assertCountsAgree(t, logged, gw, cloud.httpURL, site)
}

// exitsLogged counts the exit lanes' ledger rows.
func exitsLogged(t *testing.T, dir string, exits []string) int {
	n := 0
	for _, id := range exits {
		n += max(0, ledgerCount(t, filepath.Join(dir, id, "ledger.db")))
	}
	return n
}

// assertCapHeld replays every lane's admissions and exits in the order
// they happened (one machine, one clock): the number inside never went
// over the cap, and people were held and later let in after waiting.
func assertCapHeld(t *testing.T, logged []wire.Entry) {
	t.Helper()
	slices.SortFunc(logged, func(a, b wire.Entry) int { return a.Time.Compare(b.Time) })
	inside, peak, held, admittedAfterWait := 0, 0, 0, 0
	for _, e := range logged {
		switch {
		case e.Decision == wire.Wait:
			held++
		case e.Decision == wire.Allow && e.Lane == wire.LaneIn:
			inside++
			if len(e.Reasons) > 0 && e.Reasons[0].Code == "admitted_after_wait" {
				admittedAfterWait++
			}
		case e.Decision == wire.Allow && e.Lane == wire.LaneOut:
			inside--
		}
		peak = max(peak, inside)
	}
	if peak > e2eCapacity {
		t.Fatalf("%d people inside at the peak, over the cap of %d", peak, e2eCapacity)
	}
	if held == 0 || admittedAfterWait == 0 {
		t.Fatalf("%d held, %d admitted after waiting: want both, the site was full", held, admittedAfterWait)
	}
	t.Logf("peak %d inside (cap %d); %d people held, %d admitted after waiting", peak, e2eCapacity, held, admittedAfterWait)
}

// assertCountsAgree: the gateway's count and the cloud's occupancy are
// what the ledgers say.
func assertCountsAgree(t *testing.T, logged []wire.Entry, gw *gatewayProc, cloudURL, site string) {
	t.Helper()
	inside := 0
	for _, e := range logged {
		if e.Decision == wire.Allow {
			inside += map[wire.Lane]int{wire.LaneIn: 1, wire.LaneOut: -1}[e.Lane]
		}
	}
	if occ, _ := gw.count(t); occ != inside {
		t.Fatalf("gateway counts %d inside, the ledgers %d", occ, inside)
	}
	var body struct {
		Sites []struct {
			Site   string
			Inside int
		}
	}
	getJSON(t, cloudURL+"/api/v1/occupancy", &body)
	for _, s := range body.Sites {
		if s.Site == site {
			if s.Inside != inside {
				t.Fatalf("cloud counts %d inside, the ledgers %d", s.Inside, inside)
			}
			return
		}
	}
	t.Fatalf("cloud occupancy lists no %s: %+v", site, body.Sites)
}
