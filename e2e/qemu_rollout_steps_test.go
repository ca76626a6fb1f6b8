package e2e

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	centre "github.com/kakou/kakou/cloud/fleet"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/internal/testenv"
)

// The steps of TestRolloutThroughTheARMv6BinaryUnderQemu, in order.

func (r *qemuRollout) keepsAGoodVersion(t *testing.T) {
	r.awaitReady(t, 0, r.usrBin)
	testenv.Await(t, "the packaged 1.4.0 reporting to the centre", patience, func() bool { return r.firmware(t) == "1.4.0" })
	r.awaitScreening(t, 3)

	mark, before := len(r.svc.Events()), r.ledgerCount(t)
	release(t, r.releases, "1.5.0", r.bins.good)
	rel := r.readRelease(t, "1.5.0")
	pushed := r.publish(t, rel, r.key)
	ready := r.awaitReady(t, mark, r.installed("1.5.0"))
	// The download, the install, the old version's exit, RestartSec, the
	// guard and the packaged binary's start and exec, all under qemu
	// (docs/performance.md "Program updates").
	exited := pushed
	for _, e := range r.svc.Events()[mark:] {
		if e.Kind == "exit" {
			exited = e.At
			break
		}
	}
	t.Logf("update under qemu: a %.1f MiB binary, pushed to READY=1 from 1.5.0 in %s "+
		"(download, check and install until 1.4.0 exits %s; restart with RestartSec 2s, guard and exec %s)",
		float64(rel.Size)/(1<<20), ready.At.Sub(pushed).Round(100*time.Millisecond),
		exited.Sub(pushed).Round(100*time.Millisecond), ready.At.Sub(exited).Round(100*time.Millisecond))
	r.assertStartedByThePackagedBinary(t, ready)

	testenv.Await(t, "1.5.0 kept on the unit", patience, func() bool { return r.state(t).Phase == "kept" })
	testenv.Await(t, "the centre seeing firmware 1.5.0 and the update kept", patience, func() bool {
		o, ok := r.outcome(t, "1.5.0")
		return r.firmware(t) == "1.5.0" && ok && o.Phase == "kept" && o.Previous == "1.4.0"
	})
	if cur := r.current(); cur != "1.5.0" {
		t.Fatalf("programs/current -> %q, want 1.5.0", cur)
	}
	r.awaitScreening(t, before+1)
	r.awaitEntriesAtCentre(t)
}

func (r *qemuRollout) rollsBackACrashingVersion(t *testing.T) {
	mark, before := len(r.svc.Events()), r.ledgerCount(t)
	release(t, r.releases, "1.6.0", r.bins.crashing)
	r.publish(t, r.readRelease(t, "1.6.0"), r.key)
	testenv.Await(t, "the centre seeing 1.6.0 rolled back", 2*patience, func() bool {
		o, ok := r.outcome(t, "1.6.0")
		return ok && o.Phase == "rolled-back"
	})
	o, _ := r.outcome(t, "1.6.0")
	if !strings.Contains(o.Reason, "started 2 times without becoming healthy") || o.Previous != "1.5.0" {
		t.Errorf("the centre's outcome for 1.6.0: %+v; want rolled back to 1.5.0 after 2 starts", o)
	}
	ready := r.awaitReady(t, mark, r.installed("1.5.0"))
	r.assertStartedByThePackagedBinary(t, ready)
	if cur := r.current(); cur != "1.5.0" {
		t.Fatalf("programs/current -> %q after the rollback, want 1.5.0", cur)
	}
	if _, err := os.Stat(filepath.Join(r.dir, "programs", "1.6.0")); !os.IsNotExist(err) {
		t.Errorf("the rolled-back 1.6.0 is still installed (%v)", err)
	}
	// 1.5.0 exits for the update, then 1.6.0 crashes max_starts times.
	if n := r.svc.count("exit", mark); n < qemuMaxStarts+1 {
		t.Errorf("%d exits since the push, want the restart and %d crashes:\n%s", n, qemuMaxStarts, r.svc.history())
	}
	testenv.Await(t, "the centre seeing firmware 1.5.0 again", patience, func() bool { return r.firmware(t) == "1.5.0" })
	r.awaitScreening(t, before+1)
	r.awaitEntriesAtCentre(t)
	r.assertStillRunning(t, ready, "1.6.0")
}

// assertStillRunning: the version that came back after a rollback still
// runs. It has seen the retained push of the failed version again on
// reconnecting (its status reached the centre since) and did not install
// it a second time; the centre still has the rollback's reason.
func (r *qemuRollout) assertStillRunning(t *testing.T, ready serviceEvent, failed string) {
	t.Helper()
	if pid, ok := r.svc.Running(); pid != ready.PID || !ok {
		t.Fatalf("the unit restarted after rolling %s back (the retained push installed again?):\n%s", failed, r.svc.history())
	}
	if o, ok := r.outcome(t, failed); !ok || o.Phase != "rolled-back" {
		t.Errorf("the centre's outcome for %s became %+v after the rollback", failed, o)
	}
}

func (r *qemuRollout) refusesForgedAndTruncated(t *testing.T) {
	pid, _ := r.svc.Running()
	mark := len(r.svc.Events())

	// Signed with a key the unit does not trust.
	_, forger, _ := ed25519.GenerateKey(nil)
	release(t, r.releases, "1.7.0", r.bins.good)
	r.publish(t, r.readRelease(t, "1.7.0"), forger)
	r.awaitRefused(t, "1.7.0", "signature")

	// Signed, but the collector serves half the binary.
	release(t, r.releases, "1.7.1", r.bins.good)
	rel := r.readRelease(t, "1.7.1")
	served := filepath.Join(r.releases, "kakou-unit", "1.7.1", "armv6", "kakou-unit")
	if err := os.Truncate(served, rel.Size/2); err != nil {
		t.Fatal(err)
	}
	r.publish(t, rel, r.key)
	r.awaitRefused(t, "1.7.1", "size")

	if now, _ := r.svc.Running(); now != pid || r.svc.count("start", mark) != 0 {
		t.Fatalf("the unit restarted for a refused push:\n%s", r.svc.history())
	}
	if cur := r.current(); cur != "1.5.0" {
		t.Fatalf("programs/current -> %q after refusals, want 1.5.0", cur)
	}
	for _, v := range []string{"1.7.0", "1.7.1"} {
		if _, err := os.Stat(filepath.Join(r.dir, "programs", v)); !os.IsNotExist(err) {
			t.Errorf("the refused %s was installed (%v)", v, err)
		}
	}
	if parts, _ := filepath.Glob(filepath.Join(r.dir, "data", "updates", "*.part")); len(parts) != 0 {
		t.Errorf("the truncated download was kept: %v", parts)
	}
	r.awaitEntriesAtCentre(t)
}

func (r *qemuRollout) rollsBackAHangingVersion(t *testing.T) {
	mark, before := len(r.svc.Events()), r.ledgerCount(t)
	release(t, r.releases, "1.8.0", r.bins.hanging)
	r.publish(t, r.readRelease(t, "1.8.0"), r.key)
	testenv.Await(t, "the centre seeing 1.8.0 rolled back", 3*patience, func() bool {
		o, ok := r.outcome(t, "1.8.0")
		return ok && o.Phase == "rolled-back"
	})
	if o, _ := r.outcome(t, "1.8.0"); !strings.Contains(o.Reason, "started 2 times without becoming healthy") {
		t.Errorf("the centre's reason for rolling 1.8.0 back: %q", o.Reason)
	}
	ready := r.awaitReady(t, mark, r.installed("1.5.0"))
	r.assertStartedByThePackagedBinary(t, ready)
	if n := r.svc.count("timeout", mark); n != qemuMaxStarts {
		t.Errorf("%d starts stopped by TimeoutStartSec, want %d:\n%s", n, qemuMaxStarts, r.svc.history())
	}
	if cur := r.current(); cur != "1.5.0" {
		t.Fatalf("programs/current -> %q after the rollback, want 1.5.0", cur)
	}
	r.awaitScreening(t, before+1)
	r.awaitEntriesAtCentre(t)
	r.assertStillRunning(t, ready, "1.8.0")
}

// everyEntryAtTheCentre: the whole ledger, after every restart, is at the
// centre exactly once.
func (r *qemuRollout) everyEntryAtTheCentre(t *testing.T) {
	r.awaitEntriesAtCentre(t)
	t.Logf("%d entries in the ledger, all at the centre; service history:\n%s", r.ledgerCount(t), r.svc.history())
}

func (r *qemuRollout) readRelease(t *testing.T, version string) centre.Release {
	t.Helper()
	rel, err := centre.ReadRelease(r.releases, "kakou-unit", version, "armv6")
	if err != nil {
		t.Fatal(err)
	}
	return rel
}

// publish pushes rel to the unit as the centre does, signed with key.
func (r *qemuRollout) publish(t *testing.T, rel centre.Release, key ed25519.PrivateKey) time.Time {
	t.Helper()
	ro := centre.Rollout{Release: rel, BaseURL: r.c.HTTPURL(), Devices: []store.UnitID{r.id}, Key: key}
	at := time.Now()
	if n, err := ro.Publish(r.ctx, r.pub, centre.FleetStage); err != nil || n != 1 {
		t.Fatalf("publish %s: %d pushes, %v", rel.Version, n, err)
	}
	return at
}

func (r *qemuRollout) installed(version string) string {
	return filepath.Join(r.dir, "programs", version, "kakou-unit")
}

// awaitReady waits for READY=1, after event mark, from a process running
// bin (its command line under qemu names the binary).
func (r *qemuRollout) awaitReady(t *testing.T, mark int, bin string) serviceEvent {
	t.Helper()
	var got serviceEvent
	testenv.Await(t, "READY=1 from "+bin, 2*patience, func() bool {
		e, ok := r.svc.lastReady(mark)
		got = e
		return ok && strings.Contains(e.Detail, bin+" ")
	})
	return got
}

// assertStartedByThePackagedBinary: the PID that said READY=1 is the one
// the stand-in started as /usr/bin/kakou-unit, so update.Launch exec'd.
func (r *qemuRollout) assertStartedByThePackagedBinary(t *testing.T, ready serviceEvent) {
	t.Helper()
	for _, e := range r.svc.Events() {
		if e.Kind == "start" && e.PID == ready.PID {
			return
		}
	}
	t.Fatalf("READY=1 came from pid %d, which the stand-in did not start:\n%s", ready.PID, r.svc.history())
}

func (r *qemuRollout) awaitRefused(t *testing.T, version, why string) {
	t.Helper()
	testenv.Await(t, "the centre seeing "+version+" refused", patience, func() bool {
		o, ok := r.outcome(t, version)
		return ok && o.Phase == "refused"
	})
	if o, _ := r.outcome(t, version); !strings.Contains(o.Reason, why) {
		t.Errorf("%s refused for %q, want a reason about the %s", version, o.Reason, why)
	}
}

func (r *qemuRollout) current() string {
	v, _ := os.Readlink(filepath.Join(r.dir, "programs", "current"))
	return v
}

type qemuUpdateState struct{ Version, Phase, Reason string }

func (r *qemuRollout) state(t *testing.T) qemuUpdateState {
	var st qemuUpdateState
	if b, err := os.ReadFile(filepath.Join(r.dir, "data", "updates", "state.json")); err == nil {
		json.Unmarshal(b, &st)
	}
	return st
}

func (r *qemuRollout) outcome(t *testing.T, version string) (store.UpdateOutcome, bool) {
	t.Helper()
	st, ok := r.c.Store().(interface {
		UpdateOutcomes(context.Context, string, string) ([]store.UpdateOutcome, error)
	})
	if !ok {
		t.Fatal("the collector's store keeps no update outcomes")
	}
	got, err := st.UpdateOutcomes(r.ctx, "kakou-unit", version)
	if err != nil || len(got) != 1 {
		return store.UpdateOutcome{}, false
	}
	return got[0], true
}

// firmware is the version the unit's last status gave the centre.
func (r *qemuRollout) firmware(t *testing.T) string {
	t.Helper()
	us, err := r.c.Store().Units(r.ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range us {
		if u.Site == qemuSite && u.ID == qemuUnit {
			return u.Firmware
		}
	}
	return ""
}

func (r *qemuRollout) ledgerCount(t *testing.T) int {
	return ledgerCount(t, filepath.Join(r.dir, "data", "ledger.db"))
}

// awaitScreening waits until the ledger holds more than n-1 entries: the
// screening loop runs (again).
func (r *qemuRollout) awaitScreening(t *testing.T, n int) {
	t.Helper()
	testenv.Await(t, "the unit screening", patience, func() bool { return r.ledgerCount(t) >= n })
}

// awaitEntriesAtCentre takes the ledger as it is now and waits until the
// centre holds every entry of it, none twice.
func (r *qemuRollout) awaitEntriesAtCentre(t *testing.T) {
	t.Helper()
	logged := ledgerEntries(t, filepath.Join(r.dir, "data", "ledger.db"))
	if len(logged) >= store.MaxLimit {
		t.Fatalf("the ledger holds %d entries, more than one query reads: slow the simulator", len(logged))
	}
	testenv.Await(t, "every ledger entry at the centre", patience, func() bool {
		recs, err := r.c.Store().Entries(r.ctx, store.Query{Site: qemuSite, Unit: qemuUnit, Limit: store.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		at := map[string]bool{}
		for _, rec := range recs {
			if at[rec.ID] {
				t.Fatalf("entry %s stored twice", rec.ID)
			}
			at[rec.ID] = true
		}
		for _, e := range logged {
			if !at[e.ID] {
				return false
			}
		}
		return true
	})
}
