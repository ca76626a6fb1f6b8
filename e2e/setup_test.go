package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/api"
	"github.com/kakou/kakou/cloud/devicepass"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/sqlite"
	"github.com/kakou/kakou/firmware/unit"
)

// TestFirstBootSetupEnrollsWithTheRealCollector runs kakou-unit setup's
// walk-through against the collector's own enrollment API over HTTPS: the
// token the centre issued buys a credential the centre can check, the
// written config loads, and the spent token is refused to a second Pi.
func TestFirstBootSetupEnrollsWithTheRealCollector(t *testing.T) {
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "cloud.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	err = st.PutEnrollmentToken(ctx, store.EnrollmentToken{Token: "tok-0123456789abcdef", Site: "s1", Unit: "north-gate",
		Role: store.RoleUnit, CreatedAt: time.Now().Add(-time.Minute), ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	h, err := api.New(st, api.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644)

	o := unit.SetupOptions{Config: filepath.Join(dir, "etc", "unit.toml"), DataDir: filepath.Join(dir, "state"),
		Thermometer: "sim", ScannerPort: "sim", CAFile: ca}
	stdin := "s1\nnorth-gate\n\n" + srv.URL + "\ntok-0123456789abcdef\n\n"
	var out bytes.Buffer
	if err := unit.Setup(ctx, o, strings.NewReader(stdin), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	cfg, err := unit.LoadConfig(o.Config)
	if err != nil {
		t.Fatal(err)
	}
	if err := unit.CheckFiles(cfg); err != nil {
		t.Fatal(err)
	}
	saved, _ := os.ReadFile(filepath.Join(o.DataDir, "credential.json"))
	cred, err := st.DeviceCredential(ctx, store.UnitID{Site: "s1", Unit: "north-gate"})
	if err != nil || !strings.Contains(string(saved), `"username":"s1/north-gate"`) {
		t.Fatalf("centre's credential %+v (%v); saved %s", cred, err, saved)
	}
	var pw struct{ Password string }
	json.Unmarshal(saved, &pw)
	if !devicepass.Check(cred.PasswordHash, pw.Password) {
		t.Fatal("the password setup saved is not the one the centre hashed")
	}

	again := o
	again.Config, again.DataDir, again.Yes = filepath.Join(dir, "second.toml"), filepath.Join(dir, "second"), true
	again.Site, again.Unit, again.EnrollURL, again.Token = "s1", "north-gate", srv.URL, "tok-0123456789abcdef"
	if err := unit.Setup(ctx, again, strings.NewReader(""), &out); err == nil || !strings.Contains(err.Error(), "already used") {
		t.Fatalf("a second Pi with the spent token: %v, want it refused as already used", err)
	}
	if _, err := os.Stat(again.Config); err == nil {
		t.Fatal("a refused setup wrote a config")
	}
}
