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
	"github.com/kakou/kakou/gateway/config"
	"github.com/kakou/kakou/gateway/gateway"
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

// TestFirstBootGatewaySetupEnrollsWithTheRealCollector: a gateway token
// from the centre buys the gateway its credential through kakou-gateway
// setup; a unit's token typed into a gateway, which the centre would
// honour as a unit's, is caught by setup before the gateway fails at its
// first publish.
func TestFirstBootGatewaySetupEnrollsWithTheRealCollector(t *testing.T) {
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "cloud.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	for _, tok := range []store.EnrollmentToken{
		{Token: "gw-token-0123456789", Site: "market", Unit: "gateway-1", Role: store.RoleGateway},
		{Token: "unit-token-0123456789", Site: "market", Unit: "gateway-2", Role: store.RoleUnit},
	} {
		tok.CreatedAt, tok.ExpiresAt = time.Now().Add(-time.Minute), time.Now().Add(time.Hour)
		if err := st.PutEnrollmentToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
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
	o := gateway.SetupOptions{Config: filepath.Join(dir, "gateway.toml"), Yes: true, Site: "market", Gateway: "gateway-1",
		DataDir: filepath.Join(dir, "gw"), Policy: "../configs/policies/supermarket-normal.toml",
		EnrollURL: srv.URL, CAFile: ca, Token: "gw-token-0123456789"}
	var out bytes.Buffer
	if err := gateway.Setup(ctx, o, strings.NewReader(""), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	cred, err := st.DeviceCredential(ctx, store.UnitID{Site: "market", Unit: "gateway-1"})
	if err != nil || cred.Role != store.RoleGateway {
		t.Fatalf("centre's credential %+v, %v; want a gateway's", cred, err)
	}
	if _, err := config.LoadConfig(o.Config); err != nil {
		t.Fatal(err)
	}
	o.Config, o.DataDir, o.Gateway, o.Token = filepath.Join(dir, "gw2.toml"), filepath.Join(dir, "gw2"), "gateway-2", "unit-token-0123456789"
	err = gateway.Setup(ctx, o, strings.NewReader(""), &out)
	if err == nil || !strings.Contains(err.Error(), "other role") || !strings.Contains(err.Error(), "-role gateway") {
		t.Fatalf("setup with a unit's token: %v, want it refused naming the right token", err)
	}
	if c, err := st.DeviceCredential(ctx, store.UnitID{Site: "market", Unit: "gateway-2"}); err == nil {
		t.Fatalf("the centre enrolled a gateway with a unit's token: %+v", c)
	}
	for _, f := range []string{o.Config, filepath.Join(o.DataDir, "credential.json")} {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("%s kept after setup found the wrong role", f)
		}
	}
}
