package dcc

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/credential"
)

func TestVerifierJudgesContentByTheRules(t *testing.T) {
	is := newECIssuer(t)
	v := verifier(is.trust(t))
	for _, tc := range []struct {
		name string
		cert *Cert
		want credential.Status
	}{
		{"complete course a month ago", vaccinated(2, 2, 30), credential.StatusGreen},
		{"booster beyond the course", vaccinated(3, 2, 30), credential.StatusGreen},
		{"first of two doses", vaccinated(1, 2, 30), credential.StatusYellow},
		{"complete course a week ago", vaccinated(2, 2, 7), credential.StatusNotYetValid},
		{"PCR negative 10 h ago", tested(TestPCR, NotDetected, 10), credential.StatusGreen},
		{"PCR negative 80 h ago", tested(TestPCR, NotDetected, 80), credential.StatusExpired},
		{"rapid antigen negative 47 h ago", tested(TestRapidAntigen, NotDetected, 47), credential.StatusGreen},
		{"rapid antigen negative 50 h ago", tested(TestRapidAntigen, NotDetected, 50), credential.StatusExpired},
		{"PCR positive", tested(TestPCR, "260373001", 2), credential.StatusRed},
		{"an unknown test type", tested("LP0000-0", NotDetected, 2), credential.StatusYellow},
		{"sampled tomorrow", tested(TestPCR, NotDetected, -24), credential.StatusNotYetValid},
		{"recovery within its validity", recovered(20, 100), credential.StatusGreen},
		{"recovery not valid yet", recovered(-3, 100), credential.StatusNotYetValid},
		{"recovery past its validity", recovered(200, -1), credential.StatusExpired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := v.Verify(context.Background(), []byte(is.issue(t, tc.cert)))
			if err != nil || p.Status != tc.want {
				t.Fatalf("got %s (%s), err %v; want %s", p.Status, p.Detail, err, tc.want)
			}
			if p.Issuer != "AT" || p.Wire.Subject != Ref("AT", tc.cert.ID()) {
				t.Errorf("issuer %q subject %q; want AT and the hash reference of ci", p.Issuer, p.Wire.Subject)
			}
		})
	}
}

func TestVerifierRefusesTypesThePolicyDoesNotAccept(t *testing.T) {
	is := newECIssuer(t)
	onlyTests := Rules{Test: true, TestMaxAge: map[string]time.Duration{TestPCR: 72 * time.Hour}}
	v := New(func() *Trust { return is.trust(t) }, func() Rules { return onlyTests }, func() time.Time { return now }, nil)
	for _, c := range []*Cert{vaccinated(2, 2, 30), recovered(20, 100), tested(TestRapidAntigen, NotDetected, 2)} {
		p, _ := v.Verify(context.Background(), []byte(is.issue(t, c)))
		if p.Status != credential.StatusYellow {
			t.Errorf("%s certificate: got %s (%s); want yellow", c.Type(), p.Status, p.Detail)
		}
	}
	if p, _ := v.Verify(context.Background(), []byte(is.issue(t, tested(TestPCR, NotDetected, 2)))); p.Status != credential.StatusGreen {
		t.Errorf("PCR test: got %s (%s); want green", p.Status, p.Detail)
	}
}

func TestVerifierFollowsRulesThatChangeWhileItRuns(t *testing.T) {
	is := newECIssuer(t)
	rules := DefaultRules()
	v := New(func() *Trust { return is.trust(t) }, func() Rules { return rules }, func() time.Time { return now }, nil)
	code := []byte(is.issue(t, vaccinated(2, 2, 300)))
	if p, _ := v.Verify(context.Background(), code); p.Status != credential.StatusGreen {
		t.Fatalf("before: %s (%s)", p.Status, p.Detail)
	}
	rules.VaccinationMaxDays = 270
	if p, _ := v.Verify(context.Background(), code); p.Status != credential.StatusExpired {
		t.Fatalf("after a 270-day limit: %s (%s); want expired", p.Status, p.Detail)
	}
}

func TestVerifierWithAnUnsyncedClockJudgesSignatureAndContentButNoDates(t *testing.T) {
	is := newECIssuer(t)
	tr := is.trust(t)
	in1970 := func() time.Time { return time.Unix(3600, 0) }
	v := New(func() *Trust { return tr }, DefaultRules, in1970, func() bool { return false })
	p, _ := v.Verify(context.Background(), []byte(is.issue(t, tested(TestPCR, NotDetected, 10))))
	if p.Status != credential.StatusGreen || !strings.Contains(p.Detail, "not synced") {
		t.Errorf("unsynced: got %s (%s); want green saying the clock is not synced", p.Status, p.Detail)
	}
	p, _ = v.Verify(context.Background(), []byte(is.issue(t, tested(TestPCR, "260373001", 10))))
	if p.Status != credential.StatusRed {
		t.Errorf("unsynced positive test: got %s; want red", p.Status)
	}
	synced := New(func() *Trust { return tr }, DefaultRules, in1970, nil)
	if p, _ := synced.Verify(context.Background(), []byte(is.issue(t, vaccinated(2, 2, 30)))); p.Status == credential.StatusGreen {
		t.Errorf("a 1970 clock believed synced passed a 2021 certificate")
	}
}

func TestVerifierChecksTheCWTAndSignerDates(t *testing.T) {
	is := newECIssuer(t)
	v := verifier(is.trust(t))
	sign := func(iat, exp time.Time) []byte {
		code, err := Issue(is.key, is.der, "AT", iat, exp, vaccinated(2, 2, 30))
		if err != nil {
			t.Fatal(err)
		}
		return []byte(code)
	}
	year9999 := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		iat, exp time.Time
		want     credential.Status
	}{
		{"expired yesterday", now.AddDate(0, -6, 0), now.AddDate(0, 0, -1), credential.StatusExpired},
		{"exp in year 9999, iat tomorrow", now.AddDate(0, 0, 1), year9999, credential.StatusNotYetValid},
		{"exp in year 9999, iat an hour ago", now.Add(-time.Hour), year9999, credential.StatusGreen},
	} {
		if p, _ := v.Verify(context.Background(), sign(tc.iat, tc.exp)); p.Status != tc.want {
			t.Errorf("%s: got %s (%s); want %s", tc.name, p.Status, p.Detail, tc.want)
		}
	}
	old := issuer{is.key, selfSigned(t, is.key, now.AddDate(-2, 0, 0), now.AddDate(0, 0, -1))}
	code := old.issue(t, vaccinated(2, 2, 30))
	if p, _ := verifier(old.trust(t)).Verify(context.Background(), []byte(code)); p.Status != credential.StatusVerifyFailed {
		t.Errorf("signer certificate expired yesterday: got %s (%s); want verify_failed", p.Status, p.Detail)
	}
}

func TestVerifierChecksKeyUsageAgainstTheCertificateType(t *testing.T) {
	vaccOnly := newECIssuer(t, Vaccination)
	v := verifier(vaccOnly.trust(t))
	if p, _ := v.Verify(context.Background(), []byte(vaccOnly.issue(t, vaccinated(2, 2, 30)))); p.Status != credential.StatusGreen {
		t.Errorf("vaccination by a vaccination signer: %s (%s)", p.Status, p.Detail)
	}
	if p, _ := v.Verify(context.Background(), []byte(vaccOnly.issue(t, tested(TestPCR, NotDetected, 2)))); p.Status != credential.StatusVerifyFailed {
		t.Errorf("test by a vaccination-only signer: %s (%s); want verify_failed", p.Status, p.Detail)
	}
}

func TestVerifierVerifiesRSAPSSSigners(t *testing.T) {
	is := newRSAIssuer(t, 2048)
	p, _ := verifier(is.trust(t)).Verify(context.Background(), []byte(is.issue(t, vaccinated(2, 2, 30))))
	if p.Status != credential.StatusGreen {
		t.Fatalf("PS256: got %s (%s)", p.Status, p.Detail)
	}
}

func TestCredentialVerifierRoutesHC1CodesToTheDCCVerifier(t *testing.T) {
	is := newECIssuer(t)
	cv := &credential.Verifier{DCC: verifier(is.trust(t))}
	p := cv.Check(context.Background(), []byte(is.issue(t, vaccinated(2, 2, 30))))
	if p.Status != credential.StatusGreen || p.Wire.Result != "green" || p.Wire.Kind != "health_code" {
		t.Fatalf("got %+v", p)
	}
	none := (&credential.Verifier{}).Check(context.Background(), []byte(is.issue(t, vaccinated(2, 2, 30))))
	if none.Status != credential.StatusVerifyFailed {
		t.Errorf("without a DCC verifier: %s; want verify_failed", none.Status)
	}
}

func TestSuiteCodesFitTheScannerBound(t *testing.T) {
	longest := 0
	for _, c := range loadSuite(t) {
		longest = max(longest, len(c.PREFIX))
	}
	if longest > credential.MaxCode {
		t.Errorf("a suite code of %d bytes exceeds credential.MaxCode %d", longest, credential.MaxCode)
	}
	t.Logf("longest suite code: %d bytes (bound %d)", longest, credential.MaxCode)
}

func TestVerifierServesSeveralLanesWhileTrustAndRulesChange(t *testing.T) {
	is := newECIssuer(t)
	var trust atomic.Pointer[Trust]
	var rules atomic.Pointer[Rules]
	trust.Store(is.trust(t))
	def := DefaultRules()
	rules.Store(&def)
	v := New(trust.Load, func() Rules { return *rules.Load() }, func() time.Time { return now }, nil)
	code := []byte(is.issue(t, vaccinated(2, 2, 30)))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 200 {
				p, err := v.Verify(context.Background(), code)
				// Whichever list and rules a scan saw, it saw them whole.
				if err != nil || p.Status != credential.StatusGreen && p.Status != credential.StatusVerifyFailed && p.Status != credential.StatusYellow {
					t.Errorf("got %s (%s), %v", p.Status, p.Detail, err)
					return
				}
			}
		})
	}
	empty, _ := NewTrust(nil)
	for i := range 200 {
		if i%2 == 0 {
			trust.Store(empty)
			rules.Store(&Rules{})
		} else {
			trust.Store(is.trust(t))
			rules.Store(&def)
		}
	}
	wg.Wait()
}
