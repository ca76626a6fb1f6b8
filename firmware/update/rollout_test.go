package update

import (
	"context"
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kakou/kakou/firmware/wire"
)

func TestGoodUpdateIsInstalledBesideTheOldAndKept(t *testing.T) {
	r := newRig(t)
	push := r.publish("1.5.0", []byte("kakou-unit 1.5.0"), runs)
	if err := r.updater("1.4.0").Apply(context.Background(), push); err != nil {
		t.Fatal(err)
	}
	if !r.restart {
		t.Fatal("installed without asking for a restart")
	}
	if v := r.settle(); v != "1.5.0" {
		t.Fatalf("runs %s after the update, want 1.5.0", v)
	}
	st := r.report()
	if st.Phase != Kept || st.Previous != "1.4.0" {
		t.Fatalf("report %+v, want kept over 1.4.0", st)
	}
	if prev, _ := linkTarget(r.root, previousLink); prev != "1.4.0" {
		t.Fatalf("previous -> %q, want 1.4.0 kept for a later rollback", prev)
	}
	if b, _ := os.ReadFile(filepath.Join(r.root, "current", "kakou-unit")); string(b) != "kakou-unit 1.5.0" {
		t.Fatalf("current/kakou-unit is %q", b)
	}
	// The retained push arrives again after the restart: nothing happens.
	if err := r.updater("1.5.0").Apply(context.Background(), push); err != nil || r.report().Phase != Kept {
		t.Fatalf("retained push after the update: %v, %+v", err, r.report())
	}
	r.ledgerUntouched()
}

func TestUpdateThatCrashesAtStartIsRolledBackByTheGuard(t *testing.T) {
	r := newRig(t)
	push := r.publish("1.5.0", []byte("kakou-unit 1.5.0 crashes"), crashes)
	if err := r.updater("1.4.0").Apply(context.Background(), push); err != nil {
		t.Fatal(err)
	}
	if v := r.settle(); v != "1.4.0" {
		t.Fatalf("runs %s, want the rollback to 1.4.0", v)
	}
	st := r.report()
	if st.Phase != RolledBack || !strings.Contains(st.Reason, "started 3 times") {
		t.Fatalf("report %+v, want rolled back after 3 starts", st)
	}
	if _, err := os.Stat(filepath.Join(r.root, "1.5.0")); !os.IsNotExist(err) {
		t.Fatal("the failed version is still installed")
	}
	r.ledgerUntouched()
}

func TestUpdateNeverHealthyWithinTheWindowIsRolledBackWithTheReason(t *testing.T) {
	r := newRig(t)
	push := r.publish("1.5.0", []byte("kakou-unit 1.5.0 hangs"), hangs)
	if err := r.updater("1.4.0").Apply(context.Background(), push); err != nil {
		t.Fatal(err)
	}
	if v := r.settle(); v != "1.4.0" {
		t.Fatalf("runs %s, want the rollback to 1.4.0", v)
	}
	st := r.report()
	if st.Phase != RolledBack || !strings.Contains(st.Reason, "screening loop not running") {
		t.Fatalf("report %+v, want rolled back because screening never ran", st)
	}
	if w := st.Wire(); w == nil || w.Validate() != nil || w.Phase != "rolled-back" {
		t.Fatalf("status report %+v does not validate", w)
	}
	// The push is retained: seen again by 1.4.0 it must not install the
	// failed version a second time, and the report keeps the reason.
	err := r.updater("1.4.0").Apply(context.Background(), push)
	if err == nil || !strings.Contains(err.Error(), "rolled back on this device") {
		t.Fatalf("retained failed push: %v, want a refusal", err)
	}
	if r.report().Phase != RolledBack {
		t.Fatalf("report after the retained push: %+v", r.report())
	}
	r.ledgerUntouched()
}

func TestForgedWrongHashTruncatedMisaddressedAndOlderPushesAreRefused(t *testing.T) {
	r := newRig(t)
	_, otherKey, _ := ed25519.GenerateKey(nil)
	good := []byte("kakou-unit 1.5.0")
	cases := []struct {
		name string
		push func() wire.UpdatePush
		want string
	}{
		{"forged", func() wire.UpdatePush {
			p := r.publish("1.5.0", good, runs)
			wire.SignUpdate(&p, otherKey)
			return p
		}, "signature"},
		{"unsigned", func() wire.UpdatePush {
			p := r.publish("1.5.0", good, runs)
			p.Signature = ""
			return p
		}, "not signed"},
		{"wrong hash", func() wire.UpdatePush {
			p := r.publish("1.5.0", good, runs)
			r.files["/updates/kakou-unit/1.5.0/armv6"] = []byte("kakou-unit 1.5.X")
			return p
		}, "sha256"},
		{"truncated", func() wire.UpdatePush {
			p := r.publish("1.5.0", good, runs)
			r.files["/updates/kakou-unit/1.5.0/armv6"] = good[:5]
			return p
		}, "signed size"},
		{"longer", func() wire.UpdatePush {
			p := r.publish("1.5.0", good, runs)
			r.files["/updates/kakou-unit/1.5.0/armv6"] = append(good, "!!"...)
			return p
		}, "signed size"},
		{"other unit", func() wire.UpdatePush {
			p := r.publish("1.5.0", good, runs)
			p.Unit = "u2"
			wire.SignUpdate(&p, r.priv)
			return p
		}, "s1/u2"},
		{"other arch", func() wire.UpdatePush {
			p := r.publish("1.5.0", good, runs)
			p.Arch = "arm64"
			wire.SignUpdate(&p, r.priv)
			return p
		}, "arm64"},
		{"older", func() wire.UpdatePush { return r.publish("1.3.9", good, runs) }, "not newer"},
		{"pre-release of the running one", func() wire.UpdatePush { return r.publish("1.4.0-rc.1", good, runs) }, "not newer"},
	}
	for _, c := range cases {
		err := r.updater("1.4.0").Apply(context.Background(), c.push())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want a refusal naming %q", c.name, err, c.want)
		}
		if v, _ := linkTarget(r.root, currentLink); v != "1.4.0" || r.restart {
			t.Fatalf("%s: current -> %s, restart %v", c.name, v, r.restart)
		}
		if st := r.report(); st.Phase != Refused {
			t.Errorf("%s: report %+v, want refused", c.name, st)
		}
		if held := heldBytes(filepath.Join(r.data, "updates"), stateFile); held != 0 {
			t.Errorf("%s: %d bytes left in the updates directory", c.name, held)
		}
	}
	r.ledgerUntouched()
}

func TestDownloadCutHalfwayResumesWithARangeRequest(t *testing.T) {
	r := newRig(t)
	body := []byte(strings.Repeat("kakou-unit 1.5.0 ", 4096))
	push := r.publish("1.5.0", body, runs)
	r.cutOnce = true
	u := r.updater("1.4.0")
	if err := u.Apply(context.Background(), push); err == nil || !strings.Contains(err.Error(), "resumes") {
		t.Fatalf("cut download: %v, want an error saying it resumes", err)
	}
	if err := u.Apply(context.Background(), push); err != nil {
		t.Fatal(err)
	}
	want := "bytes=" + itoa(len(body)/2) + "-"
	if len(r.ranges) != 2 || r.ranges[0] != "" || r.ranges[1] != want {
		t.Fatalf("requests' ranges %q, want none then %q", r.ranges, want)
	}
	if v := r.settle(); v != "1.5.0" {
		t.Fatalf("runs %s, want 1.5.0", v)
	}
}

func TestUpdateBeyondTheDiskBudgetOrWithTheLedgerShortIsRefusedBeforeDownloading(t *testing.T) {
	r := newRig(t)
	body := []byte(strings.Repeat("x", 4096))
	cases := []struct {
		name string
		edit func(*Options)
		want string
	}{
		{"budget", func(o *Options) { o.Budget = 1024 }, "exceeds the disk budget of 1024 bytes (update.budget)"},
		{"disk", func(o *Options) { o.Free = func(string) (int64, error) { return DefaultReserve + 4096, nil } }, "kept for the ledger"},
		{"ledger", func(o *Options) { o.LedgerShort = func() bool { return true } }, "ledger is short of space"},
	}
	for _, c := range cases {
		r.ranges = nil
		err := r.updater("1.4.0", c.edit).Apply(context.Background(), r.publish("1.5.0", body, runs))
		if !errors.Is(err, ErrNoSpace) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want ErrNoSpace saying %q", c.name, err, c.want)
		}
		if len(r.ranges) != 0 {
			t.Errorf("%s: downloaded anyway", c.name)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
