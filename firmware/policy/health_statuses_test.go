package policy

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/wire"
)

// Every status docs/product.md lists for a health code has an outcome in
// every profile: the policy maps each one, none falls through.
func TestEveryHealthCodeStatusHasItsPolicyOutcome(t *testing.T) {
	cases := []struct {
		profile string
		status  credential.Status
		outcome wire.Decision
		reason  string
	}{
		{"community-normal", credential.StatusGreen, wire.Register, "health_code_green"}, // an outsider still registers
		{"community-normal", credential.StatusYellow, wire.Deny, "health_code_yellow"},
		{"community-normal", credential.StatusRed, wire.Deny, "health_code_red"},
		{"community-normal", credential.StatusExpired, wire.Deny, "health_code_expired"},
		{"community-normal", credential.StatusNotFound, wire.Register, "health_code_not_found"},
		{"community-normal", credential.StatusVerifyFailed, wire.Register, "health_code_verify_failed"},
		{"community-normal", credential.StatusTimeout, wire.Register, "health_code_timeout"},
		{"supermarket-normal", credential.StatusNotFound, wire.Register, "health_code_not_found"},
		{"supermarket-normal", credential.StatusExpired, wire.Deny, "health_code_expired"},
	}
	for _, c := range cases {
		p := profile(t, c.profile)
		got, rs := p.Decide(at(code(c.status)))
		if got != c.outcome || !strings.Contains(codes(rs), c.reason) {
			t.Errorf("%s, %s code: %s (%s), want %s with %s", c.profile, c.status, got, codes(rs), c.outcome, c.reason)
		}
	}
}

func TestNotFoundAndExpiredFollowTheirOwnRule(t *testing.T) {
	doc := `version = "t1"
facility = "community"
phase = "normal"
[checks.health_code]
mode = "hard"
outcome = "deny"
on_not_found = "%s"
on_expired = "%s"
`
	cases := []struct {
		notFound, expired   string
		wantNotFound, wantE wire.Decision
	}{
		{"register", "soft", wire.Register, wire.Allow},
		{"soft", "register", wire.Allow, wire.Register},
		{"hard", "hard", wire.Deny, wire.Deny},
	}
	for _, c := range cases {
		p, err := Parse([]byte(fmt.Sprintf(doc, c.notFound, c.expired)), "t")
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := p.Decide(at(code(credential.StatusNotFound))); got != c.wantNotFound {
			t.Errorf("on_not_found = %s: %s, want %s", c.notFound, got, c.wantNotFound)
		}
		if got, _ := p.Decide(at(code(credential.StatusExpired))); got != c.wantE {
			t.Errorf("on_expired = %s: %s, want %s", c.expired, got, c.wantE)
		}
	}
	// Left out, both keep the check's outcome, as before the keys existed.
	p, err := Parse([]byte("version = \"t2\"\nfacility = \"community\"\nphase = \"normal\"\n[checks.health_code]\nmode = \"hard\"\noutcome = \"refer\"\n"), "t")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []credential.Status{credential.StatusNotFound, credential.StatusExpired} {
		if got, _ := p.Decide(at(code(s))); got != wire.Refer {
			t.Errorf("%s without its key: %s, want the outcome refer", s, got)
		}
	}
}

func TestMisspeltHealthFallbackIsNamed(t *testing.T) {
	_, err := Parse([]byte("version = \"t3\"\nfacility = \"community\"\nphase = \"normal\"\n[checks.health_code]\nmode = \"hard\"\non_not_found = \"registr\"\non_expired = \"deny\"\n"), "t")
	if err == nil {
		t.Fatal("misspelt fallbacks accepted")
	}
	for _, want := range []string{`checks.health_code.on_not_found: "registr" is not one of hard, soft, register`,
		`checks.health_code.on_expired: "deny" is not one of hard, soft, register`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
}
