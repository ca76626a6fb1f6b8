package policy

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/wire"
)

// card is a person who put their ID card on the reader: valid or expired,
// with what the health-code service answered by ID number ("" when no
// service can be asked).
func card(s credential.Status, health credential.Status) person {
	return person{Wire: wire.Credential{Kind: wire.CredentialIDCard, Result: string(s), Subject: "c0123456789abcde"},
		Status: s, Card: &credential.Card{Name: "张*", ID: "110***********002X", Health: health}}
}

// cardPolicy is the default with the ID card rule on and the visitor rule
// off, so what the card and the health lookup say decide (a clinic's or a
// supermarket's entrance, where nobody registers a visitor).
func cardPolicy() Policy {
	p := Default()
	p.Checks.Visitor.Mode = Off
	p.Checks.IDCard = IDCardCheck{Mode: Hard, WithoutHealth: wire.Register, OnExpired: wire.Register}
	p.Checks.HealthCode.OnNotFound = FallbackHard // a number the service does not know is refused here
	return p
}

// TestIDCardEveryCardHealthAndRosterCombination walks valid and expired
// cards × every health answer (and no lookup at all) × a roster hit by ID
// hash. Without a hit the table below is the whole expectation; a hit
// (health monitoring, the roster entry saying deny) turns every outcome
// that was not already a refusal into a refusal with the roster's alert,
// while a refusal by the health code keeps the health code's alert.
func TestIDCardEveryCardHealthAndRosterCombination(t *testing.T) {
	type want struct {
		d     wire.Decision
		alert string
	}
	none := credential.Status("")
	v, x := credential.StatusValid, credential.StatusExpired
	table := map[[2]credential.Status]want{
		{v, credential.StatusGreen}:        {wire.Allow, ""},
		{v, credential.StatusYellow}:       {wire.Deny, AlertCodeYellow},
		{v, credential.StatusRed}:          {wire.Deny, AlertCodeRed},
		{v, credential.StatusTimeout}:      {wire.Register, ""},
		{v, credential.StatusNotFound}:     {wire.Deny, ""},
		{v, credential.StatusVerifyFailed}: {wire.Register, ""},
		{v, none}:                          {wire.Register, ""},
		{x, credential.StatusGreen}:        {wire.Register, ""},
		{x, credential.StatusYellow}:       {wire.Deny, AlertCodeYellow},
		{x, credential.StatusRed}:          {wire.Deny, AlertCodeRed},
		{x, credential.StatusTimeout}:      {wire.Register, ""},
		{x, credential.StatusNotFound}:     {wire.Deny, ""},
		{x, credential.StatusVerifyFailed}: {wire.Register, ""},
		{x, none}:                          {wire.Register, ""},
	}
	p := cardPolicy()
	for k, w := range table {
		for _, hit := range []bool{false, true} {
			name := fmt.Sprintf("%s card, health %q, roster hit %v", k[0], k[1], hit)
			t.Run(name, func(t *testing.T) {
				who := card(k[0], k[1])
				if hit {
					who = matched(who, credential.WatchMonitoring, wire.WatchByIDHash, wire.Deny)
					if w.d != wire.Deny {
						w = want{wire.Deny, AlertWatchMonitoring}
					}
				}
				d := p.Evaluate(at(who))
				if d.Outcome != w.d || d.Alert != w.alert {
					t.Fatalf("got %s alert %q (%s), want %s alert %q", d.Outcome, d.Alert, codes(d.Reasons), w.d, w.alert)
				}
				if k[0] == x && !strings.Contains(codes(d.Reasons), "id_card_expired") {
					t.Errorf("expired card not flagged: %s", codes(d.Reasons))
				}
			})
		}
	}
}

func TestIDCardRuleByPolicy(t *testing.T) {
	green := card(credential.StatusValid, credential.StatusGreen)
	alone := card(credential.StatusValid, "")
	with := func(f func(*Policy)) Policy { p := cardPolicy(); f(&p); return p }
	cases := []struct {
		name    string
		p       Policy
		in      Input
		want    wire.Decision
		reasons string
	}{
		{"a green answer by ID number lets a card holder in and says how it was found", cardPolicy(), at(green), wire.Allow,
			"temp_normal id_card_health_lookup health_code_green mask_worn"},
		{"without a lookup a card alone registers by default", cardPolicy(), at(alone), wire.Register,
			"temp_normal id_card_no_health mask_worn"},
		{"without a lookup a card alone is let in where the policy says allow",
			with(func(p *Policy) { p.Checks.IDCard.WithoutHealth = wire.Allow }), at(alone), wire.Allow,
			"temp_normal id_card_no_health mask_worn"},
		{"without a lookup a card alone is refused where the policy says deny",
			with(func(p *Policy) { p.Checks.IDCard.WithoutHealth = wire.Deny }), at(alone), wire.Deny,
			"temp_normal id_card_no_health"},
		{"a card alone registered by the guard is let in", cardPolicy(), at(alone, registered), wire.Allow,
			"temp_normal id_card_no_health mask_worn registered"},
		{"an expired card is refused where the policy says so",
			with(func(p *Policy) { p.Checks.IDCard.OnExpired = wire.Deny }), at(card(credential.StatusExpired, credential.StatusGreen)), wire.Deny,
			"temp_normal id_card_expired"},
		{"a soft rule only logs an expired card",
			with(func(p *Policy) { p.Checks.IDCard.Mode = Soft }), at(card(credential.StatusExpired, credential.StatusGreen)), wire.Allow,
			"temp_normal id_card_expired id_card_health_lookup health_code_green mask_worn"},
		{"at a community the visitor rule still registers a card holder with a green answer",
			with(func(p *Policy) { p.Checks.Visitor.Mode = Hard }), at(green), wire.Register,
			"temp_normal id_card id_card_health_lookup health_code_green mask_worn"},
		{"in closed management a card holder is persuaded to return like any outsider",
			with(func(p *Policy) { p.Checks.Visitor = VisitorCheck{Mode: Hard, Action: wire.PersuadeReturn} }), at(green), wire.PersuadeReturn,
			"temp_normal outsider_not_admitted"},
		{"with the rule off a card is no more than a person with no code",
			with(func(p *Policy) { p.Checks.IDCard.Mode = Off }), at(green), wire.Register,
			"temp_normal id_card mask_worn"},
		{"a fever comes before the card", cardPolicy(), at(green, fever), wire.Recheck, "fever_recheck"},
		{"with health codes off the card alone decides nothing more", with(func(p *Policy) { p.Checks.HealthCode.Mode = Off }),
			at(alone), wire.Allow, "temp_normal mask_worn"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := c.p.Evaluate(c.in)
			if d.Outcome != c.want || codes(d.Reasons) != c.reasons {
				t.Fatalf("got %s (%s), want %s (%s)", d.Outcome, codes(d.Reasons), c.want, c.reasons)
			}
		})
	}
}

func TestIDCardRuleMisspeltValuesNameTheirKey(t *testing.T) {
	for _, c := range []struct{ doc, key string }{
		{"[checks.id_card]\nmode = \"on\"\n", "checks.id_card.mode"},
		{"[checks.id_card]\nmode = \"hard\"\nwithout_health = \"regster\"\n", "checks.id_card.without_health"},
		{"[checks.id_card]\nmode = \"hard\"\non_expired = \"allow\"\n", "checks.id_card.on_expired"},
		{"[checks.id_card]\nmode = \"hard\"\nwithout = \"allow\"\n", "checks.id_card.without"},
	} {
		_, err := Parse([]byte(head+c.doc), "site.toml")
		var ve *ValidationError
		if !errors.As(err, &ve) || !strings.Contains(err.Error(), c.key) {
			t.Errorf("%q: got %v, want a problem under %s", c.doc, err, c.key)
		}
	}
	p, err := Parse([]byte(head+"[checks.id_card]\nmode = \"hard\"\n"), "site.toml")
	if err != nil || p.Checks.IDCard.WithoutHealth != wire.Register || p.Checks.IDCard.OnExpired != wire.Register {
		t.Fatalf("defaults: %+v %v", p.Checks.IDCard, err)
	}
}
