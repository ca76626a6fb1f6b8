package collector

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store/sqlite"
	"github.com/kakou/kakou/cloud/store/storetest"
	"github.com/kakou/kakou/firmware/wire"
)

// rosterStandIn is the roster a returnee joins, kept the way the centre's
// roster will be: one row per registration, whatever is offered twice.
type rosterStandIn struct {
	mu   sync.Mutex
	rows map[string]Returnee
	adds int
}

func (r *rosterStandIn) AddReturnee(_ context.Context, ret Returnee) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.adds++
	r.rows[ret.EntryID] = ret
	return nil
}

func TestReturneesJoinTheRosterOnceWithTheirOriginsSchedule(t *testing.T) {
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "cloud.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	wuhan := storetest.ReturneeOf("site-a", "gate-1", 1, "湖北省武汉市")
	again := storetest.ReturneeOf("site-a", "gate-1", 2, "湖北省武汉市") // held again: not a new returnee
	again.Reasons = []wire.Reason{{Code: wire.ReasonStillHeld, ZH: "待结果", EN: "still held"}}
	shanghai := storetest.ReturneeOf("site-a", "gate-1", 3, "上海市")
	mars := storetest.ReturneeOf("site-b", "door-1", 1, "火星")
	if _, err := st.PutEntries(context.Background(), []wire.Entry{wuhan, again, shanghai, mars}, storetest.Received); err != nil {
		t.Fatal(err)
	}
	c := &Collector{store: st, log: slog.New(slog.DiscardHandler), cfg: Config{Returnees: []ReturneeRule{
		{Origin: "武汉", Kind: KindHomeQuarantine, Plan: "14+7+7", Tests: []string{"24h", "7d", "14d"}},
		{Origin: "上海", Kind: KindHealthMonitoring, Plan: "7+7", Tests: []string{"24h", "7d"}},
	}}}
	roster := &rosterStandIn{rows: map[string]Returnee{}}
	c.SetRosterAdder(roster)
	now := storetest.T0.Add(time.Hour)
	for range 2 {
		if err := c.JoinReturnees(context.Background(), now); err != nil {
			t.Fatal(err)
		}
	}
	if len(roster.rows) != 2 || roster.adds != 2 {
		t.Fatalf("roster %v after %d adds, want Wuhan's and Shanghai's returnee once each (Mars matches no rule)", roster.rows, roster.adds)
	}
	w := roster.rows[wuhan.ID]
	if w.Rule.Kind != KindHomeQuarantine || w.Rule.Plan != "14+7+7" || !w.Until.Equal(storetest.T0.AddDate(0, 0, 28)) ||
		len(w.Tests) != 3 || !w.Tests[1].Equal(storetest.T0.Add(7*24*time.Hour)) || w.IDHash == "" || w.Household != "3栋501" {
		t.Fatalf("Wuhan's returnee %+v", w)
	}
	if s := roster.rows[shanghai.ID]; s.Rule.Kind != KindHealthMonitoring || !s.Until.Equal(storetest.T0.AddDate(0, 0, 14)) {
		t.Fatalf("Shanghai's returnee %+v", s)
	}
	// A restarted collector offers them again; the roster keeps one each.
	c.holds.joined = nil
	c.JoinReturnees(context.Background(), now)
	if len(roster.rows) != 2 {
		t.Fatalf("after a restart: %d rows", len(roster.rows))
	}
}

func TestReturneeRulesAreValidatedWithTheirKeys(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cloud.toml")
	body := `data_dir = "d"
[[returnees]]
origin = "*"
kind = "home_quarantine"
plan = "14+7+7"
tests = ["24h", "7d", "14d"]
[[returnees]]
origin = ""
kind = "quarantine"
plan = "21"
tests = ["24h", "30d", "soon"]
[[returnees]]
origin = "武汉"
kind = "health_monitoring"
plan = "7+7"
tests = []
`
	os.WriteFile(path, []byte(body), 0o600)
	_, err := LoadConfig(path)
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		`returnees[0].origin: "*" matches every origin`,
		"returnees[1].origin: must be set",
		`returnees[1].kind: "quarantine" is neither home_quarantine nor health_monitoring`,
		`returnees[1].plan: "21" is not one of`,
		`returnees[1].tests: "soon" is not a time`,
		"returnees[2].tests: is empty",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}
