package api

import (
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/kakou/kakou/cloud/store"
)

// householdJSON is one household (一户一卡) as the API shows it: its uses in
// the period ending now, as the centre's healed count has them.
type householdJSON struct {
	Household     string     `json:"household"`
	Used          int        `json:"used"`
	Allowance     int        `json:"allowance"`
	Remaining     int        `json:"remaining"`
	PeriodSeconds int64      `json:"period_seconds"`
	NextAt        *time.Time `json:"next_at"`
	LastUse       *time.Time `json:"last_use"`
	OverQuota     bool       `json:"over_quota"`
	OverUseEntry  string     `json:"over_use_entry,omitempty"`
	Units         []string   `json:"units"`
}

// households lists a site's households with uses within the longest
// period, with their uses in their period and whether any period saw more
// than the allowance (?over=1 only those). The site is required and must
// be in the caller's scope; a guard sees the households that used their
// lane.
func (s *server) households(w http.ResponseWriter, r *http.Request) {
	c := s.caller(r)
	var site, unit string
	over := false
	err := readParams(r.URL.Query(), map[string]func(string) error{
		"site": func(v string) error { return idParam(&site, v) },
		"over": func(v string) error { over = v == "1" || v == "true"; return nil },
	})
	if err == nil {
		err = c.narrow(&site, &unit)
	}
	if err == nil && site == "" {
		err = errors.New("site is required, e.g. ?site=sunny-garden")
	}
	if err != nil {
		refuse(w, err)
		return
	}
	rows, err := store.Households(r.Context(), s.store, site, s.opts.Now())
	if err != nil {
		s.internal(w, "households", err)
		return
	}
	out := []householdJSON{}
	for _, h := range rows {
		if over && !h.OverQuota || !slices.ContainsFunc(h.Units, func(u string) bool { return c.sees(site, u) }) {
			continue
		}
		out = append(out, householdJSON{Household: h.Household, Used: h.Used, Allowance: h.Allowance,
			Remaining: max(0, h.Allowance-h.Used), PeriodSeconds: h.PeriodSeconds, NextAt: timeOrNull(h.NextAt),
			LastUse: timeOrNull(h.LastUse), OverQuota: h.OverQuota, OverUseEntry: h.Overuse.ID, Units: h.Units})
	}
	writeJSON(w, http.StatusOK, map[string]any{"site": site, "count": len(out), "households": out})
}
