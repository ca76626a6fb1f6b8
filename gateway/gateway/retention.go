package gateway

import (
	"context"
	"log/slog"
	"time"

	"github.com/kakou/kakou/gateway/store"
)

// retentionEvery is how often the gateway purges: retention counts in
// days, so once a day is enough, and the first run is at start.
const retentionEvery = 24 * time.Hour

// retain deletes the cloud-acknowledged entries older than days every
// retentionEvery until ctx ends (gateway/store/purge.go says
// what is kept). A failed purge is logged and tried again next round:
// the gateway's work does not depend on it.
func retain(ctx context.Context, st *store.Store, days int, log *slog.Logger) {
	tick := time.NewTicker(retentionEvery)
	defer tick.Stop()
	for {
		purgeOnce(ctx, st, days, log)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func purgeOnce(ctx context.Context, st *store.Store, days int, log *slog.Logger) {
	cut := time.Now().Add(-time.Duration(days) * 24 * time.Hour)
	n, err := st.Purge(ctx, cut)
	switch {
	case err != nil && ctx.Err() == nil:
		log.Error("retention purge failed; retrying tomorrow", "err", err)
	case n > 0:
		log.Info("retention purge", "deleted", n, "before", cut, "days", days)
	}
}
