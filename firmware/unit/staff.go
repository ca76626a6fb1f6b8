package unit

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/kakou/kakou/firmware/console"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/rollcall"
	"github.com/kakou/kakou/firmware/wire"
	"periph.io/x/conn/v3/physic"
)

// The staff roster (who the roll call checks: 晨午晚检) comes from the
// centre like the guard roster (roster.go): verified with the policy
// keys, addressed to this unit, never older than the one held, saved in
// the data directory so a unit rebooted offline still knows its pupils.

// staffFile, in the data directory, holds the last accepted staff roster.
const staffFile = "staff-roster.json"

// staffState orders roster pushes; the roster itself lives in u.rollcall.
type staffState struct {
	mu sync.Mutex
}

// ErrNotInRound and ErrNotOnRoster are why a roll-call tick is refused.
var (
	ErrNotInRound  = fmt.Errorf("unit: %w (or the clock is not synced)", console.ErrNotInRound)
	ErrNotOnRoster = fmt.Errorf("unit: nobody with that id is %w", console.ErrNotOnRoster)
)

func (u *Unit) staffPath() string { return filepath.Join(u.cfg.DataDir, staffFile) }

func (u *Unit) buildRollCall() {
	u.rollcall = rollcall.New(func() policy.StaffRule { return u.policy.Current().Checks.Staff },
		u.clock.Now, time.Local)
}

// onStaff is the uplink's OnStaff hook.
func (u *Unit) onStaff(r wire.StaffRoster) {
	u.staff.mu.Lock()
	defer u.staff.mu.Unlock()
	held := u.rollcall.Roster()
	if err := u.checkStaff(&r, held); err != nil {
		u.log.Error("staff roster refused; the roll call keeps the roster it has", "version", r.Version,
			"issued_by", r.IssuedBy, "running", held.Version, "err", err)
		return
	}
	if r.Version == held.Version {
		return // the retained roster again, on a reconnect
	}
	if err := saveJSON(u.staffPath(), r); err != nil {
		u.log.Error("staff roster not saved: in use now, but lost on a reboot without the broker",
			"version", r.Version, "err", err)
	}
	u.rollcall.SetRoster(r)
	u.log.Info("staff roster accepted", "version", r.Version, "members", len(r.Members), "issued_by", r.IssuedBy)
}

// checkStaff refuses a roster that is not the centre's, not this unit's,
// or older than held: a replayed older roster would bring back a pupil
// who left, or drop one who joined.
func (u *Unit) checkStaff(r *wire.StaffRoster, held wire.StaffRoster) error {
	verify := func(k ...ed25519.PublicKey) error { return wire.VerifyStaffRoster(r, k...) }
	if err := u.verifySigned("rosters", wire.ErrStaffUnsigned, verify); err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return err
	}
	if r.Site != u.cfg.Site || r.Unit != u.cfg.Unit {
		return fmt.Errorf("addressed to %s/%s, but this unit is %s/%s", r.Site, r.Unit, u.cfg.Site, u.cfg.Unit)
	}
	return notBehind("roster", r.Version, held.Version, r.Signature == held.Signature, "change any member")
}

// loadStaff restores the saved roster and the checks of the last two days
// from the ledger, so a reboot neither forgets the pupils nor lists the
// morning's checked ones as unchecked.
func (u *Unit) loadStaff(ctx context.Context) {
	u.staff.mu.Lock()
	defer u.staff.mu.Unlock()
	b, err := os.ReadFile(u.staffPath())
	if err == nil {
		var r wire.StaffRoster
		if err = json.Unmarshal(b, &r); err == nil {
			err = u.checkStaff(&r, wire.StaffRoster{}) // the card is no more trusted than the network
		}
		if err == nil {
			u.rollcall.SetRoster(r)
			u.log.Info("staff roster from the centre restored", "version", r.Version, "members", len(r.Members))
		}
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		u.log.Error("saved staff roster not used; the centre's retained one replaces it on connect",
			"file", u.staffPath(), "err", err)
	}
	now, _ := u.clock.Now()
	checks, err := u.ledger.StaffChecks(ctx, now.AddDate(0, 0, -2))
	if err != nil {
		u.log.Error("roll call: earlier checks not read; they show as unchecked until made again", "err", err)
	}
	u.rollcall.Restore(checks)
}

// RollCall is the console's roll-call panel (console.RollCall).
func (u *Unit) RollCall() rollcall.Board { return u.rollcall.Board() }

// Tick logs a roll-call check typed at the console: id checked in the
// current round with reading t, by guard.
func (u *Unit) Tick(ctx context.Context, id string, t physic.Temperature, guard, guardName string) (wire.Entry, error) {
	r, ok := u.rollcall.Current()
	if !ok {
		return wire.Entry{}, ErrNotInRound
	}
	if _, on := u.rollcall.Member(id); !on {
		return wire.Entry{}, ErrNotOnRoster
	}
	e, err := u.pipeline.LogStaffCheck(ctx, wire.StaffCheck{ID: id, Round: r.Name, Day: r.Day}, t, guard, guardName)
	if err != nil {
		return wire.Entry{}, err
	}
	u.rollcall.Note(e)
	u.uplink.Notify()
	if e.Alert != "" {
		u.log.Warn("roll call: fever", "id", id, "round", r.Name, "temp_c", e.Temperature.CorrectedC, "guard", guard)
	}
	return e, nil
}

// watchStaffRound tells the centre, in the status, which round the unit
// is in; checked every 15 s, so a new round shows centrally within a
// heartbeat.
func (u *Unit) watchStaffRound(ctx context.Context) {
	tick := time.NewTicker(15 * time.Second)
	defer tick.Stop()
	for {
		now, synced := u.clock.Now()
		r, _ := u.policy.Current().Checks.Staff.WireRound(now.In(time.Local), synced)
		u.uplink.SetStaffRound(r)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Screen screens one person who presented code, as a scan at the lane
// does, for checks and tests that drive a unit without a scanner.
func (u *Unit) Screen(ctx context.Context, code []byte) (wire.Entry, error) {
	return u.pipeline.Screen(ctx, code)
}
