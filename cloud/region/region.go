// Package region is the tree of places the centre's sites lie in: city →
// district or county → street or town → community, as the control rooms
// are organised (街道/社区/县防控指挥部). A role, a rollup, an alert route or
// a policy choice may name any node; this package answers which sites lie
// under it and which nodes lie over a site. It is pure: the collector's
// config builds a Tree once, and everything else only reads it.
package region

import (
	"fmt"
	"slices"
)

// Node is one region: its id, its name as the control room says it
// (武进区), and the id of the region it lies in, "" for a top one.
type Node struct {
	ID, Name, Parent string
}

// Problem is one thing wrong with the regions or the sites' places:
// Index is the position of the region (or site) in the list given, Field
// the key at fault.
type Problem struct {
	Site   bool // the problem is in the sites' list, not the regions'
	Index  int
	Field  string
	Reason string
}

// Tree is the checked hierarchy. A nil *Tree has no regions: every
// lookup answers "none", so code without regions configured needs no
// special case.
type Tree struct {
	nodes map[string]Node
	order []string            // ids as configured
	paths map[string][]string // region id → ids from the top down to it
	site  map[string]string   // site id → the region it lies in directly
}

// Place is one site's region, as [[sites]] region says it.
type Place struct{ Site, Region string }

// New checks nodes and places and builds the tree. Every problem is
// reported, each with where it is, so a config is fixed in one pass:
// a duplicate id, an unknown parent, a cycle, a site in an unknown region.
func New(nodes []Node, places []Place) (*Tree, []Problem) {
	t := &Tree{nodes: map[string]Node{}, paths: map[string][]string{}, site: map[string]string{}}
	var probs []Problem
	for i, n := range nodes {
		if _, dup := t.nodes[n.ID]; dup {
			probs = append(probs, Problem{Index: i, Field: "id", Reason: fmt.Sprintf("%q is listed twice", n.ID)})
			continue
		}
		t.nodes[n.ID] = n
		t.order = append(t.order, n.ID)
	}
	for i, n := range nodes {
		if t.nodes[n.ID] != n {
			continue // the duplicate, reported above
		}
		if n.Parent != "" && !t.has(n.Parent) {
			probs = append(probs, Problem{Index: i, Field: "parent", Reason: fmt.Sprintf("%q is not the id of any [[regions]] entry", n.Parent)})
			continue
		}
		path, cycle := t.walk(n.ID)
		if cycle {
			probs = append(probs, Problem{Index: i, Field: "parent", Reason: fmt.Sprintf("%q leads back to %q: regions form a tree, each inside one parent", n.Parent, n.ID)})
			continue
		}
		t.paths[n.ID] = path
	}
	for i, p := range places {
		if p.Region == "" {
			continue
		}
		if _, ok := t.paths[p.Region]; !ok {
			probs = append(probs, Problem{Site: true, Index: i, Field: "region", Reason: fmt.Sprintf("%q is not the id of any [[regions]] entry", p.Region)})
			continue
		}
		if _, clash := t.nodes[p.Site]; clash {
			probs = append(probs, Problem{Site: true, Index: i, Field: "id", Reason: fmt.Sprintf("%q is also a region's id; a policy or a role naming it would be ambiguous", p.Site)})
			continue
		}
		t.site[p.Site] = p.Region
	}
	return t, probs
}

func (t *Tree) has(id string) bool { _, ok := t.nodes[id]; return ok }

// walk climbs from id to the top; cycle is true when it comes round.
func (t *Tree) walk(id string) (path []string, cycle bool) {
	seen := map[string]bool{}
	for cur := id; cur != ""; cur = t.nodes[cur].Parent {
		if seen[cur] || !t.has(cur) {
			return nil, true
		}
		seen[cur] = true
		path = append(path, cur)
	}
	slices.Reverse(path)
	return path, false
}

// Path is the regions site lies in, from the top down (["changzhou",
// "wujin", "hutang"]); nil for a site in no region. The slice is the
// tree's: do not modify it.
func (t *Tree) Path(site string) []string {
	if t == nil {
		return nil
	}
	return t.paths[t.site[site]]
}

// RegionPath is the regions from the top down to region, itself last.
func (t *Tree) RegionPath(region string) []string {
	if t == nil {
		return nil
	}
	return t.paths[region]
}

// Has reports whether id is a region of the tree.
func (t *Tree) Has(id string) bool {
	if t == nil {
		return false
	}
	_, ok := t.paths[id]
	return ok
}

// Within reports whether site lies in region, at any depth.
func (t *Tree) Within(region, site string) bool {
	return slices.Contains(t.Path(site), region)
}

// Under reports whether region inner lies in outer, or is outer.
func (t *Tree) Under(outer, inner string) bool {
	return slices.Contains(t.RegionPath(inner), outer)
}

// Sites lists the configured sites that lie in region, sorted.
func (t *Tree) Sites(region string) []string {
	if t == nil {
		return nil
	}
	var out []string
	for site := range t.site {
		if t.Within(region, site) {
			out = append(out, site)
		}
	}
	slices.Sort(out)
	return out
}

// Depth is how deep region lies: 1 for a top region, 0 for no region.
func (t *Tree) Depth(region string) int { return len(t.RegionPath(region)) }

// Nodes lists the regions as configured, each parent before its children
// only if the config lists them so.
func (t *Tree) Nodes() []Node {
	if t == nil {
		return nil
	}
	out := make([]Node, len(t.order))
	for i, id := range t.order {
		out[i] = t.nodes[id]
	}
	return out
}

// Name is region's name, its id when it has none.
func (t *Tree) Name(region string) string {
	if t == nil || t.nodes[region].Name == "" {
		return region
	}
	return t.nodes[region].Name
}
