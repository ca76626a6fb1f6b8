package api

import (
	"context"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

func TestRolloutShowsWhoHasTheVersionWhoFailedAndWhoRolledBackWithinScope(t *testing.T) {
	f := newAuthFixture(t)
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	for _, o := range []struct {
		site, unit, phase string
	}{{"site-a", "gate-1", "kept"}, {"site-a", "gate-2", "rolled-back"}, {"site-b", "door-1", "refused"}} {
		r := wire.UpdateReport{Program: "kakou-unit", Version: "1.5.0", Previous: "1.4.0", Phase: o.phase}
		if err := f.store.PutUpdateReport(context.Background(), store.UnitID{Site: o.site, Unit: o.unit}, r, at); err != nil {
			t.Fatal(err)
		}
	}
	monitor, _ := f.login(t, f.h, "monitor", "")
	var got rolloutJSON
	if code := f.getAs(t, monitor, "/api/v1/updates/kakou-unit/1.5.0", &got); code != 200 || len(got.Devices) != 3 ||
		got.Counts["kept"] != 1 || got.Counts["rolled-back"] != 1 || got.Counts["refused"] != 1 {
		t.Fatalf("the city's monitor: %d %+v", code, got)
	}
	manager, _ := f.login(t, f.h, "manager", "")
	got = rolloutJSON{}
	if f.getAs(t, manager, "/api/v1/updates/kakou-unit/1.5.0", &got); len(got.Devices) != 2 || got.Counts["refused"] != 0 {
		t.Fatalf("site-a's manager sees another site's device: %+v", got)
	}
	if code := f.getAs(t, monitor, "/api/v1/updates/bash/1.5.0", nil); code != 400 {
		t.Fatalf("another program: %d, want 400", code)
	}
}
