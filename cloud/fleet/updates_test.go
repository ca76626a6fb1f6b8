package fleet

import (
	"context"
	"crypto/ed25519"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

func writeRelease(t *testing.T, body string) string {
	dir := t.TempDir()
	p := filepath.Join(dir, "kakou-unit", "1.5.0", "armv6")
	os.MkdirAll(p, 0o755)
	os.WriteFile(filepath.Join(p, "kakou-unit"), []byte(body), 0o644)
	return dir
}

type retainedTopics map[string][]byte

func (r retainedTopics) PublishRetained(_ context.Context, topic string, b []byte) error {
	r[topic] = b
	return nil
}

func TestRolloutSignsOnePushPerDeviceCanariesFirst(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	dir := writeRelease(t, "kakou-unit 1.5.0")
	rel, err := ReadRelease(dir, "kakou-unit", "1.5.0", "armv6")
	if err != nil || rel.Size != 16 {
		t.Fatalf("release %+v, %v", rel, err)
	}
	a, b, c := store.UnitID{Site: "s1", Unit: "a"}, store.UnitID{Site: "s1", Unit: "b"}, store.UnitID{Site: "s2", Unit: "c"}
	r := Rollout{Release: rel, BaseURL: "https://kakou.example.cn:8443", Devices: []store.UnitID{a, b, c},
		Canary: []store.UnitID{b}, Key: priv, Now: func() time.Time { return time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC) }}
	topics := retainedTopics{}
	if n, err := r.Publish(context.Background(), topics, CanaryStage); err != nil || n != 1 {
		t.Fatalf("canary stage: %d, %v", n, err)
	}
	got, err := wire.DecodeUpdatePush(topics[wire.UpdateTopic("s1", "b")])
	if err != nil || !got.Canary || got.URL != "https://kakou.example.cn:8443/updates/kakou-unit/1.5.0/armv6" {
		t.Fatalf("canary push %+v, %v", got, err)
	}
	if err := wire.VerifyUpdate(&got, pub); err != nil {
		t.Fatal(err)
	}
	if n, _ := r.Publish(context.Background(), topics, FleetStage); n != 2 || len(topics) != 3 {
		t.Fatalf("fleet stage published %d, topics %d", n, len(topics))
	}
	r.Canary = []store.UnitID{{Site: "s9", Unit: "x"}}
	if _, err := r.Pushes(CanaryStage); err == nil || !strings.Contains(err.Error(), "not in the scope") {
		t.Fatalf("a canary outside the scope: %v", err)
	}
	r.Key = nil
	if _, err := r.Pushes(FleetStage); err == nil || !strings.Contains(err.Error(), "signing_key_file") {
		t.Fatalf("no key: %v", err)
	}
}

func TestUpdateFilesServeRangesAndNothingOutsideTheFolder(t *testing.T) {
	dir := writeRelease(t, "0123456789")
	os.WriteFile(filepath.Join(dir, "secret"), []byte("key"), 0o600)
	srv := httptest.NewTLSServer(UpdateFiles(dir))
	defer srv.Close()
	get := func(path, rng string) (int, string) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if rng != "" {
			req.Header.Set("Range", rng)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/updates/kakou-unit/1.5.0/armv6", "bytes=4-"); code != http.StatusPartialContent || body != "456789" {
		t.Fatalf("range: %d %q", code, body)
	}
	for _, p := range []string{"/updates/../secret", "/updates/kakou-unit/../../secret/x", "/updates/sh/1.5.0/armv6",
		"/updates/kakou-unit/1.5.0/armv7", "/updates/kakou-unit/1.6.0/armv6", "/updates/kakou-unit/1.5.0"} {
		if code, body := get(p, ""); code != http.StatusNotFound || strings.Contains(body, "key") {
			t.Errorf("%s: %d %q, want 404", p, code, body)
		}
	}
}
