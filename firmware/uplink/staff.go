package uplink

import (
	"context"

	"github.com/kakou/kakou/firmware/wire"
)

// The centre pushes the site's staff roster, retained on wire.StaffTopic,
// like the guard roster (guards.go): decoded, checked for its addressee
// and handed to Options.OnStaff on a goroutine of its own, the latest
// only. The status tells the centre the roll-call round the unit is in
// (SetStaffRound), so the centre's roll call knows the round from the
// policy the unit runs.

// staffUplink holds the latest staff roster not yet handed over and the
// round for the status; round is guarded by Uplink.mu.
type staffUplink struct {
	handoff[wire.StaffRoster]
	round *wire.StaffRound
}

// SetStaffRound announces the roll-call round the unit is in (nil: none);
// a change is published at once, as SetDevices does.
func (u *Uplink) SetStaffRound(r *wire.StaffRound) {
	u.mu.Lock()
	old := u.staff.round
	changed := (old == nil) != (r == nil) || old != nil && *old != *r
	u.staff.round = r
	u.statusDirty = u.statusDirty || changed
	u.mu.Unlock()
	if changed {
		u.Notify()
	}
}

func (u *Uplink) staffPush() (pushSub, bool) {
	if u.opts.OnStaff == nil {
		return pushSub{}, false
	}
	return listenAddressed(u, addressedPush[wire.StaffRoster]{what: "staff roster",
		topic: wire.StaffTopic(u.opts.Status.Site, u.opts.Status.Unit), qos: wire.QoSStaff,
		decode: wire.DecodeStaffRoster, to: func(r wire.StaffRoster) (string, string) { return r.Site, r.Unit },
		box: &u.staff.handoff, keeps: "the roll call keeps the one it has",
		refused: "the roll call keeps the roster it has"})
}

func (u *Uplink) startStaff(ctx context.Context) (wait func()) {
	return u.staff.run(ctx, u.opts.OnStaff)
}
