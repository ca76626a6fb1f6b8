package broker

import "testing"

// The topic table itself is wire.Grant's (firmware/wire/grant_test.go);
// this is how the broker's identities map onto it: a unit's grant names
// the unit, a gateway's its whole site, the service may do anything, and
// an unknown role nothing.
func TestDeviceACLMapsEachRoleToItsGrant(t *testing.T) {
	unit := identity{unit: "u1", site: "s1", role: "unit"}
	gw := identity{unit: "gw1", site: "s1", role: "gateway"}
	cases := []struct {
		id    identity
		topic string
		write bool
		want  bool
	}{
		{unit, "kakou/v1/s1/u1/entry", true, true},
		{unit, "kakou/v1/s1/u2/entry", true, false},
		{unit, "kakou/v1/s2/u1/entry", true, false},
		{unit, "kakou/v1/s1/+/ack", false, false},
		{gw, "kakou/v1/s1/u9/entry", true, true},
		{gw, "kakou/v1/s1/+/ack", false, true},
		{gw, "kakou/v1/s2/+/ack", false, false},
		{identity{unit: "x", site: "s1", role: "admin"}, "kakou/v1/s1/x/entry", true, false},
		{identity{role: roleService}, "$share/g/kakou/v1/+/+/entry", false, true},
	}
	for _, c := range cases {
		if got := c.id.may(c.topic, c.write); got != c.want {
			t.Errorf("%s %s %s (write %v) = %v, want %v", c.id.role, c.id.unit, c.topic, c.write, got, c.want)
		}
	}
}
