package api

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/kakou/kakou/cloud/store"
)

// Scope by region (cloud/README.md "Regions and scope"): a monitor or a
// tracer may be limited to one region of the tree, at any depth — a
// district's control room sees the district's sites and no others. Any
// central caller may narrow a listing further with ?region=. The store
// filters by one site at a time, so a listing over a region asks per site
// and merges (perSite); what is outside the scope is never read.

// regional reports whether c's listings must be limited to a region's
// sites: a central role limited to a region, or a narrower ?region=.
func (c Caller) regional(asked string) bool {
	return asked != "" || (c.Region != "" && (c.Role == RoleMonitor || c.Role == RoleTracer))
}

// regionFilter checks ?region=: a region of the tree, asked by a central
// role, inside the caller's own region. It returns the region a listing
// is limited to: the one asked, else the caller's own ("" for none).
func (s *server) regionFilter(c Caller, asked string) (string, error) {
	if asked == "" {
		if c.Role == RoleMonitor || c.Role == RoleTracer {
			return c.Region, nil
		}
		return "", nil
	}
	if err := c.require("filtering by region", RoleMonitor, RoleTracer); err != nil {
		return "", err
	}
	if !s.opts.Regions.Has(asked) {
		return "", errors.New("region " + strconv.Quote(asked) + " is not one of the collector's [[regions]]")
	}
	if c.Region != "" && !s.opts.Regions.Under(c.Region, asked) {
		return "", errForbidden("you may see region " + c.Region + " and the regions in it, not " + asked)
	}
	return asked, nil
}

// scopeSites lists the sites c sees that lie in region ("" for any):
// the configured sites and those heard from, sorted.
func (s *server) scopeSites(ctx context.Context, c Caller, region string) ([]string, error) {
	sites, err := s.store.Sites(ctx)
	if err != nil {
		return nil, err
	}
	units, err := s.store.Units(ctx, s.opts.Now())
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	add := func(site string) {
		if !seen[site] && c.seesSite(site) && (region == "" || s.opts.Regions.Within(region, site)) {
			out = append(out, site)
		}
		seen[site] = true
	}
	for _, st := range sites {
		add(st.ID)
	}
	for _, u := range units {
		add(u.Site)
	}
	slices.Sort(out)
	return out, nil
}

// perSite runs query once for each site and merges the answers in order
// (cmp: the store's own order), keeping the first limit.
func perSite[T any](sites []string, query func(site string) ([]T, error), order func(a, b T) int, limit int) ([]T, error) {
	var out []T
	for _, site := range sites {
		list, err := query(site)
		if err != nil {
			return nil, err
		}
		out = append(out, list...)
	}
	slices.SortStableFunc(out, order)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// checkUnit refuses a unit named by a caller with a limited scope unless
// it is a unit at a site they see: asking for another site's unit is a
// 403, not an empty answer that looks like a quiet gate.
func (s *server) checkUnit(ctx context.Context, c Caller, site, unit string) error {
	if unit == "" || (c.Region == "" && (c.Role == RoleMonitor || c.Role == RoleTracer)) {
		return nil
	}
	units, err := s.store.Units(ctx, s.opts.Now())
	if err != nil {
		return err
	}
	for _, u := range units {
		if u.ID == unit && (site == "" || u.Site == site) && c.sees(u.Site, u.ID) {
			return nil
		}
	}
	return errForbidden("unit " + unit + " is not one of the units you may see")
}

// newestEntryFirst is the store's order of entries.
func newestEntryFirst(a, b store.Record) int {
	if c := b.Time.Compare(a.Time); c != 0 {
		return c
	}
	return cmp.Compare(b.Seq, a.Seq)
}

// newestAlertFirst is the store's order of alerts.
func newestAlertFirst(a, b store.Alert) int { return b.RaisedAt.Compare(a.RaisedAt) }

// regionList answers GET /api/v1/regions: the regions the caller may ask
// for (policies.go's policyRegions), for the fleet view's filter.
func (s *server) regionList(w http.ResponseWriter, r *http.Request) {
	if err := readParams(r.URL.Query(), nil); err != nil {
		refuse(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"regions": s.policyRegions(s.caller(r))})
}
