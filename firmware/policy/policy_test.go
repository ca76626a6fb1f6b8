package policy

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/wire"
)

func reading(body float64) *Reading { return &Reading{Raw: Celsius(body - 0.5), Body: Celsius(body)} }

// legacy wraps a format-only credential the way the screening pipeline
// does for credential.Decode's result.
func legacy(c wire.Credential) credential.Presented {
	return credential.Presented{Wire: c, Status: credential.Status(c.Result)}
}

func TestDefaultPolicyDecides(t *testing.T) {
	pass := legacy(wire.Credential{Kind: wire.CredentialResidentPass, Result: "unverified"})
	visitor := legacy(wire.Credential{Kind: wire.CredentialVisitor, Result: "preregistered"})
	unknown := legacy(wire.Credential{Kind: wire.CredentialUnknown, Result: "unreadable"})
	none := legacy(wire.Credential{Kind: wire.CredentialNone})
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
		{"no code registers", Input{Reading: reading(36.4), Credential: none}, wire.Register, "temp_normal"},
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

func TestEvaluateRecordsTheVersionThatDecided(t *testing.T) {
	d := Default().Evaluate(Input{Reading: reading(36.6)})
	if d.Version != "default-1" {
		t.Fatalf("decision made by %q, want default-1", d.Version)
	}
}

func TestDefaultIsTheCommunityNormalProfile(t *testing.T) {
	shipped, err := os.ReadFile("../../configs/policies/community-normal.toml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(shipped, defaultDoc) {
		t.Fatal("firmware/policy/default.toml differs from configs/policies/community-normal.toml; copy the profile over")
	}
	p := Default()
	if p.Version != "default-1" || p.Facility != Community || p.Phase != PhaseNormal {
		t.Fatalf("Default is %s %s/%s", p.Version, p.Facility, p.Phase)
	}
}

func TestFeverComparisonFollowsThePolicy(t *testing.T) {
	cases := []struct {
		compare string
		body    float64
		fever   bool
	}{
		{AtOrOver, 37.3, true}, {AtOrOver, 37.29, false},
		{Over, 37.3, false}, {Over, 37.31, true},
	}
	for _, c := range cases {
		p := Default()
		p.FeverCompare = c.compare
		if got := p.Fever(Celsius(c.body)); got != c.fever {
			t.Errorf("%s 37.3: %.2f fever=%v, want %v", c.compare, c.body, got, c.fever)
		}
	}
}

func TestFeverAtOverridesTheDocumentThreshold(t *testing.T) {
	p := Default()
	p.FeverAt = Celsius(37.5)
	if d, _ := p.Decide(Input{Reading: reading(37.4)}); d == wire.Recheck {
		t.Fatal("37.4 °C rechecked under a 37.5 °C threshold set in code")
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
	p := Default()
	p.Version = ""
	if p.Validate() == nil {
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

func TestReasonCodesAreUniqueAndTranslated(t *testing.T) {
	all := []wire.Reason{ReasonExit, ReasonTempNormal, ReasonFever, ReasonNoTemperature, ReasonManualTemp,
		ReasonUncertain, ReasonPassUnverified, ReasonVisitor, ReasonNoCode, ReasonUnknownCode,
		ReasonFeverRefer, ReasonCodeGreen, ReasonCodeYellow, ReasonCodeRed, ReasonCodeExpired,
		ReasonCodeNotFound, ReasonCodeTimeout, ReasonCodeVerifyFailed, ReasonCodeRefused,
		ReasonTravelOK, ReasonTravelFlagged, ReasonTravelUnseen, ReasonTestOK, ReasonTestMissing,
		ReasonTestExpired, ReasonTestUnchecked, ReasonMaskWorn, ReasonMaskMissing, ReasonMaskUnchecked,
		ReasonPassValid, ReasonPassExpired, ReasonPassRevoked, ReasonPassInvalid, ReasonOutsider,
		ReasonCourier, ReasonRegistered, ReasonQuarantineExit, ReasonQuarantineEntry, ReasonQuarantineOut,
		ReasonReturnee, ReasonFull, ReasonOccupancyUnknown,
		ReasonAppointmentOK, ReasonAppointmentMissing, ReasonAppointmentEarly, ReasonAppointmentLate,
		ReasonAppointmentUsed, ReasonAppointmentNoSlot, ReasonAppointmentUnchecked, ReasonVenueRegistered, ReasonVenueInvalid}
	seen := map[string]bool{}
	for _, r := range all {
		if seen[r.Code] {
			t.Errorf("code %s used twice", r.Code)
		}
		seen[r.Code] = true
	}
	checkTexts(t, all)
}

func TestDefaultsDoNotShareLists(t *testing.T) {
	a, b := Default(), Default()
	a.Checks.ResidentPass.Accept[0] = credential.StatusRevoked
	if b.Checks.ResidentPass.Accept[0] == credential.StatusRevoked {
		t.Fatal("changing one Default changed another")
	}
}
