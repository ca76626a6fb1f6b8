package ingest

import (
	"context"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// UpdateReports is the store's side of the rollout view: a device's last
// update outcome, from its live status. Both backends have it; a store
// without it keeps no outcomes.
type UpdateReports interface {
	PutUpdateReport(ctx context.Context, id store.UnitID, r wire.UpdateReport, at time.Time) error
}

// putUpdateReport keeps the outcome a live status carries; a replayed or
// last-will status says nothing new of it.
func (in *Ingest) putUpdateReport(ctx context.Context, st wire.Status, at time.Time) {
	us, ok := in.store.(UpdateReports)
	if !ok || st.Update == nil || st.State != wire.Online {
		return
	}
	if err := us.PutUpdateReport(ctx, store.UnitID{Site: st.Site, Unit: st.Unit}, *st.Update, at); err != nil {
		in.log.Warn("ingest: update outcome not kept; the next heartbeat names it again", "site", st.Site, "unit", st.Unit, "err", err)
	}
}
