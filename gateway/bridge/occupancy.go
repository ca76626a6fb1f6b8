package bridge

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/kakou/kakou/firmware/delivery"
	"github.com/kakou/kakou/firmware/wire"
)

// The site's count reaches the centre in the gateway's own status
// (wire.SiteOccupancy): latest wins, which is right for a count, and a
// retained status tells a collector that starts later. Waiting for the
// heartbeat would leave the control room up to 30 s behind the door, so
// the bridge looks at the count every t.occupancy and publishes the
// status at once when it differs from what the last status carried.
// Corrections do not depend on this: each is a record in the store,
// delivered and acknowledged like an entry.

// occupancySent is the occupancy the last status published carried.
type occupancySent struct {
	mu   sync.Mutex
	last wire.SiteOccupancy
	set  bool
}

func (o *occupancySent) remember(statusBody []byte) {
	var st struct {
		Occupancy *wire.SiteOccupancy `json:"occupancy"`
	}
	if json.Unmarshal(statusBody, &st) != nil || st.Occupancy == nil {
		return
	}
	o.mu.Lock()
	o.last, o.set = *st.Occupancy, true
	o.mu.Unlock()
}

func (o *occupancySent) differs(now wire.SiteOccupancy) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return !o.set || !sameFigure(o.last, now)
}

// sameFigure compares what a change is judged by: not AsOf, which
// changes every time.
func sameFigure(a, b wire.SiteOccupancy) bool {
	if a.Inside != b.Inside || a.Capacity != b.Capacity || a.Waiting != b.Waiting {
		return false
	}
	ac, bc := a.LastCorrection, b.LastCorrection
	if ac == nil || bc == nil {
		return ac == bc
	}
	return ac.At.Equal(bc.At) && ac.Count == bc.Count && ac.By == bc.By
}

// occupancyChanged publishes the gateway's status if the count changed
// since the last status went up.
func (b *Bridge) occupancyChanged(ctx context.Context, c *delivery.Link) error {
	if b.opts.Occupancy == nil {
		return nil
	}
	now := b.opts.Occupancy()
	if now == nil || !b.occSent.differs(*now) {
		return nil
	}
	return b.publishStatus(ctx, c, wire.Online)
}
