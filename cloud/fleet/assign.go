package fleet

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// A policy is chosen for a unit, a site, a facility type within a region
// ("all supermarkets in county X", or in every region), or a region at any
// depth ("for county X"); the plans switch phases at each of these. Each
// unit runs the most specific choice that fits it (cloud/README.md
// "Policy assignment"):
//
//	unit > site > facility type in a region (the deepest region first,
//	then the whole fleet) > region (the deepest first)
//
// A profile is written for one facility type. It is never pushed to a unit
// of another type: choosing it for such a unit, site or facility type is
// refused, and a region's choice reaches only the units of the profile's
// type in it — a county's community profile leaves its supermarkets on
// theirs.

// Scopes of a choice.
const (
	ScopeUnit     = "unit"     // target "site/unit"
	ScopeSite     = "site"     // target "site"
	ScopeFacility = "facility" // target "region/facility", or "facility" for every region
	ScopeRegion   = "region"   // target "region"
)

// Facilities are the facility types of the policy documents
// (configs/policies/README.md "facility").
var Facilities = []string{"community", "supermarket", "market", "clinic", "school", "nursing_home", "village", "office"}

// Regions is where sites lie: cloud/region's Tree.
type Regions interface {
	Path(site string) []string // region ids from the top down
	Has(region string) bool
}

type noRegions struct{}

func (noRegions) Path(string) []string { return nil }
func (noRegions) Has(string) bool      { return false }

// PlaceIn gives f the region tree; call it before Run.
func (f *Fleet) PlaceIn(r Regions) {
	if r != nil {
		f.regions = r
	}
}

// Errors the API answers with 400.
var (
	ErrUnknownProfile = errors.New("fleet: no such policy profile")
	ErrTarget         = errors.New("fleet: no such target")
	ErrFacility       = errors.New("fleet: the profile is for another facility type")
)

// Assign records the choice of profile for a scope and target and pushes
// it at once to the known units it decides.
func (f *Fleet) Assign(ctx context.Context, scope, target, profile, by string) (store.Assignment, error) {
	p, ok := f.profile(profile)
	if !ok {
		return store.Assignment{}, fmt.Errorf("%w %q", ErrUnknownProfile, profile)
	}
	if err := f.checkTarget(ctx, scope, target, p); err != nil {
		return store.Assignment{}, err
	}
	a := store.Assignment{Scope: scope, Target: target, Profile: p.Name, Version: p.Version,
		Document: p.document, AssignedBy: by, AssignedAt: f.now()}
	if err := f.store.PutAssignment(ctx, a); err != nil {
		return store.Assignment{}, err
	}
	f.log.Info("policy assigned", "scope", scope, "target", target, "profile", p.Name, "version", p.Version, "by", by)
	f.mu.Lock()
	clear(f.sent) // a new choice goes out now, not after repushEvery
	f.mu.Unlock()
	return a, f.Reconcile(ctx)
}

// checkTarget refuses a target that names nothing the centre knows, and
// a profile written for another facility type than the target's.
func (f *Fleet) checkTarget(ctx context.Context, scope, target string, p Profile) error {
	if err := validTarget(scope, target); err != nil {
		return fmt.Errorf("%w: %s %q: %v", ErrTarget, scope, target, err)
	}
	if scope == ScopeRegion || scope == ScopeFacility {
		region, fac, _ := strings.Cut(target, "/")
		if scope == ScopeFacility && fac == "" {
			region, fac = "", region
		}
		switch {
		case region != "" && !f.regions.Has(region):
			return fmt.Errorf("%w: region %q is not one of the collector's [[regions]]", ErrTarget, region)
		case scope == ScopeFacility && !slices.Contains(Facilities, fac):
			return fmt.Errorf("%w: facility type %q: use one of %s", ErrTarget, fac, strings.Join(Facilities, ", "))
		case scope == ScopeFacility && fac != p.Facility:
			return fmt.Errorf("%w: profile %s is written for %s, not %s", ErrFacility, p.Name, p.Facility, fac)
		}
		return nil
	}
	units, err := f.store.Units(ctx, f.now())
	if err != nil {
		return err
	}
	sites, err := f.store.Sites(ctx)
	if err != nil {
		return err
	}
	site, unit, _ := strings.Cut(target, "/")
	known, fac := false, ""
	for _, s := range sites {
		if s.ID == site {
			known, fac = scope == ScopeSite, s.Facility
		}
	}
	for _, u := range units {
		if u.Site == site && (scope == ScopeSite || u.ID == unit) {
			known = true
			if fac == "" {
				fac = u.Facility
			}
		}
	}
	switch {
	case !known:
		return fmt.Errorf("%w: %s %q is not one the collector knows (configured in [[sites]] or heard from)", ErrTarget, scope, target)
	case fac != "" && fac != p.Facility:
		return fmt.Errorf("%w: profile %s is written for %s; %s %s is a %s", ErrFacility, p.Name, p.Facility, scope, target, fac)
	}
	return nil
}

// validTarget checks a target's form: a unit as "site/unit", since two
// sites may each have a gate-1 (store.UnitID).
func validTarget(scope, target string) error {
	switch scope {
	case ScopeSite, ScopeRegion:
		return wire.ValidateID(target)
	case ScopeFacility:
		a, b, two := strings.Cut(target, "/")
		if !two {
			return wire.ValidateID(a)
		}
		return errors.Join(wire.ValidateID(a), wire.ValidateID(b))
	case ScopeUnit:
		site, unit, ok := strings.Cut(target, "/")
		if !ok {
			return errors.New(`name the unit with its site: "site/unit"`)
		}
		return errors.Join(wire.ValidateID(site), wire.ValidateID(unit))
	}
	return errors.New("scope: use unit, site, facility or region")
}

// Wanted is each unit's chosen policy by the precedence above. paths
// says which regions a site lies in, from the top down.
func Wanted(units []store.Unit, sites []store.Site, as []store.Assignment, paths func(site string) []string) map[store.UnitID]store.Assignment {
	by := map[string]map[string]store.Assignment{}
	facility := map[string]string{} // each chosen document's facility type
	for _, a := range as {
		if by[a.Scope] == nil {
			by[a.Scope] = map[string]store.Assignment{}
		}
		by[a.Scope][a.Target] = a
		if _, ok := facility[a.Document]; !ok {
			facility[a.Document] = documentFacility(a.Document)
		}
	}
	siteFacility := map[string]string{}
	for _, s := range sites {
		siteFacility[s.ID] = s.Facility
	}
	out := map[store.UnitID]store.Assignment{}
	for _, u := range units {
		id := store.UnitID{Site: u.Site, Unit: u.ID}
		fac := siteFacility[u.Site]
		if fac == "" {
			fac = u.Facility
		}
		fits := func(scope, target string) bool {
			a, ok := by[scope][target]
			if ok && (fac == "" || facility[a.Document] == "" || facility[a.Document] == fac) {
				out[id] = a
				return true
			}
			return false
		}
		if fits(ScopeUnit, id.String()) || fits(ScopeSite, u.Site) {
			continue
		}
		path := paths(u.Site)
		if fac != "" && fitsDeepest(path, func(r string) bool { return fits(ScopeFacility, r+"/"+fac) }) ||
			fac != "" && fits(ScopeFacility, fac) {
			continue
		}
		fitsDeepest(path, func(r string) bool { return fits(ScopeRegion, r) })
	}
	return out
}

// fitsDeepest tries the regions of path from the deepest up.
func fitsDeepest(path []string, fits func(region string) bool) bool {
	for i := len(path) - 1; i >= 0; i-- {
		if fits(path[i]) {
			return true
		}
	}
	return false
}

// documentFacility is the facility type a policy document is written for.
func documentFacility(doc string) string {
	var head struct {
		Facility string `toml:"facility"`
	}
	toml.Decode(doc, &head) // a document the centre loaded; a bad one fits any unit, as before
	return head.Facility
}
