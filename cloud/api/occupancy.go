package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// One occupancy. Where a site gateway reports (its status's occupancy),
// its figure is the truth: it sees every door, holds the cap from the
// site's policy and takes the staff's corrections, none of which in −
// out at the centre knows (the market showed 场内 4 / 上限 150 here while
// its entrance held people at 215 / 200). Sites without a gateway get in
// − out since local midnight, marked as an estimate. A gateway figure not
// heard from for StaleAfter, or from a gateway gone offline, is shown
// with its age and marked stale, never as current.

// StaleAfter is how long a gateway's figure stays current without a new
// status: three of its 30 s heartbeats, so one lost heartbeat is not
// an alarm.
const StaleAfter = 90 * time.Second

const (
	sourceGateway  = "gateway"
	sourceEstimate = "estimate"
)

type occupancyJSON struct {
	Site     string `json:"site"`
	Name     string `json:"name"`
	Facility string `json:"facility"`
	// Source is "gateway" (the site gateway's count) or "estimate" (in −
	// out since midnight, for a site without one).
	Source   string `json:"source"`
	Estimate bool   `json:"estimate"`
	Capacity int    `json:"capacity"` // the gateway's, from the policy; 0: none known
	Inside   int    `json:"inside"`
	Waiting  int    `json:"waiting"`
	Full     bool   `json:"full"`
	// In and Out are today's admissions and exits at the centre, shown
	// beside either figure.
	In  int `json:"in"`
	Out int `json:"out"`
	// The gateway's figure only: who reported it, when it was taken,
	// how old it is at the centre, whether it is stale, and the last
	// correction with who made it.
	Gateway        string                    `json:"gateway,omitempty"`
	AsOf           *time.Time                `json:"as_of,omitempty"`
	AgeSeconds     int64                     `json:"age_seconds,omitempty"`
	Stale          bool                      `json:"stale"`
	LastCorrection *wire.OccupancyCorrection `json:"last_correction,omitempty"`
}

// occupancy serves each site's people inside; see the top of this file.
func (s *server) occupancy(w http.ResponseWriter, r *http.Request) {
	if err := readParams(r.URL.Query(), nil); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	now := s.opts.Now()
	since := startOfDay(now, s.opts.Location)
	sites, err := s.store.Sites(r.Context())
	if err != nil {
		s.internal(w, "list sites", err)
		return
	}
	in, out, err := s.movement(r, since, now)
	if err != nil {
		s.internal(w, "query rollups", err)
		return
	}
	gws, err := s.store.Occupancies(r.Context())
	if err != nil {
		s.internal(w, "read gateway occupancy", err)
		return
	}
	bySite := make(map[string]store.SiteOccupancy, len(gws))
	for _, g := range gws {
		bySite[g.Site] = g
	}
	c := s.caller(r)
	list := make([]occupancyJSON, 0, len(sites))
	for _, st := range sites {
		if !c.seesSite(st.ID) {
			continue
		}
		o := occupancyJSON{Site: st.ID, Name: st.Name, Facility: st.Facility, In: in[st.ID], Out: out[st.ID]}
		if g, ok := bySite[st.ID]; ok {
			fromGateway(&o, g, now)
		} else {
			o.Source, o.Estimate, o.Inside = sourceEstimate, true, max(in[st.ID]-out[st.ID], 0)
		}
		o.Full = o.Capacity > 0 && o.Inside >= o.Capacity
		list = append(list, o)
	}
	writeJSON(w, http.StatusOK, map[string]any{"since": since, "stale_after_seconds": int(StaleAfter.Seconds()), "sites": list})
}

func fromGateway(o *occupancyJSON, g store.SiteOccupancy, now time.Time) {
	asOf := g.AsOf
	o.Source, o.Gateway, o.AsOf = sourceGateway, g.Gateway, &asOf
	o.Inside, o.Capacity, o.Waiting, o.LastCorrection = g.Inside, g.Capacity, g.Waiting, g.LastCorrection
	age := now.Sub(g.HeardAt)
	o.AgeSeconds = max(int64(age/time.Second), 0)
	o.Stale = age > StaleAfter || g.GatewayState == wire.Offline
}

// movement is today's admissions and exits per site, from the rollups:
// entries replayed late from a door unit's backlog count in the hour they
// happened, so the estimate heals once they arrive.
func (s *server) movement(r *http.Request, since, now time.Time) (in, out map[string]int, err error) {
	rows, err := s.store.Rollups(r.Context(), store.RollupQuery{By: "site",
		Since: since.Truncate(time.Hour), Until: now.Add(time.Hour),
		Metrics: []string{store.MetricIn, store.MetricOut}, Whole: true})
	if err != nil {
		return nil, nil, err
	}
	in, out = map[string]int{}, map[string]int{}
	for _, row := range rows {
		in[row.Key] += row.Counts[store.MetricIn]
		out[row.Key] += row.Counts[store.MetricOut]
	}
	return in, out, nil
}

type correctionJSON struct {
	Site    string    `json:"site"`
	Gateway string    `json:"gateway"`
	Entry   string    `json:"entry"`
	Count   int       `json:"count"`
	Prev    int       `json:"previous"`
	Reason  string    `json:"reason"`
	By      string    `json:"by"`
	ByName  string    `json:"by_name,omitempty"`
	At      time.Time `json:"at"`
}

// occupancyCorrections lists the corrections of a site's count its
// gateway sent as records, newest first, over the last days (default 7):
// the centre's audit trail, whoever made them and however long the
// gateway was offline.
func (s *server) occupancyCorrections(w http.ResponseWriter, r *http.Request) {
	q := store.Query{Records: true, Limit: store.MaxLimit}
	days := 7
	err := readParams(r.URL.Query(), map[string]func(string) error{
		"site": func(v string) error { return idParam(&q.Site, v) },
		"days": func(v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 93 {
				return fmt.Errorf("days %q: want 1 to 93", v)
			}
			days = n
			return nil
		},
	})
	if err == nil && q.Site == "" {
		err = errors.New("site: name the site whose corrections you want (site=…)")
	}
	var unit string
	if err == nil {
		err = s.caller(r).narrow(&q.Site, &unit)
	}
	if err != nil {
		refuse(w, err)
		return
	}
	now := s.opts.Now()
	q.Since, q.Until = now.AddDate(0, 0, -days), now.Add(time.Minute)
	recs, err := s.store.Entries(r.Context(), q)
	if err != nil {
		s.internal(w, "query corrections", err)
		return
	}
	list := []correctionJSON{}
	for _, rec := range recs {
		e := rec.Entry
		if e.Record == nil || e.Record.Kind != wire.RecordOccupancy || e.Record.Occupancy == nil {
			continue
		}
		oc := e.Record.Occupancy
		list = append(list, correctionJSON{Site: e.Site, Gateway: e.Unit, Entry: e.ID, Count: oc.Count,
			Prev: oc.Previous, Reason: oc.Reason, By: e.Guard, ByName: e.Record.GuardName, At: oc.At})
	}
	writeJSON(w, http.StatusOK, map[string]any{"site": q.Site, "corrections": list})
}
