package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// RolloutStore is what a backend keeps for the centre's rollouts: each
// device's arch from its status, and the rollouts started.
type RolloutStore interface {
	PutStatus(ctx context.Context, st wire.Status, receivedAt time.Time) error
	UpdateTargets(ctx context.Context) ([]store.UpdateTarget, error)
	PutRollout(ctx context.Context, r store.Rollout) error
	SetRolloutStage(ctx context.Context, program, version string, from []string, stage, by string, at time.Time) (bool, error)
	Rollouts(ctx context.Context) ([]store.Rollout, error)
}

// Rollouts holds a backend to the rollout's contract.
func Rollouts(t *testing.T, open func(*testing.T) RolloutStore) {
	t.Run("a device's arch is kept from its status and a will keeps it", func(t *testing.T) {
		t.Parallel()
		behaveUpdateTargets(t, open(t))
	})
	t.Run("a rollout is kept with its scope and canaries and moves stage once", func(t *testing.T) {
		t.Parallel()
		behaveRolloutRecord(t, open(t))
	})
}

func behaveUpdateTargets(t *testing.T, s RolloutStore) {
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	put := func(st wire.Status) {
		t.Helper()
		if err := s.PutStatus(ctx, st, at); err != nil {
			t.Fatal(err)
		}
	}
	put(wire.Status{Schema: wire.SchemaVersion, Site: "s1", Unit: "a", State: wire.Online, Firmware: "1.4.0", Arch: "armv6"})
	put(wire.Status{Schema: wire.SchemaVersion, Site: "s1", Unit: "gw", State: wire.Online, Firmware: "1.4.0", Arch: "arm64", Role: wire.RoleGateway})
	put(wire.Status{Schema: wire.SchemaVersion, Site: "s1", Unit: "old", State: wire.Online, Firmware: "1.3.0"})
	put(wire.Status{Schema: wire.SchemaVersion, Site: "s1", Unit: "a", State: wire.Offline}) // a will names no arch
	got, err := s.UpdateTargets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.UpdateTarget{
		{Unit: store.UnitID{Site: "s1", Unit: "a"}, Arch: "armv6", Firmware: "1.4.0"},
		{Unit: store.UnitID{Site: "s1", Unit: "gw"}, Role: wire.RoleGateway, Arch: "arm64", Firmware: "1.4.0"},
		{Unit: store.UnitID{Site: "s1", Unit: "old"}, Firmware: "1.3.0"},
	}
	if len(got) != len(want) {
		t.Fatalf("targets %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("target %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}

func behaveRolloutRecord(t *testing.T, s RolloutStore) {
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	r := store.Rollout{Program: "kakou-unit", Version: "1.5.0", Scope: store.RolloutScope{Sites: []string{"s1", "s2"}},
		Canary: []store.UnitID{{Site: "s1", Unit: "a"}}, Stage: store.RolloutCanary, StartedBy: "zhang", StartedAt: at}
	if err := s.PutRollout(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.PutRollout(ctx, r); !errors.Is(err, store.ErrRolloutExists) {
		t.Fatalf("starting a version rolling out already: %v, want ErrRolloutExists", err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	moved := 0
	for range 8 { // eight promotions at once: one moves it
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.SetRolloutStage(ctx, r.Program, r.Version, []string{store.RolloutCanary}, store.RolloutFleet, "li", at.Add(time.Hour))
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				moved++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if moved != 1 {
		t.Fatalf("%d promotions moved the rollout, want 1", moved)
	}
	got, err := s.Rollouts(ctx)
	if err != nil || len(got) != 1 {
		t.Fatalf("rollouts %+v, %v", got, err)
	}
	g := got[0]
	if g.Stage != store.RolloutFleet || g.ChangedBy != "li" || !g.ChangedAt.Equal(at.Add(time.Hour)) || g.StartedBy != "zhang" ||
		!g.StartedAt.Equal(at) || len(g.Scope.Sites) != 2 || len(g.Canary) != 1 || g.Canary[0] != r.Canary[0] {
		t.Errorf("rollout read back %+v", g)
	}
	if ok, _ := s.SetRolloutStage(ctx, r.Program, r.Version, []string{store.RolloutCanary, store.RolloutFleet}, store.RolloutStopped, "li", at); !ok {
		t.Fatal("a rollout in its fleet stage did not stop")
	}
	r.Scope, r.StartedAt = store.RolloutScope{Region: "east"}, at.Add(2*time.Hour)
	if err := s.PutRollout(ctx, r); err != nil { // a stopped version starts again
		t.Fatalf("restarting a stopped rollout: %v", err)
	}
	if got, _ := s.Rollouts(ctx); len(got) != 1 || got[0].Scope.Region != "east" || got[0].Stage != store.RolloutCanary || got[0].ChangedBy != "" {
		t.Errorf("restarted rollout %+v", got)
	}
}
