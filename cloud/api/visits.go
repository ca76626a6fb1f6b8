package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/kakou/kakou/cloud/store"
)

// visitRowJSON is one visit (及时销号) as the API shows it: the name masked
// unless a tracer asks, the numbers as masked as the unit sent them.
type visitRowJSON struct {
	EntryID        string     `json:"entry_id"`
	Unit           string     `json:"unit"`
	Code           string     `json:"code"`
	Name           string     `json:"name"`
	Phone          string     `json:"phone,omitempty"`
	Destination    string     `json:"destination,omitempty"`
	EnteredAt      time.Time  `json:"entered_at"`
	StaySeconds    int64      `json:"stay_seconds"`
	MaxStaySeconds int64      `json:"max_stay_seconds,omitempty"`
	Overstay       bool       `json:"overstay"`
	LeftAt         *time.Time `json:"left_at"`
	ExitUnit       string     `json:"exit_unit,omitempty"`
	MatchedBy      string     `json:"matched_by,omitempty"`
}

func toVisitRowJSON(v store.VisitRow, now time.Time, unmask bool) visitRowJSON {
	j := visitRowJSON{EntryID: v.EntryID, Unit: v.Unit, Code: v.Code, Name: v.Name, Phone: v.Phone,
		Destination: v.Destination, EnteredAt: v.EnteredAt, StaySeconds: int64(v.Stay(now) / time.Second),
		MaxStaySeconds: int64(v.MaxStay / time.Second), Overstay: v.Overstayed(now),
		LeftAt: timeOrNull(v.LeftAt), ExitUnit: v.ExitUnit, MatchedBy: v.MatchedBy}
	if !unmask {
		j.Name = maskName(v.Name)
	}
	return j
}

var errVisitState = errors.New(`state: "inside" (the default), "closed" or "all"`)

// visits lists a site's visitors: still inside (the default), closed
// out, or all, begun within the last week (store.VisitWindow). The centre
// is the authority on who is inside: it alone sees every lane's exits.
func (s *server) visits(w http.ResponseWriter, r *http.Request) {
	values := r.URL.Query()
	c := s.caller(r)
	unmask, err := takeUnmask(values, c)
	var site, unit string
	state := "inside"
	if err == nil {
		err = readParams(values, map[string]func(string) error{
			"site": func(v string) error { return idParam(&site, v) },
			"state": func(v string) error {
				if v != "inside" && v != "closed" && v != "all" {
					return errVisitState
				}
				state = v
				return nil
			},
		})
	}
	if err == nil {
		err = c.narrow(&site, &unit)
	}
	if err == nil && site == "" {
		err = errors.New("site is required, e.g. ?site=sunny-garden&state=inside")
	}
	if err != nil {
		refuse(w, err)
		return
	}
	now := s.opts.Now()
	if unmask {
		if err := s.audit(r.Context(), c, "visits", map[string]any{"site": site, "state": state, "unmasked": true}); err != nil {
			s.internal(w, "audit the visits query", err)
			return
		}
	}
	rows, err := store.Visits(r.Context(), s.store, store.VisitQuery{Site: site, Since: now.Add(-store.VisitWindow)})
	if err != nil {
		s.internal(w, "visits", err)
		return
	}
	out := []visitRowJSON{}
	for _, v := range rows {
		if unit != "" && v.Unit != unit || state == "inside" && !v.Inside() || state == "closed" && v.Inside() {
			continue
		}
		out = append(out, toVisitRowJSON(v, now, unmask))
	}
	writeJSON(w, http.StatusOK, map[string]any{"site": site, "state": state, "masked": !unmask,
		"count": len(out), "visits": out})
}
