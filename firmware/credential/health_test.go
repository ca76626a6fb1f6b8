package credential

import (
	"context"
	"strings"
	"testing"
	"time"
)

type healthCase struct {
	name   string
	code   string
	clock  clockAt
	status Status
	facts  bool // signature held: subject, issue time and test facts filled
}

func healthCases(t testing.TB) []healthCase {
	green := mustHealth(t, healthKey, greenCode(nil))
	colour := func(c string) string {
		return mustHealth(t, healthKey, greenCode(func(h *HealthClaims) { h.Colour = c }))
	}
	old := mustHealth(t, healthKey, greenCode(func(h *HealthClaims) { h.IssuedAt = testNow.Add(-25 * time.Hour).Unix() }))
	return []healthCase{
		{"green code", green, syncedClock, StatusGreen, true},
		{"yellow code", colour("yellow"), syncedClock, StatusYellow, true},
		{"red code", colour("red"), syncedClock, StatusRed, true},
		{"code older than a day is expired", old, syncedClock, StatusExpired, true},
		{"old code keeps its colour when the clock is unsynced", old, unsyncedClock, StatusGreen, true},
		{"code issued in the future", mustHealth(t, healthKey, greenCode(func(h *HealthClaims) {
			h.IssuedAt = testNow.Add(time.Hour).Unix()
		})), syncedClock, StatusNotYetValid, true},
		{"health code from an unknown authority", mustHealth(t, strangerKey, greenCode(nil)), syncedClock, StatusVerifyFailed, false},
		{"red code tampered to green", tamperClaims(t, colour("red"), `"red"`, `"green"`), syncedClock, StatusVerifyFailed, false},
		{"tampered health signature", tamperSignature(green), syncedClock, StatusVerifyFailed, false},
		{"authority signed an unknown colour", mustSeal(t, HealthCodePrefix, healthKey,
			HealthClaims{Issuer: healthAuth, Colour: "blue", IssuedAt: testNow.Unix(), Subject: "x"}),
			syncedClock, StatusMalformed, false},
		{"pass signature does not pass as a health code", strings.Replace(
			mustSeal(t, SignedPassPrefix, healthKey, greenCode(nil)), SignedPassPrefix, HealthCodePrefix, 1),
			syncedClock, StatusVerifyFailed, false},
		{"query token without an online verifier", HealthQueryPrefix + "dG9rZW4", syncedClock, StatusVerifyFailed, false},
		{"health code cut short", HealthCodePrefix + "abc", syncedClock, StatusMalformed, false},
	}
}

func TestCheckVerifiesHealthCodesOffline(t *testing.T) {
	for _, c := range healthCases(t) {
		t.Run(c.name, func(t *testing.T) {
			p := testVerifier(t, c.clock).Check(context.Background(), []byte(c.code))
			checkContract(t, []byte(c.code), p)
			if p.Wire.Kind != "health_code" || p.Status != c.status {
				t.Fatalf("got %s %s (%s), want health_code %s", p.Wire.Kind, p.Status, p.Detail, c.status)
			}
			if got := p.Wire.Subject != "" && !p.IssuedAt.IsZero() && p.Issuer == healthAuth; got != c.facts {
				t.Fatalf("facts filled = %v, want %v: %+v", got, c.facts, p)
			}
		})
	}
}

func TestHealthCodeCarriesTestAndTravelFactsButNotTheHolder(t *testing.T) {
	c := greenCode(nil)
	p := testVerifier(t, syncedClock).Check(context.Background(), []byte(mustHealth(t, healthKey, c)))
	if !p.NucleicAcidAt.Equal(time.Unix(c.NucleicAcidAt, 0)) || p.TravelCardOK == nil || !*p.TravelCardOK {
		t.Fatalf("facts: %+v", p)
	}
	if strings.Contains(p.Wire.Subject, c.Subject) || len(p.Wire.Subject) != 8 {
		t.Fatalf("subject %q should be a short hash, not the holder reference %q", p.Wire.Subject, c.Subject)
	}
}

func TestOfflineHealthMaxAgeIsConfigurable(t *testing.T) {
	o := &OfflineHealth{Issuers: testVerifier(t, syncedClock).Health.(HealthRouter).Offline.(*OfflineHealth).Issuers,
		MaxAge: 30 * time.Minute, Now: func() time.Time { return testNow }}
	p, err := o.Verify(context.Background(), []byte(mustHealth(t, healthKey, greenCode(nil)))) // issued 1 h ago
	if err != nil || p.Status != StatusExpired {
		t.Fatalf("got %s %v, want expired", p.Status, err)
	}
}

func TestCheckWithoutHealthVerifierSaysSo(t *testing.T) {
	v := testVerifier(t, syncedClock)
	v.Health = nil
	for _, code := range []string{mustHealth(t, healthKey, greenCode(nil)), HealthQueryPrefix + "dG9rZW4"} {
		p := v.Check(context.Background(), []byte(code))
		checkContract(t, []byte(code), p)
		if p.Wire.Kind != "health_code" || p.Status != StatusVerifyFailed || p.Detail != "no verifier" {
			t.Fatalf("Check(%q) = %+v, want health_code verify_failed (no verifier)", code, p)
		}
	}
}

// healthFunc lets a test play a badly behaved plug-in.
type healthFunc func(context.Context, []byte) (Presented, error)

func (f healthFunc) Verify(ctx context.Context, code []byte) (Presented, error) { return f(ctx, code) }

func TestCheckHoldsHealthPluginsToTheContract(t *testing.T) {
	cases := []struct {
		name   string
		plugin healthFunc
		status Status
	}{
		{"unknown status becomes verify_failed", func(context.Context, []byte) (Presented, error) {
			return Presented{Status: "probably-fine"}, nil
		}, StatusVerifyFailed},
		{"wrong kind and unsafe subject are corrected", func(context.Context, []byte) (Presented, error) {
			p := Presented{Status: StatusGreen}
			p.Wire.Kind, p.Wire.Subject = "resident_pass", "张三 13800138000"
			return p, nil
		}, StatusGreen},
		{"a panic is contained", func(context.Context, []byte) (Presented, error) { panic("plug-in bug") }, StatusUnreadable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := testVerifier(t, syncedClock)
			v.Health = c.plugin
			code := []byte(HealthQueryPrefix + "dG9rZW4")
			p := v.Check(context.Background(), code)
			checkContract(t, code, p)
			if p.Status != c.status || p.Wire.Subject != "" {
				t.Fatalf("got %+v, want status %s and no subject", p, c.status)
			}
		})
	}
}
