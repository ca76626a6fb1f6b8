package store

import (
	"errors"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// Guards are the people who sign in at a site's consoles, managed by the
// site's manager or central monitoring. The store holds each guard's PIN
// hash (wire.HashPIN), never a PIN. Every change to a site's guards gives
// the changed guard the site's next version, so the site's roster version
// (the highest of its guards') grows with each change and a unit can
// refuse an older roster replayed to it.

// Guard is one guard of one site.
type Guard struct {
	Site, ID  string
	Name      string
	PINHash   string // wire.HashPIN's string
	Disabled  bool
	Version   uint64 // set by PutGuard: the site's roster version this change made
	UpdatedAt time.Time
	UpdatedBy string
}

// ErrGuardShape is returned for a guard no unit could use.
var ErrGuardShape = errors.New("store: a guard needs a site and id (a-z 0-9 - _), a name, a PIN hash and who changed it when")

// Check refuses a guard no unit could use.
func (g Guard) Check() error {
	rg := wire.RosterGuard{ID: g.ID, Name: g.Name, PINHash: g.PINHash, Disabled: g.Disabled}
	if wire.ValidateID(g.Site) != nil || rg.Validate() != nil || g.UpdatedBy == "" || g.UpdatedAt.IsZero() {
		return ErrGuardShape
	}
	return nil
}
