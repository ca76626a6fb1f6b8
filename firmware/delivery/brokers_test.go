package delivery

import (
	"fmt"
	"strings"
	"testing"
)

func TestStartSpreadsADistrictsDevicesEvenlyOverThreeNodes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		site  func(i int) string
		unit  func(i int) string
		nodes int
	}{
		{"one site, 100 units", func(int) string { return "dongcheng" }, func(i int) string { return fmt.Sprintf("gate-%03d", i) }, 3},
		{"100 sites, one unit each", func(i int) string { return fmt.Sprintf("site-%d", i) }, func(int) string { return "east" }, 3},
		{"Chinese names", func(i int) string { return fmt.Sprintf("城东%d小区", i) }, func(int) string { return "东门" }, 3},
		{"two nodes", func(int) string { return "s" }, func(i int) string { return fmt.Sprint(i) }, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			counts := make([]int, tc.nodes)
			for i := range 100 {
				counts[Start(tc.nodes, tc.site(i), tc.unit(i))]++
			}
			even := 100 / tc.nodes
			for n, c := range counts {
				// Roughly even: no node carries more than half again its share
				// nor less than half of it.
				if c < even/2 || c > even*3/2 {
					t.Errorf("node %d starts %d of 100 devices (%v); want about %d", n, c, counts, even)
				}
			}
		})
	}
}

func TestStartIsTheSameForTheSameDeviceAndTellsSiteFromUnit(t *testing.T) {
	if Start(3, "a", "b") != Start(3, "a", "b") {
		t.Fatal("the same device started at two positions")
	}
	if Start(1, "a", "b") != 0 || Start(0, "a", "b") != 0 {
		t.Fatal("a single broker is not position 0")
	}
	differ := false
	for i := range 20 {
		s := fmt.Sprint(i)
		if Start(1000, "ab"+s, "c") != Start(1000, "a", "bc"+s) {
			differ = true
		}
	}
	if !differ {
		t.Fatal("site+unit are hashed as one string: \"ab\"+\"c\" and \"a\"+\"bc\" collide")
	}
}

func TestRotationTriesEveryBrokerOnceBeforeComingBack(t *testing.T) {
	urls := []string{"tcp://n1:1883", "tcp://n2:1883", "tcp://n3:1883"}
	r := NewRotation(urls, "site", "unit")
	first := r.Current()
	if first != urls[Start(3, "site", "unit")] {
		t.Fatalf("first broker %s, want the hash's %s", first, urls[Start(3, "site", "unit")])
	}
	seen := map[string]bool{}
	for range 3 {
		seen[r.Current()] = true
		r.Next()
	}
	if len(seen) != 3 || r.Current() != first {
		t.Fatalf("three moves saw %v and ended on %s; want all three and back to %s", seen, r.Current(), first)
	}
	urls[0] = "changed"
	for range 3 {
		if r.Current() == "changed" {
			t.Fatal("the rotation shares the caller's slice")
		}
		r.Next()
	}
}

func TestCheckBrokersNamesWhatIsWrongWithAList(t *testing.T) {
	for _, tc := range []struct {
		urls []string
		want string // "" = fine
	}{
		{[]string{"tcp://n1:1883", "tcp://n2:1883"}, ""},
		{[]string{"ssl://n1:8883", "mqtts://n2:8883", "wss://n3:443/mqtt"}, ""},
		{[]string{"tcp://n1:1883", "ws://n2:80/mqtt"}, ""},
		{nil, "no broker URL"},
		{[]string{"tcp://n1:1883", "tcp://n1:1883"}, "listed twice"},
		{[]string{"ssl://n1:8883", "tcp://n2:1883"}, "mix TLS and plain"},
		{[]string{"tcp://n1:1883", "ssl://n2:8883"}, "mix TLS and plain"},
		{[]string{"tcp://n1:1883", "tcp://bad host:1883"}, "bad host"},
	} {
		err := CheckBrokers(tc.urls)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v: %v", tc.urls, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%v: got %v, want an error saying %q", tc.urls, err, tc.want)
		}
	}
}
