package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kakou/kakou/gateway/config"
)

// setupCollector stands in for the collector's enrollment over HTTPS:
// "good" is a gateway token for s1/gateway-1, anything else is unknown.
func setupCollector(t *testing.T) (url, caFile string) {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req map[string]string
		json.NewDecoder(r.Body).Decode(&req)
		if req["token"] != "good" {
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(map[string]string{"error": "enrollment token unknown"})
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"site": req["site"], "unit": req["unit"], "role": "gateway",
			"username": req["site"] + "/" + req["unit"], "password": "gw-secret"})
	}))
	t.Cleanup(srv.Close)
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644)
	return srv.URL, caFile
}

const setupPolicy = "../../configs/policies/supermarket-normal.toml"

func TestGatewaySetupAsksInBothLanguagesEnrollsAndWritesAConfigThatLoads(t *testing.T) {
	url, ca := setupCollector(t)
	dir := t.TempDir()
	o := SetupOptions{Config: filepath.Join(dir, "etc", "gateway.toml")}
	stdin := strings.Join([]string{
		"riverside market", "s1", // a space in the site id, then a good one
		"", // gateway id: gateway-1
		filepath.Join(dir, "state"),
		filepath.Join(dir, "no-policy.toml"), setupPolicy,
		"1883", "",
		"http://cloud.example", url,
		ca, "stolen", "", "good",
	}, "\n") + "\n"
	var out bytes.Buffer
	if err := Setup(context.Background(), o, strings.NewReader(stdin), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"站点编号 / site id", "编号无效 / not a valid id", "策略文件不可用", "is not host:port",
		"必须是 https://", "中心拒绝登记 / enrollment failed", "配置已写入", "configuration written", "systemctl status kakou-gateway",
		"kakou-unit setup -broker tcp://"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	cfg, err := config.LoadConfig(o.Config)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckFiles(cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Site != "s1" || cfg.Gateway != "gateway-1" || cfg.Enroll.Token != "" || cfg.Cloud.CAFile != ca {
		t.Errorf("written config %+v", cfg)
	}
	// The gateway's own start uses the saved credential, not the spent token.
	if err := useCredential(context.Background(), &cfg, nil); err != nil || cfg.Cloud.Password != "gw-secret" {
		t.Fatalf("start with the written config: %v, password %q", err, cfg.Cloud.Password)
	}
}

func TestGatewaySetupScriptedWithARefusedTokenWritesNothing(t *testing.T) {
	url, ca := setupCollector(t)
	dir := t.TempDir()
	o := SetupOptions{Config: filepath.Join(dir, "gateway.toml"), Yes: true, Site: "s1", Policy: setupPolicy,
		DataDir: filepath.Join(dir, "state"), EnrollURL: url, CAFile: ca, Token: "stolen"}
	var out bytes.Buffer
	if err := Setup(context.Background(), o, strings.NewReader(""), &out); err == nil || !strings.Contains(err.Error(), "-role gateway") {
		t.Fatalf("error %v, want the refusal and the gateway's enroll-token command", err)
	}
	if _, err := os.Stat(o.Config); err == nil {
		t.Fatal("a refused setup wrote a config")
	}
	o.Token = "good"
	if err := Setup(context.Background(), o, strings.NewReader(""), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if err := Setup(context.Background(), o, strings.NewReader(""), &out); err == nil || !strings.Contains(err.Error(), "-force") {
		t.Fatalf("setup over an existing config: %v, want a refusal naming -force", err)
	}
}
