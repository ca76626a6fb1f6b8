package unit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/credential/dcc"
	"github.com/kakou/kakou/firmware/policy"
)

func TestDCCRulesFollowThePolicySection(t *testing.T) {
	r := dccRules(policy.DCCCheck{Accept: []string{"vaccination", "test"}, VaccinationMinDays: 14, VaccinationMaxDays: 270, PCRMaxAge: "72h"})
	if !r.Vaccination || !r.Test || r.Recovery || r.VaccinationDays != 14 || r.VaccinationMaxDays != 270 ||
		r.TestMaxAge[dcc.TestPCR] != 72*time.Hour || r.TestMaxAge[dcc.TestRapidAntigen] != 0 || len(r.TestMaxAge) != 1 {
		t.Errorf("got %+v", r)
	}
	if none := dccRules(policy.DCCCheck{}); none.Vaccination || none.Test || none.Recovery || len(none.TestMaxAge) != 0 {
		t.Errorf("an absent section took something: %+v", none)
	}
}

func TestDCCTrustFileIsOptionalButABadOneIsAnError(t *testing.T) {
	if tr, _, err := loadDCCTrust(""); err != nil || tr.Len() != 0 {
		t.Fatalf("no file: %v, %d certificates; want an empty list", err, tr.Len())
	}
	bad := filepath.Join(t.TempDir(), "trust.json")
	os.WriteFile(bad, []byte(`["bm90IGEgY2VydGlmaWNhdGU="]`), 0o600)
	if _, _, err := loadDCCTrust(bad); err == nil || !strings.Contains(err.Error(), "credentials.dcc_trust") {
		t.Errorf("a file of garbage: %v; want an error naming credentials.dcc_trust", err)
	}
}
