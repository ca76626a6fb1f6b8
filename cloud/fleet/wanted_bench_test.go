package fleet

import (
	"fmt"
	"testing"

	"github.com/kakou/kakou/cloud/region"
	"github.com/kakou/kakou/cloud/store"
)

// BenchmarkWantedCity: the reconciler's choice per unit, every round, for
// a city of 10,000 units at 2,500 sites in 100 streets of 10 districts,
// with a choice for the city, each district's supermarkets, 100 sites and
// 100 units.
func BenchmarkWantedCity(b *testing.B) {
	nodes := []region.Node{{ID: "city"}}
	for d := range 10 {
		nodes = append(nodes, region.Node{ID: fmt.Sprintf("d%d", d), Parent: "city"})
		for s := range 10 {
			nodes = append(nodes, region.Node{ID: fmt.Sprintf("d%d-s%d", d, s), Parent: fmt.Sprintf("d%d", d)})
		}
	}
	var places []region.Place
	var sites []store.Site
	var units []store.Unit
	facilities := []string{"community", "supermarket", "market", "clinic"}
	for i := range 2500 {
		id := fmt.Sprintf("site-%d", i)
		places = append(places, region.Place{Site: id, Region: fmt.Sprintf("d%d-s%d", i%10, i/10%10)})
		sites = append(sites, store.Site{ID: id, Facility: facilities[i%4]})
		for u := range 4 {
			units = append(units, store.Unit{ID: fmt.Sprintf("gate-%d", u), Site: id})
		}
	}
	tree, probs := region.New(nodes, places)
	if len(probs) > 0 {
		b.Fatal(probs)
	}
	doc := func(fac string) string { return "version = \"v\"\nfacility = \"" + fac + "\"\n" }
	as := []store.Assignment{{Scope: ScopeRegion, Target: "city", Document: doc("community"), Version: "city-1"}}
	for d := range 10 {
		as = append(as, store.Assignment{Scope: ScopeFacility, Target: fmt.Sprintf("d%d/supermarket", d), Document: doc("supermarket"), Version: "sm-1"})
	}
	for i := range 100 {
		as = append(as, store.Assignment{Scope: ScopeSite, Target: fmt.Sprintf("site-%d", i*25), Document: doc(facilities[i*25%4]), Version: "s-1"},
			store.Assignment{Scope: ScopeUnit, Target: fmt.Sprintf("site-%d/gate-1", i*25+1), Document: doc(facilities[(i*25+1)%4]), Version: "u-1"})
	}
	b.ReportAllocs()
	for b.Loop() {
		if w := Wanted(units, sites, as, tree.Path); len(w) < 5000 {
			b.Fatalf("%d units decided", len(w))
		}
	}
}
