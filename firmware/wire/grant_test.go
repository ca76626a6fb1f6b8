package wire

import (
	"slices"
	"testing"
)

func TestGrantLetsAUnitUseOnlyItsOwnTopicsAndAGatewayItsSitesUnits(t *testing.T) {
	unit := Grant{Site: "s1", Unit: "u1"}
	gw := Grant{Site: "s1", Unit: AnyUnit}
	cases := []struct {
		g     Grant
		topic string
		write bool
		want  bool
	}{
		{unit, "kakou/v1/s1/u1/entry", true, true},
		{unit, "kakou/v1/s1/u1/status", true, true},
		{unit, "kakou/v1/s1/u1/ack", true, false},
		{unit, "kakou/v1/s1/u2/entry", true, false},
		{unit, "kakou/v1/s2/u1/entry", true, false},
		{unit, "kakou/v1/s1/u1/ack", false, true},
		{unit, "kakou/v1/s1/u1/policy", false, true},
		{unit, "kakou/v1/s1/u1/flow", false, true},
		{unit, "kakou/v1/s1/u1/guards", false, true},
		{unit, "kakou/v1/s1/u1/guards", true, false},
		{unit, "kakou/v1/s1/u2/guards", false, false},
		{unit, "kakou/v1/s1/u1/update", false, true},
		{unit, "kakou/v1/s1/u1/update", true, false},
		{unit, "kakou/v1/s1/u2/update", false, false},
		{unit, "kakou/v1/s1/u1/entry", false, false},
		{unit, "kakou/v1/s1/+/ack", false, false},
		{unit, "kakou/v1/s1/u1/#", false, false},
		{unit, "kakou/v1/s1/u1/ack/x", false, false},
		{unit, "kakou/v2/s1/u1/ack", false, false},
		{gw, "kakou/v1/s1/u9/entry", true, true},
		{gw, "kakou/v1/s1/gw1/status", true, true},
		{gw, "kakou/v1/s1/+/entry", true, false},
		{gw, "kakou/v1/s1/+/ack", false, true},
		{gw, "kakou/v1/s1/+/flow", false, true},
		{gw, "kakou/v1/s1/+/guards", false, true},
		{gw, "kakou/v1/s1/u9/guards", true, false},
		{gw, "kakou/v1/s2/+/ack", false, false},
		{gw, "kakou/v1/s1/#", false, false},
		{gw, "kakou/v1/s1/U9/entry", true, false},
	}
	for _, c := range cases {
		if got := c.g.Allows(c.topic, c.write); got != c.want {
			t.Errorf("%+v %s (write %v) = %v, want %v", c.g, c.topic, c.write, got, c.want)
		}
	}
}

func TestGrantFiltersAreWhatAllowsLets(t *testing.T) {
	for _, g := range []Grant{{Site: "s1", Unit: "u1"}, {Site: "s1", Unit: AnyUnit}} {
		w, r := g.Filters(true), g.Filters(false)
		if !slices.Equal(w, []string{Root + "/s1/" + g.Unit + "/entry", Root + "/s1/" + g.Unit + "/status"}) {
			t.Errorf("%+v writes %v", g, w)
		}
		for _, f := range r {
			if !g.Allows(f, false) {
				t.Errorf("%+v lists %s to read but does not allow it", g, f)
			}
		}
		if len(r) != 10 || r[8] != WatchFilter || r[9] != TrustTopic {
			t.Errorf("%+v reads %v, want ack, policy, flow, guards, staff, results, households, update, the watch roster and the trust list", g, r)
		}
	}
}
