package unit

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/wire"
)

// trustKeys are the issuer keys of the trust tests: the site office the
// unit's config names, and the bureau the centre adds.
type trustKeys struct {
	site, bureau, health ed25519.PrivateKey
}

func newTrustKeys() trustKeys {
	_, s := credential.GenerateIssuer()
	_, b := credential.GenerateIssuer()
	_, h := credential.GenerateIssuer()
	return trustKeys{site: s, bureau: b, health: h}
}

func pubText(k ed25519.PrivateKey) string {
	return credential.FormatPublicKey(k.Public().(ed25519.PublicKey))
}

// newTrustUnit is a unit whose config names the site office as an issuer
// and revokes P-CFG, checking pushes with verifyKey.
func newTrustUnit(t testing.TB, dataDir string, k trustKeys, log *logSink, verifyKey string) *Unit {
	t.Helper()
	body := fmt.Sprintf(`site = "s1"
unit = "u1"
data_dir = %q
trust_clock = true
[console]
listen = "off"
[mqtt]
broker = "tcp://127.0.0.1:1"
[policy]
verify_keys = [%q]
[credentials]
revoked = ["P-CFG"]
[credentials.issuers]
site-office = %q
`, dataDir, verifyKey, pubText(k.site))
	path := filepath.Join(t.TempDir(), "unit.toml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	u, err := New(cfg, slog.New(slog.NewTextHandler(log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { u.Close() })
	return u
}

// trustList is the centre's list version v: the bureau and the health
// authority trusted, the given passes revoked, one DCC signer.
func trustList(v uint64, k trustKeys, revoked ...string) wire.TrustPush {
	return wire.TrustPush{Schema: wire.SchemaVersion, Version: v, IssuedAt: time.Date(2022, 4, 2, 8, 0, 0, 0, time.UTC),
		IssuedBy: "official", Issuers: map[string]string{"bureau": pubText(k.bureau), "site-office": pubText(k.bureau)},
		HealthIssuers: map[string]string{"health": pubText(k.health)}, Revoked: revoked,
		DCCSigners: []wire.DCCSigner{{KID: base64.StdEncoding.EncodeToString([]byte("kid-0001")), Country: "DE",
			Cert: base64.StdEncoding.EncodeToString([]byte("DER"))}}}
}

func sendTrust(t *testing.T, u *Unit, p wire.TrustPush, key ed25519.PrivateKey) {
	t.Helper()
	if key != nil {
		wire.SignTrust(&p, key)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	u.onTrust(b)
}

func passOf(t testing.TB, issuer string, key ed25519.PrivateKey, id string) []byte {
	t.Helper()
	code, err := credential.IssuePass(key, credential.PassClaims{Issuer: issuer, ID: id, Role: credential.RoleResident,
		Expires: time.Now().Add(24 * time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	return []byte(code)
}

func statusOf(u *Unit, code []byte) credential.Status {
	return u.trust.Check(context.Background(), code).Status
}

// The centre's keys and revocations are added to the config's: a pass of
// the centre's issuer opens, a pass revoked by either is refused, and an
// issuer id both name keeps the config's key.
func TestUnitAddsTheCentresTrustListToItsConfig(t *testing.T) {
	centre, verify := newKey(t)
	k := newTrustKeys()
	u := newTrustUnit(t, t.TempDir(), k, newLogSink(), verify)
	if got := statusOf(u, passOf(t, "bureau", k.bureau, "P-B1")); got != credential.StatusVerifyFailed {
		t.Fatalf("before the list a bureau pass is %s, want verify_failed (unknown issuer)", got)
	}
	sendTrust(t, u, trustList(3, k, "P-LOST"), centre)
	for _, c := range []struct {
		code []byte
		want credential.Status
	}{
		{passOf(t, "bureau", k.bureau, "P-B1"), credential.StatusValid},
		{passOf(t, "site-office", k.site, "P-S1"), credential.StatusValid},
		{passOf(t, "site-office", k.bureau, "P-S2"), credential.StatusVerifyFailed}, // the config's key wins its id
		{passOf(t, "site-office", k.site, "P-LOST"), credential.StatusRevoked},
		{passOf(t, "bureau", k.bureau, "P-CFG"), credential.StatusRevoked},
	} {
		if got := statusOf(u, c.code); got != c.want {
			t.Errorf("%.40s…: %s, want %s", c.code, got, c.want)
		}
	}
	code, err := credential.IssueHealth(k.health, credential.HealthClaims{Issuer: "health", Subject: "h1",
		Colour: "green", IssuedAt: time.Now().Unix()})
	if err != nil {
		t.Fatal(err)
	}
	if got := statusOf(u, []byte(code)); got != credential.StatusGreen {
		t.Errorf("a health code of the centre's health key: %s, want green", got)
	}
	if u.TrustVersion() != 3 || len(u.DCCSigners()) != 1 || string(u.DCCSigners()[0]) != "DER" {
		t.Errorf("trust version %d, DCC signers %q", u.TrustVersion(), u.DCCSigners())
	}
}

// Unsigned, forged, re-labelled, older, same-version-other-contents,
// oversize and malformed lists are each refused with the reason, and the
// list in force stays in force.
func TestUnitRefusesEveryTrustListThatIsNotTheCentresNewest(t *testing.T) {
	centre, verify := newKey(t)
	other, _ := newKey(t)
	k := newTrustKeys()
	log := newLogSink()
	u := newTrustUnit(t, t.TempDir(), k, log, verify)
	sendTrust(t, u, trustList(5, k, "P-LOST"), centre)
	relabelled := trustList(6, k)
	pol := wire.PolicyPush{Schema: wire.SchemaVersion, Version: "6", IssuedAt: relabelled.IssuedAt, IssuedBy: "official"}
	wire.SignPolicy(&pol, centre)
	relabelled.Signature = pol.Signature
	for name, c := range map[string]struct {
		payload []byte
		reason  string
	}{
		"unsigned":                  {jsonBytes(t, trustList(6, k)), "not signed"},
		"forged":                    {signedBytes(t, trustList(6, k), other), "does not verify"},
		"a policy signature":        {jsonBytes(t, relabelled), "does not verify"},
		"older":                     {signedBytes(t, trustList(4, k), centre), "older than the trust list held"},
		"same version, other lists": {signedBytes(t, trustList(5, k), centre), "different contents"},
		"malformed":                 {[]byte(`{"schema":1,"version":7,"revoked":["b","a"]}`), "sorted"},
		"oversize":                  {make([]byte, wire.MaxTrustPayload+1), "limit"},
	} {
		u.onTrust(c.payload)
		if got := log.await(t, c.reason, 1); got == "" {
			t.Errorf("%s: not refused with %q", name, c.reason)
		}
		if u.TrustVersion() != 5 || statusOf(u, passOf(t, "site-office", k.site, "P-LOST")) != credential.StatusRevoked {
			t.Fatalf("%s: the list in force changed (version %d)", name, u.TrustVersion())
		}
	}
}

func jsonBytes(t testing.TB, p wire.TrustPush) []byte {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func signedBytes(t *testing.T, p wire.TrustPush, key ed25519.PrivateKey) []byte {
	wire.SignTrust(&p, key)
	return jsonBytes(t, p)
}

// A unit that reboots without the network still refuses the pass revoked
// while it was online; a saved list altered on the card is not used.
func TestUnitRebootsOfflineOnTheSavedTrustList(t *testing.T) {
	centre, verify := newKey(t)
	k := newTrustKeys()
	dir := t.TempDir()
	u := newTrustUnit(t, dir, k, newLogSink(), verify)
	sendTrust(t, u, trustList(5, k, "P-LOST"), centre)
	u.Close()
	again := newTrustUnit(t, dir, k, newLogSink(), verify)
	if again.TrustVersion() != 5 || statusOf(again, passOf(t, "site-office", k.site, "P-LOST")) != credential.StatusRevoked {
		t.Fatalf("after a reboot: trust version %d, the revoked pass not refused", again.TrustVersion())
	}
	again.Close()
	tampered := trustList(5, k) // P-LOST taken off
	tampered.Signature = "AAAA" + signedTrustOf(trustList(5, k, "P-LOST"), centre).Signature[4:]
	if err := os.WriteFile(filepath.Join(dir, trustFile), jsonBytes(t, tampered), 0o600); err != nil {
		t.Fatal(err)
	}
	log := newLogSink()
	third := newTrustUnit(t, dir, k, log, verify)
	if third.TrustVersion() != 0 || log.await(t, "saved trust list not used", 1) == "" {
		t.Fatalf("an altered trust.json was used (version %d)", third.TrustVersion())
	}
}

func signedTrustOf(p wire.TrustPush, key ed25519.PrivateKey) wire.TrustPush {
	wire.SignTrust(&p, key)
	return p
}

// Lists swapped in while several lanes' scans run never show a scan a
// half-applied list: each check sees one verifier, old or new.
func TestUnitSwapsTrustListsWhileScansRun(t *testing.T) {
	centre, verify := newKey(t)
	k := newTrustKeys()
	u := newTrustUnit(t, t.TempDir(), k, newLogSink(), verify)
	lost := passOf(t, "site-office", k.site, "P-LOST")
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if s := statusOf(u, lost); s != credential.StatusValid && s != credential.StatusRevoked {
					t.Errorf("a scan during a swap gave %s", s)
					return
				}
			}
		}()
	}
	for v := uint64(1); v <= 40; v++ {
		var revoked []string
		if v%2 == 0 {
			revoked = []string{"P-LOST"}
		}
		sendTrust(t, u, trustList(v, k, revoked...), centre)
	}
	cancel()
	wg.Wait()
	if u.TrustVersion() != 40 || statusOf(u, lost) != credential.StatusRevoked {
		t.Fatalf("after the swaps: version %d", u.TrustVersion())
	}
}
