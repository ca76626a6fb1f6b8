package sqlite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// BenchmarkUnits reads the fleet view's listing of 10,000 units (1,000
// sites of 10), each with a live status and entries of today: the store's
// share of the dashboard's fleet view (cloud/api's BenchmarkDashboardAPI).
func BenchmarkUnits(b *testing.B) {
	const units = 10_000
	s := openTemp(b)
	ctx := context.Background()
	entries := make([]wire.Entry, 0, units)
	for u := range units {
		st := wire.Status{Schema: wire.SchemaVersion, Site: fmt.Sprintf("site-%04d", u/10),
			Unit: fmt.Sprintf("unit-%05d", u), State: wire.Online, Facility: "community",
			Firmware: "1.4.2", PolicyVersion: "default-1", Devices: []wire.Device{{Name: "thermometer", OK: true}}}
		if err := s.PutStatus(ctx, st, received); err != nil {
			b.Fatal(err)
		}
		entries = append(entries, entry(st.Site, st.Unit, 1))
	}
	putResult(b, s, received, entries...)
	day := received.Truncate(24 * time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		list, err := s.Units(ctx, day)
		if err != nil {
			b.Fatal(err)
		}
		if len(list) != units {
			b.Fatalf("%d units, want %d", len(list), units)
		}
	}
}
