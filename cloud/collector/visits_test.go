package collector

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/sqlite"
	"github.com/kakou/kakou/firmware/wire"
)

func TestTheSweepRaisesOneAlertForAVisitorInsidePastTheLimit(t *testing.T) {
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "cloud.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now()
	e := wire.Entry{Schema: wire.SchemaVersion, ID: "v-1", Site: "garden", Unit: "gate-in", Seq: 1, BootID: "b",
		Lane: wire.LaneIn, Time: now.Add(-5 * time.Hour), ClockSynced: true, Decision: wire.Allow,
		Credential: wire.Credential{Kind: wire.CredentialNone}, Reasons: []wire.Reason{{Code: "ok"}},
		Visitor: &wire.Visitor{Name: "张三"}, Visit: &wire.Visit{Prefix: 1, Code: "100001", MaxStaySeconds: 4 * 3600}}
	if _, err := st.PutEntries(context.Background(), []wire.Entry{e}, now); err != nil {
		t.Fatal(err)
	}
	c := &Collector{store: st, log: slog.New(slog.DiscardHandler)}
	for range 3 {
		c.sweepVisits(context.Background(), st, now)
	}
	alerts, err := st.Alerts(context.Background(), store.AlertQuery{Site: "garden"})
	if err != nil || len(alerts) != 1 || alerts[0].Kind != "overstay" || alerts[0].EntryID != "v-1" {
		t.Fatalf("alerts %+v (%v), want one overstay for v-1", alerts, err)
	}
}
