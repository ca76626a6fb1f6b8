package unit

import (
	"crypto/ed25519"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// rosterV is the centre's roster version v for s1/u1: 王师傅 with pin.
func rosterV(t *testing.T, v uint64, pin string, key ed25519.PrivateKey) wire.GuardRoster {
	t.Helper()
	h, err := wire.HashPIN(pin)
	if err != nil {
		t.Fatal(err)
	}
	r := wire.GuardRoster{Schema: wire.SchemaVersion, Site: "s1", Unit: "u1", Version: v,
		IssuedAt: time.Date(2026, 11, 23, 9, 0, int(v), 0, time.UTC), IssuedBy: "manager",
		Guards: []wire.RosterGuard{{ID: "wang", Name: "王师傅", PINHash: h}}}
	if key != nil {
		wire.SignRoster(&r, key)
	}
	return r
}

// signsIn reports whether guard signs in at u's console with pin.
func signsIn(t *testing.T, u *Unit, guard, pin string) bool {
	t.Helper()
	r := httptest.NewRequest("POST", "http://127.0.0.1/api/sign-in", strings.NewReader(`{"guard":"`+guard+`","pin":"`+pin+`"}`))
	w := httptest.NewRecorder()
	u.console.Handler().ServeHTTP(w, r)
	return w.Code == http.StatusOK
}

// TestUnitTakesOnlyTheCentresNewerRosterForItself: a signed roster is
// taken and its PIN works; unsigned, forged, older and another unit's
// rosters are refused and the one held stays.
func TestUnitTakesOnlyTheCentresNewerRosterForItself(t *testing.T) {
	key, pub := newKey(t)
	other, _ := newKey(t)
	log := newLogSink()
	u, err := newVerifyingUnit(t, t.TempDir(), "tcp://127.0.0.1:1", log, pub)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	if signsIn(t, u, "wang", "2468") {
		t.Fatal("signed in before any roster")
	}
	u.onGuards(rosterV(t, 5, "2468", key))
	if !signsIn(t, u, "wang", "2468") {
		t.Fatalf("the centre's roster was not taken: %s", log)
	}
	another := rosterV(t, 9, "0000", nil)
	another.Unit = "u2"
	wire.SignRoster(&another, key)
	for name, r := range map[string]wire.GuardRoster{
		"unsigned":         rosterV(t, 6, "0000", nil),
		"forged":           rosterV(t, 7, "0000", other),
		"older":            rosterV(t, 4, "0000", key),
		"for another unit": another,
	} {
		u.onGuards(r)
		if signsIn(t, u, "wang", "0000") || !signsIn(t, u, "wang", "2468") {
			t.Errorf("%s roster changed the guards", name)
		}
	}
	if n := strings.Count(log.String(), "guard roster refused"); n != 4 {
		t.Fatalf("%d refusals logged, want 4:\n%s", n, log)
	}
}

// TestUnitRestartsWithTheSavedRosterOffline: a unit that reboots with no
// broker lets its guards sign in with the roster it was last pushed; a
// saved roster someone edited on the card is not used.
func TestUnitRestartsWithTheSavedRosterOffline(t *testing.T) {
	key, pub := newKey(t)
	dir := t.TempDir()
	u, err := newVerifyingUnit(t, dir, "tcp://127.0.0.1:1", newLogSink(), pub)
	if err != nil {
		t.Fatal(err)
	}
	u.onGuards(rosterV(t, 5, "2468", key))
	u.Close()

	u, err = newVerifyingUnit(t, dir, "tcp://127.0.0.1:1", newLogSink(), pub)
	if err != nil {
		t.Fatal(err)
	}
	if !signsIn(t, u, "wang", "2468") {
		t.Fatal("the saved roster was not restored")
	}
	// A replay of version 4 is still refused after the restart.
	u.onGuards(rosterV(t, 4, "0000", key))
	if signsIn(t, u, "wang", "0000") {
		t.Fatal("an older roster was taken after a restart")
	}
	u.Close()

	path := filepath.Join(dir, rosterFile)
	b, _ := os.ReadFile(path)
	edited := strings.Replace(string(b), `"name":"王师傅"`, `"name":"李师傅"`, 1)
	if edited == string(b) {
		t.Fatalf("the saved roster does not look as expected: %s", b)
	}
	os.WriteFile(path, []byte(edited), 0o600)
	log := newLogSink()
	u, err = newVerifyingUnit(t, dir, "tcp://127.0.0.1:1", log, pub)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	if signsIn(t, u, "wang", "2468") || !strings.Contains(log.String(), "saved guard roster not used") {
		t.Fatalf("an edited saved roster was used:\n%s", log)
	}
}

// TestLocalGuardsFileServesUntilTheCentrePushes: a unit with
// console.guards_file lets those guards in; the centre's first roster
// replaces the file's.
func TestLocalGuardsFileServesUntilTheCentrePushes(t *testing.T) {
	h, _ := wire.HashPIN("1234")
	file := filepath.Join(t.TempDir(), "guards.toml")
	os.WriteFile(file, []byte("[[guard]]\nid = \"demo\"\nname = \"演示\"\npin_hash = \""+h+"\"\n"), 0o600)
	cfg := minimalConfig(t, "[console]\nlisten = \"off\"\nguards_file = \""+file+"\"\n")
	u, err := New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	if !signsIn(t, u, "demo", "1234") {
		t.Fatal("the local file's guard cannot sign in")
	}
	u.onGuards(rosterV(t, 1, "2468", nil)) // no verify_keys: taken unsigned, as policies are
	if signsIn(t, u, "demo", "1234") || !signsIn(t, u, "wang", "2468") {
		t.Fatal("the centre's roster did not replace the local file")
	}
}

func TestGuardsFileProblemsAreNamed(t *testing.T) {
	file := filepath.Join(t.TempDir(), "guards.toml")
	os.WriteFile(file, []byte("[[guard]]\nid = \"Wang\"\nname = \"\"\npin_hash = \"2468\"\ncolour = \"red\"\n"), 0o600)
	_, err := LoadGuardsFile(file)
	for _, want := range []string{"colour", "guard[0]", "id", file} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %q", err, want)
		}
	}
	cfg := minimalConfig(t, "[console]\nlisten = \"off\"\nguards_file = \""+file+"\"\n")
	if _, err := New(cfg, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "console.guards_file") {
		t.Fatalf("a unit started with a bad guards file: %v", err)
	}
}

func TestALANConsoleWithoutTLSIsRefusedUnlessAllowed(t *testing.T) {
	for _, tc := range []struct {
		console string
		ok      bool
	}{
		{"listen = \"0.0.0.0:8081\"", false},
		{"listen = \"192.168.1.21:8081\"", false},
		{"listen = \"127.0.0.1:8081\"", true},
		{"listen = \"[::1]:8081\"", true},
		{"listen = \"0.0.0.0:8081\"\nallow_plain_http = true", true},
		{"listen = \"0.0.0.0:8443\"\ncert_file = \"u.pem\"\nkey_file = \"k.pem\"", true},
		{"listen = \"127.0.0.1:8081\"\nallow_plain_http = true", false},
		{"listen = \"127.0.0.1:8081\"\nsession_idle = \"1m\"", false},
	} {
		_, err := LoadConfig(writeConfig(t, minimal+"[console]\n"+tc.console+"\n"))
		if (err == nil) != tc.ok {
			t.Errorf("[console] %q: %v, want ok=%v", tc.console, err, tc.ok)
		}
		if !tc.ok && strings.Contains(tc.console, "0.0.0.0") && (err == nil ||
			!strings.Contains(err.Error(), "console.allow_plain_http") || !strings.Contains(err.Error(), "cert_file")) {
			t.Errorf("refusal %v names neither the opt-in nor the certificate", err)
		}
	}
}

// minimalConfig is a loaded config with its own data directory and extra
// TOML appended.
func minimalConfig(t *testing.T, extra string) Config {
	t.Helper()
	body := strings.Replace(minimal, `"/var/lib/kakou"`, `"`+t.TempDir()+`"`, 1) + extra
	cfg, err := LoadConfig(writeConfig(t, body))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
