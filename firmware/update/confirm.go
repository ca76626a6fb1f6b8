package update

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// HealthCheck says whether the program works: nil, or what is wrong
// ("screening loop not running", "ledger not writable", "uplink down
// while the broker answers"). An uplink cut for reasons outside the
// program (no network) is healthy: a rollback would not mend it.
type HealthCheck interface {
	Healthy(ctx context.Context) error
}

// HealthFunc adapts a function to HealthCheck.
type HealthFunc func(ctx context.Context) error

// Healthy calls f.
func (f HealthFunc) Healthy(ctx context.Context) error { return f(ctx) }

// Confirm is called by the program once its main loop runs. If the
// version it runs is pending, it asks h every poll until h says healthy,
// and keeps the version; if window passes first, it rolls back to the
// previous version, records why, and restarts. It returns the Report.
func (u *Updater) Confirm(ctx context.Context, h HealthCheck, window, poll time.Duration) (Report, error) {
	st, err := loadState(u.dir)
	if err != nil || st.Phase != Pending || st.Version != u.opts.Running {
		return st, err
	}
	deadline := time.NewTimer(window)
	defer deadline.Stop()
	tick := time.NewTicker(poll)
	defer tick.Stop()
	var last error
	for {
		if last = h.Healthy(ctx); last == nil {
			st.Phase, st.Reason, st.Starts = Kept, "", 0
			u.opts.Logger.Info("update kept", "version", st.Version)
			return st, saveState(u.dir, st)
		}
		select {
		case <-ctx.Done():
			return st, ctx.Err() // stopped: the next start decides
		case <-deadline.C:
			why := fmt.Sprintf("%s %s not healthy within %s: %v", st.Program, st.Version, window, last)
			st, err := rollback(u.opts.Root, u.dir, st, why)
			if err != nil {
				return st, err
			}
			u.opts.Logger.Warn("update rolled back", "version", st.Version, "why", why)
			return st, u.opts.Restarter.Restart(ctx, "roll back "+st.Version)
		case <-tick.C:
		}
	}
}

// rollback points current at the previous version, removes the failed
// one, and records it so the retained push does not install it again.
func rollback(root, dir string, st Report, why string) (Report, error) {
	if err := setLink(root, currentLink, st.Previous); err != nil {
		return st, err
	}
	os.RemoveAll(filepath.Join(root, st.Version))
	st.Phase, st.Reason = RolledBack, why
	st.Failed = append(st.Failed, st.Version)
	if len(st.Failed) > 20 {
		st.Failed = st.Failed[len(st.Failed)-20:]
	}
	return st, saveState(dir, st)
}

// DefaultMaxStarts is how often a pending version may start without
// confirming before Guard rolls it back.
const DefaultMaxStarts = 3

// Guard runs before every start of the service (ExecStartPre, from the
// previous, known-good binary: a new one that crashes at start could not
// guard itself). It counts the starts of a pending version and, once it
// has started maxStarts times without Confirm keeping it, rolls back.
// It reports whether it rolled back.
func Guard(dataDir, root string, maxStarts int) (bool, error) {
	dir := filepath.Join(dataDir, "updates")
	st, err := loadState(dir)
	if err != nil || st.Phase != Pending {
		return false, err
	}
	cur, err := linkTarget(root, currentLink)
	if err != nil {
		return false, err
	}
	if cur != st.Version {
		// The power went between recording and switching: the old
		// version still runs, and the update never happened.
		st.Phase, st.Reason = Refused, "interrupted before the switch; the retained push installs it again"
		return false, saveState(dir, st)
	}
	if st.Starts >= maxStarts {
		why := fmt.Sprintf("%s %s started %d times without becoming healthy (it crashes or hangs at start)", st.Program, st.Version, st.Starts)
		_, err := rollback(root, dir, st, why)
		return err == nil, err
	}
	st.Starts++
	return false, saveState(dir, st)
}
