package devicepass

import (
	"strings"
	"testing"
)

func TestHashRoundTripsAndRefusesOthers(t *testing.T) {
	pw := New()
	h, err := Hash(pw)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$7$1000$") || strings.Contains(h, pw) {
		t.Fatalf("hash %q: want mosquitto's $7$ form without the password", h)
	}
	if !Check(h, pw) {
		t.Fatal("the right password does not match")
	}
	h2, _ := Hash(pw)
	if h2 == h {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	for _, wrong := range []string{"", pw + "x", New()} {
		if Check(h, wrong) {
			t.Errorf("password %q matches", wrong)
		}
	}
}

func TestCheckRefusesMalformedHashes(t *testing.T) {
	for _, h := range []string{"", "plain", "$6$1000$c2FsdA==$a2V5", "$7$0$c2FsdA==$a2V5",
		"$7$99999999$c2FsdA==$a2V5", "$7$1000$!!$a2V5", "$7$1000$c2FsdA==$", "$7$1000$c2FsdA==$a2V5$x"} {
		if Check(h, "") || Check(h, "x") {
			t.Errorf("malformed hash %q matched", h)
		}
	}
}

// TestPasswordsHaveTheirFullEntropy guards New's length: 32 random
// bytes, 43 URL-safe characters.
func TestPasswordsHaveTheirFullEntropy(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		p := New()
		if len(p) != 43 || strings.ContainsAny(p, "+/=") || seen[p] {
			t.Fatalf("password %q: want 43 distinct URL-safe characters", p)
		}
		seen[p] = true
	}
}
