package gateway

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/kakou/kakou/gateway/config"
)

// collectorEnroll stands in for the collector's POST /api/v1/enroll (the
// real handler is tested in cloud/api; the gateway may not import it):
// the token "good" works once.
func collectorEnroll(t *testing.T) *httptest.Server {
	t.Helper()
	spent := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req map[string]string
		json.NewDecoder(r.Body).Decode(&req)
		switch {
		case r.URL.Path != "/api/v1/enroll" || req["token"] != "good":
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(map[string]string{"error": "enrollment token unknown"})
		case spent:
			w.WriteHeader(http.StatusConflict)
			json.NewEncoder(w).Encode(map[string]string{"error": "enrollment token already used"})
		default:
			spent = true
			json.NewEncoder(w).Encode(map[string]string{"site": req["site"], "unit": req["unit"],
				"role": "gateway", "username": req["unit"], "password": "gw-secret"})
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func gatewayConfig(t *testing.T, url, token string) config.Config {
	c := config.Default()
	c.Site, c.Gateway, c.DataDir = "s1", "gw1", t.TempDir()
	c.Enroll = config.Enroll{URL: url, Token: token}
	return c
}

func TestGatewayEnrollsOnceAndUsesItsCredentialForTheCloud(t *testing.T) {
	srv := collectorEnroll(t)
	log := slog.New(slog.DiscardHandler)
	cfg := gatewayConfig(t, srv.URL, "good")
	first := cfg
	if err := useCredential(context.Background(), &first, log); err != nil {
		t.Fatal(err)
	}
	if first.Cloud.Username != "gw1" || first.Cloud.Password != "gw-secret" {
		t.Fatalf("cloud credential %q/%q, want the enrolled one", first.Cloud.Username, first.Cloud.Password)
	}
	if fi, err := os.Stat(cfg.CredentialFile()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("credential file: %v; want mode 0600", err)
	}
	again := cfg // restart: the saved credential, no second use of the token
	if err := useCredential(context.Background(), &again, log); err != nil || again.Cloud.Password != "gw-secret" {
		t.Fatalf("restart: %v", err)
	}
	other := gatewayConfig(t, srv.URL, "good") // a second gateway with the spent token
	err := useCredential(context.Background(), &other, log)
	if err == nil || !strings.Contains(err.Error(), "already used") || !strings.Contains(err.Error(), "enroll-token -role gateway") {
		t.Fatalf("reused token: error %v, want it refused with what to do", err)
	}
}
