package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kakou/kakou/gateway/gateway"
)

// The guard runs from the previous binary with the gateway's own config;
// on a pending version that has used up its starts it points current
// back, and leaves the outbox (gateway.db) as it was.
func TestUpdateGuardRollsBackAGatewayVersionThatKeepsFailingToStart(t *testing.T) {
	dir := t.TempDir()
	root, data := filepath.Join(dir, "programs"), filepath.Join(dir, "data")
	for _, v := range []string{"2.0.0", "2.1.0"} {
		os.MkdirAll(filepath.Join(root, v), 0o755)
	}
	os.Symlink("2.1.0", filepath.Join(root, "current"))
	os.Symlink("2.0.0", filepath.Join(root, "previous"))
	os.MkdirAll(filepath.Join(data, "updates"), 0o755)
	os.WriteFile(filepath.Join(data, "gateway.db"), []byte("the outbox"), 0o600)
	os.WriteFile(filepath.Join(data, "updates", "state.json"),
		[]byte(`{"program":"kakou-gateway","version":"2.1.0","previous":"2.0.0","phase":"pending","starts":2}`), 0o644)
	cfg := filepath.Join(dir, "gateway.toml")
	os.WriteFile(cfg, []byte(`site = "s1"
data_dir = "`+data+`"
[cloud]
broker = "tcp://127.0.0.1:1883"
[policy]
path = "p.toml"
verify_keys = ["`+filepath.Join(dir, "centre.pub")+`"]
[update]
root = "`+root+`"
max_starts = 2
`), 0o644)
	var out, errb bytes.Buffer
	if code := updateGuard([]string{"-config", cfg}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "rolled back") {
		t.Fatalf("output %q, want it to say it rolled back", out.String())
	}
	if v, _ := os.Readlink(filepath.Join(root, "current")); v != "2.0.0" {
		t.Fatalf("current -> %s, want 2.0.0", v)
	}
	if b, _ := os.ReadFile(filepath.Join(data, "gateway.db")); string(b) != "the outbox" {
		t.Fatalf("the outbox changed in the rollback: %q", b)
	}
}

// With updates off the guard has nothing to do and must not fail the start.
func TestUpdateGuardWithUpdatesOffDoesNothing(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "gateway.toml")
	os.WriteFile(cfg, []byte("site = \"s1\"\ndata_dir = \""+dir+"\"\n[cloud]\nbroker = \"tcp://127.0.0.1:1883\"\n[policy]\npath = \"p.toml\"\n"), 0o644)
	var out, errb bytes.Buffer
	if code := updateGuard([]string{"-config", cfg}, &out, &errb); code != 0 || out.Len() != 0 {
		t.Fatalf("exit %d, out %q, err %q", code, out.String(), errb.String())
	}
}

// An update's restart ends the command with gateway.ErrRestart (exit 1,
// so systemd's Restart=always starts the new version); a signal ends it
// cleanly.
func TestCommandEndsWithErrRestartWhenAnUpdateAsksForIt(t *testing.T) {
	restarting := make(chan struct{})
	close(restarting)
	if err := stopped(context.Background(), restarting); !errors.Is(err, gateway.ErrRestart) {
		t.Fatalf("stopped %v, want gateway.ErrRestart", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := stopped(ctx, make(chan struct{})); err != nil {
		t.Fatalf("stopped by a signal: %v, want nil", err)
	}
}
