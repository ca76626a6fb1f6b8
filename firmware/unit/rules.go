package unit

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/kakou/kakou/firmware/clock"
	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/credential/dcc"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/update"
)

// rules are the policy documents and credential checks the config names;
// loading them is I/O, so it is kept out of Config.Validate.
type rules struct {
	policies []policy.Policy
	verifier *credential.Verifier
	dccTrust atomic.Pointer[dcc.Trust] // HC1 trust list in use (dcc.go)
	dccFile  [][]byte                  // the certificates credentials.dcc_trust names (DER)
}

func loadRules(c Config, clk clock.Clock) (*rules, error) {
	docs, err := loadPolicies(c.Policy.Path)
	if err != nil {
		return nil, fmt.Errorf("policy.path: %w", err)
	}
	v, err := buildVerifier(c, clk)
	if err != nil {
		return nil, err
	}
	trust, ders, err := loadDCCTrust(c.Credentials.DCCTrust)
	if err != nil {
		return nil, err
	}
	r := &rules{policies: docs, verifier: v, dccFile: ders}
	r.dccTrust.Store(trust)
	return r, nil
}

// CheckFiles loads what the config points at (policy documents, guards file)
// so -check-config catches a bad file before the unit is deployed.
func CheckFiles(c Config) error {
	_, err := loadRules(c, clock.Clock{Trusted: c.TrustClock})
	if err == nil && c.Console.GuardsFile != "" {
		_, err = LoadGuardsFile(c.Console.GuardsFile)
	}
	return err
}

func loadPolicies(path string) ([]policy.Policy, error) {
	if path == "" {
		return []policy.Policy{policy.Default()}, nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%w (point policy.path at a file or folder in configs/policies)", err)
	}
	if !fi.IsDir() {
		p, err := policy.Load(path)
		return []policy.Policy{p}, err
	}
	docs, err := policy.LoadDir(path)
	if err == nil && len(docs) == 0 {
		err = fmt.Errorf("%s holds no policy documents", path)
	}
	return docs, err
}

func buildVerifier(c Config, clk clock.Clock) (*credential.Verifier, error) {
	cc := c.Credentials
	issuers, err := credential.LoadIssuers(cc.Issuers)
	if err != nil {
		return nil, fmt.Errorf("credentials.issuers: %w", err)
	}
	healthIssuers, err := credential.LoadIssuers(cc.HealthIssuers)
	if err != nil {
		return nil, fmt.Errorf("credentials.health_issuers: %w", err)
	}
	synced := func() bool { _, ok := clk.Now(); return ok }
	// The centre signs registration codes (场所码 → KK1.R.) with its
	// policy key, so the keys that verify pushes verify them too.
	venueKeys, err := update.LoadKeys(c.Policy.VerifyKeys)
	if err != nil {
		return nil, fmt.Errorf("policy.verify_keys: %w", err)
	}
	v := &credential.Verifier{Issuers: issuers, Revoked: map[string]bool{}, Site: c.Site, ClockSynced: synced,
		VenueKeys: venueKeys}
	for _, id := range cc.Revoked {
		v.Revoked[id] = true
	}
	router, err := buildHealth(cc, &credential.OfflineHealth{Issuers: healthIssuers, ClockSynced: synced}, v)
	if err != nil {
		return nil, err
	}
	v.Health = router
	return v, nil
}

// policyEvery is how often the unit looks for a dated policy coming into
// or going out of effect ("from 1-28 to 3-8" switches by itself).
const policyEvery = 30 * time.Second

// watchPolicy switches to the policy in effect whenever that changes.
func (u *Unit) watchPolicy(ctx context.Context) {
	tick := time.NewTicker(policyEvery)
	defer tick.Stop()
	for {
		u.switchPolicy()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// switchPolicy makes the policy in force now the one the unit screens with
// and announces it on the status.
func (u *Unit) switchPolicy() {
	u.push.mu.Lock()
	defer u.push.mu.Unlock()
	u.switchPolicyLocked()
}

// switchPolicyLocked is switchPolicy for a caller holding u.push.mu.
func (u *Unit) switchPolicyLocked() {
	now, synced := u.clock.Now()
	p, pushed := u.inForce(now, synced)
	cur := u.policy.Current()
	if p.Version == cur.Version {
		return
	}
	if err := u.policy.Set(p); err != nil {
		u.log.Error("policy not switched; keeping the last good one", "version", p.Version, "err", err)
		return
	}
	u.log.Info("policy switched", "from", cur.Version, "to", p.Version, "pushed", pushed)
	u.uplink.SetPolicyVersion(p.Version)
}
