package e2e

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kakou/kakou/cloud/ingest"
	"github.com/kakou/kakou/internal/testenv"
)

// What the city's fault test measures: each stored entry's lag, from the
// unit's time to the received time the collector stored, read from
// PostgreSQL; and which node leads the entries stream.

// reelection is how long after losing the stream's leader the cluster
// may take to store again: nats-server's Raft waits 4 to 9 s without a
// heartbeat before a follower stands for election (server/raft.go,
// minElectionTimeout and maxElectionTimeout, not configurable), and an
// entry the stalled stream dropped is re-sent after the units' 3 s
// ack_timeout.
const reelection = 12 * time.Second

// storedLag is one stored entry: its unit, the unit's time, how long it
// took to be stored, and whether it was sent from a backlog.
type storedLag struct {
	unit       string
	seq        uint64
	at         time.Time
	lag        float64 // seconds
	historical bool
}

func readLags(t *testing.T, dsn string) []storedLag {
	t.Helper()
	ctx := context.Background()
	db, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	rows, err := db.Query(ctx, `SELECT unit, seq, time, received_at, historical FROM entries`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []storedLag
	for rows.Next() {
		var s storedLag
		var at string
		var received, seq int64
		if err := rows.Scan(&s.unit, &seq, &at, &received, &s.historical); err != nil {
			t.Fatal(err)
		}
		if s.at, err = time.Parse(time.RFC3339Nano, at); err != nil {
			t.Fatalf("stored time %q: %v", at, err)
		}
		s.seq, s.lag = uint64(seq), time.Unix(0, received).Sub(s.at).Seconds()
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// assertLiveLag measures the lag of every live entry: one a unit logged
// while it was connected to a broker, as the uplink sends it at once.
// What a unit logged while it had no connection is its backlog, as after
// any outage, and is left out: a backlogged unit's backlog, any unit's
// first second, and whatever a unit logged between losing a node and
// being taken by another (offlineSpans, from the unit's own log). Every
// other entry counts, sent live or re-sent: a unit re-sends what went
// unacknowledged through its backlog lane, marked historical, though it
// never went offline, so "historical" cannot tell them apart.
//
// The p99 is held under cityLag over the whole run, the kill included,
// and before the kill. It holds because the collectors' live path stores
// entries while the entries stream elects a new leader, the units keep
// publishing while their PUBACKs wait (delivery.Inflight), and the units
// subscribe at QoS 0 (subscribe_qos), which a node taking over from a
// dead one serves at once. The other windows, each unit's time offline
// after the kill and the lag of every entry logged after it, offline or
// not, are reported.
func assertLiveLag(t *testing.T, dsn string, killed time.Time, onKilled []string, offline map[string][]span) {
	t.Helper()
	lags := readLags(t, dsn)
	windows := []struct {
		name      string
		from, to  time.Time
		survivors bool // only the units whose node survived
		assert    bool
		lags      []float64
	}{
		{name: "over the whole run, every unit", to: time.Now(), assert: true},
		{name: "before the kill", to: killed, assert: true},
		{name: fmt.Sprintf("in the %s after the kill, units on the nodes left", reelection), from: killed, to: killed.Add(reelection), survivors: true},
		{name: fmt.Sprintf("from %s after the kill, every unit", reelection), from: killed.Add(reelection), to: time.Now()},
	}
	var every []float64
	late := lateEntries{}
	back := map[string]bool{} // units that sent live entries after the kill
	for _, s := range lags {
		if !s.at.Before(killed) {
			every = append(every, s.lag)
		}
		if within(offline[s.unit], s.at) {
			continue
		}
		late.add(s, killed)
		if !s.at.Before(killed) {
			back[s.unit] = true
		}
		for i, w := range windows {
			if !s.at.Before(w.from) && s.at.Before(w.to) && !(w.survivors && slices.Contains(onKilled, s.unit)) {
				windows[i].lags = append(windows[i].lags, s.lag)
			}
		}
	}
	for _, w := range windows {
		if len(w.lags) == 0 {
			t.Errorf("no live entries logged %s", w.name)
			continue
		}
		p99 := percentile(w.lags, 0.99)
		t.Logf("live lag %s: p99 %.3f s, max %.3f s over %d entries", w.name, p99, slices.Max(w.lags), len(w.lags))
		if w.assert && p99 >= cityLag {
			t.Errorf("live lag p99 %s is %.3f s, want under %.1f s", w.name, p99, cityLag)
		}
	}
	t.Logf("lag of every entry logged after the kill, offline ones included: p99 %.3f s, max %.3f s", percentile(every, 0.99), slices.Max(every))
	logOffline(t, killed, offline)
	late.log(t)
	for u := range offline {
		if !back[u] {
			t.Errorf("%s sent nothing live after the kill: no node took it over", u)
		}
	}
}

// lateEntries gathers, per unit, the live entries stored later than
// cityLag: how many, and when they were logged, relative to the kill.
type lateEntries map[string]*lateRun

type lateRun struct {
	n           int
	first, last float64 // seconds after the kill
	worst       float64
}

func (l lateEntries) add(s storedLag, killed time.Time) {
	if s.lag < cityLag {
		return
	}
	at := s.at.Sub(killed).Seconds()
	r, ok := l[s.unit]
	if !ok {
		r = &lateRun{first: at, last: at}
		l[s.unit] = r
	}
	r.n++
	r.first, r.last, r.worst = min(r.first, at), max(r.last, at), max(r.worst, s.lag)
}

func (l lateEntries) log(t *testing.T) {
	t.Helper()
	for _, u := range slices.Sorted(maps.Keys(l)) {
		r := l[u]
		t.Logf("%s: %d live entries stored later than %.0f s, logged %+.1f to %+.1f s from the kill, the worst %.1f s",
			u, r.n, cityLag, r.first, r.last, r.worst)
	}
}

// logOffline reports, per unit, how long it was without a broker after
// the kill: for a unit on the killed node, until another node took it;
// for one on a node left, any time that node dropped it meanwhile.
func logOffline(t *testing.T, killed time.Time, offline map[string][]span) {
	t.Helper()
	for _, u := range slices.Sorted(maps.Keys(offline)) {
		var total time.Duration
		n := 0
		for _, s := range offline[u] {
			if s.to.After(killed) {
				total += s.to.Sub(later(s.from, killed))
				n++
			}
		}
		t.Logf("%s: offline %d times after the kill, %.1f s in all", u, n, total.Seconds())
	}
}

// span is a time a unit had no connection to a broker.
type span struct{ from, to time.Time }

func within(spans []span, at time.Time) bool {
	for _, s := range spans {
		if !at.Before(s.from) && at.Before(s.to) {
			return true
		}
	}
	return false
}

// offlineSpans reads a kakou-unit's log for when it had no broker: from
// its start, and from each lost connection ("uplink: broker unavailable",
// logged as a connection ends or a dial fails, or "uplink: offline" at a
// stop), to the next "uplink: online". One still open ends now.
func offlineSpans(t *testing.T, logPath string) []span {
	t.Helper()
	b, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	var spans []span
	from, down := time.Time{}, true
	for _, line := range strings.Split(string(b), "\n") {
		at, ok := logTime(line)
		if !ok {
			continue
		}
		switch {
		case strings.Contains(line, `msg="uplink: online"`) && down:
			spans = append(spans, span{from, at})
			down = false
		case (strings.Contains(line, `msg="uplink: broker unavailable"`) || strings.Contains(line, `msg="uplink: offline"`)) && !down:
			from, down = at, true
		}
	}
	if down {
		spans = append(spans, span{from, time.Now()})
	}
	return spans
}

// logTime is a slog text line's time= field.
func logTime(line string) (time.Time, bool) {
	f, ok := strings.CutPrefix(line, "time=")
	if !ok {
		return time.Time{}, false
	}
	f, _, _ = strings.Cut(f, " ")
	at, err := time.Parse(time.RFC3339Nano, f)
	return at, err == nil
}

func percentile(xs []float64, p float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

// streamLeader is the index of the node leading the entries stream, once
// a collector has made it.
func streamLeader(t *testing.T, c *testenv.NATSCluster) int {
	t.Helper()
	leader := -1
	testenv.Await(t, "the entries stream made and led", patience, func() bool {
		for i := range c.Nodes {
			var jsz struct {
				Accounts []struct {
					Streams []struct {
						Name    string `json:"name"`
						Cluster struct {
							Leader string `json:"leader"`
						} `json:"cluster"`
					} `json:"stream_detail"`
				} `json:"account_details"`
			}
			if c.Monitor(i, "/jsz?accounts=true&streams=true", &jsz) != nil {
				continue
			}
			for _, a := range jsz.Accounts {
				for _, s := range a.Streams {
					if s.Name != ingest.DefaultStream || s.Cluster.Leader == "" {
						continue
					}
					for k := range c.Nodes {
						if s.Cluster.Leader == fmt.Sprintf("kakou-nats-%d", k+1) { // configs/nats's server_name
							leader = k
							return true
						}
					}
				}
			}
		}
		return false
	})
	return leader
}
