package collector

import (
	"slices"
	"testing"
)

func TestBrokerURLsNameEveryNodeOfAClusterAndBrokerURLItsFirst(t *testing.T) {
	cluster, err := LoadConfig(writeConfig(t, natsBroker))
	if err != nil {
		t.Fatal(err)
	}
	one, err := LoadConfig(writeConfig(t, "data_dir = \"d\"\n[broker]\nembedded = false\nurl = \"tcp://10.0.0.9:1883\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		cfg   Config
		first string
		all   []string
	}{
		{"a cluster's nodes", cluster, "tcp://10.0.0.11:1883",
			[]string{"tcp://10.0.0.11:1883", "tcp://10.0.0.12:1883", "tcp://10.0.0.13:1883"}},
		{"one external broker", one, "tcp://10.0.0.9:1883", []string{"tcp://10.0.0.9:1883"}},
	}
	for _, tc := range cases {
		c := &Collector{cfg: tc.cfg}
		if got := c.BrokerURL(); got != tc.first {
			t.Errorf("%s: BrokerURL %q, want %q", tc.name, got, tc.first)
		}
		if got := c.BrokerURLs(); !slices.Equal(got, tc.all) {
			t.Errorf("%s: BrokerURLs %q, want %q", tc.name, got, tc.all)
		}
	}
}
