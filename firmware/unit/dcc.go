package unit

import (
	"context"
	"fmt"
	"time"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/credential/dcc"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
)

// EU Digital COVID Certificates (HC1) are verified on the unit, offline,
// against a trust list of signer certificates: read from the file
// credentials.dcc_trust at start, and swapped whole by SetDCCTrust when the
// centre pushes a new list. The content rules come from the policy in
// force ([checks.dcc]), read at every scan, so a policy push changes them
// at once.

// loadDCCTrust reads credentials.dcc_trust: the list and its certificates'
// DER, which the centre's list is joined to. "" is an empty list, so every
// certificate is verify_failed "not on the trust list" until one arrives.
func loadDCCTrust(path string) (*dcc.Trust, [][]byte, error) {
	if path == "" {
		t, err := dcc.NewTrust(nil)
		return t, nil, err
	}
	ders, err := dcc.ReadTrustFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("credentials.dcc_trust: %w", err)
	}
	t, err := dcc.NewTrust(ders)
	if err != nil {
		return nil, nil, fmt.Errorf("credentials.dcc_trust: %w (in %s)", err, path)
	}
	return t, ders, nil
}

// wireDCC gives the credential verifier its HC1 verifier.
func (u *Unit) wireDCC() {
	rules := func() dcc.Rules { return dccRules(u.policy.Current().Checks.DCC) }
	now := func() time.Time { t, _ := u.clock.Now(); return t }
	synced := func() bool { _, ok := u.clock.Now(); return ok }
	u.rules.verifier.DCC = dcc.New(u.rules.dccTrust.Load, rules, now, synced)
}

// dccRoute is what a [[credentials.health.verifiers]] entry of kind "dcc"
// names: the verifier's own HC1 verifier. That one is built after the
// router (wireDCC needs the policy in force), so the route looks it up
// when a code comes.
type dccRoute struct{ owner *credential.Verifier }

func (d dccRoute) Verify(ctx context.Context, code []byte) (credential.Presented, error) {
	if d.owner == nil || d.owner.DCC == nil {
		return credential.Presented{Wire: wire.Credential{Kind: wire.CredentialHealthCode}, Status: credential.StatusVerifyFailed,
			Detail: "no HC1 verifier"}, nil
	}
	return d.owner.DCC.Verify(ctx, code)
}

// SetDCCTrust replaces the HC1 trust list in use; scans in flight finish
// with the list they started with.
func (u *Unit) SetDCCTrust(t *dcc.Trust) { u.rules.dccTrust.Store(t) }

// dccRules turns the policy's section into the verifier's rules.
func dccRules(p policy.DCCCheck) dcc.Rules {
	r := dcc.Rules{
		Vaccination: p.Accepts(policy.DCCVaccination), Test: p.Accepts(policy.DCCTest), Recovery: p.Accepts(policy.DCCRecovery),
		VaccinationDays: p.VaccinationMinDays, VaccinationMaxDays: p.VaccinationMaxDays,
		TestMaxAge: map[string]time.Duration{},
	}
	pcr, rapid := p.TestMaxAges()
	if pcr > 0 {
		r.TestMaxAge[dcc.TestPCR] = pcr
	}
	if rapid > 0 {
		r.TestMaxAge[dcc.TestRapidAntigen] = rapid
	}
	return r
}
