package e2e

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/collector"
	"github.com/kakou/kakou/firmware/unit"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// TestADutyLoggedOfflineReachesTheCentreExactlyOnce: a gate whose uplink
// is down keeps its duty log. The guard logs the gate's disinfection with
// nobody to send it to; once the collector comes up the record is
// delivered with the lane's entries, appears in the centre's duty log
// with who and when, and a re-send of the whole ledger changes nothing.
// The record is no traffic: the centre counts the three people only.
func TestADutyLoggedOfflineReachesTheCentreExactlyOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	addr := freePort(t) // the collector's broker, not started yet
	unitCtx, stopUnit := context.WithCancel(ctx)
	defer stopUnit()
	u := startUnitWith(t, unitCtx, "sunshine-garden", "north-gate", "in", "tcp://"+addr, 3, "2ms")
	testenv.Await(t, "the crowd screened offline", patience, func() bool {
		logged, _ := u.Ledger().Entries(ctx, 0, 10)
		return len(logged) == 3
	})
	if u.UplinkConnected() {
		t.Fatal("the uplink is connected to a broker that is not running")
	}
	shanghai := time.FixedZone("CST", 8*3600)
	day := time.Now().In(shanghai).Format(time.DateOnly)
	rec, err := u.Log(ctx, wire.Record{Kind: wire.RecordDuty, GuardName: "王师傅", Note: "84消毒液",
		Duty: &wire.Duty{ID: "gate-disinfection", Name: "大门消毒", Day: day, Slot: "08:00"}}, "guard-7")
	if err != nil || rec.Seq != 4 {
		t.Fatalf("duty logged offline: seq %d, %v; want the lane's next seq, 4", rec.Seq, err)
	}

	c := startCollector(t, ctx, fmt.Sprintf("[broker]\nembedded = true\nlisten = %q\n", addr))
	testenv.Await(t, "the ledger drained", patience, func() bool {
		n, _, err := u.Ledger().Backlog(ctx)
		return err == nil && n == 0
	})
	done := centreDuties(t, c, "sunshine-garden", day)
	if len(done) != 1 || done[0].Entry != rec.ID || done[0].By != "guard-7" || done[0].ByName != "王师傅" || done[0].Note != "84消毒液" {
		t.Fatalf("the centre's duty log: %+v; want the offline record with who did it", done)
	}
	resendAll(t, ctx, c, c.BrokerURL(), u)
	if n := dutyRollup(t, c, "sunshine-garden"); n != 1 {
		t.Fatalf("duty:gate-disinfection counted %d times after a re-send; want exactly once", n)
	}
	if people := cloudEntries(t, c, "sunshine-garden", "north-gate"); len(people) != 3 {
		t.Fatalf("the entries feed holds %d; want the three people, not the record", len(people))
	}
	for _, f := range fleet(t, c) {
		if f.ID == "north-gate" && f.EntriesToday != 3 {
			t.Fatalf("entries today %d; a record is no traffic", f.EntriesToday)
		}
	}
	assertSameEntriesAndRecords(t, ctx, u, c)
}

type centreTurn struct {
	Entry, By, ByName, Note, Slot string
	At                            time.Time
}

// centreDuties reads the duties done at site on day from the API.
func centreDuties(t *testing.T, c *collector.Collector, site, day string) []centreTurn {
	t.Helper()
	var body struct {
		Sites []struct {
			Done []struct {
				Entry  string    `json:"entry"`
				By     string    `json:"by"`
				ByName string    `json:"by_name"`
				Note   string    `json:"note"`
				Slot   string    `json:"slot"`
				At     time.Time `json:"at"`
			} `json:"done"`
		} `json:"sites"`
	}
	getJSON(t, c.HTTPURL()+"/api/v1/duties?site="+url.QueryEscape(site)+"&date="+day, &body)
	var out []centreTurn
	for _, s := range body.Sites {
		for _, d := range s.Done {
			out = append(out, centreTurn{d.Entry, d.By, d.ByName, d.Note, d.Slot, d.At})
		}
	}
	return out
}

// dutyRollup is how many gate disinfections the centre's rollups counted
// at site over the last and next day: the store counts only what was new.
func dutyRollup(t *testing.T, c *collector.Collector, site string) int {
	t.Helper()
	var body struct {
		Rows []struct {
			Counts map[string]int `json:"counts"`
		} `json:"rows"`
	}
	since, until := time.Now().Add(-24*time.Hour).UTC(), time.Now().Add(24*time.Hour).UTC()
	getJSON(t, c.HTTPURL()+"/api/v1/rollups?by=site&site="+site+"&metrics=duty:gate-disinfection&since="+
		url.QueryEscape(since.Format(time.RFC3339))+"&until="+url.QueryEscape(until.Format(time.RFC3339)), &body)
	n := 0
	for _, r := range body.Rows {
		n += r.Counts["duty:gate-disinfection"]
	}
	return n
}

// assertSameEntriesAndRecords checks the centre holds the ledger's people
// and its record, each once at its seq, through the API's two views.
func assertSameEntriesAndRecords(t *testing.T, ctx context.Context, u *unit.Unit, c *collector.Collector) {
	t.Helper()
	logged, err := u.Ledger().Entries(ctx, 0, 10)
	if err != nil || len(logged) != 4 {
		t.Fatalf("ledger: %d entries, %v", len(logged), err)
	}
	seen := map[string]uint64{}
	for _, e := range cloudEntries(t, c, "sunshine-garden", "north-gate") {
		seen[e.ID] = e.Seq
	}
	for _, d := range centreDuties(t, c, "sunshine-garden", logged[3].Record.Duty.Day) {
		seen[d.Entry] = 4
	}
	for _, e := range logged {
		if seen[e.ID] != e.Seq {
			t.Fatalf("ledger entry %s (seq %d) is not at the centre at its seq: %v", e.ID, e.Seq, seen)
		}
	}
}
