package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/unit"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// TestARevokedPassIsRefusedByAUnitThatWasOfflineAndAfterAnOfflineReboot:
// an official revokes a lost pass through the API while the gate's unit is
// not connected (two officials at once: both revocations are kept, each at
// its own version). The unit connects, takes the retained, signed trust
// list, and a scan of the lost pass at its serial scanner is refused as
// revoked while another pass of the same issuer opens. Then the unit
// reboots with no network at all and still refuses it from the saved
// list. Run straight to the collector and through a site gateway.
func TestARevokedPassIsRefusedByAUnitThatWasOfflineAndAfterAnOfflineReboot(t *testing.T) {
	for _, via := range []string{"direct", "gateway"} {
		t.Run(via, func(t *testing.T) { revokedAtTheGate(t, via == "gateway") })
	}
}

func revokedAtTheGate(t *testing.T, viaGateway bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	keys := newRosterKeys(t)
	c := startCollector(t, ctx, fmt.Sprintf("[broker]\nembedded = true\nlisten = \"127.0.0.1:0\"\n"+
		"[policy]\nsigning_key_file = %q\n", keys.signing))
	var wg sync.WaitGroup
	for _, p := range []string{"P-LOST", "P-GONE"} {
		wg.Add(1)
		go func() { defer wg.Done(); postTrust(t, c.HTTPURL(), `{"pass":"`+p+`","reason":"丢失"}`) }()
	}
	wg.Wait()
	if l := getBody(t, c.HTTPURL()+"/api/v1/trust"); !strings.Contains(l, `"version":2`) ||
		!strings.Contains(l, `"P-LOST"`) || !strings.Contains(l, `"P-GONE"`) {
		t.Fatalf("after two revocations at once: %s", l)
	}

	broker := c.BrokerURL()
	if viaGateway {
		broker = startGateway(t, ctx, "estate", c.BrokerURL(), 0).LANURL()
	}
	data := filepath.Join(t.TempDir(), "data")
	u, stop := bootTrustUnit(t, ctx, data, broker, keys)
	testenv.Await(t, "the trust list at the gate", patience, func() bool { return u.TrustVersion() == 2 })
	scanPasses(t, ctx, u, keys, "P-LOST", "P-OK")
	stop()

	offline, stop := bootTrustUnit(t, ctx, data, "tcp://127.0.0.1:1", keys)
	defer stop()
	if offline.TrustVersion() != 2 {
		t.Fatalf("after an offline reboot the unit runs trust list %d, want the saved 2", offline.TrustVersion())
	}
	scanPasses(t, ctx, offline, keys, "P-GONE", "P-OK2")
}

// scanPasses scans a pass of each id at the unit's serial scanner and
// checks the revoked one is refused as revoked and the other opens.
func scanPasses(t *testing.T, ctx context.Context, u *bootedUnit, keys rosterKeys, revoked, valid string) {
	t.Helper()
	w, err := os.OpenFile(u.scanner, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for _, id := range []string{revoked, valid} {
		pass, err := credential.IssuePass(keys.issuer, credential.PassClaims{Issuer: "estate-office", ID: id,
			Role: credential.RoleResident, Expires: time.Now().Add(24 * time.Hour).Unix()})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(w, "%s\r\n", pass)
	}
	bad := awaitEntry(t, ctx, u.Unit, func(e wire.Entry) bool { return e.Credential.Subject == revoked })
	if bad.Credential.Result != string(credential.StatusRevoked) || bad.Decision == wire.Allow ||
		!slices.ContainsFunc(bad.Reasons, func(r wire.Reason) bool { return r.Code == "pass_revoked" }) {
		t.Fatalf("the revoked pass %s: %s %s %+v, want refused as revoked", revoked, bad.Credential.Result, bad.Decision, bad.Reasons)
	}
	good := awaitEntry(t, ctx, u.Unit, func(e wire.Entry) bool { return e.Credential.Subject == valid })
	if good.Credential.Result != string(credential.StatusValid) {
		t.Fatalf("the valid pass %s: %s", valid, good.Credential.Result)
	}
}

// bootedUnit is a unit running on its own scanner pty.
type bootedUnit struct {
	*unit.Unit
	scanner string
}

// bootTrustUnit runs gate-1 of site estate with its state in data; stop
// ends it and releases its ledger, so the next boot can take the same
// data directory.
func bootTrustUnit(t *testing.T, ctx context.Context, data, broker string, keys rosterKeys) (*bootedUnit, func()) {
	t.Helper()
	return bootSerialUnit(t, ctx, "estate", data, broker, fmt.Sprintf(`[credentials]
issuers = { estate-office = %q }
[policy]
verify_keys = [%q]
`, keys.issuerPub, keys.verify))
}

// bootSerialUnit runs gate-1 of site on its own scanner pty with its state
// in data and the config's further sections in tail; stop ends it and
// releases its ledger, so the next boot can take the same data directory.
func bootSerialUnit(t *testing.T, ctx context.Context, site, data, broker, tail string) (*bootedUnit, func()) {
	t.Helper()
	scanner, port := socatPair(t)
	cfgPath := filepath.Join(t.TempDir(), "unit.toml")
	body := serialGateConfig(site, data, broker, port, "") + tail
	if err := os.WriteFile(cfgPath, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := unit.LoadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	u, err := unit.New(cfg, testLogger(t, "gate-1"))
	if err != nil {
		t.Fatal(err)
	}
	run, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- u.Run(run) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("unit: %v", err)
			}
			u.Close()
		})
	}
	t.Cleanup(stop)
	return &bootedUnit{Unit: u, scanner: scanner}, stop
}

func postTrust(t *testing.T, base, body string) {
	t.Helper()
	resp, err := http.Post(base+"/api/v1/trust/revoke", "application/json", strings.NewReader(body))
	if err != nil {
		t.Error(err)
		return
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusOK {
		t.Errorf("POST revoke: %s %s", resp.Status, b)
	}
}
