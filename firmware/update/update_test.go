package update

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// program is how a version behaves when the stand-in for systemd starts
// it: the binaries in these tests are bytes, and each version's bytes
// name a behaviour.
type program func(ctx context.Context, u *Updater) error

var (
	healthy   = HealthFunc(func(context.Context) error { return nil })
	noScreens = HealthFunc(func(context.Context) error { return errors.New("screening loop not running") })
)

// runs confirms with a healthy program: its main loop came up.
func runs(ctx context.Context, u *Updater) error {
	_, err := u.Confirm(ctx, healthy, time.Minute, time.Millisecond)
	return err
}

// crashes exits at start, before its main loop could confirm anything.
func crashes(context.Context, *Updater) error { return errors.New("panic: nil map at start") }

// hangs starts but never becomes healthy.
func hangs(ctx context.Context, u *Updater) error {
	_, err := u.Confirm(ctx, noScreens, 20*time.Millisecond, time.Millisecond)
	return err
}

// rig is a device (data dir, install root, the centre's key) and a
// stand-in for systemd that restarts the program from <root>/current,
// running Guard first as the unit file's ExecStartPre does.
type rig struct {
	t          testing.TB
	data, root string
	pub        ed25519.PublicKey
	priv       ed25519.PrivateKey
	programs   map[string]program
	srv        *httptest.Server
	files      map[string][]byte
	mu         sync.Mutex
	ranges     []string
	cutOnce    bool
	restart    bool
	starts     int
}

func newRig(t testing.TB) *rig {
	r := &rig{t: t, data: t.TempDir(), root: t.TempDir(), files: map[string][]byte{},
		programs: map[string]program{"1.4.0": runs}}
	r.pub, r.priv, _ = ed25519.GenerateKey(nil)
	os.MkdirAll(filepath.Join(r.root, "1.4.0"), 0o755)
	os.WriteFile(filepath.Join(r.root, "1.4.0", "kakou-unit"), []byte("1.4.0"), 0o755)
	if err := setLink(r.root, currentLink, "1.4.0"); err != nil {
		t.Fatal(err)
	}
	// The ledger shares the data directory and must come out untouched.
	os.WriteFile(filepath.Join(r.data, "ledger.db"), []byte("entries"), 0o640)
	r.srv = httptest.NewTLSServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

// serve is the collector's update file server; with cutOnce it sends half
// of the first response and drops the connection.
func (r *rig) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	b, ok := r.files[req.URL.Path]
	r.ranges = append(r.ranges, req.Header.Get("Range"))
	cut := r.cutOnce
	r.cutOnce = false
	r.mu.Unlock()
	if !ok {
		http.NotFound(w, req)
		return
	}
	if cut {
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.Write(b[:len(b)/2])
		panic(http.ErrAbortHandler)
	}
	http.ServeContent(w, req, "", time.Time{}, bytes.NewReader(b))
}

// publish puts a binary for version on the collector and returns the
// centre's signed push for it.
func (r *rig) publish(version string, body []byte, p program) wire.UpdatePush {
	path := "/updates/kakou-unit/" + version + "/armv6"
	r.files[path] = body
	r.programs[version] = p
	sum := sha256.Sum256(body)
	push := wire.UpdatePush{Schema: wire.SchemaVersion, Site: "s1", Unit: "u1", Program: "kakou-unit",
		Version: version, Arch: "armv6", URL: r.srv.URL + path, SHA256: hex.EncodeToString(sum[:]),
		Size: int64(len(body)), IssuedAt: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)}
	wire.SignUpdate(&push, r.priv)
	return push
}

func (r *rig) Restart(context.Context, string) error { r.restart = true; return nil }

func (r *rig) updater(running string, edit ...func(*Options)) *Updater {
	o := Options{Site: "s1", Unit: "u1", Program: "kakou-unit", Arch: "armv6", Running: running,
		DataDir: r.data, Root: r.root, Keys: []ed25519.PublicKey{r.pub}, Client: r.srv.Client(),
		Restarter: r, Free: func(string) (int64, error) { return 1 << 40, nil }}
	for _, e := range edit {
		e(&o)
	}
	u, err := New(o)
	if err != nil {
		r.t.Fatal(err)
	}
	return u
}

// settle starts the service until a version stays up without asking for
// a restart, as systemd with Restart=always would, and returns it.
func (r *rig) settle() string {
	r.t.Helper()
	for range 10 {
		if _, err := Guard(r.data, r.root, DefaultMaxStarts); err != nil {
			r.t.Fatal(err)
		}
		v, _ := linkTarget(r.root, currentLink)
		r.restart = false
		r.starts++
		if err := r.programs[v](context.Background(), r.updater(v)); err == nil && !r.restart {
			return v
		}
	}
	r.t.Fatal("the service never settled")
	return ""
}

func (r *rig) report() Report {
	st, err := loadState(filepath.Join(r.data, "updates"))
	if err != nil {
		r.t.Fatal(err)
	}
	return st
}

func (r *rig) ledgerUntouched() {
	if b, _ := os.ReadFile(filepath.Join(r.data, "ledger.db")); string(b) != "entries" {
		r.t.Fatalf("ledger changed by the update: %q", b)
	}
}
