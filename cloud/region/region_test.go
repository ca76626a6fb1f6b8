package region

import (
	"reflect"
	"strings"
	"testing"
)

// demo is Changzhou with one district, two streets and a county.
var demo = []Node{
	{ID: "changzhou", Name: "常州市"},
	{ID: "wujin", Name: "武进区", Parent: "changzhou"},
	{ID: "hutang", Name: "湖塘镇", Parent: "wujin"},
	{ID: "niutang", Name: "牛塘镇", Parent: "wujin"},
	{ID: "liyang", Name: "溧阳市", Parent: "changzhou"},
}

var places = []Place{{"sunshine-garden", "hutang"}, {"riverside-market", "niutang"}, {"village-gate", "liyang"}, {"loose", ""}}

func mustTree(t *testing.T) *Tree {
	t.Helper()
	tr, probs := New(demo, places)
	if len(probs) > 0 {
		t.Fatalf("problems: %+v", probs)
	}
	return tr
}

func TestPathListsASitesRegionsFromTheTopDown(t *testing.T) {
	tr := mustTree(t)
	for site, want := range map[string][]string{
		"sunshine-garden":  {"changzhou", "wujin", "hutang"},
		"riverside-market": {"changzhou", "wujin", "niutang"},
		"village-gate":     {"changzhou", "liyang"},
		"loose":            nil,
		"nosuch":           nil,
	} {
		if got := tr.Path(site); !reflect.DeepEqual(got, want) {
			t.Errorf("Path(%s) = %v, want %v", site, got, want)
		}
	}
}

func TestWithinAndSitesAnswerForEveryLevel(t *testing.T) {
	tr := mustTree(t)
	if !tr.Within("wujin", "sunshine-garden") || tr.Within("liyang", "sunshine-garden") || tr.Within("wujin", "loose") {
		t.Error("Within: a street's site lies in its district and not in the county beside it")
	}
	if got := tr.Sites("wujin"); !reflect.DeepEqual(got, []string{"riverside-market", "sunshine-garden"}) {
		t.Errorf("Sites(wujin) = %v", got)
	}
	if got := tr.Sites("changzhou"); len(got) != 3 {
		t.Errorf("Sites(changzhou) = %v, want the three placed sites", got)
	}
	if !tr.Under("changzhou", "hutang") || !tr.Under("hutang", "hutang") || tr.Under("hutang", "wujin") {
		t.Error("Under: a street is under its city and itself, a district not under its street")
	}
	if tr.Depth("hutang") != 3 || tr.Depth("nosuch") != 0 {
		t.Errorf("Depth: hutang %d, nosuch %d", tr.Depth("hutang"), tr.Depth("nosuch"))
	}
}

func TestANilTreeHasNoRegions(t *testing.T) {
	var tr *Tree
	if tr.Path("x") != nil || tr.Has("x") || tr.Within("x", "y") || tr.Sites("x") != nil || tr.Nodes() != nil || tr.Name("x") != "x" {
		t.Error("a nil tree answered as if it had regions")
	}
}

func TestNewReportsEveryProblemWithItsKey(t *testing.T) {
	nodes := []Node{
		{ID: "a", Parent: "b"}, {ID: "b", Parent: "c"}, {ID: "c", Parent: "a"}, // a cycle
		{ID: "d", Parent: "nosuch"},
		{ID: "e"}, {ID: "e"},
		{ID: "f", Parent: "f"},
	}
	_, probs := New(nodes, []Place{{"s1", "e"}, {"s2", "ghost"}, {"e", "e"}})
	var got []string
	for _, p := range probs {
		list := "regions"
		if p.Site {
			list = "sites"
		}
		got = append(got, list+"["+string(rune('0'+p.Index))+"]."+p.Field)
	}
	want := "regions[5].id regions[0].parent regions[1].parent regions[2].parent regions[3].parent regions[6].parent sites[1].region sites[2].id"
	if strings.Join(got, " ") != want {
		t.Errorf("problems at %v\nwant %s\n%+v", got, want, probs)
	}
}

// FuzzNew: whatever the config says, building the tree ends, and every
// path it answers is a chain of known regions without repeats.
func FuzzNew(f *testing.F) {
	for _, seed := range []string{"a:,b:a,c:b", "a:b,b:a", "a:a", "a:,a:", "x:nosuch", ""} {
		f.Add(seed, "s1:c")
	}
	f.Fuzz(func(t *testing.T, regions, sites string) {
		var nodes []Node
		for _, kv := range strings.Split(regions, ",") {
			id, parent, _ := strings.Cut(kv, ":")
			nodes = append(nodes, Node{ID: id, Parent: parent})
		}
		var ps []Place
		for _, kv := range strings.Split(sites, ",") {
			site, r, _ := strings.Cut(kv, ":")
			ps = append(ps, Place{site, r})
		}
		tr, _ := New(nodes, ps)
		for _, p := range ps {
			path := tr.Path(p.Site)
			seen := map[string]bool{}
			for _, id := range path {
				if seen[id] || !tr.Has(id) {
					t.Fatalf("Path(%q) = %v: repeats or unknown", p.Site, path)
				}
				seen[id] = true
			}
		}
	})
}
