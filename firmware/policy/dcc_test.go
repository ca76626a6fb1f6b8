package policy

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/wire"
)

func TestDCCSectionRejectsMistakesWithKeyAndReason(t *testing.T) {
	for _, c := range []struct {
		name, doc, key, reason string
	}{
		{"type misspelt", `accept = ["vacination"]`, "checks.dcc.accept", `"vacination" is not one of vaccination, test, recovery`},
		{"type twice", `accept = ["recovery", "recovery"]`, "checks.dcc.accept", `names "recovery" twice`},
		{"tests without a window", `accept = ["test"]`, "checks.dcc.accept", "neither pcr_max_age nor rapid_antigen_max_age"},
		{"window without tests", "accept = [\"vaccination\"]\npcr_max_age = \"72h\"", "checks.dcc.accept", `does not name "test"`},
		{"window in words", "accept = [\"test\"]\npcr_max_age = \"3 days\"", "checks.dcc.pcr_max_age", "not a duration"},
		{"window of a month", "accept = [\"test\"]\nrapid_antigen_max_age = \"30d\"", "checks.dcc.rapid_antigen_max_age", "outside"},
		{"negative days", "accept = [\"vaccination\"]\nvaccination_min_days = -1", "checks.dcc.vaccination_min_days", "0-365"},
		{"limit before the start", "accept = [\"vaccination\"]\nvaccination_min_days = 14\nvaccination_max_days = 10", "checks.dcc.vaccination_max_days", "not after vaccination_min_days"},
		{"misspelt key", "accept = [\"vaccination\"]\nvaccination_days = 14", "checks.dcc.vaccination_days", "unknown key"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(head+"[checks.dcc]\n"+c.doc+"\n"), "site.toml")
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("got %v, want a ValidationError", err)
			}
			for _, p := range ve.Problems {
				if p.Key == c.key && strings.Contains(p.Reason, c.reason) {
					return
				}
			}
			t.Fatalf("problems %v lack %s: …%s…", ve.Problems, c.key, c.reason)
		})
	}
}

func TestDCCSectionReadsTypesAndWindows(t *testing.T) {
	for _, c := range []struct {
		name          string
		doc           string
		vacc, test    bool
		pcr, rapid    time.Duration
		minDays, maxD int
	}{
		{"absent: nothing taken", "", false, false, 0, 0, 0, 0},
		{"all three", "[checks.dcc]\naccept = [\"vaccination\", \"test\", \"recovery\"]\nvaccination_min_days = 14\nvaccination_max_days = 270\npcr_max_age = \"72h\"\nrapid_antigen_max_age = \"48h\"\n",
			true, true, 72 * time.Hour, 48 * time.Hour, 14, 270},
		{"PCR only", "[checks.dcc]\naccept = [\"test\"]\npcr_max_age = \"3d\"\n", false, true, 72 * time.Hour, 0, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := Parse([]byte(head+c.doc), "site.toml")
			if err != nil {
				t.Fatal(err)
			}
			d := p.Checks.DCC
			pcr, rapid := d.TestMaxAges()
			if d.Accepts(DCCVaccination) != c.vacc || d.Accepts(DCCTest) != c.test || pcr != c.pcr || rapid != c.rapid ||
				d.VaccinationMinDays != c.minDays || d.VaccinationMaxDays != c.maxD {
				t.Errorf("got %+v", d)
			}
		})
	}
}

func TestPortProfileTakesEUCertificates(t *testing.T) {
	d := profile(t, "port-international").Checks.DCC
	pcr, rapid := d.TestMaxAges()
	if !d.Accepts(DCCVaccination) || !d.Accepts(DCCTest) || !d.Accepts(DCCRecovery) || pcr != 72*time.Hour || rapid != 48*time.Hour ||
		d.VaccinationMinDays != 14 || d.VaccinationMaxDays != 270 {
		t.Errorf("port-international [checks.dcc] = %+v", d)
	}
}

// The port profile's decision table, kept beside its section.
func init() {
	profileCases["port-international"] = []decisionCase{
		{"green certificate enters", at(code(green)), wire.Allow, "temp_normal health_code_green mask_worn", ""},
		{"yellow certificate to the health desk", at(code(yellow)), wire.Refer, "temp_normal health_code_yellow", "health_code_yellow"},
		{"expired certificate to the health desk", at(code(credential.StatusExpired)), wire.Refer, "temp_normal health_code_expired", ""},
		{"forged certificate to the health desk", at(code(credential.StatusVerifyFailed)), wire.Refer, "temp_normal health_code_verify_failed", ""},
		{"staff badge", at(resident()), wire.Allow, "temp_normal pass_valid mask_worn", ""},
	}
}
