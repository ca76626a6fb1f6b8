package e2e

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kakou/kakou/cloud/store/pgtest"
	"github.com/kakou/kakou/firmware/delivery"
	"github.com/kakou/kakou/firmware/ledger"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// The city under fault, as processes: three nats-server nodes from
// configs/nats, three kakou-cloud replicas taking entries from one
// JetStream consumer into one PostgreSQL, and units speaking MQTT to any
// node. One node and one collector are killed with SIGKILL mid-run and
// never come back.
//
// The rates leave margin on a loaded two-core machine (fifteen processes
// and PostgreSQL share it): four live lanes at ten people a second each,
// and two lanes draining a backlog at 100 entries a second while their
// live people keep coming. Forty to sixty entries a second is a fraction
// of what one collector stores (docs/performance.md), so the lag measured
// is the fault's, not the machine's.
const (
	cityLive       = 4     // units with live traffic only
	cityLivePeople = 300   // each, one every 100 ms on average: about 30 s
	cityBacklog    = 2     // units that start with a backlog
	cityBacklogged = 1500  // entries logged while they were offline
	cityLag        = 1.0   // seconds: the p99 a live entry may take to be stored
	cityBacklogPPS = "100" // backlog_rate: the backlog drains over the fault
)

func TestNATSCityLosesANodeAndACollectorAndStoresEveryEntryOnceIntegration(t *testing.T) {
	bin := binaries(t)
	began := time.Now()
	dsn := pgtest.Start(t)
	c := startNATSCity(t)
	dir := t.TempDir()

	// The backlog: two lanes log their people with no broker to reach.
	var backlog []*proc
	for i := range cityBacklog {
		id := fmt.Sprintf("backlog-%d", i+1)
		backlog = append(backlog, startCityUnitProc(t, bin.unit, dir, id, []string{"tcp://" + freePort(t)}, cityBacklogged, "1ms"))
	}
	for i := range cityBacklog {
		path := filepath.Join(dir, fmt.Sprintf("backlog-%d", i+1), "ledger.db")
		testenv.Await(t, "a backlog logged offline", patience, func() bool { return ledgerCount(t, path) == cityBacklogged })
		backlog[i].kill(syscall.SIGTERM)
	}

	var clouds []*cloudProc
	for i := range 3 {
		clouds = append(clouds, startCloudProc(t, bin.cloud, t.TempDir(), cityCollectorTOML(c, i, dsn), c.Nodes[i].MQTTURL()))
	}
	want := map[string]int{}
	var units []*proc
	assertSomeStartOnNode(t, c, 0)
	for i := range cityLive {
		id := fmt.Sprintf("live-%d", i+1)
		want[id] = cityLivePeople
		units = append(units, startCityUnitProc(t, bin.unit, dir, id, cityBrokers(c, i), cityLivePeople, "100ms"))
	}
	// The backlogged lanes come online with live people of their own:
	// the restarted simulator's crowd.
	for i, p := range backlog {
		id := fmt.Sprintf("backlog-%d", i+1)
		want[id] = cityBacklogged + cityLivePeople
		writeCityUnitConfig(t, dir, id, cityBrokers(c, cityLive+i), cityLivePeople, "100ms")
		p.restart() // the same args, the config rewritten
		units = append(units, p)
	}

	survivor := clouds[0].httpURL
	// Kill while live traffic flows and the backlogs are still draining.
	testenv.Await(t, "live traffic and the backlogs under way", patience, func() bool {
		return len(pgEntries(t, dsn, "live-1")) >= cityLivePeople/4 && len(pgEntries(t, dsn, "backlog-1")) >= cityBacklogged/4
	})
	killed := time.Now()
	c.Kill(t, 0)                    // node 1: the units hashed to it and collector 1's first choice
	clouds[1].kill(syscall.SIGKILL) // collector 2, holding whatever JetStream handed it
	t.Logf("killed node 1 and collector 2 %s after the start", killed.Sub(began).Round(time.Second))

	for id, n := range want {
		path := filepath.Join(dir, id, "ledger.db")
		testenv.Await(t, id+" logged its people", patience, func() bool { return ledgerCount(t, path) == n })
		// The unit's own view: nothing in its ledger waits for an ack. A
		// stale retained ack on the node it lands on costs a re-send round
		// (ack_timeout), not an entry, so this waits rather than looks.
		testenv.Await(t, id+" acknowledged to its last entry", patience, func() bool {
			return ledgerBacklog(t, path) == 0 && acked(t, survivor, id) == uint64(n)
		})
	}
	for _, p := range units {
		p.kill(syscall.SIGTERM)
	}
	for id := range want {
		assertExactlyOnce(t, ledgerEntries(t, filepath.Join(dir, id, "ledger.db")), pgEntries(t, dsn, id))
		assertAcked(t, clouds[2].httpURL, id, uint64(want[id])) // one database, every replica
	}
	assertLiveLag(t, dsn, killed)
	logCutOff(t, dsn, killed)
	t.Logf("the city's fault test took %s", time.Since(began).Round(time.Second))
}

// cityCollectorTOML is replica i of configs/cloud-nats-city.toml on the
// test's cluster: node i first in both lists, so the replicas spread over
// the nodes and replica 1's first node is the one killed. ack_wait is
// short so a killed replica's entries move on soon; a replica stores far
// faster than that here, so it never loses them to another while storing.
func cityCollectorTOML(c *testenv.NATSCluster, i int, dsn string) string {
	var mq, js []string
	for k := range c.Nodes {
		n := c.Nodes[(i+k)%len(c.Nodes)]
		mq, js = append(mq, fmt.Sprintf("%q", n.MQTTURL())), append(js, fmt.Sprintf("%q", n.ClientURL()))
	}
	pw := testenv.NATSPasswords["KAKOU_NATS_COLLECTOR_PASSWORD"]
	return fmt.Sprintf(`[broker]
embedded = false
urls = [%s]
client_id = "kakou-cloud-%d"
username = "collector"
password = %q
[broker.jetstream]
urls = [%s]
replicas = 3
ack_wait = "5s"
username = "collector"
password = %q
[store]
driver = "postgres"
dsn = %q
`, join(mq), i+1, pw, join(js), pw, dsn)
}

// cityBrokers lists every node's MQTT URL, the list starting at node
// i mod 3; the unit's own hash picks where in it the unit starts
// (cityFirstNode).
func cityBrokers(c *testenv.NATSCluster, i int) []string {
	var urls []string
	for k := range c.Nodes {
		urls = append(urls, c.Nodes[(i+k)%len(c.Nodes)].MQTTURL())
	}
	return urls
}

// cityFirstNode is the node unit id, given cityBrokers(c, i), connects to
// first: the list read from the position its site and unit hash to.
func cityFirstNode(n, i int, id string) int {
	return (i + delivery.Start(n, "nats-city", id)) % n
}

// assertSomeStartOnNode makes sure the node the test kills has a live
// unit and a backlogged one on it, so the test proves units fail over,
// not only that the others carry on. The names are fixed, so this holds
// or fails the same way every run.
func assertSomeStartOnNode(t *testing.T, c *testenv.NATSCluster, node int) {
	t.Helper()
	var on []string
	for i := range cityLive + cityBacklog {
		id := fmt.Sprintf("live-%d", i+1)
		if i >= cityLive {
			id = fmt.Sprintf("backlog-%d", i-cityLive+1)
		}
		if cityFirstNode(len(c.Nodes), i, id) == node {
			on = append(on, id)
		}
	}
	if !slices.ContainsFunc(on, func(id string) bool { return strings.HasPrefix(id, "live-") }) ||
		!slices.ContainsFunc(on, func(id string) bool { return strings.HasPrefix(id, "backlog-") }) {
		t.Fatalf("units starting on node %d: %v; rename the units or pick another node so a live and a backlogged one do", node+1, on)
	}
	t.Logf("on node %d, the one killed: %v", node+1, on)
}

// logCutOff reports, per unit, the longest any entry logged after the
// kill took to be stored, live or backlog: how long the unit was cut off
// from every node. Units on the killed node reconnect to another only
// once that node's MQTT listener has its JetStream state back
// (cloud/README.md, "A NATS cluster"); what they log meanwhile is their
// backlog, sent marked historical, and is not live traffic.
func logCutOff(t *testing.T, dsn string, killed time.Time) {
	t.Helper()
	ctx := context.Background()
	db, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	rows, err := db.Query(ctx, `SELECT unit, time, received_at FROM entries`)
	if err != nil {
		t.Fatal(err)
	}
	worst := map[string]float64{}
	for rows.Next() {
		var unit, at string
		var received int64
		if err := rows.Scan(&unit, &at, &received); err != nil {
			t.Fatal(err)
		}
		tm, err := time.Parse(time.RFC3339Nano, at)
		if err != nil {
			t.Fatalf("stored time %q: %v", at, err)
		}
		if !tm.Before(killed) {
			worst[unit] = max(worst[unit], time.Unix(0, received).Sub(tm).Seconds())
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, u := range slices.Sorted(maps.Keys(worst)) {
		t.Logf("%s: an entry logged after the kill waited at most %.1f s to be stored", u, worst[u])
	}
}

func join(quoted []string) string { return strings.Join(quoted, ", ") }

// startCityUnitProc runs kakou-unit as a device of the city: [mqtt]
// brokers lists the nodes, as the NATS "device" user. The config is at
// dir/<id>.toml, its data in dir/<id>.
func startCityUnitProc(t *testing.T, bin, dir, id string, brokers []string, people int, interval string) *proc {
	t.Helper()
	cfg := writeCityUnitConfig(t, dir, id, brokers, people, interval)
	return startProc(t, bin, filepath.Join(dir, id+".log"), "-config", cfg)
}

// writeCityUnitConfig writes (or rewrites, before a restart) a city
// unit's config and says where.
func writeCityUnitConfig(t *testing.T, dir, id string, brokers []string, people int, interval string) string {
	t.Helper()
	var quoted []string
	for _, b := range brokers {
		quoted = append(quoted, fmt.Sprintf("%q", b))
	}
	cfg := filepath.Join(dir, id+".toml")
	body := fmt.Sprintf(`site = "nats-city"
unit = %q
data_dir = %q
trust_clock = true
[console]
listen = "off"
[mqtt]
brokers = [%s]
username = "device"
password = %q
ack_timeout = "3s"
backlog_rate = %s
[simulator]
mean_interval = %q
max_people = %d
`, id, filepath.Join(dir, id), join(quoted), testenv.NATSPasswords["KAKOU_NATS_DEVICE_PASSWORD"], cityBacklogPPS, interval, people)
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// ledgerBacklog is how many entries a running unit's ledger holds
// unacknowledged.
func ledgerBacklog(t *testing.T, path string) int {
	t.Helper()
	l, err := ledger.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	n, _, err := l.Backlog(context.Background())
	if err != nil {
		return -1
	}
	return n
}

// pgEntries reads a unit's entries from PostgreSQL itself (the API
// pages at 1000), failing on any (site, unit, seq) held twice.
func pgEntries(t *testing.T, dsn, unit string) []wire.Entry {
	t.Helper()
	ctx := context.Background()
	db, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	rows, err := db.Query(ctx, `SELECT id, site, seq FROM entries WHERE unit = $1`, unit)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []wire.Entry
	seen := map[string]bool{}
	for rows.Next() {
		var e wire.Entry
		var seq int64
		if err := rows.Scan(&e.ID, &e.Site, &seq); err != nil {
			t.Fatal(err)
		}
		e.Unit, e.Seq = unit, uint64(seq)
		key := fmt.Sprintf("%s/%s/%d", e.Site, unit, seq)
		if seen[key] || e.Site != "nats-city" {
			t.Fatalf("stored twice or under another site: %s", key)
		}
		seen[key] = true
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// acked is the unit's watermark in the store, as the API reports it.
func acked(t *testing.T, httpURL, id string) uint64 {
	t.Helper()
	var body struct {
		Units []struct {
			ID       string `json:"id"`
			AckedSeq uint64 `json:"acked_seq"`
		} `json:"units"`
	}
	getJSON(t, httpURL+"/api/v1/units", &body)
	for _, u := range body.Units {
		if u.ID == id {
			return u.AckedSeq
		}
	}
	return 0
}

// assertLiveLag reads every live entry's lag (the unit's time to the
// stored received time) and holds its p99 to cityLag before the kill,
// after it and over the whole run. Backlog entries (historical) are not
// live traffic and are left out, as the collector's lag metric does.
func assertLiveLag(t *testing.T, dsn string, killed time.Time) {
	t.Helper()
	ctx := context.Background()
	db, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	rows, err := db.Query(ctx, `SELECT time, received_at FROM entries WHERE NOT historical`)
	if err != nil {
		t.Fatal(err)
	}
	var before, after, all []float64
	for rows.Next() {
		var at string
		var received int64
		if err := rows.Scan(&at, &received); err != nil {
			t.Fatal(err)
		}
		tm, err := time.Parse(time.RFC3339Nano, at)
		if err != nil {
			t.Fatalf("stored time %q: %v", at, err)
		}
		lag := time.Unix(0, received).Sub(tm).Seconds()
		all = append(all, lag)
		if tm.Before(killed) {
			before = append(before, lag)
		} else {
			after = append(after, lag)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, w := range []struct {
		name string
		lags []float64
	}{{"before the kill", before}, {"after the kill", after}, {"the whole run", all}} {
		if len(w.lags) == 0 {
			t.Fatalf("no live entries %s", w.name)
		}
		p99, worst := percentile(w.lags, 0.99), slices.Max(w.lags)
		t.Logf("live lag %s: p99 %.3f s, max %.3f s over %d entries", w.name, p99, worst, len(w.lags))
		if p99 >= cityLag {
			t.Errorf("live lag p99 %s is %.3f s, want under %.1f s", w.name, p99, cityLag)
		}
	}
}

func percentile(xs []float64, p float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}
