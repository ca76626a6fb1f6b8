package broker

import "testing"

func TestDeviceACL(t *testing.T) {
	unit := identity{unit: "u1", site: "s1", role: "unit"}
	gw := identity{unit: "gw1", site: "s1", role: "gateway"}
	cases := []struct {
		id    identity
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
		{gw, "kakou/v1/s2/+/ack", false, false},
		{gw, "kakou/v1/s1/#", false, false},
		{gw, "kakou/v1/s1/U9/entry", true, false},
		{identity{unit: "x", site: "s1", role: "admin"}, "kakou/v1/s1/x/entry", true, false},
		{identity{role: roleService}, "$share/g/kakou/v1/+/+/entry", false, true},
	}
	for _, c := range cases {
		if got := c.id.may(c.topic, c.write); got != c.want {
			t.Errorf("%s %s (write %v) = %v, want %v", c.id.unit, c.topic, c.write, got, c.want)
		}
	}
}
