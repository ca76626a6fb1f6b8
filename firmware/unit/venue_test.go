package unit

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

var clinicHours = wire.Appointments{Mode: "hard", AppliesTo: "visitors", SlotMinutes: 30, Capacity: 20,
	Hours: []string{"08:00-12:00"}, Early: 15, Late: 15, DaysAhead: 1}

// centreSlots serves the venue page's slot list and counts requests.
func centreSlots(t *testing.T, slots []freeSlot, status int) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if r.URL.Path != "/api/v1/venue/sg-clinic" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"slots": slots, "site": "sg-clinic"})
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestNextSlotAsksTheCentreAndCaches(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	now := time.Date(2026, 12, 8, 9, 5, 0, 0, cst)
	at := func(h, m int) int64 { return time.Date(2026, 12, 8, h, m, 0, 0, cst).Unix() }
	srv, n := centreSlots(t, []freeSlot{
		{Start: at(9, 0), End: at(9, 30), Free: 3},    // already begun
		{Start: at(9, 30), End: at(10, 0), Free: 0},   // full
		{Start: at(9, 40), End: at(10, 10), Free: 9},  // not on this unit's schedule
		{Start: at(10, 0), End: at(10, 30), Free: 2},  // the one
		{Start: at(10, 30), End: at(11, 0), Free: 20}, // later
	}, http.StatusOK)
	v, err := newVenueSlots(srv.URL+"/", "", "sg-clinic")
	if err != nil {
		t.Fatal(err)
	}
	clock := now
	v.now = func() time.Time { return clock }
	want := "下一个有名额的时段 12月8日 10:00–10:30（余 2 位），请扫门口场所码预约"
	if got := v.NextText(&clinicHours, now); got != want {
		t.Fatalf("NextText = %q, want %q", got, want)
	}
	clock = clock.Add(venueCacheFor - time.Second)
	v.NextText(&clinicHours, now)
	if n.Load() != 1 {
		t.Fatalf("%d requests within the cache's life, want 1", n.Load())
	}
	clock = clock.Add(time.Second)
	v.NextText(&clinicHours, now)
	if n.Load() != 2 {
		t.Fatalf("%d requests once the cache is stale, want 2", n.Load())
	}
}

func TestNextSlotWithoutTheCentre(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	now := time.Date(2026, 12, 8, 9, 5, 0, 0, cst)
	schedule := "下一时段 12月8日 09:30–10:00，是否有名额请扫门口场所码查看"
	ten := time.Date(2026, 12, 8, 10, 0, 0, 0, cst)
	full, _ := centreSlots(t, []freeSlot{{Start: ten.Unix(), End: ten.Add(30 * time.Minute).Unix(), Free: 0}}, http.StatusOK)
	broken, _ := centreSlots(t, nil, http.StatusInternalServerError)
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close() // nothing listens: offline
	for _, c := range []struct {
		name, base, want string
	}{
		{"no collector address", "", schedule},
		{"offline", gone.URL, schedule},
		{"error answer", broken.URL, schedule},
		{"every slot full", full.URL, "近期各时段已约满，请扫门口场所码查看"},
	} {
		t.Run(c.name, func(t *testing.T) {
			v, err := newVenueSlots(c.base, "", "sg-clinic")
			if err != nil {
				t.Fatal(err)
			}
			if got := v.NextText(&clinicHours, now); got != c.want {
				t.Fatalf("NextText = %q, want %q", got, c.want)
			}
		})
	}
}
