package clock

import (
	"os"
	"testing"
	"time"
)

func TestTrustedClockIsSynced(t *testing.T) {
	now, ok := Clock{Trusted: true}.Now()
	if !ok || time.Since(now) > time.Minute {
		t.Fatalf("trusted clock: %v %v", now, ok)
	}
}

func TestUnsetClockIsNeverSynced(t *testing.T) {
	if kernelSynced(time.Unix(0, 0)) && !kernelSynced(time.Now()) {
		t.Fatal("1970 reported synced while now is not")
	}
}

func TestBootIDIsStableWithinABoot(t *testing.T) {
	a, b := BootID(), BootID()
	if a == "" || len(a) < 16 {
		t.Fatalf("boot id %q too short", a)
	}
	if a != b && fileExists("/proc/sys/kernel/random/boot_id") {
		t.Fatalf("boot id changed within one boot: %q then %q", a, b)
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }
