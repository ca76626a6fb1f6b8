package store

import (
	"encoding/json"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// SiteOccupancy is the latest count a site's gateway reported in its
// status (wire.SiteOccupancy): for a site with a gateway, the truth about
// how many are inside, its cap and who waits. Both backends keep one row
// per site, replaced only by a figure with a later AsOf, so a retained
// or late status never rolls the count back.
type SiteOccupancy struct {
	Site, Gateway string
	Inside        int
	Capacity      int
	Waiting       int
	AsOf          time.Time // when the gateway took the figure, by its clock
	// HeardAt is when the centre last received a live status carrying
	// it, by the centre's clock: a figure's age is measured from here,
	// since a gateway's own clock may not be set.
	HeardAt        time.Time
	LastCorrection *wire.OccupancyCorrection
	// GatewayState is the gateway's presence from its latest status:
	// offline means the figure is no longer current.
	GatewayState wire.UnitState
}

// OccupancyOf is the row a gateway status makes, ok false for any other
// status. receivedAt zero (a retained copy replayed on subscribe) is
// taken as AsOf: the centre did not just hear the gateway.
func OccupancyOf(st wire.Status, receivedAt time.Time) (SiteOccupancy, bool) {
	if st.Role != wire.RoleGateway || st.Occupancy == nil {
		return SiteOccupancy{}, false
	}
	o := st.Occupancy
	heard := receivedAt
	if heard.IsZero() || st.State != wire.Online {
		heard = o.AsOf // a will was written at connect time: not a sign of life
	}
	return SiteOccupancy{Site: st.Site, Gateway: st.Unit, Inside: o.Inside, Capacity: o.Capacity,
		Waiting: o.Waiting, AsOf: o.AsOf.UTC(), HeardAt: heard.UTC(), LastCorrection: o.LastCorrection}, true
}

// CorrectionJSON is how both backends keep the last correction: "" for none.
func CorrectionJSON(c *wire.OccupancyCorrection) string {
	if c == nil {
		return ""
	}
	b, _ := json.Marshal(c) // a plain struct: cannot fail
	return string(b)
}

// ParseCorrection reads CorrectionJSON back; what cannot be read is none.
func ParseCorrection(s string) *wire.OccupancyCorrection {
	if s == "" {
		return nil
	}
	var c wire.OccupancyCorrection
	if json.Unmarshal([]byte(s), &c) != nil {
		return nil
	}
	return &c
}
