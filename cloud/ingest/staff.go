package ingest

import (
	"context"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// StaffRounds is what a store keeps of the roll-call round each unit's
// live status names (wire.Status.StaffRound), for the centre's roll call.
// A store without it (a test's) keeps none.
type StaffRounds interface {
	PutStaffRound(ctx context.Context, site, unit string, r wire.StaffRound, at time.Time) error
}

// putStaffRound keeps a live status's round. It is best effort: a lost
// round is named again by the next heartbeat, so it never holds up the
// status itself.
func (in *Ingest) putStaffRound(ctx context.Context, st wire.Status, at time.Time) {
	rs, ok := in.store.(StaffRounds)
	if !ok || st.StaffRound == nil || st.State != wire.Online {
		return
	}
	if err := rs.PutStaffRound(ctx, st.Site, st.Unit, *st.StaffRound, at); err != nil {
		in.log.Warn("ingest: staff round not kept; the next heartbeat names it again", "site", st.Site, "unit", st.Unit, "err", err)
	}
}
