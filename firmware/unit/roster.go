package unit

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/kakou/kakou/firmware/wire"
)

// The guards who may sign in at the console come from the centre, which
// pushes the site's roster signed with the same key as its policies
// (pushkeys.go). A roster is taken only if it verifies (with verify_keys
// set; without, unsigned ones are taken, as for policies, and the unit
// says so at start), names this site and unit, and is newer than the one
// held: a recorded older roster replayed would revive a disabled guard or
// a PIN that was reset. An accepted roster is saved in the data directory,
// so a unit that reboots offline still lets its guards sign in; the
// saved file is checked again at start like any push. Until the centre's
// first roster arrives, console.guards_file (if set) is used.

// rosterFile, in the data directory, holds the last accepted roster.
const rosterFile = "guard-roster.json"

// rosterState is the roster the console runs with; mu orders pushes.
type rosterState struct {
	mu  sync.Mutex
	cur wire.GuardRoster // Version 0: the local file's, or none
}

func (u *Unit) rosterPath() string { return filepath.Join(u.cfg.DataDir, rosterFile) }

// onGuards is the uplink's OnGuards hook.
func (u *Unit) onGuards(r wire.GuardRoster) {
	u.roster.mu.Lock()
	defer u.roster.mu.Unlock()
	if err := u.checkRoster(&r); err != nil {
		u.log.Error("guard roster refused; the console keeps the guards it has", "version", r.Version,
			"issued_by", r.IssuedBy, "running", u.roster.cur.Version, "err", err)
		return
	}
	if r.Version == u.roster.cur.Version {
		return // the retained roster again, on a reconnect
	}
	if err := saveJSON(u.rosterPath(), r); err != nil {
		u.log.Error("guard roster not saved: it is in use now, but after a reboot without the broker "+
			"the console would fall back to the previous one", "version", r.Version, "err", err)
	}
	u.useRoster(r)
	u.log.Info("guard roster accepted", "version", r.Version, "guards", len(r.Guards), "issued_by", r.IssuedBy,
		"issued_at", r.IssuedAt)
}

// checkRoster refuses a roster that is not the centre's, not this unit's,
// or older than the one held. The caller holds u.roster.mu.
func (u *Unit) checkRoster(r *wire.GuardRoster) error {
	verify := func(k ...ed25519.PublicKey) error { return wire.VerifyRoster(r, k...) }
	if err := u.verifySigned("rosters", wire.ErrRosterUnsigned, verify); err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return err
	}
	if r.Site != u.cfg.Site || r.Unit != u.cfg.Unit {
		return fmt.Errorf("addressed to %s/%s, but this unit is %s/%s", r.Site, r.Unit, u.cfg.Site, u.cfg.Unit)
	}
	return notBehind("roster", r.Version, u.roster.cur.Version, r.Signature == u.roster.cur.Signature, "change any guard")
}

func (u *Unit) useRoster(r wire.GuardRoster) {
	u.roster.cur = r
	u.console.SetRoster(r)
}

// loadGuards gives the console its roster at start: the centre's saved
// one if it still checks out, else the local guards file. A saved roster
// that fails is reported and left alone; the centre's retained roster
// replaces it on the next connection.
func (u *Unit) loadGuards() error {
	u.roster.mu.Lock()
	defer u.roster.mu.Unlock()
	b, err := os.ReadFile(u.rosterPath())
	if err == nil {
		var r wire.GuardRoster
		if err = json.Unmarshal(b, &r); err == nil {
			// A file on the card is no more trusted than the network.
			err = u.checkRoster(&r)
		}
		if err == nil {
			u.useRoster(r)
			u.log.Info("guard roster from the centre restored", "version", r.Version, "guards", len(r.Guards))
			return nil
		}
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		u.log.Error("saved guard roster not used", "file", u.rosterPath(), "err", err)
	}
	if path := u.cfg.Console.GuardsFile; path != "" {
		r, err := LoadGuardsFile(path)
		if err != nil {
			return fmt.Errorf("console.guards_file: %w", err)
		}
		r.Site, r.Unit = u.cfg.Site, u.cfg.Unit
		u.useRoster(r)
		u.log.Info("guards from the local file", "file", path, "guards", len(r.Guards))
		return nil
	}
	u.log.Warn("no guard roster yet: nobody can sign in at the console (无人值守) until the centre pushes one " +
		"or console.guards_file names a local one; the lane screens meanwhile")
	return nil
}
