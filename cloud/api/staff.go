package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"github.com/kakou/kakou/cloud/staff"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// The staff roster of a site (晨午晚检) is managed here: read it, or import
// it whole (a school's 3,000 pupils at once); each import is audited and
// the site's signed roster goes at once to every unit (staff.Pusher). The
// roll call of the current round, joined from every unit of the site, is
// GET /api/v1/rollcall. Names are stored masked: an import may carry full
// names, which the centre masks (张**) before it keeps anything.

// StaffDesk turns the staff endpoints on.
type StaffDesk struct {
	Store   staff.Store
	Publish func(ctx context.Context, site string) error
}

// maxStaffImport bounds an import's body: 4,000 members with full names
// and class names are well under it.
const maxStaffImport = 2 << 20

func (s *server) staffCaller(w http.ResponseWriter, r *http.Request, what string, roles ...string) (Caller, string, bool) {
	c, site := s.caller(r), r.PathValue("site")
	err := c.require(what, roles...)
	if err == nil && wire.ValidateID(site) != nil {
		err = fmt.Errorf("site %q: use a-z, 0-9, '-' and '_'", site)
	}
	if err == nil && !c.sees(site, "") {
		err = errForbidden("you may see the staff of site " + c.Site + " only, not " + site)
	}
	switch {
	case s.opts.Staff == nil:
		writeError(w, http.StatusNotFound, "staff roll call is off in this collector")
		return c, "", false
	case err != nil:
		refuse(w, err)
		return c, "", false
	}
	return c, site, true
}

func (s *server) getStaff(w http.ResponseWriter, r *http.Request) {
	_, site, ok := s.staffCaller(w, r, "reading the staff roster", RoleMonitor, RoleSiteManager)
	if !ok {
		return
	}
	ro, err := s.opts.Staff.Store.StaffRoster(r.Context(), site)
	if err != nil {
		s.internal(w, "read staff roster", err)
		return
	}
	if ro.Members == nil {
		ro.Members = []wire.StaffMember{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"site": site, "version": ro.Version, "updated_at": ro.UpdatedAt,
		"updated_by": ro.UpdatedBy, "members": ro.Members})
}

// importStaff replaces the site's roster: {"members": [{"id": "P2026000123",
// "name": "李明", "group": "pupil", "class": "三年级2班"}, …]}.
func (s *server) importStaff(w http.ResponseWriter, r *http.Request) {
	c, site, ok := s.staffCaller(w, r, "importing the staff roster", RoleMonitor, RoleSiteManager)
	if !ok {
		return
	}
	var req struct {
		Members []wire.StaffMember `json:"members"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxStaffImport))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, `send JSON like {"members": [{"id": "P2026000123", "name": "李明", "group": "pupil", "class": "三年级2班"}]} of at most 2 MiB`)
		return
	}
	ro := store.StaffRoster{Site: site, UpdatedAt: s.opts.Now(), UpdatedBy: c.User, Members: req.Members}
	if err := checkImport(&ro); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	stored, err := s.opts.Staff.Store.PutStaffRoster(r.Context(), ro)
	if err != nil {
		s.internal(w, "store staff roster", err)
		return
	}
	if err := s.audit(r.Context(), c, "staff_import", map[string]any{"site": site, "members": len(ro.Members),
		"version": stored.Version}); err != nil {
		s.log.Error("staff import not audited", "err", err)
	}
	pushErr := s.opts.Staff.Publish(r.Context(), site)
	if pushErr != nil {
		s.log.Warn("staff roster stored but not yet sent to every unit", "site", site, "err", pushErr)
	}
	writeJSON(w, http.StatusOK, map[string]any{"site": site, "version": stored.Version, "members": len(ro.Members),
		"pushed": pushErr == nil})
}

// checkImport masks the names and says what a unit could not take: the
// first bad member by its place, or a roster over the message cap, before
// anything is stored or published.
func checkImport(ro *store.StaffRoster) error {
	if len(ro.Members) > wire.MaxStaff {
		return fmt.Errorf("%d members; a site's roster holds at most %d", len(ro.Members), wire.MaxStaff)
	}
	for i := range ro.Members {
		m := &ro.Members[i]
		if !wire.IsMaskedName(m.Name) {
			m.Name = wire.MaskName(m.Name)
		}
		if err := m.Validate(); err != nil {
			return fmt.Errorf("members[%d]: %v", i, err)
		}
	}
	wr := wire.StaffRoster{Schema: wire.SchemaVersion, Site: ro.Site, Unit: "unit", Version: 1, IssuedAt: ro.UpdatedAt,
		IssuedBy: ro.UpdatedBy, Members: ro.Members}
	if err := wr.Validate(); err != nil {
		return err
	}
	if err := staff.CheckSize(wr); err != nil {
		return fmt.Errorf("%v: split the site's people or shorten the class names", err)
	}
	return nil
}

// rollCall answers GET /api/v1/rollcall?site=: the current round's roll
// call of one site, or of every site in the caller's scope that has a
// staff roster.
func (s *server) rollCall(w http.ResponseWriter, r *http.Request) {
	c := s.caller(r)
	site, unit := r.URL.Query().Get("site"), ""
	if err := c.narrow(&site, &unit); err != nil {
		refuse(w, err)
		return
	}
	if s.opts.Staff == nil {
		writeError(w, http.StatusNotFound, "staff roll call is off in this collector")
		return
	}
	sites := []string{site}
	if site == "" {
		var err error
		if sites, err = s.staffSites(r.Context(), c); err != nil {
			s.internal(w, "list sites", err)
			return
		}
	}
	out := []staff.RollCall{}
	for _, st := range sites {
		rc, err := staff.Load(r.Context(), s.opts.Staff.Store, st, s.opts.Now())
		if err != nil {
			s.internal(w, "roll call", err)
			return
		}
		if site != "" || rc.RosterVersion > 0 {
			out = append(out, rc)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"sites": out})
}

// staffSites are the sites of the known units that c sees.
func (s *server) staffSites(ctx context.Context, c Caller) ([]string, error) {
	units, err := s.opts.Staff.Store.Units(ctx, s.opts.Now())
	if err != nil {
		return nil, err
	}
	var sites []string
	for _, u := range units {
		if c.sees(u.Site, "") && !slices.Contains(sites, u.Site) {
			sites = append(sites, u.Site)
		}
	}
	slices.Sort(sites)
	return sites, nil
}
