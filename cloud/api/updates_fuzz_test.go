package api

import (
	"context"
	"crypto/ed25519"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kakou/kakou/cloud/fleet"
	"github.com/kakou/kakou/cloud/store/sqlite"
	"github.com/kakou/kakou/firmware/wire"
)

// FuzzStartRolloutBody: whatever body central monitoring's token sends to
// POST /api/v1/updates, the answer is 200, 400, 404 or 409, never a
// failure of the collector, and nothing is pushed but to a device the
// store knows (no topic built from the body).
func FuzzStartRolloutBody(f *testing.F) {
	for _, seed := range []string{
		`{"program": "kakou-unit", "version": "1.5.0", "scope": {"sites": ["site-a"]}, "canary": ["site-a/gate-1"]}`,
		`{"program": "kakou-unit", "version": "1.5.0"}`,
		`{"program": "kakou-unit", "version": "../../etc/passwd"}`,
		`{"program": "kakou-gateway", "version": "1.5.0", "scope": {"region": "east"}}`,
		`{"program": "kakou-unit", "version": "1.5.0", "scope": {"sites": ["a"], "region": "b"}}`,
		`{"program": "kakou-unit", "version": "1.5.0", "canary": ["x/y/z", "/", "site-b/door-1"]}`,
		`{"program": "kakou-unit", "version": "99999999999999999999.0.0"}`,
		`[]`, `null`, `{`, ``,
	} {
		f.Add(seed)
	}
	st, err := sqlite.Open(filepath.Join(f.TempDir(), "cloud.db"))
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	known := map[string]bool{}
	for _, u := range []string{"site-a/gate-1", "site-a/gate-2", "site-b/door-1"} {
		site, unit, _ := strings.Cut(u, "/")
		known[wire.UpdateTopic(site, unit)] = true
		st.PutStatus(context.Background(), wire.Status{Schema: wire.SchemaVersion, Site: site, Unit: unit,
			State: wire.Online, Firmware: "1.4.0", Arch: "armv6"}, now)
	}
	dir := f.TempDir()
	p := filepath.Join(dir, "kakou-unit", "1.5.0", "armv6")
	os.MkdirAll(p, 0o755)
	os.WriteFile(filepath.Join(p, "kakou-unit"), []byte("kakou-unit 1.5.0"), 0o644)
	pub := &pushCounter{count: map[string]int{}}
	centre := fleet.NewCentre(st, pub, dir, "https://kakou.example.cn:8443", nil)
	_, key, _ := ed25519.GenerateKey(nil)
	centre.SignWith(key)
	h, err := New(st, Options{Location: cst, Updates: centre,
		Tokens: map[string]Caller{"machine-token-0123456789abcdef": {User: "etl", Role: RoleMonitor}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/api/v1/updates", strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer machine-token-0123456789abcdef")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		switch w.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusNotFound, http.StatusConflict:
		default:
			t.Fatalf("%q: %d %s", body, w.Code, w.Body)
		}
		pub.mu.Lock()
		defer pub.mu.Unlock()
		for topic := range pub.count {
			if !known[topic] {
				t.Fatalf("%q pushed to %s, a device the store does not know", body, topic)
			}
		}
	})
}
