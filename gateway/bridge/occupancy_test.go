package bridge

import (
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/wire"
)

// TestGatewayStatusCarriesTheCountAndGoesUpWhenItChanges: the birth
// carries the site's occupancy, and a change of the count is published
// in the gateway's status without waiting for the heartbeat (the rig's
// is an hour).
func TestGatewayStatusCarriesTheCountAndGoesUpWhenItChanges(t *testing.T) {
	r := newRig(t, time.Minute, false)
	var mu sync.Mutex
	inside := 4
	r.b.opts.Occupancy = func() *wire.SiteOccupancy {
		mu.Lock()
		defer mu.Unlock()
		return &wire.SiteOccupancy{Inside: inside, Capacity: 200, AsOf: time.Now().UTC()}
	}
	r.b.t.occupancy = 20 * time.Millisecond
	watched := watch(t, r.cloud.url, "test-watch-occ", wire.StatusTopic(testSite, testGateway))
	r.start()
	awaitStatus(t, watched, "the birth with the count", func(st wire.Status, _ paho.Message) bool {
		return st.Occupancy != nil && st.Occupancy.Inside == 4 && st.Occupancy.Capacity == 200
	})
	mu.Lock()
	inside = 215
	mu.Unlock()
	awaitStatus(t, watched, "the status with the new count", func(st wire.Status, _ paho.Message) bool {
		return st.State == wire.Online && st.Occupancy != nil && st.Occupancy.Inside == 215
	})
}
