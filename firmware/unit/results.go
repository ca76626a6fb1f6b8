package unit

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/kakou/kakou/firmware/screening"
	"github.com/kakou/kakou/firmware/wire"
)

// The centre's test results for the people this unit's site holds for
// sampling (wire.ResultPush; firmware/screening sampling.go). A push is
// taken only if it verifies (with verify_keys set; without, unsigned ones
// are taken, as for policies), names this site and unit, and is not older
// than the last one taken: a recorded push replayed must not release
// anyone on an old result. The version taken is saved in the data
// directory so that holds after a reboot are no easier to release.

// resultsFile, in the data directory, holds the last version taken.
const resultsFile = "results-version.json"

// resultsState is the version of the last push taken; mu orders pushes.
type resultsState struct {
	mu      sync.Mutex
	version uint64
}

func (u *Unit) resultsPath() string { return filepath.Join(u.cfg.DataDir, resultsFile) }

// onResults is the uplink's OnResults hook.
func (u *Unit) onResults(p wire.ResultPush) {
	u.results.mu.Lock()
	defer u.results.mu.Unlock()
	if err := u.checkResults(&p); err != nil {
		u.log.Error("test results refused; nobody is released by them", "version", p.Version,
			"taken", u.results.version, "err", err)
		return
	}
	if p.Version > u.results.version {
		if err := saveJSON(u.resultsPath(), p.Version); err != nil {
			u.log.Error("test results version not saved: after a reboot an older push would be taken again",
				"version", p.Version, "err", err)
		}
		u.results.version = p.Version
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	released, err := u.pipeline.ApplyResults(ctx, p.Results)
	if err != nil {
		u.log.Error("releasing people held for sampling failed; the next push tries again", "err", err)
	}
	u.log.Info("test results taken", "version", p.Version, "results", len(p.Results), "released", len(released))
}

// checkResults refuses a push that is not the centre's, not this unit's,
// or older than the one taken. The caller holds u.results.mu.
func (u *Unit) checkResults(p *wire.ResultPush) error {
	verify := func(k ...ed25519.PublicKey) error { return wire.VerifyResults(p, k...) }
	if err := u.verifySigned("results", wire.ErrResultsUnsigned, verify); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	if p.Site != u.cfg.Site || p.Unit != u.cfg.Unit {
		return fmt.Errorf("addressed to %s/%s, but this unit is %s/%s", p.Site, p.Unit, u.cfg.Site, u.cfg.Unit)
	}
	if p.Version < u.results.version {
		return fmt.Errorf("version %d is older than the results taken (%d): a replay", p.Version, u.results.version)
	}
	return nil
}

// SamplingHolds serves the console's holds panel.
func (u *Unit) SamplingHolds() []screening.SamplingHold { return u.pipeline.SamplingHolds() }

// restoreHolds gives the pipeline the holds its ledger records and the
// version of the last results taken.
func (u *Unit) restoreHolds() error {
	holds, releases, err := u.ledger.Holds(context.Background())
	if err != nil {
		return err
	}
	u.pipeline.RestoreHolds(holds, releases)
	if b, err := os.ReadFile(u.resultsPath()); err == nil {
		if err := json.Unmarshal(b, &u.results.version); err != nil {
			u.log.Error("saved test results version unreadable; taking any push", "file", u.resultsPath(), "err", err)
		}
	}
	return nil
}
