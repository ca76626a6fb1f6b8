package unit

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// enrollServer stands in for the collector's POST /api/v1/enroll (the
// cloud's real handler is tested in cloud/api; firmware may not import
// it): the token "good" works once, anything else is unknown.
func enrollServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	var spent atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		var req map[string]string
		json.NewDecoder(r.Body).Decode(&req)
		switch {
		case r.URL.Path != "/api/v1/enroll" || r.Method != http.MethodPost:
			http.NotFound(w, r)
		case req["token"] != "good":
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(map[string]string{"error": "enrollment token unknown"})
		case spent.Swap(true):
			w.WriteHeader(http.StatusConflict)
			json.NewEncoder(w).Encode(map[string]string{"error": "enrollment token already used"})
		default:
			json.NewEncoder(w).Encode(map[string]string{"site": req["site"], "unit": req["unit"],
				"role": "unit", "username": req["unit"], "password": "secret-from-cloud"})
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func enrollConfig(t *testing.T, url, token string) Config {
	c := defaults()
	c.Site, c.Unit, c.DataDir = "s1", "u1", t.TempDir()
	c.Enroll = EnrollConfig{URL: url, Token: token}
	return c
}

var quiet = slog.New(slog.DiscardHandler)

func TestUnitEnrollsOnFirstStartAndReusesTheSavedCredential(t *testing.T) {
	srv, calls := enrollServer(t)
	cfg := enrollConfig(t, srv.URL, "good")
	first := cfg
	if err := useCredential(context.Background(), &first, quiet); err != nil {
		t.Fatal(err)
	}
	if first.MQTT.Username != "u1" || first.MQTT.Password != "secret-from-cloud" {
		t.Fatalf("mqtt credential = %q/%q, want the enrolled one", first.MQTT.Username, first.MQTT.Password)
	}
	fi, err := os.Stat(filepath.Join(cfg.DataDir, credentialFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("credential file: %v, mode %v; want 0600", err, fi.Mode())
	}
	again := cfg // a restart: the token is spent, the saved credential is used
	if err := useCredential(context.Background(), &again, quiet); err != nil || again.MQTT.Password != "secret-from-cloud" {
		t.Fatalf("restart: %v, password %q", err, again.MQTT.Password)
	}
	if calls.Load() != 1 {
		t.Fatalf("%d enrollment requests, want 1", calls.Load())
	}
}

func TestUnitSaysWhatToDoWhenEnrollmentIsRefused(t *testing.T) {
	srv, _ := enrollServer(t)
	other := enrollConfig(t, srv.URL, "good")
	useCredential(context.Background(), &other, quiet) // spends the token
	cases := []struct {
		name, token string
		says        []string
	}{
		{"token used twice", "good", []string{"already used", "kakou-cloud enroll-token -site s1 -unit u1", "[enroll] token"}},
		{"unknown token", "stolen", []string{"refused", "token unknown", "enroll-token"}},
	}
	for _, c := range cases {
		cfg := enrollConfig(t, srv.URL, c.token)
		err := useCredential(context.Background(), &cfg, quiet)
		for _, s := range c.says {
			if err == nil || !strings.Contains(err.Error(), s) {
				t.Errorf("%s: error %v, want it to say %q", c.name, err, s)
			}
		}
		if _, serr := os.Stat(filepath.Join(cfg.DataDir, credentialFile)); serr == nil {
			t.Errorf("%s: a refused enrollment saved a credential", c.name)
		}
	}
}

func TestUnitWithoutEnrollKeepsTheConfiguredCredential(t *testing.T) {
	cfg := enrollConfig(t, "", "")
	cfg.MQTT.Username, cfg.MQTT.Password = "demo", "demo-pw"
	if err := useCredential(context.Background(), &cfg, quiet); err != nil || cfg.MQTT.Username != "demo" {
		t.Fatalf("useCredential: %v, username %q", err, cfg.MQTT.Username)
	}
}

func TestUnitRefusesACredentialSavedForAnotherUnit(t *testing.T) {
	cfg := enrollConfig(t, "", "")
	other := `{"site":"s1","unit":"u9","username":"s1/u9","password":"x"}`
	if err := os.WriteFile(filepath.Join(cfg.DataDir, credentialFile), []byte(other), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := useCredential(context.Background(), &cfg, quiet); err == nil || !strings.Contains(err.Error(), "delete it") {
		t.Fatalf("error = %v, want one saying to delete the file", err)
	}
}

func TestEnrollConfigProblems(t *testing.T) {
	cases := map[EnrollConfig]string{
		{Token: "t"}:                                         "enroll.url: required",
		{URL: "ftp://cloud", Token: "t"}:                     "enroll.url",
		{URL: "http://cloud:8080", CAFile: "ca.pem"}:         "enroll.ca_file",
		{URL: "https://cloud:8443", Token: "t", CAFile: "c"}: "",
		{}: "",
	}
	for e, want := range cases {
		got := strings.Join(e.problems(), "\n")
		if want == "" && got != "" || !strings.Contains(got, want) {
			t.Errorf("%+v: problems %q, want %q", e, got, want)
		}
	}
}
