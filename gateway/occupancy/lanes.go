package occupancy

import "sort"

// LaneView is one lane as the entrance staff's page shows it.
type LaneView struct {
	Unit    string `json:"unit"`
	Role    Role   `json:"role"`
	Waiting bool   `json:"waiting"` // an entrance holding someone at 等候
	Granted int    `json:"granted"` // slots it may still use under its grant
}

// Lanes lists every lane with a role, by unit id.
func (s *Site) Lanes() []LaneView {
	out := make([]LaneView, 0, len(s.lanes))
	for _, l := range s.lanes {
		if !ValidRole(l.Role) {
			continue
		}
		v := LaneView{Unit: l.Unit, Role: l.Role}
		if l.Role.admits() {
			v.Waiting, v.Granted = l.Waiting, l.outstanding()
		}
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Unit < out[j].Unit })
	return out
}
