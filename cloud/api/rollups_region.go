package api

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/kakou/kakou/cloud/store"
)

// Rollups per region (cloud/README.md "Regions and scope"): by=region sums
// each region's sites, a site counting in every region above it, so a
// city, each district and each street get their row; level=N keeps the
// regions N deep (1: the top). Any listing of a caller limited to a
// region, or one that asked for ?region=, reads only that region's sites.

// regionRollups answers q for the sites of within ("" for every site c
// sees), and by=region, from the per-site rows the store keeps.
func (s *server) regionRollups(ctx context.Context, c Caller, q store.RollupQuery, within string, level int) ([]store.RollupRow, error) {
	sites, err := s.scopeSites(ctx, c, within)
	if err != nil {
		return nil, err
	}
	in := map[string]bool{}
	for _, site := range sites {
		in[site] = true
	}
	switch q.By {
	case "facility": // the store knows each site's facility: ask per site, then add up
		rows, err := perSite(sites, func(site string) ([]store.RollupRow, error) {
			q.Site = site
			return s.store.Rollups(ctx, q)
		}, byKeyAndHour, 0)
		return regroup(rows, func(key string) []string { return []string{key} }), err
	case "unit":
		rows, err := s.store.Rollups(ctx, q)
		return slices.DeleteFunc(rows, func(r store.RollupRow) bool {
			site, _, _ := strings.Cut(r.Key, "/")
			return !in[site]
		}), err
	}
	by := q.By
	q.By = "site"
	rows, err := s.store.Rollups(ctx, q)
	if err != nil {
		return nil, err
	}
	rows = slices.DeleteFunc(rows, func(r store.RollupRow) bool { return !in[r.Key] })
	switch by {
	case "all":
		return regroup(rows, func(string) []string { return []string{"all"} }), nil
	case "region":
		return regroup(rows, func(site string) []string { return s.regionsOf(site, within, level) }), nil
	}
	return rows, nil
}

// regionsOf are the regions a site's counts add to: every region on its
// path inside within (within itself included), or those level deep.
func (s *server) regionsOf(site, within string, level int) []string {
	var out []string
	for i, id := range s.opts.Regions.Path(site) {
		if within != "" && !s.opts.Regions.Under(within, id) {
			continue
		}
		if level == 0 || i+1 == level {
			out = append(out, id)
		}
	}
	return out
}

// regroup sums rows into the keys keyOf gives each row's key, hour by
// hour, ordered by key and hour as the store orders them.
func regroup(rows []store.RollupRow, keyOf func(string) []string) []store.RollupRow {
	type slot struct {
		key  string
		hour int64
	}
	sums := map[slot]*store.RollupRow{}
	var out []*store.RollupRow
	for _, r := range rows {
		for _, k := range keyOf(r.Key) {
			at := slot{k, r.Hour.UnixNano()}
			sum := sums[at]
			if sum == nil {
				sum = &store.RollupRow{Key: k, Hour: r.Hour, Counts: map[string]int{}}
				sums[at] = sum
				out = append(out, sum)
			}
			for m, n := range r.Counts {
				sum.Counts[m] += n
			}
		}
	}
	list := make([]store.RollupRow, len(out))
	for i, r := range out {
		list[i] = *r
	}
	slices.SortFunc(list, byKeyAndHour)
	return list
}

func byKeyAndHour(a, b store.RollupRow) int {
	if c := strings.Compare(a.Key, b.Key); c != 0 {
		return c
	}
	return a.Hour.Compare(b.Hour)
}

// levelParam reads level=N, 1 (the top regions) to 8.
func levelParam(dst *int) func(string) error {
	return func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 8 {
			return errLevel
		}
		*dst = n
		return nil
	}
}

var errLevel = httpError("level: a depth in the region tree from 1 (the top, e.g. the city) to 8")

// checkRegionRollups refuses what by=region cannot answer.
func checkRegionRollups(q store.RollupQuery, level int, haveRegions bool) error {
	switch {
	case q.By == "region" && !haveRegions:
		return httpError("by=region: the collector has no [[regions]] configured")
	case q.By == "region" && (q.Site != "" || q.Facility != ""):
		return httpError("by=region sums whole regions: filter with region=, not site or facility")
	case level != 0 && q.By != "region":
		return httpError("level: only with by=region")
	}
	return nil
}
