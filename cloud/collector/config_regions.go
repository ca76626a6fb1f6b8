package collector

import (
	"fmt"

	"github.com/kakou/kakou/cloud/api"
	"github.com/kakou/kakou/cloud/region"
	"github.com/kakou/kakou/firmware/wire"
)

// RegionConfig is one [[regions]] entry: a node of the tree the sites lie
// in, city → district/county → street/town → community (cloud/README.md
// "Regions and scope"). A site names its region in [[sites]] region; a
// monitor or tracer limited to one region names it in [[users]] or
// [[api_tokens]] region.
type RegionConfig struct {
	ID     string `toml:"id"`
	Name   string `toml:"name"`   // as the control room says it: 武进区
	Parent string `toml:"parent"` // the region it lies in; "" for the top
}

// Regions is the checked region tree; nil when no [[regions]] are listed.
// Validate has reported any problem, so a valid config always builds.
func (c Config) Regions() *region.Tree {
	if len(c.RegionList) == 0 {
		return nil
	}
	t, _ := c.regionTree()
	return t
}

func (c Config) regionTree() (*region.Tree, []region.Problem) {
	nodes := make([]region.Node, len(c.RegionList))
	for i, r := range c.RegionList {
		nodes[i] = region.Node{ID: r.ID, Name: r.Name, Parent: r.Parent}
	}
	places := make([]region.Place, len(c.Sites))
	for i, s := range c.Sites {
		places[i] = region.Place{Site: s.ID, Region: s.Region}
	}
	return region.New(nodes, places)
}

func (c Config) validateRegions(bad func(key, format string, args ...any)) {
	for i, r := range c.RegionList {
		if err := wire.ValidateID(r.ID); err != nil {
			bad(fmt.Sprintf("regions[%d].id", i), "%q: %v", r.ID, err)
		}
	}
	_, probs := c.regionTree()
	for _, p := range probs {
		list := "regions"
		if p.Site {
			list = "sites"
		}
		bad(fmt.Sprintf("%s[%d].%s", list, p.Index, p.Field), "%s", p.Reason)
	}
	known := c.Regions()
	for i, u := range c.Users {
		checkScopeRegion(fmt.Sprintf("users[%d]", i), u.Role, u.Region, known, bad)
	}
	for i, t := range c.Tokens {
		checkScopeRegion(fmt.Sprintf("api_tokens[%d]", i), t.Role, t.Region, known, bad)
	}
}

// checkScopeRegion: only central roles are limited by region; a guard or
// a site manager is limited by their unit or site already.
func checkScopeRegion(key, role, r string, known *region.Tree, bad func(key, format string, args ...any)) {
	switch {
	case r == "":
	case role != api.RoleMonitor && role != api.RoleTracer:
		bad(key+".region", "a %s is limited to their site already; region is for a monitor or a tracer", role)
	case !known.Has(r):
		bad(key+".region", "%q is not the id of any [[regions]] entry", r)
	}
}
