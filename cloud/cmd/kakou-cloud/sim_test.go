package main

import (
	"context"
	"github.com/kakou/kakou/cloud/store"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/collector"
)

func TestSimRunsAFleetAgainstACollectorAndExitsZero(t *testing.T) {
	cfg := collector.Default()
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.Broker.Listen = "127.0.0.1:0"
	c, err := collector.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Shutdown(ctx)

	code := sim([]string{"-broker", c.BrokerURL(), "-units", "4", "-sites", "2",
		"-entries", "3", "-duration", "0", "-rate", "0", "-progress", "0"})
	if code != 0 {
		t.Fatalf("sim exited %d, want 0: every entry acknowledged", code)
	}
	// units go round-robin over the sites: the 1st to sim-s001, the 4th to sim-s002
	for _, unit := range []store.UnitID{{Site: "sim-s001", Unit: "sim-u00001"}, {Site: "sim-s002", Unit: "sim-u00004"}} {
		if seq, err := c.Store().AckedSeq(ctx, unit); err != nil || seq != 3 {
			t.Fatalf("%s watermark %d, %v; want 3", unit, seq, err)
		}
	}
}

func TestSimRejectsBadFlags(t *testing.T) {
	cases := [][]string{
		{"-units", "0"},
		{"-duration", "0"}, // and no -entries: it would never end
		{"-no-such-flag"},
		{"extra-argument"},
	}
	for _, args := range cases {
		if code := sim(args); code != 2 {
			t.Errorf("sim %v exited %d, want 2", args, code)
		}
	}
	if code := sim([]string{"-h"}); code != 0 {
		t.Errorf("sim -h exited %d, want 0", code)
	}
}
