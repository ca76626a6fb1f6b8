package api

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/kakou/kakou/cloud/store/storetest"
	"github.com/kakou/kakou/firmware/wire"
)

// TestDashboardIntegrationShowsVehiclesWithTheirPlates: a supply vehicle
// let in and an outside vehicle turned back at a vehicle lane show in the
// vehicles section with plate, kind and outcome, and the latest-entries
// feed shows the plate beside each person in a vehicle.
func TestDashboardIntegrationShowsVehiclesWithTheirPlates(t *testing.T) {
	ctx := browser(t, 1920, 1080)
	f := newAuthFixture(t)
	logIn(t, ctx, f, "monitor")
	at := func(e wire.Entry, ago time.Duration) wire.Entry { e.Time = now.Add(-ago); return e }
	f.put(t,
		at(storetest.Occupant("estate", "car-lane", 1, "s1", "粤B54321", wire.VehicleDriver, wire.VehicleSupply, wire.Allow), 2*time.Hour),
		at(storetest.VehicleRecord("estate", "car-lane", 2, "s1", "粤B54321", wire.VehicleSupply, wire.Allow, 1), 2*time.Hour-time.Second),
		at(storetest.Occupant("estate", "car-lane", 3, "s2", "沪A12345", wire.VehicleDriver, wire.VehicleOutside, wire.PersuadeReturn), time.Hour),
		at(storetest.VehicleRecord("estate", "car-lane", 4, "s2", "沪A12345", wire.VehicleOutside, wire.PersuadeReturn, 1), time.Hour-time.Second))
	do(t, ctx, "open the vehicles", chromedp.Navigate(f.srv.URL+"/"),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll("#vehicles tr").length === 2 && document.querySelector("#vehicles td.plate") !== null`))
	got := value(t, ctx, "read the vehicles", chromedp.Text(chromedp.CSS("#vehicles")))
	if !strings.Contains(got, "沪A12345") || !strings.Contains(got, "外来车辆") || !strings.Contains(got, "劝返") ||
		!strings.Contains(got, "粤B54321") || !strings.Contains(got, "保供车辆") || !strings.Contains(got, "放行") {
		t.Fatalf("vehicles section %q", got)
	}
	if strings.Index(got, "沪A12345") > strings.Index(got, "粤B54321") {
		t.Fatalf("vehicles not newest first: %q", got)
	}
	do(t, ctx, "see the plates in the feed", chromedp.WaitVisible(chromedp.CSS("#entries .tag.vehicle")))
	feed := value(t, ctx, "read the feed", chromedp.Text(chromedp.CSS("#entries")))
	if !strings.Contains(feed, "🚗 沪A12345 · 司机") || !strings.Contains(feed, "🚗 粤B54321 · 司机") {
		t.Fatalf("latest entries %q lack the plates", feed)
	}
}
