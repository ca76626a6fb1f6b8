package broker

import (
	"strings"
	"testing"
)

func TestHashPasswordRoundTripsAndRefusesOthers(t *testing.T) {
	pw := NewPassword()
	h, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$7$1000$") || strings.Contains(h, pw) {
		t.Fatalf("hash %q: want mosquitto's $7$ form without the password", h)
	}
	if !CheckPassword(h, pw) {
		t.Fatal("the right password does not match")
	}
	h2, _ := HashPassword(pw)
	if h2 == h {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	for _, wrong := range []string{"", pw + "x", NewPassword()} {
		if CheckPassword(h, wrong) {
			t.Errorf("password %q matches", wrong)
		}
	}
}

func TestCheckPasswordRefusesMalformedHashes(t *testing.T) {
	for _, h := range []string{"", "plain", "$6$1000$c2FsdA==$a2V5", "$7$0$c2FsdA==$a2V5",
		"$7$99999999$c2FsdA==$a2V5", "$7$1000$!!$a2V5", "$7$1000$c2FsdA==$", "$7$1000$c2FsdA==$a2V5$x"} {
		if CheckPassword(h, "") || CheckPassword(h, "x") {
			t.Errorf("malformed hash %q matched", h)
		}
	}
}

// TestPasswordsHaveTheirFullEntropy guards NewPassword's length: 32 random
// bytes, 43 URL-safe characters.
func TestPasswordsHaveTheirFullEntropy(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		p := NewPassword()
		if len(p) != 43 || strings.ContainsAny(p, "+/=") || seen[p] {
			t.Fatalf("password %q: want 43 distinct URL-safe characters", p)
		}
		seen[p] = true
	}
}

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
