package credential

import (
	"context"
	"strings"
	"testing"

	"github.com/kakou/kakou/firmware/wire"
)

// otherCases are the codes Check does not verify: legacy formats go through
// Decode as before, everything foreign is unknown.
var otherCases = []struct {
	name   string
	code   string
	kind   wire.CredentialKind
	status Status
	sub    string
}{
	{"legacy pass", "KAKOU1:PASS:SG-0012", wire.CredentialResidentPass, StatusUnverified, "SG-0012"},
	{"legacy visitor", "KAKOU1:VISIT:V7781", wire.CredentialVisitor, StatusPreregistered, "V7781"},
	{"legacy pass with sql", "KAKOU1:PASS:1'; DROP TABLE entries;--", wire.CredentialResidentPass, StatusMalformed, ""},
	{"nothing", "", wire.CredentialNone, "", ""},
	{"url", "https://example.com/x?y=1", wire.CredentialUnknown, StatusUnrecognised, ""},
	{"venue code", "场所码:440106-0001", wire.CredentialUnknown, StatusUnrecognised, ""},
	{"unknown KK1 kind", "KK1.X.abc.def", wire.CredentialUnknown, StatusUnrecognised, ""},
	{"lower-case prefix", "kk1.p.abc.def", wire.CredentialUnknown, StatusUnrecognised, ""},
	{"invalid utf-8 after a pass prefix", "KK1.P.\xff\xfe", wire.CredentialUnknown, StatusUnreadable, ""},
	{"control characters", "KK1.V.\x00", wire.CredentialUnknown, StatusUnreadable, ""},
	{"oversize", SignedPassPrefix + strings.Repeat("A", MaxCode), wire.CredentialUnknown, StatusUnreadable, ""},
}

func TestCheckPassesLegacyAndForeignCodesToDecode(t *testing.T) {
	v := testVerifier(t, syncedClock)
	for _, c := range otherCases {
		t.Run(c.name, func(t *testing.T) {
			p := v.Check(context.Background(), []byte(c.code))
			checkContract(t, []byte(c.code), p)
			want := wire.Credential{Kind: c.kind, Result: string(c.status), Subject: c.sub}
			if p.Wire != want || p.Status != c.status {
				t.Fatalf("got %+v %s, want %+v", p.Wire, p.Status, want)
			}
		})
	}
}

func TestZeroVerifierTrustsNoPassButStillReadsCodes(t *testing.T) {
	var v Verifier
	pass := []byte(mustPass(t, siteKey, resident(nil)))
	if p := v.Check(context.Background(), pass); p.Status != StatusVerifyFailed {
		t.Fatalf("zero Verifier: pass %s, want verify_failed", p.Status)
	}
	if p := v.Check(context.Background(), []byte("KAKOU1:PASS:SG-0012")); p.Status != StatusUnverified {
		t.Fatalf("zero Verifier: legacy pass %s, want unverified", p.Status)
	}
}

// FuzzCheck holds Check to its contract for any bytes a scanner can send:
// no panic, a result the wire accepts, Result equal to Status and a safe
// subject. The health verifier is offline only: fuzzing makes no network
// calls.
func FuzzCheck(f *testing.F) {
	for _, c := range passCases(f) {
		f.Add([]byte(c.code))
	}
	for _, c := range healthCases(f) {
		f.Add([]byte(c.code))
	}
	for _, c := range otherCases {
		f.Add([]byte(c.code))
	}
	good, _ := EncodeVisitor(goodVisitor)
	f.Add([]byte(good))
	for _, c := range venueCases(f) {
		f.Add([]byte(c.code))
	}
	v := venueVerifier(f, syncedClock)
	u := venueVerifier(f, unsyncedClock)
	f.Fuzz(func(t *testing.T, b []byte) {
		checkContract(t, b, v.Check(context.Background(), b))
		checkContract(t, b, u.Check(context.Background(), b))
	})
}
