package policy

import (
	"errors"
	"testing"

	"github.com/kakou/kakou/firmware/wire"
)

func reading(body float64) *Reading { return &Reading{Raw: Celsius(body - 0.5), Body: Celsius(body)} }

func TestDefaultPolicyDecides(t *testing.T) {
	pass := wire.Credential{Kind: wire.CredentialResidentPass, Result: "unverified"}
	visitor := wire.Credential{Kind: wire.CredentialVisitor}
	unknown := wire.Credential{Kind: wire.CredentialUnknown, Result: "unreadable"}
	cases := []struct {
		name     string
		in       Input
		decision wire.Decision
		first    string
	}{
		{"resident normal", Input{Reading: reading(36.6), Credential: pass}, wire.Allow, "temp_normal"},
		{"just under threshold", Input{Reading: reading(37.29), Credential: pass}, wire.Allow, "temp_normal"},
		{"at threshold is fever", Input{Reading: reading(37.3), Credential: pass}, wire.Recheck, "fever_recheck"},
		{"fever beats a pass", Input{Reading: reading(38.5), Credential: pass}, wire.Recheck, "fever_recheck"},
		{"visitor registers", Input{Reading: reading(36.4), Credential: visitor}, wire.Register, "temp_normal"},
		{"unknown code registers", Input{Reading: reading(36.4), Credential: unknown}, wire.Register, "temp_normal"},
		{"no code registers", Input{Reading: reading(36.4), Credential: wire.Credential{Kind: wire.CredentialNone}}, wire.Register, "temp_normal"},
		{"uncertain rechecks", Input{Reading: &Reading{Body: Celsius(36.5), Uncertain: true}, Credential: pass}, wire.Recheck, "temp_uncertain"},
		{"fever outranks uncertain", Input{Reading: &Reading{Body: Celsius(38), Uncertain: true}, Credential: pass}, wire.Recheck, "fever_recheck"},
		{"exit lane logs and lets out", Input{Reading: reading(38.0), Credential: unknown, Lane: wire.LaneOut}, wire.Allow, "exit"},
		{"manual normal reading passes", Input{Reading: &Reading{Raw: Celsius(36.5), Body: Celsius(36.5), Manual: true}, Credential: pass}, wire.Allow, "temp_normal"},
		{"manual fever rechecks", Input{Reading: &Reading{Raw: Celsius(37.8), Body: Celsius(37.8), Manual: true}, Credential: pass}, wire.Recheck, "fever_recheck"},
		{"no reading rechecks", Input{ThermometerErr: errors.New("nack"), Credential: pass}, wire.Recheck, "no_temperature"},
	}
	p := Default()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, reasons := p.Decide(c.in)
			if d != c.decision || len(reasons) == 0 || reasons[0].Code != c.first {
				t.Fatalf("got %s %v, want %s starting with %s", d, reasons, c.decision, c.first)
			}
			manual := c.in.Reading != nil && c.in.Reading.Manual
			if last := reasons[len(reasons)-1]; manual != (last.Code == "temp_manual") {
				t.Errorf("manual=%v but last reason is %s", manual, last.Code)
			}
			for _, r := range reasons {
				if r.ZH == "" || r.EN == "" {
					t.Errorf("reason %s lacks text", r.Code)
				}
			}
		})
	}
}

func TestValidateRejectsImplausibleThreshold(t *testing.T) {
	for _, c := range []float64{35.9, 40.1} {
		p := Default()
		p.FeverAt = Celsius(c)
		if p.Validate() == nil {
			t.Errorf("threshold %.1f accepted", c)
		}
	}
	if (Policy{FeverAt: Celsius(37.3)}).Validate() == nil {
		t.Error("policy without version accepted")
	}
	if err := Default().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestCelsiusIsExactAtThreshold(t *testing.T) {
	if got := Celsius(37.3) - Celsius(0); got != 37_300_000_000 {
		t.Fatalf("37.3 °C is %d nK above 0 °C, want exactly 37300000000", got)
	}
}
