package credential

import (
	"context"
	"strings"
	"testing"
	"time"
)

// tamperClaims rewrites the signed claims and keeps the old signature.
func tamperClaims(t testing.TB, code, from, to string) string {
	t.Helper()
	prefix := code[:len(SignedPassPrefix)] // KK1.P. or KK1.H.
	claims, sig, _ := strings.Cut(code[len(prefix):], ".")
	js, err := b64.DecodeString(claims)
	if err != nil {
		t.Fatal(err)
	}
	forged := strings.Replace(string(js), from, to, 1)
	if forged == string(js) {
		t.Fatalf("%q not in claims %s", from, js)
	}
	return prefix + b64.EncodeToString([]byte(forged)) + "." + sig
}

// tamperSignature changes the first character of the signature, which
// (unlike the last) carries no padding bits.
func tamperSignature(code string) string {
	i := strings.LastIndexByte(code, '.') + 1
	c := byte('A')
	if code[i] == 'A' {
		c = 'B'
	}
	return code[:i] + string(c) + code[i+1:]
}

type passCase struct {
	name   string
	code   string
	clock  clockAt
	status Status
	sub    string
	watch  WatchKind
}

func passCases(t testing.TB) []passCase {
	hour := time.Hour
	valid := mustPass(t, siteKey, resident(nil))
	return []passCase{
		{"valid resident pass at its site", valid, syncedClock, StatusValid, "SG-0012", ""},
		{"bureau supply pass without site is valid everywhere",
			mustPass(t, bureauKey, PassClaims{Issuer: bureau, ID: "SUP-88", Role: RoleSupplyVehicle,
				Expires: testNow.Add(hour).Unix()}), syncedClock, StatusValid, "SUP-88", ""},
		{"expired pass", mustPass(t, siteKey, resident(func(c *PassClaims) {
			c.Expires = testNow.Add(-hour).Unix()
		})), syncedClock, StatusExpired, "SG-0012", ""},
		{"pass expired a minute ago is within the clock skew", mustPass(t, siteKey, resident(func(c *PassClaims) {
			c.Expires = testNow.Add(-time.Minute).Unix()
		})), syncedClock, StatusValid, "SG-0012", ""},
		{"pass from next week is not yet valid", mustPass(t, siteKey, resident(func(c *PassClaims) {
			c.NotBefore = testNow.Add(7 * 24 * hour).Unix()
			c.Expires = testNow.Add(30 * 24 * hour).Unix()
		})), syncedClock, StatusNotYetValid, "SG-0012", ""},
		{"unsynced clock in 1970 does not make a pass not yet valid", valid, unsyncedClock, StatusValid, "SG-0012", ""},
		{"unsynced clock does not check expiry either", mustPass(t, siteKey, resident(func(c *PassClaims) {
			c.Expires = testNow.Add(-hour).Unix()
		})), unsyncedClock, StatusValid, "SG-0012", ""},
		{"revoked pass", mustPass(t, siteKey, resident(func(c *PassClaims) { c.ID = "LOST-7" })),
			syncedClock, StatusRevoked, "LOST-7", ""},
		{"revoked pass stays revoked with an unsynced clock", mustPass(t, siteKey, resident(func(c *PassClaims) { c.ID = "LOST-7" })),
			unsyncedClock, StatusRevoked, "LOST-7", ""},
		{"pass for another site", mustPass(t, siteKey, resident(func(c *PassClaims) { c.Site = "other-site" })),
			syncedClock, StatusWrongSite, "SG-0012", ""},
		{"unknown issuer", mustPass(t, strangerKey, resident(func(c *PassClaims) { c.Issuer = "stranger" })),
			syncedClock, StatusVerifyFailed, "", ""},
		{"known issuer id signed with another key", mustPass(t, strangerKey, resident(nil)),
			syncedClock, StatusVerifyFailed, "", ""},
		{"tampered claims", tamperClaims(t, valid, `"resident"`, `"staff"`), syncedClock, StatusVerifyFailed, "", ""},
		{"tampered expiry", tamperClaims(t, valid, `"exp":1`, `"exp":2`), syncedClock, StatusVerifyFailed, "", ""},
		{"tampered signature", tamperSignature(valid), syncedClock, StatusVerifyFailed, "", ""},
		{"signature missing", valid[:strings.LastIndexByte(valid, '.')], syncedClock, StatusMalformed, "", ""},
		{"signature not base64", valid + "!", syncedClock, StatusMalformed, "", ""},
		{"claims not JSON", SignedPassPrefix + b64.EncodeToString([]byte("hello")) + ".AAAA", syncedClock, StatusMalformed, "", ""},
		{"claims with an unknown field", mustSeal(t, SignedPassPrefix, siteKey,
			map[string]any{"iss": siteIssuer, "id": "X-1", "role": "resident", "exp": testNow.Unix() + 60, "lanes": "out"}),
			syncedClock, StatusMalformed, "", ""},
		{"issuer signed an unknown role", mustSeal(t, SignedPassPrefix, siteKey,
			PassClaims{Issuer: siteIssuer, ID: "X-1", Role: "mayor", Expires: testNow.Unix() + 60}),
			syncedClock, StatusMalformed, "", ""},
		{"issuer signed an id unsafe to store", mustSeal(t, SignedPassPrefix, siteKey,
			PassClaims{Issuer: siteIssuer, ID: "1'; DROP TABLE entries;--", Role: RoleResident, Expires: testNow.Unix() + 60}),
			syncedClock, StatusMalformed, "", ""},
		{"quarantined holder is watched", mustPass(t, siteKey, resident(func(c *PassClaims) { c.ID = "Q-1" })),
			syncedClock, StatusValid, "Q-1", WatchQuarantine},
		{"quarantine that has ended is ignored", mustPass(t, siteKey, resident(func(c *PassClaims) { c.ID = "Q-OLD" })),
			syncedClock, StatusValid, "Q-OLD", ""},
		{"ended quarantine still alerts when the clock is unsynced", mustPass(t, siteKey, resident(func(c *PassClaims) { c.ID = "Q-OLD" })),
			unsyncedClock, StatusValid, "Q-OLD", WatchQuarantine},
		{"returnee is watched", mustPass(t, siteKey, resident(func(c *PassClaims) { c.ID = "R-1" })),
			syncedClock, StatusValid, "R-1", WatchReturnee},
		{"quarantined holder of another site's pass still raises the alert",
			mustPass(t, siteKey, resident(func(c *PassClaims) { c.ID = "OTHER-Q"; c.Site = "other-site" })),
			syncedClock, StatusWrongSite, "OTHER-Q", WatchQuarantine},
		{"pass of a quarantined household raises the alert", mustPass(t, siteKey, resident(func(c *PassClaims) { c.Household = "9-9-909" })),
			syncedClock, StatusValid, "SG-0012", WatchQuarantine},
		{"forged pass with a watched id is not matched", tamperSignature(mustPass(t, siteKey, resident(func(c *PassClaims) { c.ID = "Q-1" }))),
			syncedClock, StatusVerifyFailed, "", ""},
	}
}

func TestCheckVerifiesSignedPasses(t *testing.T) {
	for _, c := range passCases(t) {
		t.Run(c.name, func(t *testing.T) {
			p := testVerifier(t, c.clock).Check(context.Background(), []byte(c.code))
			checkContract(t, []byte(c.code), p)
			if p.Wire.Kind != "resident_pass" || p.Status != c.status || p.Wire.Subject != c.sub {
				t.Fatalf("got %s %s %q (%s), want resident_pass %s %q", p.Wire.Kind, p.Status, p.Wire.Subject, p.Detail, c.status, c.sub)
			}
			var watch WatchKind
			if p.Watch != nil {
				watch = p.Watch.Kind
			}
			if watch != c.watch {
				t.Fatalf("watch %q, want %q", watch, c.watch)
			}
		})
	}
}

func TestCheckFillsPassFactsOnlyWhenSigned(t *testing.T) {
	v := testVerifier(t, syncedClock)
	c := resident(nil)
	p := v.Check(context.Background(), []byte(mustPass(t, siteKey, c)))
	if p.Role != RoleResident || p.Household != "3-2-501" || p.Issuer != siteIssuer ||
		!p.Expires.Equal(time.Unix(c.Expires, 0)) {
		t.Fatalf("facts of a genuine pass: %+v", p)
	}
	forged := v.Check(context.Background(), []byte(mustPass(t, strangerKey, c)))
	if forged.Role != "" || forged.Household != "" || forged.Issuer != "" || !forged.Expires.IsZero() {
		t.Fatalf("facts of a forged pass were believed: %+v", forged)
	}
}

func TestIssuePassRefusesBadClaims(t *testing.T) {
	cases := []struct {
		name string
		mod  func(*PassClaims)
		want string
	}{
		{"no expiry", func(c *PassClaims) { c.Expires = 0 }, "exp"},
		{"starts after it ends", func(c *PassClaims) { c.NotBefore = c.Expires + 1 }, "nbf"},
		{"unknown role", func(c *PassClaims) { c.Role = "boss" }, "role"},
		{"id too long", func(c *PassClaims) { c.ID = strings.Repeat("A", 33) }, "id"},
		{"site not an id", func(c *PassClaims) { c.Site = "Site One" }, "site"},
		{"household with spaces", func(c *PassClaims) { c.Household = "3 2 501" }, "hh"},
		{"no issuer", func(c *PassClaims) { c.Issuer = "" }, "iss"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := IssuePass(siteKey, resident(c.mod))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("IssuePass error %v, want one naming %q", err, c.want)
			}
		})
	}
	if _, err := IssuePass(siteKey[:10], resident(nil)); err == nil {
		t.Fatal("IssuePass signed with a truncated key")
	}
}

// BenchmarkCheckPass measures the whole check of a valid pass; Ed25519
// verification dominates.
func BenchmarkCheckPass(b *testing.B) {
	v := testVerifier(b, syncedClock)
	code := []byte(mustPass(b, siteKey, resident(nil)))
	ctx := context.Background()
	for b.Loop() {
		if p := v.Check(ctx, code); p.Status != StatusValid {
			b.Fatal(p.Status)
		}
	}
}
