package fleet

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/sqlite"
	"github.com/kakou/kakou/firmware/wire"
)

type discard struct{}

func (discard) PublishRetained(context.Context, string, []byte) error { return nil }

// BenchmarkRolloutResolveAndSign10000Devices: a rollout to a fleet of
// 10,000 units (1,000 sites of 10; half armv6, half arm64) resolves its
// scope from the store, reads one release per arch, and signs and
// marshals one push per device (to a publisher that drops them).
func BenchmarkRolloutResolveAndSign10000Devices(b *testing.B) {
	st, err := sqlite.Open(filepath.Join(b.TempDir(), "cloud.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	for i := range 10_000 {
		arch := []string{"armv6", "arm64"}[i%2]
		s := wire.Status{Schema: wire.SchemaVersion, Site: fmt.Sprintf("site-%04d", i/10), Unit: fmt.Sprintf("gate-%d", i%10),
			State: wire.Online, Firmware: "1.4.0", Arch: arch}
		if err := st.PutStatus(ctx, s, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	dir := b.TempDir()
	for _, arch := range []string{"armv6", "arm64"} {
		p := filepath.Join(dir, "kakou-unit", "1.5.0", arch)
		os.MkdirAll(p, 0o755)
		os.WriteFile(filepath.Join(p, "kakou-unit"), make([]byte, 20<<20), 0o644) // a 20 MiB binary
	}
	_, key, _ := ed25519.GenerateKey(nil)
	c := NewCentre(st, discard{}, dir, "https://kakou.example.cn:8443", nil)
	c.SignWith(key)
	b.ResetTimer()
	for b.Loop() {
		p, err := c.plan(ctx, "kakou-unit", "1.5.0", store.RolloutScope{}, nil)
		if err != nil {
			b.Fatal(err)
		}
		got, err := p.publish(ctx, c, FleetStage, store.RolloutFleet)
		if err != nil || got.Pushed != 10_000 {
			b.Fatalf("pushed %d, %v", got.Pushed, err)
		}
	}
}
