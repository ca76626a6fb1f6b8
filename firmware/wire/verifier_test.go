package wire

import (
	"strings"
	"testing"
)

func TestEntryCarriesTheHealthVerifiersNameAndNothingElse(t *testing.T) {
	cases := []struct {
		verifier string
		ok       bool
	}{
		{"", true},
		{"gd-jkm", true},
		{"kk1_offline", true},
		{strings.Repeat("a", 32), true},
		{strings.Repeat("a", 33), false},
		{"GD-JKM", false},
		{`{"data":{"color":0}}`, false},  // a raw answer smuggled as the name
		{"110101199003071234 张三", false}, // an ID number and a name
		{"gd jkm", false},
		{"gd\x00jkm", false},
	}
	for _, c := range cases {
		e := sampleEntry()
		e.Credential = Credential{Kind: CredentialHealthCode, Result: "green", Verifier: c.verifier}
		err := e.Validate()
		if (err == nil) != c.ok {
			t.Errorf("verifier %q: Validate = %v, want ok=%v", c.verifier, err, c.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "credential.verifier") {
			t.Errorf("verifier %q: error %q does not name credential.verifier", c.verifier, err)
		}
	}
}
